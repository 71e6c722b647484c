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

// The probes find their functions on first use, without a lock of their own: the loader takes
// its lock in GetModuleHandle and in the DLL notification calls, and a lock of handoff's held
// around them could deadlock with a thread that calls handoff from DllMain, which holds the
// loader's lock and would wait for handoff's. Threads that race do the same lookup twice and
// store the same answers.

/// The ntdll functions the probes use, looked up once per module.
class ntdll_functions
{
  public:
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

    constexpr ntdll_functions() noexcept = default;

    HANDOFF_INLINE query_information_file_fn query_information_file() noexcept
    {
        return reinterpret_cast<query_information_file_fn>(get(query_information_file_));
    }
    HANDOFF_INLINE read_file_fn read_file() noexcept
    {
        return reinterpret_cast<read_file_fn>(get(read_file_));
    }
    register_dll_notification_fn register_dll_notification() noexcept
    {
        return reinterpret_cast<register_dll_notification_fn>(get(register_dll_notification_));
    }
    unregister_dll_notification_fn unregister_dll_notification() noexcept
    {
        return reinterpret_cast<unregister_dll_notification_fn>(get(unregister_dll_notification_));
    }
    /// True in a process that Wine runs, whose ntdll exports wine_get_version.
    HANDOFF_INLINE bool under_wine() noexcept
    {
        if (!ready_.load(std::memory_order_acquire))
            find();
        return under_wine_.load(std::memory_order_relaxed);
    }

  private:
    using any_function = void (*)();

    HANDOFF_INLINE any_function get(const std::atomic<any_function> &function) noexcept
    {
        if (!ready_.load(std::memory_order_acquire))
            find();
        return function.load(std::memory_order_relaxed);
    }

    HANDOFF_COLD void find() noexcept
    {
        const DWORD saved = ::GetLastError();
        const HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
        const auto find_one = [ntdll](const char *name) noexcept {
            return ntdll == nullptr ? nullptr : reinterpret_cast<any_function>(::GetProcAddress(ntdll, name));
        };
        query_information_file_.store(find_one("NtQueryInformationFile"), std::memory_order_relaxed);
        read_file_.store(find_one("NtReadFile"), std::memory_order_relaxed);
        register_dll_notification_.store(find_one("LdrRegisterDllNotification"), std::memory_order_relaxed);
        unregister_dll_notification_.store(find_one("LdrUnregisterDllNotification"), std::memory_order_relaxed);
        under_wine_.store(find_one("wine_get_version") != nullptr, std::memory_order_relaxed);
        ready_.store(true, std::memory_order_release);
        ::SetLastError(saved);
    }

    std::atomic<any_function> query_information_file_{nullptr};
    std::atomic<any_function> read_file_{nullptr};
    std::atomic<any_function> register_dll_notification_{nullptr};
    std::atomic<any_function> unregister_dll_notification_{nullptr};
    std::atomic<bool> under_wine_{false};
    std::atomic<bool> ready_{false};
};

/// This module's ntdll functions (constant-initialized: no guard, no constructor to run).
inline ntdll_functions ntdll_instance;

HANDOFF_INLINE ntdll_functions &ntdll() noexcept
{
    return ntdll_instance;
}

/// Knows whether ws2_32.dll is loaded without asking the loader each time (which costs a
/// search of the DLL path under Wine, 0.1 to 0.4 ms): it looks on first use, and after that
/// only when the loader's notification of a load of ws2_32.dll says so. Without
/// LdrRegisterDllNotification (not seen on any Windows since Vista, nor in Wine) it asks the
/// loader on every probe until ws2_32.dll is found: slower, still right. Once found, ws2_32.dll
/// is pinned, so another thread's FreeLibrary cannot unload getsockopt between the lookup and
/// the call. A DLL that contains handoff removes the notification when it is unloaded (the
/// destructor of its copy runs then).
class winsock_watch
{
  public:
    using getsockopt_fn = int(WINAPI *)(std::uintptr_t, int, int, char *, int *);

    constexpr winsock_watch() noexcept = default;
    winsock_watch(const winsock_watch &) = delete;
    winsock_watch &operator=(const winsock_watch &) = delete;
    ~winsock_watch()
    {
        if (state_.exchange(cannot_watch, std::memory_order_acq_rel) == watching)
            (void)ntdll().unregister_dll_notification()(cookie_);
    }

