// A library lends its descriptor (POSIX), and the program wants a FILE*
// for it. fdopen(lent) would let fclose close the library's descriptor; handoff opens the
// stream on a close-on-exec duplicate. Each owner says what it closed.

#include <handoff/handoff.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace
{
// Stands in for a third-party library: it owns its descriptor and closes it itself.
class io_library
{
  public:
    io_library()
    {
        std::string path = std::string(P_tmpdir) + "/handoff-fdopen-XXXXXX";
        fd_ = ::mkstemp(&path[0]);
        ::unlink(path.c_str());
    }
    ~io_library()
    {
        const bool closed = ::close(fd_) == 0;
        std::printf("library: closed its descriptor %d: %s\n", fd_, closed ? "ok" : "FAILED, somebody else closed it");
    }
    int native_handle() const // lent, not given
    {
        return fd_;
    }
    std::string read_all() const
    {
        char buffer[256];
        const ssize_t count = ::pread(fd_, buffer, sizeof buffer, 0);
        return count > 0 ? std::string(buffer, static_cast<std::size_t>(count)) : std::string();
    }

  private:
    int fd_;
};
} // namespace

int main()
{
    io_library library;
    std::error_code ec;
    handoff::unique_file stream = handoff::to_file(handoff::borrowed_fd(library.native_handle()), "w", ec);
    if (ec)
    {
        std::fprintf(stderr, "to_file failed: %s\n", ec.message().c_str());
        return 1;
    }
    const int stream_fd = handoff::fd_of(stream).get();
    std::printf("library lends descriptor %d; the stream owns the duplicate %d\n", library.native_handle(), stream_fd);
    std::fputs("written through the FILE*", stream.get());
    stream.close(ec);
    std::printf("stream: closed its FILE* and descriptor %d: %s\n", stream_fd, ec ? ec.message().c_str() : "ok");
    std::printf("library reads back: \"%s\"\n", library.read_all().c_str());
    return 0;
}
