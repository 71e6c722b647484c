// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief One-call I/O on virtual descriptors: `read`, `write`, `seek`, `size`, `with_fd`, and
/// `vfd::`, the same shaped like the CRT's functions for code that keeps descriptors as `int`s.
///
/// Each call pins the descriptor for its duration only. Binary I/O goes straight to the
/// descriptor's handle and never pages; a translated mode leases a real descriptor and calls
/// the CRT, which keeps the translation state.
///
/// ~~~cpp
/// handoff::write(log, "started\n", 8, ec);           // was: _write(fd, "started\n", 8)
/// int n = handoff::vfd::read(number, buffer, 512);   // was: _read(number, buffer, 512)
/// ~~~

#ifndef HANDOFF_VIRTUAL_FD_IO_HPP_INCLUDED
#define HANDOFF_VIRTUAL_FD_IO_HPP_INCLUDED

#include <handoff/config.hpp>
#include <handoff/detail/vfd_pinned.hpp>
#include <handoff/error.hpp>
#include <handoff/fd.hpp>
#include <handoff/fd_table.hpp>
#include <handoff/lease.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <system_error>
#include <utility>

#if HANDOFF_WINDOWS
#include <handoff/detail/crt_calls.hpp>
#endif

HANDOFF_BEGIN_NAMESPACE

namespace detail
{
/// The count a CRT call takes.
constexpr unsigned crt_count(std::size_t count) noexcept
{
    return count > 0x7fffffffu ? 0x7fffffffu : static_cast<unsigned>(count);
}

#if HANDOFF_WINDOWS
/// Leases `vfd` for one CRT call, `call(fd)`, which returns -1 on failure; its result, or -1
/// with `ec` set.
template <class Call> long long crt_call_on_lease(borrowed_virtual_fd vfd, Call call, std::error_code &ec) noexcept
{
    const lease leased(vfd, ec);
    if (!leased)
        return -1;
    _doserrno = 0;
    const long long result = call(leased.fd().get());
    if (result < 0)
        ec = crt_error();
    return result;
}
#endif
} // namespace detail

/// Reads up to `count` bytes of `vfd` at its position, as `_read` would, and returns how many
/// (0 at the end). In binary mode this is `ReadFile` on the handle, without paging; in a
/// translated mode it leases the descriptor and calls `_read`.
inline std::size_t read(borrowed_virtual_fd vfd, void *buffer, std::size_t count, std::error_code &ec) noexcept
{
    detail::vfd_pinned pin;
    if (!pin.pin(vfd.get(), ec))
        return 0;
#if HANDOFF_WINDOWS
    if (detail::vfd_translated(pin.mode()))
    {
        const long long done = detail::crt_call_on_lease(
            vfd, [=](int fd) { return detail::crt_read(fd, buffer, detail::crt_count(count)); }, ec);
        return done < 0 ? 0 : static_cast<std::size_t>(done);
    }
#endif
    return detail::backing_read(pin.backing(), buffer, count, ec);
}

/// Writes up to `count` bytes to `vfd`, as `_write` would, and returns how many. In binary mode
/// this is `WriteFile` on the handle (at the end of the file, atomically, for an appending
/// descriptor), without paging; in a translated mode it leases the descriptor and calls `_write`.
inline std::size_t write(borrowed_virtual_fd vfd, const void *buffer, std::size_t count, std::error_code &ec) noexcept
{
    detail::vfd_pinned pin;
    if (!pin.pin(vfd.get(), ec))
        return 0;
#if HANDOFF_WINDOWS
    if (detail::vfd_translated(pin.mode()))
    {
        const long long done = detail::crt_call_on_lease(
            vfd, [=](int fd) { return detail::crt_write(fd, buffer, detail::crt_count(count)); }, ec);
        return done < 0 ? 0 : static_cast<std::size_t>(done);
    }
#endif
    return detail::backing_write(pin.backing(), buffer, count, (pin.mode() & detail::vfd_append) != 0, ec);
}

/// Moves the position of `vfd` as `_lseeki64` would (`origin`: `SEEK_SET`, `SEEK_CUR`,
/// `SEEK_END`) and returns the new position, or -1.
inline std::int64_t seek(borrowed_virtual_fd vfd, std::int64_t offset, int origin, std::error_code &ec) noexcept
{
    detail::vfd_pinned pin;
    if (!pin.pin(vfd.get(), ec))
        return -1;
#if HANDOFF_WINDOWS
    // A translated descriptor that reads has CRT state that only the CRT's seek clears.
    if ((pin.mode() & (detail::vfd_stays_resident | detail::vfd_probe_end)) != 0)
        return detail::crt_call_on_lease(
            vfd, [=](int fd) { return detail::crt_lseeki64(fd, offset, origin); }, ec);
#endif
    return detail::backing_seek(pin.backing(), offset, origin, ec);
}

