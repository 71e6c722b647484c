// A library lends its HANDLE, and the program wants a CRT descriptor and a FILE* for it. Giving the lent value to _open_osfhandle would make two owners of one handle;
// handoff gives the C runtime a duplicate. Each owner says what it closed. Windows only.

#include <handoff/handoff.hpp>

#include <cstdio>
#include <cstring>
#include <string>

#include <windows.h>

namespace
{
// Stands in for a third-party I/O library: it owns its handle and closes it itself.
class io_library
{
  public:
    explicit io_library(const wchar_t *path)
        : handle_(::CreateFileW(path, GENERIC_READ | GENERIC_WRITE, 0, nullptr, CREATE_ALWAYS,
                                FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, nullptr))
    {
    }
    ~io_library()
    {
        const bool closed = ::CloseHandle(handle_) != FALSE;
        std::printf("library: closed its handle %p: %s\n", static_cast<void *>(handle_),
                    closed ? "ok" : "FAILED, somebody else closed it");
    }
    bool is_open() const
    {
        return handle_ != INVALID_HANDLE_VALUE;
    }
    HANDLE native_handle() const // lent, not given
    {
        return handle_;
    }
    std::string read_all() const
    {
        ::SetFilePointer(handle_, 0, nullptr, FILE_BEGIN);
        char buffer[256];
        DWORD count = 0;
        ::ReadFile(handle_, buffer, sizeof buffer, &count, nullptr);
        return std::string(buffer, count);
    }

  private:
    HANDLE handle_;
};
} // namespace

int main()
{
    wchar_t path[MAX_PATH];
    ::GetTempPathW(MAX_PATH, path);
    ::wcscat_s(path, MAX_PATH, L"handoff-library-lends-its-handle.txt");
    io_library library(path);
    if (!library.is_open())
        return 1;

    // The CRT gets its own handle to the same file; the library keeps and closes its own.
    std::error_code ec;
    handoff::unique_file stream = handoff::to_file(handoff::borrowed_handle(library.native_handle()), "w", ec);
    if (ec)
    {
        std::fprintf(stderr, "to_file failed: %s\n", ec.message().c_str());
        return 1;
    }
    const HANDLE crt_handle = handoff::handle_of(handoff::fd_of(stream), ec).get();
    std::printf("library lends %p; the stream owns the duplicate %p\n", static_cast<void *>(library.native_handle()),
                static_cast<void *>(crt_handle));

    std::fputs("written through the FILE*", stream.get());
    stream.close(ec); // fclose: the stream, its descriptor and the duplicate
    std::printf("stream: closed its FILE*, descriptor and handle %p: %s\n", static_cast<void *>(crt_handle),
                ec ? ec.message().c_str() : "ok");
    std::printf("library reads back: \"%s\"\n", library.read_all().c_str());
    return 0; // the library closes its own handle, once
}
