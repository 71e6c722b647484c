// duplicate() on POSIX: an independently owned descriptor for the same open file, created
// close-on-exec so that no child process inherits it by accident.

#include <handoff/handoff.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

int main()
{
    std::error_code ec;
    // Standard output belongs to the process, not to us: borrow it, never adopt it.
    const handoff::borrowed_fd out(STDOUT_FILENO);
    handoff::unique_fd copy = handoff::duplicate(out, ec);
    if (ec)
    {
        std::fprintf(stderr, "duplicate failed: %s\n", ec.message().c_str());
        return 1;
    }
    const char text[] = "written through the duplicate\n";
    if (::write(copy.get(), text, std::strlen(text)) < 0)
        return 1;
    std::printf("duplicate is fd %d, close-on-exec: %s\n", copy.get(),
                (::fcntl(copy.get(), F_GETFD) & FD_CLOEXEC) != 0 ? "yes" : "no");
    const int value = copy.get();
    copy.close(ec); // the owner closes what it owns, once
    std::printf("our owner closed its duplicate %d: %s\n", value, ec ? ec.message().c_str() : "ok");
    std::printf("standard output, only lent to us, is still open: %s\n", ::fcntl(out.get(), F_GETFD) != -1 ? "yes" : "no");
    std::fflush(stdout);
    return 0;
}
