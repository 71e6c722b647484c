// A program that loads Winsock only after handoff has probed handles without it: the socket
// probe must notice the late load and refuse a socket it would otherwise take for a pipe.
// The program does not link ws2_32, so the DLL is absent until LoadLibraryW brings it in.
// Before that, a DLL with its own copy of handoff probes a pipe and is unloaded: its watch of
// DLL loads must be gone with it, or the load of ws2_32.dll calls into unmapped code.
// Prints "late winsock: ok" when every check holds.

#include <winsock2.h> // for the types and constants only: nothing here links ws2_32

#include <handoff/crt.hpp>
#include <handoff/win32.hpp>

#include <windows.h>

#include <cstdio>
#include <system_error>

namespace
{
int failures = 0;

void check(bool condition, const char *what)
{
    if (!condition)
    {
        std::printf("late winsock: FAILED: %s\n", what);
        ++failures;
    }
}

template <class Function> Function winsock_function(HMODULE winsock, const char *name)
{
    return reinterpret_cast<Function>(reinterpret_cast<void (*)()>(::GetProcAddress(winsock, name)));
}
} // namespace

int main()
{
    // Output before anything can crash: cmake/wine-run.sh starts a program that ends silently
    // once more, and a crash in the loader must fail, not pass on the second try.
    std::printf("late winsock: started\n");
    std::fflush(stdout);
    if (::GetModuleHandleW(L"ws2_32.dll") != nullptr)
    {
        std::printf("late winsock: FAILED: ws2_32.dll is loaded at start, so a late load cannot be tested\n");
        return 1;
    }

    // handoff probes a pipe while Winsock is absent: no socket can exist yet.
    handoff::unique_handle read_end, write_end;
    if (!::CreatePipe(read_end.put(), write_end.put(), nullptr, 0))
        return 1;
    std::error_code ec;
    handoff::unique_fd reader = handoff::to_fd(handoff::borrowed_handle(read_end), ec);
    check(!ec && reader, "a pipe is accepted before Winsock is loaded");

    const HMODULE module = ::LoadLibraryW(L"handoff_probe_module.dll");
    check(module != nullptr, "handoff_probe_module.dll loads");
    if (module == nullptr)
        return 1;
    const auto probe_a_pipe =
        reinterpret_cast<int (*)()>(reinterpret_cast<void (*)()>(::GetProcAddress(module, "probe_a_pipe")));
    check(probe_a_pipe != nullptr && probe_a_pipe() == 1, "the module's handoff accepts a pipe");
    check(::FreeLibrary(module) != 0, "the module unloads");
    check(::GetModuleHandleW(L"handoff_probe_module.dll") == nullptr, "the module is gone");

    const HMODULE winsock = ::LoadLibraryW(L"ws2_32.dll");
    check(winsock != nullptr, "ws2_32.dll loads");
    if (winsock == nullptr)
        return 1;
    const auto startup = winsock_function<int(WINAPI *)(WORD, WSADATA *)>(winsock, "WSAStartup");
    const auto open_socket = winsock_function<SOCKET(WINAPI *)(int, int, int)>(winsock, "socket");
    const auto close_socket = winsock_function<int(WINAPI *)(SOCKET)>(winsock, "closesocket");
    WSADATA data;
    check(startup(MAKEWORD(2, 2), &data) == 0, "WSAStartup");
    const SOCKET s = open_socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    check(s != INVALID_SOCKET, "a socket is made");

    const handoff::borrowed_handle as_handle(reinterpret_cast<HANDLE>(s));
    check(!handoff::to_fd(as_handle, ec) && ec == handoff::errc::socket_handle, "to_fd refuses the socket");
    check(!handoff::duplicate(as_handle, ec) && ec == handoff::errc::socket_handle, "duplicate refuses the socket");
    handoff::unique_fd second = handoff::to_fd(handoff::borrowed_handle(read_end), ec);
    check(!ec && second, "a pipe is still accepted");
    check(close_socket(s) == 0, "the socket is still the caller's to close");

    if (failures == 0)
        std::printf("late winsock: ok\n");
    return failures == 0 ? 0 : 1;
}
