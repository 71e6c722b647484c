// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief Handoffs between kernel HANDLEs and C-runtime descriptors and streams (Windows):
/// `to_fd()`, `handle_of()`, `to_handle()`, `duplicate()` of a descriptor, and `to_file()` from
/// a handle.
///
/// `_open_osfhandle` makes the new descriptor the owner of the handle it is given, and `_close`
/// (or `fclose`) closes that handle. A handle somebody else owns must therefore never be given
/// to it: these functions give it either a handle the caller owned and hands over, or a
/// duplicate, and which one is written at the call: `std::move(h)` hands over, a view
/// (`h.borrow()`, `borrowed_handle(raw)`) duplicates, and an owner passed as neither does not
/// compile. docs/ownership.md lists who closes what for each one, on success and on failure.
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

#include <handoff/detail/crt_calls.hpp>
#include <handoff/detail/handle_kind.hpp>
#include <handoff/detail/traits_check.hpp>
#include <handoff/detail/windows.hpp>

#include <fcntl.h>
#include <io.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <type_traits>

HANDOFF_BEGIN_NAMESPACE

/// What every descriptor handoff makes starts from: binary, and out of the descriptors that
/// `_spawn` and `system` pass to child processes; its handle is made non-inheritable too, so
/// no child started with handle inheritance receives it. Flags given to `to_fd()` and
/// `duplicate()` add to these: `_O_TEXT` replaces binary, `_O_APPEND` appends. None removes
/// the protection from children; `_dup()` of the result is the CRT's way to make an
/// inheritable copy for a `_spawn` child that must have one.
inline constexpr int default_fd_flags = _O_BINARY | _O_NOINHERIT;

namespace detail
{
/// The flags a caller may add. `_open_osfhandle` applies `_O_TEXT`, `_O_APPEND` and
/// `_O_NOINHERIT`; it accepts the access flags and ignores them (access is the handle's).
/// The UCRT ignores `_O_WTEXT`, `_O_U8TEXT` and `_O_U16TEXT` here (lowio/osfinfo.cpp, whatever
/// Microsoft Learn's page says), so they are refused: set them with `_setmode` on the result.
constexpr int supported_fd_flags = _O_RDONLY | _O_WRONLY | _O_RDWR | _O_APPEND | _O_TEXT | _O_BINARY | _O_NOINHERIT;

/// The defaults with `extra` added, or -1 for flags that cannot be applied.
constexpr int fd_flags_with(int extra) noexcept
{
    if ((extra & ~supported_fd_flags) != 0 || (extra & (_O_TEXT | _O_BINARY)) == (_O_TEXT | _O_BINARY))
        return -1;
    return extra | _O_NOINHERIT | ((extra & _O_TEXT) != 0 ? 0 : _O_BINARY);
}

/// The descriptor flags that match a stream mode: text only for `t`, append for `a`. (Access
/// is the handle's: the CRT records no access flag.)
HANDOFF_INLINE int fd_flags_for_mode(const char *mode) noexcept
{
    int flags = _O_NOINHERIT;
    flags |= std::strchr(mode, 't') != nullptr ? _O_TEXT : _O_BINARY;
    if (mode[0] == 'a')
        flags |= _O_APPEND;
    return flags;
}

/// Refuses, before anything changes hands, a handle that a descriptor cannot serve: false with
/// `ec` set. The type decides what must be asked, and is cheap to learn: a socket is a pipe to
/// `GetFileType`, so only pipes are asked whether they are sockets, and only once ws2_32.dll is
/// loaded; a disk file's mode is learned without a server request under Wine (`is_overlapped`).
/// A handle of no known type is asked its mode too, because Wine's `_open_osfhandle` accepts
/// one when `GetLastError()` is 0 (Windows' CRTs refuse it); one that is not valid at all is
/// left to `_open_osfhandle`, which refuses it with the system's reason.
HANDOFF_INLINE bool check_handle_for_fd(HANDLE h, std::error_code &ec) noexcept
{
    if (h == nullptr)
    {
        ec = errc::empty_value;
        return false;
    }
    const DWORD type = ::GetFileType(h);
    if (is_socket(h, type))
    {
        ec = errc::socket_handle;
        return false;
    }
    if (is_overlapped(h, type))
    {
        ec = errc::overlapped_handle;
        return false;
    }
    return true;
}

/// `_open_osfhandle` for a handle that passed `check_handle_for_fd`: a descriptor that owns
/// `h`, or -1 with `ec` set, in which case the CRT did not take `h`.
HANDOFF_INLINE int attach_to_fd(HANDLE h, int flags, std::error_code &ec) noexcept
{
    _doserrno = 0;
    const int fd = crt_open_osfhandle(reinterpret_cast<std::intptr_t>(h), flags);
    if (fd < 0)
        ec = crt_error();
    return fd;
}

/// The descriptor holds `h` now: make `h` non-inheritable, as the descriptor is. A failure is
/// ignored: only console handles before Windows 8, which are not kernel handles, refuse.
HANDOFF_INLINE void keep_from_children(HANDLE h) noexcept
{
    (void)::SetHandleInformation(h, HANDLE_FLAG_INHERIT, 0);
}

/// Frees descriptor `fd`, which owns `h`, without closing `h`: `h` is protected from close
/// while the CRT's `_close` frees the slot (its `CloseHandle` then fails and `h` stays open),
/// then gets its own protection flag back. Returns false if `h` could not be protected, in
/// which case nothing was done.
inline bool detach_from_fd(int fd, HANDLE h) noexcept
{
    const error_state_guard keep_errors;
    DWORD flags = 0;
    if (!::GetHandleInformation(h, &flags) ||
        !::SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE))
        return false;
    (void)crt_close(fd);
    (void)::SetHandleInformation(h, HANDLE_FLAG_PROTECT_FROM_CLOSE, flags & HANDLE_FLAG_PROTECT_FROM_CLOSE);
    return true;
}

