// The other half: passes an owner by value to take_and_close(), compiled by the other
// compiler, and checks that the descriptor arrived and was closed there, once. Prints
// "mixed compilers: ok".

#include <handoff/fd.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

int take_and_close(handoff::unique_fd fd);

int main()
{
    const int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (raw < 0)
        return 1;
    const int seen = take_and_close(handoff::unique_fd(raw));
    const bool closed = ::fcntl(raw, F_GETFD) == -1 && errno == EBADF;
    if (seen != raw || !closed)
    {
        std::printf("mixed compilers: FAILED: the callee saw %d for %d, closed: %d\n", seen, raw, closed ? 1 : 0);
        return 1;
    }
    std::printf("mixed compilers: ok\n");
    return 0;
}
