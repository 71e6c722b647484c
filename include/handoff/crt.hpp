// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief Handoffs between kernel HANDLEs and C-runtime descriptors and streams (Windows):
/// `to_fd()`, `handle_of()`, `to_handle()`, and `to_file()` from a handle.
///
/// `_open_osfhandle` makes the new descriptor the owner of the handle it is given, and `_close`
/// (or `fclose`) closes that handle. A handle somebody else owns must therefore never be given
/// to it: these functions give it either a handle the caller owned and hands over, or a
/// duplicate. docs/ownership.md lists who closes what for each one, on success and on failure.
///
/// On other platforms this header declares nothing.

#ifndef HANDOFF_CRT_HPP_INCLUDED
#define HANDOFF_CRT_HPP_INCLUDED

#include <handoff/config.hpp>
#include <handoff/error.hpp>
#include <handoff/fd.hpp>
#include <handoff/stdio.hpp>
#include <handoff/win32.hpp>

#if HANDOFF_WINDOWS

#include <handoff/detail/handle_kind.hpp>
#include <handoff/detail/invalid_parameter.hpp>

#include <fcntl.h>
#include <io.h>
#include <windows.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>

HANDOFF_BEGIN_NAMESPACE

/// The flags `to_fd` uses unless told otherwise: binary, and left out of the descriptors that
/// `_spawn` and `system` pass to child processes.
inline constexpr int default_fd_flags = _O_BINARY | _O_NOINHERIT;

namespace detail
{
/// The flags `_open_osfhandle` applies. The CRT silently ignores the others, `_O_WTEXT`,
/// `_O_U8TEXT` and `_O_U16TEXT` among them (set those with `_setmode` on the result).
constexpr int supported_fd_flags = _O_RDONLY | _O_WRONLY | _O_RDWR | _O_APPEND | _O_TEXT | _O_BINARY | _O_NOINHERIT;

inline bool are_supported_fd_flags(int flags) noexcept
{
    return (flags & ~supported_fd_flags) == 0 && (flags & (_O_TEXT | _O_BINARY)) != (_O_TEXT | _O_BINARY);
}

/// The descriptor flags that match a stream mode: text only for `t`, append for `a`.
inline int fd_flags_for_mode(const char *mode) noexcept
{
    int flags = _O_NOINHERIT;
    flags |= std::strchr(mode, 't') != nullptr ? _O_TEXT : _O_BINARY;
    if (mode[0] == 'a')
        flags |= _O_APPEND;
    if (mode[0] == 'r' && std::strchr(mode, '+') == nullptr)
        flags |= _O_RDONLY;
    return flags;
}

/// Refuses, before anything changes hands, a handle that a descriptor cannot serve.
inline std::error_code check_handle_for_fd(HANDLE h, int flags) noexcept
{
    if (h == nullptr)
        return errc::empty_value;
    if (!are_supported_fd_flags(flags))
        return errc::unsupported_flags;
    if (is_socket(h))
        return errc::socket_handle;
    if (is_overlapped(h))
        return errc::overlapped_handle;
    return {};
}

/// `_open_osfhandle` for a handle that passed `check_handle_for_fd`: on success the descriptor
/// owns it and `h` is empty; on failure `h` still owns it.
inline unique_fd attach_to_fd(unique_handle &&h, int flags, std::error_code &ec) noexcept
{
    const int fd = without_invalid_parameter_handler(
        [&] { return ::_open_osfhandle(reinterpret_cast<std::intptr_t>(h.get()), flags); });
    if (fd < 0)
    {
        ec = errno_error(); // the CRT did not take the handle: h still owns it
        return {};
    }
    ec.clear();
    (void)h.release(); // the descriptor owns the handle now
    return unique_fd(fd);
}
} // namespace detail

/// Makes a CRT descriptor the owner of `h`'s handle, without duplicating it: on success `h` is
/// empty and the descriptor's `_close` closes the handle.
///
/// On failure `h` still owns its handle and nothing was closed. Refused before the call:
/// flags the CRT would ignore (`errc::unsupported_flags`), sockets (`errc::socket_handle`),
/// handles opened for overlapped I/O (`errc::overlapped_handle`; `ReOpenFile` without
/// `FILE_FLAG_OVERLAPPED` gives a synchronous handle to the same file). Otherwise `ec` is
/// `_open_osfhandle`'s `errno`: `EBADF` for a handle that is not a file, pipe or device (an
/// event, a process), `EMFILE` (`ENFILE` under Wine) when the descriptor table is full.
///
/// If the program has closed descriptor 0, 1 or 2, the new descriptor may take that number,
/// and the CRT then makes its handle the process's standard handle, as it does for any
/// `_open_osfhandle`.
///
/// ~~~cpp
/// handoff::unique_fd fd = handoff::to_fd(std::move(file));   // file is empty, fd owns the handle
/// ~~~
inline unique_fd to_fd(unique_handle &&h, int flags, std::error_code &ec) noexcept
{
    ec = detail::check_handle_for_fd(h.get(), flags);
    if (ec)
        return {};
    return detail::attach_to_fd(std::move(h), flags, ec);
}

