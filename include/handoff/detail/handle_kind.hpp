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
/// The process's own pseudo-handle, `GetCurrentProcess()`'s fixed value, without the call.
inline HANDLE this_process() noexcept
{
    return reinterpret_cast<HANDLE>(static_cast<std::intptr_t>(-1));
}

/// The ntdll functions the probes use, looked up once.
struct ntdll_functions
{
    struct io_status
    {
        void *status_or_pointer;
        std::uintptr_t information;
    };
    struct unicode_string
    {
        USHORT length; // in bytes
        USHORT maximum_length;
        const wchar_t *buffer;
    };
    struct dll_notification
    {
        ULONG flags;
        const unicode_string *full_name;
        const unicode_string *base_name;
        void *base;
        ULONG size;
    };
    using query_information_file_fn = LONG(WINAPI *)(HANDLE, io_status *, void *, ULONG, ULONG);
    using read_file_fn = LONG(WINAPI *)(HANDLE, HANDLE, void *, void *, io_status *, void *, ULONG, LARGE_INTEGER *,
                                        ULONG *);
    using dll_notification_fn = void(CALLBACK *)(ULONG, const dll_notification *, void *);
    using register_dll_notification_fn = LONG(WINAPI *)(ULONG, dll_notification_fn, void *, void **);
    using unregister_dll_notification_fn = LONG(WINAPI *)(void *);

    query_information_file_fn query_information_file;
    read_file_fn read_file;
    register_dll_notification_fn register_dll_notification;
    unregister_dll_notification_fn unregister_dll_notification;
};

HANDOFF_COLD inline ntdll_functions find_ntdll_functions() noexcept
{
    const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    const auto find = [ntdll](const char *name) noexcept {
        return reinterpret_cast<void (*)()>(::GetProcAddress(ntdll, name));
    };
    ntdll_functions found = {};
    found.query_information_file =
        reinterpret_cast<ntdll_functions::query_information_file_fn>(find("NtQueryInformationFile"));
    found.read_file = reinterpret_cast<ntdll_functions::read_file_fn>(find("NtReadFile"));
    found.register_dll_notification =
        reinterpret_cast<ntdll_functions::register_dll_notification_fn>(find("LdrRegisterDllNotification"));
    found.unregister_dll_notification =
        reinterpret_cast<ntdll_functions::unregister_dll_notification_fn>(find("LdrUnregisterDllNotification"));
    return found;
}

HANDOFF_INLINE const ntdll_functions &ntdll() noexcept
{
    static const ntdll_functions functions = find_ntdll_functions();
    return functions;
}

/// Knows whether ws2_32.dll is loaded without asking the loader each time (which costs a
/// search of the DLL path under Wine, 0.1 to 0.4 ms): it looks once, and the loader's
/// notification of each later DLL load says when to look again. Once found, ws2_32.dll is
/// pinned, so another thread's FreeLibrary cannot unload getsockopt between the lookup and the
/// call. A DLL that contains handoff removes the notification when it is unloaded.
class winsock_watch
{
  public:
    using getsockopt_fn = int(WINAPI *)(std::uintptr_t, int, int, char *, int *);

    HANDOFF_COLD winsock_watch() noexcept
    {
        // Watch first, then look: a load between the two is still seen.
        const ntdll_functions &nt = ntdll();
        if (nt.register_dll_notification != nullptr && nt.unregister_dll_notification != nullptr &&
            nt.register_dll_notification(0, &on_dll_event, this, &cookie_) >= 0)
            watching_ = true;
        look();
    }
    winsock_watch(const winsock_watch &) = delete;
    winsock_watch &operator=(const winsock_watch &) = delete;
    ~winsock_watch()
    {
        if (watching_)
            (void)ntdll().unregister_dll_notification(cookie_);
    }

    /// ws2_32's getsockopt, or null while ws2_32.dll is not loaded.
    getsockopt_fn getsockopt() noexcept
    {
        const getsockopt_fn found = found_.load(std::memory_order_acquire);
        if (found != nullptr || (watching_ && !maybe_loaded_.load(std::memory_order_acquire)))
            return found;
        return look();
    }

