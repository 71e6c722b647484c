// Test support: the few raw descriptor calls that differ between the CRT and POSIX.

#ifndef HANDOFF_TESTS_SUPPORT_PLATFORM_HPP
#define HANDOFF_TESTS_SUPPORT_PLATFORM_HPP

#include <string>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

namespace handoff_test
{
/// Opens `path` for reading and writing with the raw platform call; -1 and errno on failure.
inline int open_raw_fd(const std::string &path)
{
#if defined(_WIN32)
    return ::_open(path.c_str(), _O_RDWR | _O_BINARY);
#else
    return ::open(path.c_str(), O_RDWR | O_CLOEXEC);
#endif
}

inline int close_raw_fd(int fd)
{
#if defined(_WIN32)
    return ::_close(fd);
#else
    return ::close(fd);
#endif
}

inline long write_raw_fd(int fd, const std::string &text)
{
#if defined(_WIN32)
    return ::_write(fd, text.data(), static_cast<unsigned>(text.size()));
#else
    return static_cast<long>(::write(fd, text.data(), text.size()));
#endif
}
} // namespace handoff_test

#endif
