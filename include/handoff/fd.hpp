// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief The platform's file-descriptor family: `unique_fd`, `borrowed_fd`, `adopt_fd()`.
///
/// On Windows a descriptor is a C-runtime fd (`_open`, `_open_osfhandle`), closed with `_close`,
/// which also closes the kernel HANDLE behind it. Elsewhere it is a POSIX fd, closed with
/// `close`. The two share one family because they play the same part on their platform; what
/// only one of them has lives in a header of its own: crt.hpp (HANDLE conversions) and
/// posix.hpp (`duplicate`).

#ifndef HANDOFF_FD_HPP_INCLUDED
#define HANDOFF_FD_HPP_INCLUDED

#include <handoff/borrowed_handle.hpp>
#include <handoff/config.hpp>
#include <handoff/error.hpp>
#include <handoff/unique_handle.hpp>

#include <cerrno>
#include <system_error>

#if HANDOFF_WINDOWS
#include <handoff/detail/crt_calls.hpp>

#include <stdlib.h>
#else
#include <unistd.h>
#endif

HANDOFF_BEGIN_NAMESPACE

/// Traits of the descriptor family: empty is -1, any negative value is never owned.
/// On Windows `close` is `_close` (fd and HANDLE); elsewhere it is `close`, never retried on
/// `EINTR`, because the descriptor is gone whatever `close` returns and may already be reused.
struct fd_traits
{
    /// What the ownership checks (docs/checks.md) register an owner's value as.
#if HANDOFF_WINDOWS
    static constexpr value_kind check_kind = value_kind::crt_fd;
#else
    static constexpr value_kind check_kind = value_kind::posix_fd;
#endif
    /// The raw value.
    using value_type = int;

    /// -1, the value of an empty owner or view.
    static constexpr value_type empty() noexcept
    {
        return -1;
    }

    /// False for every negative value.
    static constexpr bool can_own(value_type fd) noexcept
    {
        return fd >= 0;
    }

    /// `_close(fd)` on Windows, `close(fd)` elsewhere. On failure: on Windows the error of the
    /// `CloseHandle` under `_close` (`ERROR_INVALID_HANDLE`, in `crt_error_category()`) where the CRT kept it, else
    /// `errno`
    /// (`EBADF` for a descriptor that is not open); `errno` elsewhere. A descriptor that is not
    /// open never reaches the CRT's invalid-parameter handler.
    HANDOFF_INLINE static std::error_code close(value_type fd) noexcept
    {
#if HANDOFF_WINDOWS
        _doserrno = 0;
        if (detail::crt_close(fd) == 0)
            return {};
        return detail::crt_error();
#else
        if (::close(fd) == 0)
            return {};
        return detail::errno_error();
#endif
    }

    /// `close(fd)` without its error, for an owner that cannot report the result.
    HANDOFF_INLINE static void close_quietly(value_type fd) noexcept
    {
#if HANDOFF_WINDOWS
        (void)detail::crt_close(fd);
#else
        (void)::close(fd);
#endif
    }
};

/// Owns a file descriptor (a CRT fd on Windows) and closes it once.
using unique_fd = basic_unique_handle<fd_traits>;

/// A file descriptor that somebody else closes.
using borrowed_fd = basic_borrowed_handle<fd_traits>;

/// Adopts the result of a call that returns -1 and sets `errno` on failure (`open`, `_open`,
/// `socket`, `_open_osfhandle`, ...). On failure `ec` is that `errno` value, which is left in place.
///
/// ~~~cpp
/// std::error_code ec;
/// handoff::unique_fd fd = handoff::adopt_fd(::open("data.bin", O_RDONLY | O_CLOEXEC), ec);
/// ~~~
inline unique_fd adopt_fd(int fd, std::error_code &ec HANDOFF_CALL_SITE_PARAMETER) noexcept
{
    return detail::adopt_result<unique_fd>(
        fd, -1, [] { return detail::errno_error(); }, errc::invalid_value, ec HANDOFF_CALL_SITE_ARGUMENT);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `adopt_fd(fd, ec)`: throws `std::system_error` carrying `errno`.
inline unique_fd adopt_fd(int fd HANDOFF_CALL_SITE_PARAMETER)
{
    return detail::value_or_throw("handoff::adopt_fd",
                                  [&](std::error_code &ec) { return adopt_fd(fd, ec HANDOFF_CALL_SITE_ARGUMENT); });
}
#endif

HANDOFF_END_NAMESPACE

#endif // HANDOFF_FD_HPP_INCLUDED