/// After `_fdopen` failed on descriptor `fd`, which owns `h`'s handle: frees the descriptor and
/// leaves `h` holding its handle, as it was before.
HANDOFF_COLD inline void take_back_from_fd(int fd, unique_handle &h) noexcept
{
    if (detach_from_fd(fd, h.get()))
        return;
    // Not protectable: keep a duplicate before the descriptor closes the original.
    const error_state_guard keep_errors;
    std::error_code ignored;
    unique_handle copy(duplicate_checked(h.borrow(), detail::this_process(), duplicate_options(), ignored));
    (void)h.release();
    (void)crt_close(fd);
    h = std::move(copy);
}

/// A stream that owns `h`'s handle, for a handle and mode already checked: on success `h` is
/// empty; on failure `h` holds what it held (see `to_file(unique_handle&&)`).
HANDOFF_INLINE unique_file attach_to_stream(unique_handle &h, const char *mode, bool may_be_inheritable,
                                    std::error_code &ec) noexcept
{
    const int fd = attach_to_fd(h.get(), fd_flags_for_mode(mode), ec);
    if (fd < 0)
        return {};
    errno = 0; // Wine's _fdopen leaves errno alone when the stream table is full
    _doserrno = 0;
    std::FILE *const stream = crt_fdopen(fd, mode);
    if (stream == nullptr)
    {
        ec = crt_error();
        take_back_from_fd(fd, h);
        return {};
    }
    if (may_be_inheritable)
        keep_from_children(h.get());
    (void)h.release();
    return unique_file(stream);
}
} // namespace detail

/// Makes a CRT descriptor the owner of `h`'s handle, without duplicating it: on success `h` is
/// empty, the descriptor's `_close` closes the handle, and the handle is no longer inheritable
/// (the descriptor is made with `default_fd_flags` plus `flags`).
///
/// On failure `h` still owns its handle, unchanged. Refused before the call: flags the CRT
/// would ignore (`errc::unsupported_flags`), sockets (`errc::socket_handle`), handles opened
/// for overlapped I/O (`errc::overlapped_handle`; `ReOpenFile` without `FILE_FLAG_OVERLAPPED`
/// gives a synchronous handle to the same file). Otherwise `ec` is `_open_osfhandle`'s error:
/// the system's reason where the CRT kept it, in `crt_error_category()` (`ERROR_INVALID_HANDLE`
/// for a handle that is not a file, pipe or device, such as an event), else `errno` (`EMFILE`,
/// `ENFILE` under Wine, when the descriptor table is full); each compares equal to the
/// `std::errc` the CRT reported.
///
/// If the program has closed descriptor 0, 1 or 2, the new descriptor may take that number,
/// and the CRT of a console program then makes its handle the process's standard handle, as it does for any
/// `_open_osfhandle`.
///
/// ~~~cpp
/// handoff::unique_fd fd = handoff::to_fd(std::move(file));   // file is empty, fd owns the handle
/// ~~~
HANDOFF_INLINE unique_fd to_fd(unique_handle &&h, int flags, std::error_code &ec) noexcept
{
    const int fd_flags = detail::fd_flags_with(flags);
    if (fd_flags < 0)
    {
        ec = errc::unsupported_flags;
        return {};
    }
    if (!detail::check_handle_for_fd(h.get(), ec))
        return {};
    const int fd = detail::attach_to_fd(h.get(), fd_flags, ec);
    if (fd < 0)
        return {}; // the CRT did not take the handle: h still owns it
    detail::keep_from_children(h.release());
    ec.clear();
    return unique_fd(fd);
}

