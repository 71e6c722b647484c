// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief The Winsock socket family (Windows): `unique_socket`, `borrowed_socket`,
/// `adopt_socket()`, and `duplicate()` of a socket through `WSADuplicateSocketW`.
///
/// A socket is a kernel handle that only Winsock may copy and close: `DuplicateHandle` copies
/// are not known to Winsock, and `CloseHandle` skips `closesocket`. So the HANDLE family and
/// the CRT conversions refuse sockets (`errc::socket_handle`), and this family closes with
/// `closesocket` and duplicates with `WSADuplicateSocketW`. Calls here need ws2_32 (linked by
/// the `handoff::handoff` CMake target; with MSVC a `#pragma comment(lib)` asks for it).
///
/// This header needs `<winsock2.h>`, which cannot follow the old `<winsock.h>` that a plain
/// `<windows.h>` brings: include it (or `<winsock2.h>`) before `<windows.h>`, or define
/// `WIN32_LEAN_AND_MEAN`. On other platforms it declares nothing.

#ifndef HANDOFF_SOCKET_HPP_INCLUDED
#define HANDOFF_SOCKET_HPP_INCLUDED

#include <handoff/borrowed_handle.hpp>
#include <handoff/config.hpp>
#include <handoff/error.hpp>
#include <handoff/unique_handle.hpp>

#if HANDOFF_WINDOWS

#if defined(_WINSOCKAPI_) && !defined(_WINSOCK2API_)
#error                                                                                                                 \
    "handoff/socket.hpp needs <winsock2.h>, but <winsock.h> came first (through <windows.h>): include <handoff/socket.hpp> or <winsock2.h> before <windows.h>, or define WIN32_LEAN_AND_MEAN"
#endif

#include <winsock2.h>

#include <handoff/detail/windows.hpp>

#if defined(_MSC_VER)
#pragma comment(lib, "ws2_32.lib")
#endif

#include <system_error>

HANDOFF_BEGIN_NAMESPACE

namespace detail
{
/// Winsock's error for the call that just failed, as an error code; 0 becomes
/// `errc::failure_without_code`.
inline std::error_code winsock_error() noexcept
{
    const int value = ::WSAGetLastError();
    if (value == 0)
        return make_error_code(errc::failure_without_code);
    return {value, std::system_category()};
}
} // namespace detail

/// Traits of the socket family: empty is `INVALID_SOCKET`, which is also the failure value of
/// `socket` and `accept`; closed with `closesocket`.
struct socket_traits
{
    /// What the ownership checks (docs/checks.md) register an owner's value as.
    static constexpr value_kind check_kind = value_kind::socket;
    /// The raw value.
    using value_type = SOCKET;

    /// `INVALID_SOCKET`, the value of an empty owner or view.
    static constexpr value_type empty() noexcept
    {
        return INVALID_SOCKET;
    }

    /// False for `INVALID_SOCKET` only.
    static constexpr bool can_own(value_type s) noexcept
    {
        return s != INVALID_SOCKET;
    }

    /// `closesocket(s)`; `WSAGetLastError()` on failure.
    HANDOFF_INLINE static std::error_code close(value_type s) noexcept
    {
        if (::closesocket(s) == 0)
            return {};
        return detail::winsock_error();
    }

    /// `closesocket(s)`, for an owner that cannot report its result.
    HANDOFF_INLINE static void close_quietly(value_type s) noexcept
    {
        (void)::closesocket(s);
    }
};

/// Owns a Winsock socket and closes it with `closesocket`.
using unique_socket = basic_unique_handle<socket_traits>;

/// A Winsock socket that somebody else closes.
using borrowed_socket = basic_borrowed_handle<socket_traits>;

/// Adopts the result of a call that returns `INVALID_SOCKET` and sets `WSAGetLastError()` on
/// failure (`socket`, `accept`, `WSASocketW`). On failure `ec` is that error.
///
/// ~~~cpp
/// std::error_code ec;
/// handoff::unique_socket s = handoff::adopt_socket(::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), ec);
/// ~~~
inline unique_socket adopt_socket(SOCKET s, std::error_code &ec HANDOFF_CALL_SITE_PARAMETER) noexcept
{
    return detail::adopt_result<unique_socket>(
        s, INVALID_SOCKET, [] { return detail::winsock_error(); }, errc::invalid_value, ec HANDOFF_CALL_SITE_ARGUMENT);
}

/// Makes a new socket for the same connection or listener as `source`, owned by the caller,
/// as Winsock allows: `WSADuplicateSocketW` for this process, then `WSASocketW` from the
/// protocol information it gives. The copy is not inheritable (`WSA_FLAG_NO_HANDLE_INHERIT`)
/// and, like sockets from `socket()`, supports overlapped I/O. Closing either leaves the other
/// open; the connection lasts until both are closed. Refuses an empty source
/// (`errc::empty_value`); otherwise `ec` is Winsock's error.
inline unique_socket duplicate(borrowed_socket source, std::error_code &ec) noexcept
{
    if (!source)
    {
        ec = errc::empty_value;
        return {};
    }
    WSAPROTOCOL_INFOW information = {};
    if (::WSADuplicateSocketW(source.get(), ::GetCurrentProcessId(), &information) != 0)
    {
        ec = detail::winsock_error();
        return {};
    }
    const SOCKET copy = ::WSASocketW(FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, FROM_PROTOCOL_INFO, &information, 0,
                                     WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    return adopt_socket(copy, ec);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `adopt_socket(s, ec)`: throws `std::system_error` carrying Winsock's error.
inline unique_socket adopt_socket(SOCKET s HANDOFF_CALL_SITE_PARAMETER)
{
    return detail::value_or_throw("handoff::adopt_socket", [&](std::error_code &ec) {
        return adopt_socket(s, ec HANDOFF_CALL_SITE_ARGUMENT);
    });
}

/// Throwing form of `duplicate(source, ec)`: throws `std::system_error` carrying Winsock's error.
///
/// ~~~cpp
/// // A library will close the socket it is given: give it its own.
/// library.adopt(handoff::duplicate(connection).give());
/// ~~~
inline unique_socket duplicate(borrowed_socket source)
{
    return detail::value_or_throw("handoff::duplicate", [&](std::error_code &ec) { return duplicate(source, ec); });
}
#endif

HANDOFF_END_NAMESPACE

#endif // HANDOFF_WINDOWS

#endif // HANDOFF_SOCKET_HPP_INCLUDED
