// Give a descriptor's handle to a library that closes it: the program owns a CRT descriptor,
// and a library wants a HANDLE that it will close itself. The library gets a duplicate (while
// the program keeps its descriptor) or, once the descriptor is no longer needed, the handle taken out of the CRT.
// Each owner says what it closed. Windows only.

#include <handoff/handoff.hpp>

#include <fcntl.h>
#include <io.h>
#include <share.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstring>

#include <windows.h>

namespace
{
// Stands in for a library that takes ownership of the handle it is given.
class handle_sink
{
  public:
    explicit handle_sink(HANDLE adopted) : handle_(adopted)
    {
    }
    ~handle_sink()
    {
        const bool closed = ::CloseHandle(handle_) != FALSE;
        std::printf("library: closed the handle it was given (%p): %s\n", static_cast<void *>(handle_),
                    closed ? "ok" : "FAILED, somebody else closed it");
    }
    void write(const char *text)
    {
        DWORD written = 0;
        ::WriteFile(handle_, text, static_cast<DWORD>(std::strlen(text)), &written, nullptr);
    }

  private:
    HANDLE handle_;
};
} // namespace

int main()
{
    char path[MAX_PATH];
    ::GetTempPathA(MAX_PATH, path);
    std::strcat(path, "handoff-give-to-library.txt");
    std::error_code ec;
    handoff::unique_fd fd =
        handoff::adopt_fd(::_open(path, _O_CREAT | _O_TRUNC | _O_RDWR | _O_BINARY, _S_IREAD | _S_IWRITE), ec);
    if (ec)
        return 1;

    {
        // While the program keeps its descriptor: the library gets a duplicate.
        const handoff::borrowed_handle crt_handle = handoff::handle_of(fd, ec);
        handle_sink library(handoff::duplicate(crt_handle, ec).give());
        std::printf("1. the descriptor keeps its handle (%p); the library is given a duplicate of it\n",
                    static_cast<void *>(crt_handle.get()));
        library.write("from the library; ");
    }
    ::_write(fd.get(), "from the descriptor; ", 21);

    {
        // When the descriptor is no longer needed: the handle leaves the CRT for good.
        handle_sink library(handoff::to_handle(std::move(fd), ec).give());
        std::printf("2. to_handle: the descriptor is %s, and the library is given its handle\n",
                    fd ? "still open" : "closed without closing its handle");
        library.write("from the library again");
    }

    std::FILE *check = std::fopen(path, "rb");
    char text[128] = {};
    std::fread(text, 1, sizeof text - 1, check);
    std::fclose(check);
    std::remove(path);
    std::printf("the file says: \"%s\"\n", text);
    std::puts("each handle was closed once, by its one owner; Windows reuses a freed handle value "
              "at once, so a value printed twice above can be two different handles");
    return 0;
}