/// `to_fd(std::move(h), 0, ec)`: a binary descriptor, kept from child processes.
HANDOFF_INLINE unique_fd to_fd(unique_handle &&h, std::error_code &ec) noexcept
{
    return to_fd(std::move(h), 0, ec);
}

/// Makes a CRT descriptor for a handle somebody else owns: the descriptor gets a duplicate
/// (non-inheritable, same access) and closes only that; the lender keeps the original and
/// closes it as before. This is the cure for `_open_osfhandle(lent_handle)`, which makes two
/// owners of one handle. Flags and refusals as for `to_fd(std::move(h), flags)`; on failure
/// nothing is left open and the lender's handle is untouched.
///
/// ~~~cpp
/// // A library lends its handle; the CRT gets its own.
/// handoff::unique_fd fd = handoff::to_fd(handoff::borrowed_handle(library.native_handle()));
/// // An owner of ours that keeps its handle: say so with borrow().
/// handoff::unique_fd copy = handoff::to_fd(file.borrow());
/// ~~~
HANDOFF_INLINE unique_fd to_fd(borrowed_handle h, int flags, std::error_code &ec) noexcept
{
    const int fd_flags = detail::fd_flags_with(flags);
    if (fd_flags < 0)
    {
        ec = errc::unsupported_flags;
        return {};
    }
    if (!detail::check_handle_for_fd(h.get(), ec))
        return {};
    unique_handle copy(detail::duplicate_checked(h, detail::this_process(), duplicate_options(), ec));
    if (!copy)
        return {};
    const int fd = detail::attach_to_fd(copy.get(), fd_flags, ec); // ec was cleared by the duplicate
    if (fd < 0)
        return {};        // copy closes the duplicate
    (void)copy.release(); // made non-inheritable by the duplicate
    return unique_fd(fd);
}

