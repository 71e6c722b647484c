// Give a descriptor's handle to a library that closes it: the program owns a CRT descriptor,
// and a library wants a HANDLE that it will close itself. The library gets a duplicate (while
// the program keeps its descriptor) or, once the descriptor is no longer needed, a handle of its
// own taken out of the CRT as the descriptor closes. Each owner says what it closed. Windows only.

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
        handoff::unique_handle copy = handoff::duplicate(crt_handle, ec);
        std::printf("1. the descriptor keeps its handle %p; the library is given a duplicate, %p\n",
                    static_cast<void *>(crt_handle.get()), static_cast<void *>(copy.get()));
        handle_sink library(std::move(copy).give());
        library.write("from the library; ");
    }
    ::_write(fd.get(), "from the descriptor; ", 21);

    {
        // When the descriptor is no longer needed: the handle leaves the CRT for good.
        const HANDLE crt_handle = handoff::handle_of(fd, ec).get();
        handoff::unique_handle taken = handoff::to_handle(std::move(fd), ec);
        std::printf("2. to_handle: the CRT closed the descriptor and its handle %p (%s); the library is given "
                    "a duplicate made first, %p\n",
                    static_cast<void *>(crt_handle), fd ? "FAILED, still open" : "the descriptor is empty",
                    static_cast<void *>(taken.get()));
        handle_sink library(std::move(taken).give());
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
