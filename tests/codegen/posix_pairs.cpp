// The POSIX conversions, each written twice: raw with handoff's checks made by hand and the
// same error values, and with handoff.

#include <handoff/handoff.hpp>

#include "pair_declarations.hpp"
#include "pairs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

using handoff::errc;
namespace detail = handoff::detail;

// duplicate of a lent descriptor, close-on-exec, at least 3.

namespace
{
// Always inlined: the raw side is as tight as the compiler can make it.
[[gnu::always_inline]] inline int raw_duplicate_fd_inline(int lent, std::error_code &ec) noexcept
{
    if (lent < 0)
    {
        ec = errc::empty_value;
        return -1;
    }
    const int copy = ::fcntl(lent, F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
    {
        ec = detail::errno_error();
        return -1;
    }
    ec.clear();
    return copy;
}
} // namespace

extern "C" CODEGEN_FUNCTION int raw_duplicate_fd(int lent, std::error_code &ec) noexcept
{
    return raw_duplicate_fd_inline(lent, ec);
}

extern "C" CODEGEN_FUNCTION int handoff_duplicate_fd(int lent, std::error_code &ec) noexcept
{
    return handoff::duplicate(handoff::borrowed_fd(lent), ec).release();
}

// The same, and the copy closed: the body of the runtime benchmark.

extern "C" CODEGEN_FUNCTION int raw_duplicate_close(int lent) noexcept
{
    std::error_code ec;
    const int copy = raw_duplicate_fd_inline(lent, ec);
    if (copy < 0)
        return -1;
    return ::close(copy);
}

extern "C" CODEGEN_FUNCTION int handoff_duplicate_close(int lent) noexcept
{
    std::error_code ec;
    handoff::unique_fd copy = handoff::duplicate(handoff::borrowed_fd(lent), ec);
    if (ec)
        return -1;
    copy.close(ec);
    return ec ? -1 : 0;
}

// to_file of an owned descriptor: the stream takes it, or it stays the caller's.

extern "C" CODEGEN_FUNCTION std::FILE *raw_to_file_moved(int &owned, const char *mode, std::error_code &ec) noexcept
{
    if (owned < 0)
    {
        ec = errc::empty_value;
        return nullptr;
    }
    if (!detail::is_valid_stream_mode(mode))
    {
        ec = errc::invalid_mode;
        return nullptr;
    }
    std::FILE *const stream = ::fdopen(owned, mode);
    if (stream == nullptr)
    {
        ec = detail::errno_error();
        return nullptr;
    }
    owned = -1;
    ec.clear();
    return stream;
}

extern "C" CODEGEN_FUNCTION std::FILE *handoff_to_file_moved(handoff::unique_fd &owned, const char *mode,
                                                             std::error_code &ec) noexcept
{
    return handoff::to_file(std::move(owned), mode, ec).release();
}

// to_file of a lent descriptor: a stream on a duplicate; an append mode only for a lender that
// appends already.

namespace
{
[[gnu::always_inline]] inline std::FILE *raw_to_file_borrowed_inline(int lent, const char *mode, std::error_code &ec) noexcept
{
    if (!detail::is_valid_stream_mode(mode))
    {
        ec = errc::invalid_mode;
        return nullptr;
    }
    if (mode[0] == 'a' && lent >= 0)
    {
        const int status = ::fcntl(lent, F_GETFL);
        if (status < 0)
        {
            ec = detail::errno_error();
            return nullptr;
        }
        if ((status & O_APPEND) == 0)
        {
            ec = errc::would_change_lender;
            return nullptr;
        }
    }
    const int copy = raw_duplicate_fd_inline(lent, ec);
    if (copy < 0)
        return nullptr;
    std::FILE *const stream = ::fdopen(copy, mode);
    if (stream == nullptr)
    {
        ec = detail::errno_error();
        ::close(copy);
        return nullptr;
    }
    ec.clear();
    return stream;
}
} // namespace

extern "C" CODEGEN_FUNCTION std::FILE *raw_to_file_borrowed(int lent, const char *mode, std::error_code &ec) noexcept
{
    return raw_to_file_borrowed_inline(lent, mode, ec);
}

extern "C" CODEGEN_FUNCTION std::FILE *handoff_to_file_borrowed(int lent, const char *mode,
                                                                std::error_code &ec) noexcept
{
    return handoff::to_file(handoff::borrowed_fd(lent), mode, ec).release();
}

// A library lends its descriptor (POSIX); write through a stream of our own.

extern "C" CODEGEN_FUNCTION int raw_lent_write(int lent, const char *text) noexcept
{
    std::error_code ec;
    std::FILE *const stream = raw_to_file_borrowed_inline(lent, "w", ec);
    if (stream == nullptr)
        return -1;
    const int result = std::fputs(text, stream);
    if (std::fclose(stream) != 0)
        return -1;
    return result;
}

extern "C" CODEGEN_FUNCTION int handoff_lent_write(int lent, const char *text) noexcept
{
    std::error_code ec;
    handoff::unique_file stream = handoff::to_file(handoff::borrowed_fd(lent), "w", ec);
    if (ec)
        return -1;
    const int result = std::fputs(text, stream.get());
    stream.close(ec);
    return ec ? -1 : result;
}

// to_file of an owned descriptor, timed by the benchmark: each job first makes the descriptor
// it consumes (the same call on both sides).

extern "C" CODEGEN_FUNCTION int plain_to_file_moved_close(int lent) noexcept
{
    const int fd = ::fcntl(lent, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    std::FILE *const stream = ::fdopen(fd, "w");
    if (stream == nullptr)
    {
        ::close(fd);
        return -1;
    }
    return std::fclose(stream);
}

extern "C" CODEGEN_FUNCTION int handoff_to_file_moved_close(int lent) noexcept
{
    std::error_code ec;
    handoff::unique_file stream = handoff::to_file(handoff::unique_fd(::fcntl(lent, F_DUPFD_CLOEXEC, 0)), "w", ec);
    if (ec)
        return -1;
    stream.close(ec);
    return ec ? -1 : 0;
}
