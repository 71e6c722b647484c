// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief The `FILE*` family (every platform): `unique_file`, `borrowed_file`, `adopt_file()`,
/// and the conversions between descriptors and streams: `to_file()`, `fd_of()`.
///
/// A stream owns the descriptor it was opened on (and on Windows the HANDLE behind that), so
/// `fclose` closes all of them: never close a stream's descriptor separately.

#ifndef HANDOFF_STDIO_HPP_INCLUDED
#define HANDOFF_STDIO_HPP_INCLUDED

#include <handoff/borrowed_handle.hpp>
#include <handoff/config.hpp>
#include <handoff/error.hpp>
#include <handoff/fd.hpp>
#include <handoff/unique_handle.hpp>

#include <cstdio>
#include <cstring>
#include <system_error>
#include <type_traits>

#include <handoff/detail/traits_check.hpp>

#if HANDOFF_WINDOWS
#include <handoff/detail/crt_calls.hpp>

#include <stdlib.h>
#else
#include <handoff/posix.hpp>

#include <fcntl.h>
#endif

HANDOFF_BEGIN_NAMESPACE

/// Traits of the stream family: empty is `nullptr`; closed with `fclose`, which flushes first
/// and reports a failed flush or close.
struct file_traits
{
    /// What the ownership checks (docs/checks.md) register an owner's value as.
    static constexpr value_kind check_kind = value_kind::stream;
    /// The raw value.
    using value_type = std::FILE *;

    /// `nullptr`, the value of an empty owner or view.
    static constexpr value_type empty() noexcept
    {
        return nullptr;
    }

    /// False for `nullptr` only.
    static constexpr bool can_own(value_type stream) noexcept
    {
        return stream != nullptr;
    }

    /// `fclose(stream)`; on failure the system's error where the CRT kept it (Windows), else
    /// `errno`. The stream is gone either way. On Windows a stream whose descriptor was closed
    /// behind its back gives `EBADF`, never the CRT's invalid-parameter handler.
    HANDOFF_INLINE static std::error_code close(value_type stream) noexcept
    {
#if HANDOFF_WINDOWS
        _doserrno = 0;
        if (detail::crt_fclose(stream) == 0)
            return {};
        return detail::crt_error();
#else
        if (std::fclose(stream) == 0)
            return {};
        return detail::errno_error();
#endif
    }

    /// `close(stream)` without its error, for an owner that cannot report the result.
    HANDOFF_INLINE static void close_quietly(value_type stream) noexcept
    {
#if HANDOFF_WINDOWS
        (void)detail::crt_fclose(stream);
#else
        (void)std::fclose(stream);
#endif
    }
};

/// Owns a `FILE*` and closes it with `fclose`.
using unique_file = basic_unique_handle<file_traits>;

/// A `FILE*` that somebody else closes.
using borrowed_file = basic_borrowed_handle<file_traits>;