    /// ws2_32's getsockopt, or null while ws2_32.dll is not loaded.
    HANDOFF_INLINE getsockopt_fn getsockopt() noexcept
    {
        const getsockopt_fn found = found_.load(std::memory_order_acquire);
        if (found != nullptr ||
            (state_.load(std::memory_order_acquire) == watching &&
             loads_seen_.load(std::memory_order_acquire) == loads_looked_at_.load(std::memory_order_relaxed)))
            return found;
        return look();
    }

  private:
    enum state : int
    {
        not_started,
        starting,
        watching,
        cannot_watch
    };

    HANDOFF_COLD getsockopt_fn look() noexcept
    {
        const DWORD saved = ::GetLastError();
        start_watching();
        // A load noticed after this point makes the next call look again.
        const unsigned seen = loads_seen_.load(std::memory_order_acquire);
        getsockopt_fn found = nullptr;
        HMODULE winsock = nullptr;
        if (::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_PIN, L"ws2_32.dll", &winsock))
            found =
                reinterpret_cast<getsockopt_fn>(reinterpret_cast<void (*)()>(::GetProcAddress(winsock, "getsockopt")));
        if (found != nullptr)
            found_.store(found, std::memory_order_release);
        else
            loads_looked_at_.store(seen, std::memory_order_release);
        ::SetLastError(saved);
        return found;
    }

    // Watch first, then look: a load between the two is still seen. A thread that finds
    // another one registering does not wait for it: it looks for itself.
    void start_watching() noexcept
    {
        int expected = not_started;
        if (!state_.compare_exchange_strong(expected, starting, std::memory_order_acq_rel))
            return;
        ntdll_functions &nt = ntdll();
        const bool registered = nt.register_dll_notification() != nullptr &&
                                nt.unregister_dll_notification() != nullptr &&
                                nt.register_dll_notification()(0, &on_dll_event, this, &cookie_) >= 0;
        expected = starting;
        if (state_.compare_exchange_strong(expected, registered ? watching : cannot_watch, std::memory_order_acq_rel))
            return;
        // The destructor ran meanwhile (the module is going away): the notification must not stay.
        if (registered)
            (void)nt.unregister_dll_notification()(cookie_);
    }

    // Called by the loader, with its lock held: only notes that ws2_32.dll arrived.
    static void CALLBACK on_dll_event(ULONG reason, const ntdll_functions::dll_notification *dll,
                                      void *context) noexcept
    {
        constexpr ULONG loaded = 1;
        if (reason == loaded && dll != nullptr && is_winsock(dll->base_name))
            static_cast<winsock_watch *>(context)->loads_seen_.fetch_add(1, std::memory_order_acq_rel);
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
    std::atomic<int> state_{not_started};
    std::atomic<unsigned> loads_seen_{0};      // loads of ws2_32.dll the loader reported
    std::atomic<unsigned> loads_looked_at_{0}; // of those, how many the last failed look had seen
    void *cookie_ = nullptr;
};

/// This module's watch (constant-initialized; its destructor removes the notification).
inline winsock_watch winsock_instance;

HANDOFF_INLINE winsock_watch &winsock() noexcept
{
    return winsock_instance;
}

/// Asks Winsock whether `h` is one of its sockets; `GetLastError()` is left as it was.
HANDOFF_OUT_OF_LINE bool ask_winsock_if_socket(HANDLE h, winsock_watch::getsockopt_fn get_option) noexcept
{
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
    return get_option != nullptr && ask_winsock_if_socket(h, get_option);
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
HANDOFF_OUT_OF_LINE bool has_overlapped_mode(HANDLE h) noexcept
{
    const auto query = ntdll().query_information_file();
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

/// `has_overlapped_mode` for a handle whose `GetFileType` is `type`. On Windows the I/O
/// manager answers FileModeInformation from the file object, without a driver. Wine answers it
/// with a trip to its server, so there a disk file is first asked with a read of no bytes and
/// no offset: a synchronous file object completes it without touching anything, while an
/// asynchronous one refuses a read without an offset. Any other outcome (no read access, a
/// directory, the refusal itself) is settled by FileModeInformation. Only disk files are read,
/// and only under Wine: a read of no bytes may wait for data on a pipe or a device, and on
/// Windows it would reach file-system filters and drivers.
HANDOFF_OUT_OF_LINE bool is_overlapped(HANDLE h, DWORD type) noexcept
{
    if (type == FILE_TYPE_DISK && ntdll().under_wine())
    {
        const auto read = ntdll().read_file();
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