/// `to_fd(h, 0, ec)`.
HANDOFF_INLINE unique_fd to_fd(borrowed_handle h, std::error_code &ec) noexcept
{
    return to_fd(h, 0, ec);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `to_fd(std::move(h), flags, ec)`: throws `std::system_error`.
inline unique_fd to_fd(unique_handle &&h, int flags = 0)
{
    return detail::value_or_throw("handoff::to_fd",
                                  [&](std::error_code &ec) { return to_fd(std::move(h), flags, ec); });
}

/// Throwing form of `to_fd(borrowed, flags, ec)`: throws `std::system_error`.
inline unique_fd to_fd(borrowed_handle h, int flags = 0)
{
    return detail::value_or_throw("handoff::to_fd", [&](std::error_code &ec) { return to_fd(h, flags, ec); });
}
#endif

/// Refuses an owner that is neither moved nor explicitly lent, which would otherwise quietly
/// be lent: a forgotten `std::move` would leave the owner's handle open beside the duplicate
/// (for a pipe, a reader that never sees end-of-file).
template <class Owner, class... Arguments,
          std::enable_if_t<detail::is_unmoved_owner<Owner, unique_handle>::value, int> = 0>
unique_fd to_fd(Owner &&, Arguments &&...)
{
    static_assert(detail::dependent_false<Owner, Arguments...>::value,
                  "handoff::to_fd: say whether the handle is handed over or lent: to_fd(std::move(h)) gives the "
                  "descriptor this handle; to_fd(h.borrow()) gives it a duplicate and h keeps its own (a const owner "
                  "cannot be handed over)");
    return {};
}

namespace detail
{
/// The handle behind `fd`, null for a standard descriptor that has none; false with `ec` set
/// for an empty or closed descriptor. `ec` is not touched on success.
HANDOFF_INLINE bool query_handle(borrowed_fd fd, HANDLE &inner, std::error_code &ec) noexcept
{
    if (!fd)
    {
        ec = errc::empty_value;
        return false;
    }
    const std::intptr_t raw = crt_get_osfhandle(fd.get());
    if (raw == -1)
    {
        ec = errno_error();
        return false;
    }
    inner = raw == -2 ? nullptr : reinterpret_cast<HANDLE>(raw); // -2: a standard stream without a handle
    return true;
}
} // namespace detail

/// The kernel handle behind a CRT descriptor, still owned by the CRT: never close it; to own
/// one, `duplicate(handle_of(fd))`.
///
/// A standard descriptor (0, 1, 2) that has no handle, as in a process without a console, gives
/// an empty view and no error. A descriptor that is not open gives `EBADF`; the CRT's
/// invalid-parameter handler, which would end the process under the Universal CRT, is not
/// reached. `errno` is left as it was on success.
HANDOFF_INLINE borrowed_handle handle_of(borrowed_fd fd, std::error_code &ec) noexcept
{
    HANDLE inner = nullptr;
    if (!detail::query_handle(fd, inner, ec))
        return {};
    ec.clear();
    return borrowed_handle(inner);
}

/// `handle_of` of a descriptor owned by a temporary: usable within the expression, and reported
/// by clang when kept (`auto h = handle_of(adopt_fd(...));` names a closed handle).
inline borrowed_handle handle_of(const unique_fd &&fd HANDOFF_LIFETIMEBOUND, std::error_code &ec) noexcept
{
    return handle_of(borrowed_fd(fd), ec);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `handle_of(fd, ec)`: throws `std::system_error`.
inline borrowed_handle handle_of(borrowed_fd fd)
{
    return detail::value_or_throw("handoff::handle_of", [&](std::error_code &ec) { return handle_of(fd, ec); });
}

/// Throwing form of `handle_of(const unique_fd&&, ec)`.
inline borrowed_handle handle_of(const unique_fd &&fd HANDOFF_LIFETIMEBOUND)
{
    return handle_of(borrowed_fd(fd));
}
#endif

namespace detail
{
/// `handle_of(fd)`, where a standard stream without a handle is an error (`errc::no_handle`),
/// for the conversions that need a handle to duplicate.
HANDOFF_INLINE HANDLE handle_behind(borrowed_fd fd, std::error_code &ec) noexcept
{
    HANDLE inner = nullptr;
    if (!query_handle(fd, inner, ec))
        return nullptr;
    if (inner == nullptr)
        ec = errc::no_handle;
    return inner;
}
} // namespace detail

/// Makes a new descriptor for the object a descriptor somebody else owns refers to, owned by
/// the caller: a non-inheritable duplicate of its handle in a descriptor of its own, made with
/// `default_fd_flags` plus `flags`. This is what `_dup` does, except that `_dup` makes an
/// inheritable copy, which every child started with handle inheritance then receives. The copy
/// shares the file position (one kernel object); the CRT keeps text and append mode per
/// descriptor and no call reads them, so the copy is binary unless `flags` says `_O_TEXT`.
///
/// Refuses an empty source (`errc::empty_value`), a standard stream without a handle
/// (`errc::no_handle`) and what `to_fd` refuses; `EBADF` for a descriptor that is not open.
HANDOFF_INLINE unique_fd duplicate(borrowed_fd source, int flags, std::error_code &ec) noexcept
{
    const HANDLE inner = detail::handle_behind(source, ec);
    if (inner == nullptr)
        return {};
    return to_fd(borrowed_handle(inner), flags, ec);
}

/// `duplicate(source, 0, ec)`: the same call as POSIX's `duplicate(borrowed_fd, ec)`.
HANDOFF_INLINE unique_fd duplicate(borrowed_fd source, std::error_code &ec) noexcept
{
    return duplicate(source, 0, ec);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `duplicate(source, flags, ec)`: throws `std::system_error`.
///
/// ~~~cpp
/// // A stream or library will close what it is given: give it a copy of a lent descriptor.
/// handoff::unique_fd copy = handoff::duplicate(lent_fd);
/// ~~~
inline unique_fd duplicate(borrowed_fd source, int flags = 0)
{
    return detail::value_or_throw("handoff::duplicate",
                                  [&](std::error_code &ec) { return duplicate(source, flags, ec); });
}
#endif

/// Takes ownership of a descriptor's handle out of the CRT: duplicates the handle, then closes
/// the descriptor, whose `_close` closes only its own handle. No CRT call detaches a handle from
/// its descriptor, so this one duplicate is the cost. The new handle is not inheritable.
///
/// On failure before the close (a bad descriptor, a standard stream without a handle:
/// `errc::no_handle`, a socket: `errc::socket_handle`, a failed duplicate) `fd` still owns its
/// descriptor. If the final
/// `_close` fails, the CRT has freed the descriptor anyway, so `fd` is empty; the duplicate is
/// closed and `ec` is the close's error. If `fd` is 0, 1 or 2, the CRT of a console program
/// also sets the process's standard handle to NULL when it closes it.
///
/// ~~~cpp
/// // A library will close the handle it is given, and the descriptor is no longer needed.
/// library.adopt(handoff::to_handle(std::move(fd)).give());
/// ~~~
HANDOFF_INLINE unique_handle to_handle(unique_fd &&fd, std::error_code &ec) noexcept
{
    const HANDLE inner = detail::handle_behind(fd, ec);
    if (inner == nullptr)
        return {};
    // A descriptor can hold a socket (made by a raw _open_osfhandle): refused like everywhere.
    unique_handle copy(
        detail::duplicate_into_process(borrowed_handle(inner), detail::this_process(), duplicate_options(), ec));
    if (!copy)
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

/// Refuses an owner that is not moved: `to_handle` consumes the descriptor.
template <class Owner, class... Arguments, std::enable_if_t<detail::is_unmoved_owner<Owner, unique_fd>::value, int> = 0>
unique_handle to_handle(Owner &&, Arguments &&...)
{
    static_assert(
        detail::dependent_false<Owner, Arguments...>::value,
        "handoff::to_handle: taking the handle out of the CRT closes the descriptor: write "
        "to_handle(std::move(fd)) (not of a const owner); to keep the descriptor, duplicate(handle_of(fd)) gives "
        "a handle of your own");
    return {};
}

/// Opens a stream that owns `h`'s handle: a descriptor is made for the handle without a
/// duplicate (with text or append mode as `mode` says), and the stream for the descriptor;
/// `fclose` closes all three. On success `h` is empty and its handle is no longer inheritable.
///
/// On failure `h` still owns its handle, unchanged: the same value, with the same flags, so
/// views of it stay valid. That holds even when the stream cannot be opened after the
/// descriptor took the handle (a full stream table): the descriptor is freed while the handle
/// is protected from close, so the handle survives it. (Under a debugger, and where close
/// exceptions are enabled, gflags' `FLG_ENABLE_CLOSE_EXCEPTIONS`, Windows raises
/// `STATUS_HANDLE_NOT_CLOSABLE` for that refused close, which a debugger can continue; a
/// console handle before Windows 8, which cannot be protected, is replaced by a duplicate, and
/// if that duplicate fails too, `h` is left empty.)
HANDOFF_INLINE unique_file to_file(unique_handle &&h, const char *mode, std::error_code &ec) noexcept
{
    if (!detail::check_stream_mode(mode, ec))
        return {};
    if (!detail::check_handle_for_fd(h.get(), ec))
        return {};
    unique_file stream = detail::attach_to_stream(h, mode, true, ec);
    if (stream)
        ec.clear();
    return stream;
}

/// Opens a stream on a duplicate of a handle somebody else owns; the lender keeps and closes
/// the original. On failure nothing is left open.
HANDOFF_INLINE unique_file to_file(borrowed_handle h, const char *mode, std::error_code &ec) noexcept
{
    if (!detail::check_stream_mode(mode, ec))
        return {};
    if (!detail::check_handle_for_fd(h.get(), ec))
        return {};
    unique_handle copy(detail::duplicate_checked(h, detail::this_process(), duplicate_options(), ec));
    if (!copy)
        return {};
    return detail::attach_to_stream(copy, mode, false, ec); // on failure, copy closes the duplicate
}

/// Opens a stream on a duplicate of the handle behind a descriptor somebody else owns:
/// `to_file(handle_of(fd), mode)`. The lender's descriptor stays open and is closed by the
/// lender; the stream owns a descriptor and handle of its own, which share the file position
/// with the lender's (one kernel object). On failure nothing is left open.
HANDOFF_INLINE unique_file to_file(borrowed_fd fd, const char *mode, std::error_code &ec) noexcept
{
    const HANDLE inner = detail::handle_behind(fd, ec);
    if (inner == nullptr)
        return {};
    return to_file(borrowed_handle(inner), mode, ec);
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

/// Refuses an owner that is neither moved nor explicitly lent (see `to_fd`).
template <class Owner, class... Arguments,
          std::enable_if_t<detail::is_unmoved_owner<Owner, unique_handle>::value, int> = 0>
unique_file to_file(Owner &&, Arguments &&...)
{
    static_assert(detail::dependent_false<Owner, Arguments...>::value,
                  "handoff::to_file: say whether the handle is handed over or lent: to_file(std::move(h), mode) gives "
                  "the stream this handle; to_file(h.borrow(), mode) gives it a duplicate and h keeps its own (a const "
                  "owner cannot be handed over)");
    return {};
}

HANDOFF_END_NAMESPACE

#endif // HANDOFF_WINDOWS

#endif // HANDOFF_CRT_HPP_INCLUDED