/// `to_fd(std::move(h), default_fd_flags, ec)`.
inline unique_fd to_fd(unique_handle &&h, std::error_code &ec) noexcept
{
    return to_fd(std::move(h), default_fd_flags, ec);
}

/// Makes a CRT descriptor for a handle somebody else owns: the descriptor gets a duplicate
/// (non-inheritable, same access) and closes only that; the lender keeps the original and
/// closes it as before. This is the cure for `_open_osfhandle(lent_handle)`, which makes two
/// owners of one handle. On failure nothing is left open and the lender's handle is untouched.
///
/// ~~~cpp
/// // A library lends its handle; the CRT gets its own.
/// handoff::unique_fd fd = handoff::to_fd(handoff::borrowed_handle(library.native_handle()));
/// ~~~
inline unique_fd to_fd(borrowed_handle h, int flags, std::error_code &ec) noexcept
{
    ec = detail::check_handle_for_fd(h.get(), flags);
    if (ec)
        return {};
    unique_handle copy = duplicate(h, ec);
    if (ec)
        return {};
    return detail::attach_to_fd(std::move(copy), flags, ec); // on failure, copy closes the duplicate
}

/// `to_fd(h, default_fd_flags, ec)`.
inline unique_fd to_fd(borrowed_handle h, std::error_code &ec) noexcept
{
    return to_fd(h, default_fd_flags, ec);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `to_fd(std::move(h), flags, ec)`: throws `std::system_error`.
inline unique_fd to_fd(unique_handle &&h, int flags = default_fd_flags)
{
    return detail::value_or_throw("handoff::to_fd",
                                  [&](std::error_code &ec) { return to_fd(std::move(h), flags, ec); });
}

/// Throwing form of `to_fd(borrowed, flags, ec)`: throws `std::system_error`.
inline unique_fd to_fd(borrowed_handle h, int flags = default_fd_flags)
{
    return detail::value_or_throw("handoff::to_fd", [&](std::error_code &ec) { return to_fd(h, flags, ec); });
}
#endif

/// The kernel handle behind a CRT descriptor, still owned by the CRT: never close it; to own
/// one, `duplicate(handle_of(fd))`.
///
/// A standard descriptor (0, 1, 2) that has no handle, as in a process without a console, gives
/// an empty view and no error. A descriptor that is not open gives `EBADF`; the CRT's
/// invalid-parameter handler, which would end the process under the Universal CRT, is not
/// reached.
inline borrowed_handle handle_of(borrowed_fd fd, std::error_code &ec) noexcept
{
    if (!fd)
    {
        ec = errc::empty_value;
        return {};
    }
    errno = 0;
    const std::intptr_t raw = detail::without_invalid_parameter_handler([&] { return ::_get_osfhandle(fd.get()); });
    if (raw == -2 || raw == 0)
    {
        ec.clear(); // a standard stream with no handle behind it
        return {};
    }
    if (raw == -1)
    {
        ec = detail::errno_error(errno != 0 ? errno : EBADF);
        return {};
    }
    ec.clear();
    return borrowed_handle(reinterpret_cast<HANDLE>(raw));
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `handle_of(fd, ec)`: throws `std::system_error`.
inline borrowed_handle handle_of(borrowed_fd fd)
{
    return detail::value_or_throw("handoff::handle_of", [&](std::error_code &ec) { return handle_of(fd, ec); });
}
#endif

namespace detail
{
/// `handle_of(fd)`, where a standard stream without a handle is an error (`errc::no_handle`),
/// for the conversions that need a handle to duplicate.
inline borrowed_handle handle_behind(borrowed_fd fd, std::error_code &ec) noexcept
{
    const borrowed_handle inner = handle_of(fd, ec);
    if (!ec && !inner)
        ec = errc::no_handle;
    return inner;
}
} // namespace detail

/// Takes ownership of a descriptor's handle out of the CRT: duplicates the handle, then closes
/// the descriptor, whose `_close` closes only its own handle. No CRT call can detach a handle
/// from its descriptor, so this one duplicate is unavoidable.
///
/// On failure before the close (a bad descriptor, a standard stream without a handle:
/// `errc::no_handle`, a failed duplicate) `fd` still owns its descriptor. If the final
/// `_close` fails, the CRT has freed the descriptor anyway, so `fd` is empty; the duplicate is
/// closed and `ec` is the close's error.
///
/// ~~~cpp
/// // A library will close the handle it is given, and the descriptor is no longer needed.
/// library.adopt(handoff::to_handle(std::move(fd)).give());
/// ~~~
inline unique_handle to_handle(unique_fd &&fd, std::error_code &ec) noexcept
{
    const borrowed_handle inner = detail::handle_behind(fd, ec);
    if (ec)
        return {};
    unique_handle copy = duplicate(inner, ec);
    if (ec)
        return {};
    fd.close(ec);
    if (ec)
        return {}; // the CRT's handle could not be closed; ours goes too, and the error is reported
    return copy;
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `to_handle(std::move(fd), ec)`: throws `std::system_error`.
inline unique_handle to_handle(unique_fd &&fd)
{
    return detail::value_or_throw("handoff::to_handle",
                                  [&](std::error_code &ec) { return to_handle(std::move(fd), ec); });
}
#endif

/// Opens a stream that owns `h`'s handle: a descriptor is made for the handle without a
/// duplicate (with text or append mode as `mode` says), and the stream for the descriptor;
/// `fclose` closes all three. On success `h` is empty.
///
/// On failure `h` still owns a handle to its object. If the stream itself could not be opened
/// (a full stream table), the handle had already gone to the descriptor, which cannot give it
/// back: `h` then receives a duplicate of it, and the descriptor is closed. Only if that
/// duplicate fails too is the object's handle closed; `ec` reports the stream's error in
/// every case.
inline unique_file to_file(unique_handle &&h, const char *mode, std::error_code &ec) noexcept
{
    ec = detail::check_stream_mode(mode);
    if (ec)
        return {};
    unique_fd fd = to_fd(std::move(h), detail::fd_flags_for_mode(mode), ec);
    if (ec)
        return {};
    unique_file stream = to_file(std::move(fd), mode, ec);
    if (ec)
    {
        std::error_code give_back_error;
        h = to_handle(std::move(fd), give_back_error);
    }
    return stream;
}

/// Opens a stream on a duplicate of a handle somebody else owns; the lender keeps and closes
/// the original. On failure nothing is left open.
inline unique_file to_file(borrowed_handle h, const char *mode, std::error_code &ec) noexcept
{
    ec = detail::check_stream_mode(mode);
    if (ec)
        return {};
    unique_handle copy = duplicate(h, ec);
    if (ec)
        return {};
    return to_file(std::move(copy), mode, ec);
}

/// Opens a stream on a duplicate of the handle behind a descriptor somebody else owns:
/// `to_file(handle_of(fd), mode)`. The lender's descriptor stays open and is closed by the
/// lender; the stream owns a descriptor and handle of its own. On failure nothing is left open.
inline unique_file to_file(borrowed_fd fd, const char *mode, std::error_code &ec) noexcept
{
    const borrowed_handle inner = detail::handle_behind(fd, ec);
    if (ec)
        return {};
    return to_file(inner, mode, ec);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `to_file(borrowed_fd, mode, ec)`: throws `std::system_error`.
inline unique_file to_file(borrowed_fd fd, const char *mode)
{
    return detail::value_or_throw("handoff::to_file", [&](std::error_code &ec) { return to_file(fd, mode, ec); });
}

/// Throwing form of `to_file(std::move(h), mode, ec)`: throws `std::system_error`.
inline unique_file to_file(unique_handle &&h, const char *mode)
{
    return detail::value_or_throw("handoff::to_file",
                                  [&](std::error_code &ec) { return to_file(std::move(h), mode, ec); });
}

/// Throwing form of `to_file(borrowed, mode, ec)`: throws `std::system_error`.
inline unique_file to_file(borrowed_handle h, const char *mode)
{
    return detail::value_or_throw("handoff::to_file", [&](std::error_code &ec) { return to_file(h, mode, ec); });
}
#endif

HANDOFF_END_NAMESPACE

#endif // HANDOFF_WINDOWS

#endif // HANDOFF_CRT_HPP_INCLUDED