/// The size of the file behind `vfd`, or -1.
inline std::int64_t size(borrowed_virtual_fd vfd, std::error_code &ec) noexcept
{
    detail::vfd_pinned pin;
    if (!pin.pin(vfd.get(), ec))
        return -1;
    return detail::backing_size(pin.backing(), ec);
}

/// Leases `vfd` for one call: returns `function(fd)` with its real descriptor, or, if the
/// lease fails, a value-initialized result with `ec` set.
template <class Function>
auto with_fd(borrowed_virtual_fd vfd, Function &&function, std::error_code &ec)
    -> decltype(std::forward<Function>(function)(borrowed_fd()))
{
    using result_type = decltype(std::forward<Function>(function)(borrowed_fd()));
    const lease leased(vfd, ec);
    if (!leased)
        return result_type();
    return std::forward<Function>(function)(leased.fd());
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `read(vfd, buffer, count, ec)`: throws `std::system_error` where it reports an error.
inline std::size_t read(borrowed_virtual_fd vfd, void *buffer, std::size_t count)
{
    return detail::value_or_throw("handoff::read", [&](std::error_code &ec) { return read(vfd, buffer, count, ec); });
}

/// Throwing form of `write(vfd, buffer, count, ec)`.
inline std::size_t write(borrowed_virtual_fd vfd, const void *buffer, std::size_t count)
{
    return detail::value_or_throw("handoff::write",
                                  [&](std::error_code &ec) { return write(vfd, buffer, count, ec); });
}

/// Throwing form of `seek(vfd, offset, origin, ec)`.
inline std::int64_t seek(borrowed_virtual_fd vfd, std::int64_t offset, int origin)
{
    return detail::value_or_throw("handoff::seek", [&](std::error_code &ec) { return seek(vfd, offset, origin, ec); });
}

/// Throwing form of `size(vfd, ec)`.
inline std::int64_t size(borrowed_virtual_fd vfd)
{
    return detail::value_or_throw("handoff::size", [&](std::error_code &ec) { return size(vfd, ec); });
}

/// Throwing form of `with_fd(vfd, function, ec)`: throws if the lease fails; what `function`
/// throws passes through, after the lease has ended.
template <class Function>
auto with_fd(borrowed_virtual_fd vfd, Function &&function) -> decltype(std::forward<Function>(function)(borrowed_fd()))
{
    const lease leased(vfd);
    return std::forward<Function>(function)(leased.fd());
}
#endif

/// The CRT-shaped forms, for code that keeps virtual descriptors as `int`s: each returns what
/// the CRT function it is named after returns (-1 on failure, with `errno` set), so that
/// `_read(fd, buffer, n)` becomes `handoff::vfd::read(fd, buffer, n)`.
namespace vfd
{
/// The `errno` of an error: its generic condition, or `EINVAL`.
inline int errno_for(const std::error_code &ec) noexcept
{
    const std::error_condition condition = ec.default_error_condition();
    return condition.category() == std::generic_category() ? condition.value() : EINVAL;
}

namespace detail
{
/// What a CRT function returns: `value`, or -1 with `errno` set from `ec`.
template <class Result, class Value> Result crt_shaped(Value value, const std::error_code &ec) noexcept
{
    if (!ec)
        return static_cast<Result>(value);
    errno = errno_for(ec);
    return -1;
}
} // namespace detail

/// `_read` on a virtual descriptor: bytes read, 0 at the end, -1 with `errno`.
inline int read(int number, void *buffer, unsigned count) noexcept
{
    std::error_code ec;
    const std::size_t done = handoff::read(borrowed_virtual_fd(number), buffer, count, ec);
    return detail::crt_shaped<int>(done, ec);
}

/// `_write` on a virtual descriptor: bytes written, -1 with `errno`.
inline int write(int number, const void *buffer, unsigned count) noexcept
{
    std::error_code ec;
    const std::size_t done = handoff::write(borrowed_virtual_fd(number), buffer, count, ec);
    return detail::crt_shaped<int>(done, ec);
}

/// `_lseeki64` on a virtual descriptor (named `seek`, as `_lseeki64` is a macro in some CRTs): the new
/// position, -1 with `errno`.
inline long long seek(int number, long long offset, int origin) noexcept
{
    std::error_code ec;
    const std::int64_t position = handoff::seek(borrowed_virtual_fd(number), offset, origin, ec);
    return detail::crt_shaped<long long>(position, ec);
}

/// `_filelengthi64` on a virtual descriptor: the size, -1 with `errno`.
inline long long filelength(int number) noexcept
{
    std::error_code ec;
    const std::int64_t length = handoff::size(borrowed_virtual_fd(number), ec);
    return detail::crt_shaped<long long>(length, ec);
}

/// `_close` on a virtual descriptor that the caller owns as an `int` (after `release()`): 0, or
/// -1 with `errno` (`EBADF` for a stale number).
inline int close(int number) noexcept
{
    return detail::crt_shaped<int>(0, virtual_fd_traits::close(number));
}
} // namespace vfd

HANDOFF_END_NAMESPACE

#endif // HANDOFF_VIRTUAL_FD_IO_HPP_INCLUDED
