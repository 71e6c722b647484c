// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// Recognises the two kinds of handle that the C runtime accepts but cannot serve: sockets
// (the CRT would close them with CloseHandle, skipping closesocket, and DuplicateHandle must
// not copy them: Winsock would not know the copy) and handles opened for overlapped I/O
// (ReadFile and WriteFile without an OVERLAPPED on them fail, as on a disk file under Wine,
// or may report completion before it happens, as the ReadFile documentation warns).

#ifndef HANDOFF_DETAIL_HANDLE_KIND_HPP_INCLUDED
#define HANDOFF_DETAIL_HANDLE_KIND_HPP_INCLUDED

#include <handoff/config.hpp>

#if HANDOFF_WINDOWS

#include <handoff/detail/windows.hpp>

#include <atomic>
#include <cstdint>

HANDOFF_BEGIN_NAMESPACE
namespace detail
{
/// True if `h` is a Winsock socket. A process that has not loaded ws2_32.dll has no usable
/// socket, so only then is the question asked, through getsockopt(SO_TYPE), looked up at run
/// time so that handoff never forces a link with ws2_32. Once found, ws2_32.dll is pinned, so
/// another thread's FreeLibrary cannot unload the function between the lookup and the call.
/// A socket of a process that has not called WSAStartup is not recognised. `GetLastError()` is
/// left as it was.
inline bool is_socket(HANDLE h) noexcept
{
    using getsockopt_fn = int(WINAPI *)(std::uintptr_t, int, int, char *, int *);
    static std::atomic<getsockopt_fn> found{nullptr};
    const DWORD saved = ::GetLastError();
    getsockopt_fn get_option = found.load(std::memory_order_acquire);
    if (get_option == nullptr)
    {
        HMODULE winsock = nullptr;
        if (::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN, L"ws2_32.dll", &winsock))
            get_option =
                reinterpret_cast<getsockopt_fn>(reinterpret_cast<void (*)()>(::GetProcAddress(winsock, "getsockopt")));
        if (get_option == nullptr)
        {
            ::SetLastError(saved);
            return false;
        }
        found.store(get_option, std::memory_order_release);
    }
    constexpr int sol_socket = 0xffff; // SOL_SOCKET and SO_TYPE from <winsock2.h>, whose
    constexpr int so_type = 0x1008;    // declarations this header does not need
    int type = 0;
    int length = sizeof type;
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
