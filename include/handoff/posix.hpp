// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief POSIX descriptor operations: `duplicate(borrowed_fd)`.
///
/// On Windows this header declares nothing.

#ifndef HANDOFF_POSIX_HPP_INCLUDED
#define HANDOFF_POSIX_HPP_INCLUDED

#include <handoff/config.hpp>
#include <handoff/error.hpp>
#include <handoff/fd.hpp>

#if HANDOFF_POSIX

#include <fcntl.h>

#include <system_error>

HANDOFF_BEGIN_NAMESPACE

/// Makes a new descriptor for the open file description `source` refers to, owned by the
/// caller, with close-on-exec set atomically (`fcntl(F_DUPFD_CLOEXEC)`) so that no child
/// started by another thread inherits it. The copy shares the file offset and status flags.
/// The new number is at least 3, so a duplicate never lands on a closed standard stream.
/// Refuses an empty source with `errc::empty_value`; otherwise `ec` is `fcntl`'s `errno`.
HANDOFF_INLINE unique_fd duplicate(borrowed_fd source, std::error_code &ec) noexcept
{
    if (!source)
    {
        ec = errc::empty_value;
        return {};
    }
    const int copy = ::fcntl(source.get(), F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
    {
        ec = detail::errno_error();
        return {};
    }
    ec.clear();
    return unique_fd(copy);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `duplicate(source, ec)`: throws `std::system_error` carrying `errno`.
///
/// ~~~cpp
/// // fdopen() makes the stream own its descriptor: give it a duplicate of a borrowed one.
/// handoff::unique_fd copy = handoff::duplicate(lent_fd);
/// ~~~
inline unique_fd duplicate(borrowed_fd source)
{
    return detail::value_or_throw("handoff::duplicate", [&](std::error_code &ec) { return duplicate(source, ec); });
}
#endif

HANDOFF_END_NAMESPACE

#endif // HANDOFF_POSIX

#endif // HANDOFF_POSIX_HPP_INCLUDED