/// Adopts the result of a call that returns `NULL` and sets `errno` on failure (`fopen`,
/// `_wfopen`, `fdopen`, `tmpfile`, ...). On failure `ec` is that `errno` value.
///
/// ~~~cpp
/// std::error_code ec;
/// handoff::unique_file log = handoff::adopt_file(std::fopen("log.txt", "a"), ec);
/// ~~~
inline unique_file adopt_file(std::FILE *stream, std::error_code &ec HANDOFF_CALL_SITE_PARAMETER) noexcept
{
    return detail::adopt_result<unique_file>(
        stream, nullptr, [] { return detail::errno_error(); }, errc::invalid_value, ec HANDOFF_CALL_SITE_ARGUMENT);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `adopt_file(stream, ec)`: throws `std::system_error` carrying `errno`.
inline unique_file adopt_file(std::FILE *stream HANDOFF_CALL_SITE_PARAMETER)
{
    return detail::value_or_throw("handoff::adopt_file", [&](std::error_code &ec) {
        return adopt_file(stream, ec HANDOFF_CALL_SITE_ARGUMENT);
    });
}
#endif

namespace detail
{
/// Whether `mode` is a stream mode the C runtime accepts for an existing descriptor: `r`, `w`
/// or `a`, then at most one `+`, and modifiers the platform knows (Windows: `b t c n N`;
/// elsewhere: `b e`), each once. Checked before the call, because the Universal CRT answers a
/// bad mode with its invalid-parameter handler.
inline bool is_valid_stream_mode(const char *mode) noexcept
{
#if HANDOFF_WINDOWS
    const char *const modifiers = "+btcnN";
#else
    const char *const modifiers = "+be";
#endif
    if (mode == nullptr || (mode[0] != 'r' && mode[0] != 'w' && mode[0] != 'a'))
        return false;
    for (const char *c = mode + 1; *c != '\0'; ++c)
        if (std::strchr(modifiers, *c) == nullptr || std::strchr(c + 1, *c) != nullptr)
            return false;
#if HANDOFF_WINDOWS
    if (std::strchr(mode, 't') != nullptr && std::strchr(mode, 'b') != nullptr)
        return false;
#endif
    return true;
}

/// False with `ec` set to `errc::invalid_mode` for a mode `is_valid_stream_mode` refuses;
/// true, `ec` untouched, otherwise.
HANDOFF_INLINE bool check_stream_mode(const char *mode, std::error_code &ec) noexcept
{
    if (is_valid_stream_mode(mode))
        return true;
    ec = errc::invalid_mode;
    return false;
}
} // namespace detail

namespace detail
{
/// `to_file(std::move(fd), mode, ec)` for a descriptor and mode already checked.
HANDOFF_INLINE unique_file open_stream(unique_fd &fd, const char *mode, std::error_code &ec) noexcept
{
#if HANDOFF_WINDOWS
    errno = 0; // Wine's _fdopen leaves errno alone when the stream table is full
    _doserrno = 0;
    std::FILE *const stream = crt_fdopen(fd.get(), mode);
    if (stream == nullptr)
    {
        ec = crt_error();
        return {};
    }
#else
    std::FILE *const stream = ::fdopen(fd.get(), mode);
    if (stream == nullptr)
    {
        ec = errno_error();
        return {};
    }
#endif
    ec.clear();
    (void)fd.release(); // the stream owns the descriptor now
    return unique_file(stream);
}
} // namespace detail

/// Opens a stream on an owned descriptor, which the stream then owns: `fclose` closes it (and
/// on Windows its HANDLE). No descriptor or handle is duplicated.
///
/// On failure `fd` still owns its descriptor: an invalid `mode` is refused with
/// `errc::invalid_mode` before anything is called, and a failed `fdopen`/`_fdopen` (for
/// example a full stream table) leaves the descriptor open, as the C runtime does; `ec` is its
/// `errno`. On Windows a `t` or `b` in `mode` does not change the descriptor's text mode: that
/// is set when the descriptor is made (`to_fd` flags, `_setmode`).
///
/// ~~~cpp
/// handoff::unique_file out = handoff::to_file(std::move(fd), "w");   // fd is empty now
/// ~~~
HANDOFF_INLINE unique_file to_file(unique_fd &&fd, const char *mode, std::error_code &ec) noexcept
{
    if (!fd)
    {
        ec = errc::empty_value;
        return {};
    }
    if (!detail::check_stream_mode(mode, ec))
        return {};
    return detail::open_stream(fd, mode, ec);
}

/// Refuses an owner that is neither moved nor explicitly lent, which would otherwise quietly
/// be lent: the stream would get a duplicate and the owner would keep its descriptor open.
template <class Owner, class... Arguments, std::enable_if_t<detail::is_unmoved_owner<Owner, unique_fd>::value, int> = 0>
unique_file to_file(Owner &&, Arguments &&...)
{
    static_assert(
        detail::dependent_false<Owner, Arguments...>::value,
        "handoff::to_file: say whether the descriptor is handed over or lent: to_file(std::move(fd), "
        "mode) gives the stream this descriptor; to_file(fd.borrow(), mode) gives it a duplicate (on Windows with "
        "<handoff/crt.hpp>; a const owner cannot be handed over)");
    return {};
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `to_file(fd, mode, ec)`: throws `std::system_error`.
inline unique_file to_file(unique_fd &&fd, const char *mode)
{
    return detail::value_or_throw("handoff::to_file",
                                  [&](std::error_code &ec) { return to_file(std::move(fd), mode, ec); });
}
#endif

#if HANDOFF_POSIX
/// Opens a stream on a duplicate of a descriptor somebody else owns: the stream owns and
/// closes the duplicate (made close-on-exec by `duplicate`), the lender keeps and closes the
/// original. This is the cure for `fdopen(borrowed)`, whose `fclose` would close the lender's
/// descriptor. On failure nothing is left open.
///
/// The duplicate shares the lender's open file description, offset and status flags included,
/// and `fdopen` with an `a` mode sets `O_APPEND` on it: so an `a` mode is refused with
/// `errc::would_change_lender` unless the lender's descriptor already appends.
HANDOFF_INLINE unique_file to_file(borrowed_fd fd, const char *mode, std::error_code &ec) noexcept
{
    if (!detail::check_stream_mode(mode, ec))
        return {};
    if (mode[0] == 'a' && fd)
    {
        const int status = ::fcntl(fd.get(), F_GETFL);
        if (status < 0)
        {
            ec = detail::errno_error();
            return {};
        }
        if ((status & O_APPEND) == 0)
        {
            ec = errc::would_change_lender;
            return {};
        }
    }
    unique_fd copy = duplicate(fd, ec);
    if (!copy)
        return {};
    return detail::open_stream(copy, mode, ec); // on failure, copy closes the duplicate
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `to_file(borrowed_fd, mode, ec)`: throws `std::system_error`.
inline unique_file to_file(borrowed_fd fd, const char *mode)
{
    return detail::value_or_throw("handoff::to_file", [&](std::error_code &ec) { return to_file(fd, mode, ec); });
}
#endif
#endif

/// The descriptor a stream reads and writes through, still owned by the stream. Empty for an
/// empty view, and on Windows for a standard stream that has no descriptor (`_fileno` gives
/// -2 in a process without a console).
inline borrowed_fd fd_of(borrowed_file stream) noexcept
{
    if (!stream)
        return {};
#if HANDOFF_WINDOWS
    const int fd = detail::crt_fileno(stream.get());
#else
    const int fd = ::fileno(stream.get());
#endif
    return fd >= 0 ? borrowed_fd(fd) : borrowed_fd();
}

/// `fd_of` of a stream owned by a temporary: usable within the expression, and reported by
/// clang when kept (`borrowed_fd f = fd_of(adopt_file(...));` names a closed descriptor).
inline borrowed_fd fd_of(const unique_file &&stream HANDOFF_LIFETIMEBOUND) noexcept
{
    return fd_of(borrowed_file(stream));
}

HANDOFF_END_NAMESPACE

#endif // HANDOFF_STDIO_HPP_INCLUDED
