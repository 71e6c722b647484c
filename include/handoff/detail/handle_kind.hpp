// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// Recognises the two kinds of handle that _open_osfhandle accepts but cannot serve:
// sockets (the CRT would close them with CloseHandle, skipping closesocket, and Winsock
// warns that DuplicateHandle copies of sockets may not work) and handles opened for
// overlapped I/O (every _read and _write on them fails with EINVAL).

#ifndef HANDOFF_DETAIL_HANDLE_KIND_HPP_INCLUDED
#define HANDOFF_DETAIL_HANDLE_KIND_HPP_INCLUDED

#include <handoff/config.hpp>

#if HANDOFF_WINDOWS

#include <windows.h>

#include <cstdint>

HANDOFF_BEGIN_NAMESPACE
namespace detail
{
/// True if `h` is a Winsock socket. A process that has not loaded ws2_32.dll cannot use a
/// socket, so only then is the question asked, through getsockopt(SO_TYPE), looked up at run
/// time so that handoff never forces a link with ws2_32.
inline bool is_socket(HANDLE h) noexcept
{
    using getsockopt_fn = int(WINAPI *)(std::uintptr_t, int, int, char *, int *);
    const HMODULE winsock = ::GetModuleHandleW(L"ws2_32.dll");
    if (winsock == nullptr)
        return false;
    const auto get_option =
        reinterpret_cast<getsockopt_fn>(reinterpret_cast<void (*)()>(::GetProcAddress(winsock, "getsockopt")));
    if (get_option == nullptr)
        return false;
    constexpr int sol_socket = 0xffff; // SOL_SOCKET and SO_TYPE from <winsock2.h>, which cannot be
    constexpr int so_type = 0x1008;    // included after <windows.h> without WIN32_LEAN_AND_MEAN
    int type = 0;
    int length = sizeof type;
    const DWORD saved = ::GetLastError();
    const bool socket = get_option(reinterpret_cast<std::uintptr_t>(h), sol_socket, so_type,
                                   reinterpret_cast<char *>(&type), &length) == 0;
    ::SetLastError(saved);
    return socket;
}

/// True if `h` is a file object opened for overlapped (asynchronous) I/O, as async I/O
/// libraries open their files and pipes. The file mode comes from
/// NtQueryInformationFile(FileModeInformation); a handle that cannot be asked (not a file
/// object) is not reported as overlapped.
inline bool is_overlapped(HANDLE h) noexcept
{
    struct io_status
    {
        void *status_or_pointer;
        std::uintptr_t information;
    };
    using query_fn = LONG(WINAPI *)(HANDLE, io_status *, void *, ULONG, ULONG);
    static const query_fn query = reinterpret_cast<query_fn>(
        reinterpret_cast<void (*)()>(::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), "NtQueryInformationFile")));
    if (query == nullptr)
        return false;
    constexpr ULONG file_mode_information = 16;
    constexpr ULONG synchronous_io_alert = 0x10;
    constexpr ULONG synchronous_io_nonalert = 0x20;
    io_status status = {};
    ULONG mode = 0;
    if (query(h, &status, &mode, sizeof mode, file_mode_information) < 0)
        return false;
    return (mode & (synchronous_io_alert | synchronous_io_nonalert)) == 0;
}
} // namespace detail
HANDOFF_END_NAMESPACE

#endif // HANDOFF_WINDOWS

#endif // HANDOFF_DETAIL_HANDLE_KIND_HPP_INCLUDED