  private:
    HANDOFF_COLD getsockopt_fn look() noexcept
    {
        const DWORD saved = ::GetLastError();
        maybe_loaded_.store(false, std::memory_order_release);
        getsockopt_fn found = nullptr;
        HMODULE winsock = nullptr;
        if (::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN, L"ws2_32.dll", &winsock))
            found = reinterpret_cast<getsockopt_fn>(reinterpret_cast<void (*)()>(::GetProcAddress(winsock, "getsockopt")));
        if (found != nullptr)
            found_.store(found, std::memory_order_release);
        ::SetLastError(saved);
        return found;
    }

    // Called by the loader, with its lock held: only notes that ws2_32.dll arrived.
    static void CALLBACK on_dll_event(ULONG reason, const ntdll_functions::dll_notification *dll,
                                      void *context) noexcept
    {
        constexpr ULONG loaded = 1;
        if (reason == loaded && dll != nullptr && is_winsock(dll->base_name))
            static_cast<winsock_watch *>(context)->maybe_loaded_.store(true, std::memory_order_release);
    }

    static bool is_winsock(const ntdll_functions::unicode_string *name) noexcept
    {
        static const char expected[] = "ws2_32.dll";
        if (name == nullptr || name->length != (sizeof expected - 1) * sizeof(wchar_t))
            return false;
        for (unsigned i = 0; i + 1 < sizeof expected; ++i)
        {
            wchar_t c = name->buffer[i];
            if (c >= L'A' && c <= L'Z')
                c = static_cast<wchar_t>(c - L'A' + L'a');
            if (c != static_cast<wchar_t>(expected[i]))
                return false;
        }
        return true;
    }

    std::atomic<getsockopt_fn> found_{nullptr};
    std::atomic<bool> maybe_loaded_{false};
    bool watching_ = false;
    void *cookie_ = nullptr;
};

HANDOFF_INLINE winsock_watch &winsock() noexcept
{
    static winsock_watch watch;
    return watch;
}

/// True if `h`, whose `GetFileType` is `type`, is a Winsock socket. Sockets are pipes to
/// `GetFileType`, and a process that has not loaded ws2_32.dll has no usable socket, so only
/// then is the question asked, through getsockopt(SO_TYPE), looked up at run time so that
/// handoff never forces a link with ws2_32. A socket of a process that has not called
/// WSAStartup is not recognised. `GetLastError()` is left as it was.
HANDOFF_INLINE bool is_socket(HANDLE h, DWORD type) noexcept
{
    if (type != FILE_TYPE_PIPE)
        return false;
    const winsock_watch::getsockopt_fn get_option = winsock().getsockopt();
    if (get_option == nullptr)
        return false;
    constexpr int sol_socket = 0xffff; // SOL_SOCKET and SO_TYPE from <winsock2.h>, whose
    constexpr int so_type = 0x1008;    // declarations this header does not need
    const DWORD saved = ::GetLastError();
    int socket_type = 0;
    int length = sizeof socket_type;
    const bool socket = get_option(reinterpret_cast<std::uintptr_t>(h), sol_socket, so_type,
                                   reinterpret_cast<char *>(&socket_type), &length) == 0;
    ::SetLastError(saved);
    return socket;
}

/// `is_socket(h, type)` for a handle whose type is not known yet: the type is asked for only
/// once ws2_32.dll is loaded.
HANDOFF_INLINE bool is_socket(HANDLE h) noexcept
{
    if (winsock().getsockopt() == nullptr)
        return false;
    const DWORD saved = ::GetLastError();
    const DWORD type = ::GetFileType(h);
    ::SetLastError(saved);
    return is_socket(h, type);
}

/// True if `h` is a file object opened for overlapped (asynchronous) I/O, as async I/O
/// libraries open their files and pipes, from NtQueryInformationFile(FileModeInformation).
/// A handle that cannot be asked (not a file object) is not reported as overlapped.
HANDOFF_INLINE bool has_overlapped_mode(HANDLE h) noexcept
{
    const auto query = ntdll().query_information_file;
    if (query == nullptr)
        return false;
    constexpr ULONG file_mode_information = 16;
    constexpr ULONG synchronous_io_alert = 0x10;
    constexpr ULONG synchronous_io_nonalert = 0x20;
    ntdll_functions::io_status status = {};
    ULONG mode = 0;
    if (query(h, &status, &mode, sizeof mode, file_mode_information) < 0)
        return false;
    return (mode & (synchronous_io_alert | synchronous_io_nonalert)) == 0;
}

/// `has_overlapped_mode` for a handle whose `GetFileType` is `type`. A disk file is first asked
/// with a read of no bytes and no offset: a synchronous file object completes it without
/// touching anything, while an asynchronous one refuses a read without an offset. That answer
/// needs no trip to the Wine server, which FileModeInformation does; any other outcome (no read
/// access, a directory, the refusal itself) is settled by FileModeInformation. Pipes and
/// devices are never read here: a read of no bytes may wait for data on them.
HANDOFF_INLINE bool is_overlapped(HANDLE h, DWORD type) noexcept
{
    if (type == FILE_TYPE_DISK)
    {
        const auto read = ntdll().read_file;
        if (read != nullptr)
        {
            constexpr LONG status_end_of_file = static_cast<LONG>(0xC0000011);
            ntdll_functions::io_status status = {};
            const LONG result = read(h, nullptr, nullptr, nullptr, &status, nullptr, 0, nullptr, nullptr);
            if (result == 0 || result == status_end_of_file)
                return false;
        }
    }
    return has_overlapped_mode(h);
}
} // namespace detail
HANDOFF_END_NAMESPACE

#endif // HANDOFF_WINDOWS

#endif // HANDOFF_DETAIL_HANDLE_KIND_HPP_INCLUDED
