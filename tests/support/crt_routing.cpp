#include "crt_routing.hpp"

#if defined(_WIN32)

#include <handoff/detail/crt_calls.hpp>
#include <handoff/detail/table_lock.hpp>

#include <winsock2.h>

#include <io.h>
#include <windows.h>

#include <atomic>
#include <cstdint>
#include <cstdio>

// A call goes through the import pointer "__imp_<name>" for the functions MinGW's headers
// declare dllimport, and through the name itself for the others (fclose). --wrap=<symbol>, where
// <symbol> is the C-level name of that, sends this executable's calls through __wrap_<symbol>
// and leaves the CRT's own reachable as __real_<symbol>; on 32-bit x86 every C-level name gets
// a leading underscore in the object file, the import pointer's included (__imp___close).
// For fclose, GNU ld needs the function wrapped (its import thunk is out of reach) and lld the
// import pointer (wrapping the function would send lld's thunk back to the wrapper):
// HANDOFF_TEST_WRAP_FCLOSE_IMPORT says which, as tests/CMakeLists.txt decides.
#if defined(__i386__)
#define HANDOFF_TEST_IMPORT(name) "_imp__" name
#define HANDOFF_TEST_LABEL(symbol) "_" symbol
#else
#define HANDOFF_TEST_IMPORT(name) "__imp_" name
#define HANDOFF_TEST_LABEL(symbol) symbol
#endif
// A Winsock function is __stdcall, which on 32-bit x86 decorates the name with its argument bytes.
#if defined(__i386__)
#define HANDOFF_TEST_WINAPI_IMPORT(name, bytes) "_imp__" name "@" #bytes
#else
#define HANDOFF_TEST_WINAPI_IMPORT(name, bytes) "__imp_" name
#endif
#define HANDOFF_TEST_REAL(symbol) HANDOFF_TEST_LABEL("__real_" symbol)
#define HANDOFF_TEST_WRAP(symbol) HANDOFF_TEST_LABEL("__wrap_" symbol)

namespace
{
using handler_fn = handoff::detail::invalid_parameter_handler_fn;
using get_handler_fn = handler_fn(__cdecl *)();

// An SRWLOCK, not a std::mutex: the threads runtime's mutex opens an event the first time two
// threads contend for it and keeps it, which the census would take for a leak of that test.
handoff::detail::table_lock log_lock;
std::vector<handoff_test::crt_call> *active_log = nullptr; // guarded by log_lock

// The CRT's _get_thread_local_invalid_parameter_handler, found where handoff finds the setter.
get_handler_fn thread_local_handler_getter()
{
    static const get_handler_fn getter = []() -> get_handler_fn {
        HMODULE crt = nullptr;
        if (!::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                                  reinterpret_cast<LPCWSTR>(reinterpret_cast<const void *>(&::_errno)), &crt))
            return nullptr;
        return reinterpret_cast<get_handler_fn>(
            reinterpret_cast<void (*)()>(::GetProcAddress(crt, "_get_thread_local_invalid_parameter_handler")));
    }();
    return getter;
}

void record(const char *function)
{
    const get_handler_fn get = thread_local_handler_getter();
    const bool silenced = get != nullptr && get() == &handoff::detail::ignore_invalid_parameter;
    const handoff::detail::table_lock_guard hold(log_lock);
    if (active_log != nullptr)
        active_log->push_back({function, silenced});
}

using close_fn = int(__cdecl *)(int);
using get_osfhandle_fn = intptr_t(__cdecl *)(int);
using open_osfhandle_fn = int(__cdecl *)(intptr_t, int);
using fdopen_fn = std::FILE *(__cdecl *)(int, const char *);
using fileno_fn = int(__cdecl *)(std::FILE *);
using fclose_fn = int(__cdecl *)(std::FILE *);
using setmode_fn = int(__cdecl *)(int, int);
using read_fn = int(__cdecl *)(int, void *, unsigned);
using write_fn = int(__cdecl *)(int, const void *, unsigned);
using lseeki64_fn = long long(__cdecl *)(int, long long, int);
using fflush_fn = int(__cdecl *)(std::FILE *);
using ftelli64_fn = long long(__cdecl *)(std::FILE *);
using setmaxstdio_fn = int(__cdecl *)(int);
using closesocket_fn = int(WINAPI *)(SOCKET);
using duplicate_socket_fn = int(WINAPI *)(SOCKET, DWORD, LPWSAPROTOCOL_INFOW);
} // namespace

extern "C"
{
    extern close_fn real_close __asm__(HANDOFF_TEST_REAL(HANDOFF_TEST_IMPORT("_close")));
    extern get_osfhandle_fn real_get_osfhandle __asm__(HANDOFF_TEST_REAL(HANDOFF_TEST_IMPORT("_get_osfhandle")));
    extern open_osfhandle_fn real_open_osfhandle __asm__(HANDOFF_TEST_REAL(HANDOFF_TEST_IMPORT("_open_osfhandle")));
    extern fdopen_fn real_fdopen __asm__(HANDOFF_TEST_REAL(HANDOFF_TEST_IMPORT("_fdopen")));
    extern fileno_fn real_fileno __asm__(HANDOFF_TEST_REAL(HANDOFF_TEST_IMPORT("_fileno")));
    extern closesocket_fn real_closesocket __asm__(HANDOFF_TEST_REAL(HANDOFF_TEST_WINAPI_IMPORT("closesocket", 4)));
    extern duplicate_socket_fn real_duplicate_socket __asm__(
        HANDOFF_TEST_REAL(HANDOFF_TEST_WINAPI_IMPORT("WSADuplicateSocketW", 12)));
    extern setmode_fn real_setmode __asm__(HANDOFF_TEST_REAL(HANDOFF_TEST_IMPORT("_setmode")));
    extern read_fn real_read __asm__(HANDOFF_TEST_REAL(HANDOFF_TEST_IMPORT("_read")));
    extern write_fn real_write __asm__(HANDOFF_TEST_REAL(HANDOFF_TEST_IMPORT("_write")));
    extern ftelli64_fn real_ftelli64 __asm__(HANDOFF_TEST_REAL(HANDOFF_TEST_IMPORT("_ftelli64")));
    extern setmaxstdio_fn real_setmaxstdio __asm__(HANDOFF_TEST_REAL(HANDOFF_TEST_IMPORT("_setmaxstdio")));
#if HANDOFF_TEST_WRAP_FCLOSE_IMPORT
    extern fclose_fn real_fclose __asm__(HANDOFF_TEST_REAL(HANDOFF_TEST_IMPORT("fclose")));
    extern fflush_fn real_fflush __asm__(HANDOFF_TEST_REAL(HANDOFF_TEST_IMPORT("fflush")));
    extern lseeki64_fn real_lseeki64 __asm__(HANDOFF_TEST_REAL(HANDOFF_TEST_IMPORT("_lseeki64")));
#else
    int __cdecl real_fclose(std::FILE *) __asm__(HANDOFF_TEST_REAL("fclose"));
    int __cdecl real_fflush(std::FILE *) __asm__(HANDOFF_TEST_REAL("fflush"));
    long long __cdecl real_lseeki64(int, long long, int) __asm__(HANDOFF_TEST_REAL("_lseeki64"));
#endif
}

namespace
{
int __cdecl recorded_close(int fd)
{
    record("_close");
    return real_close(fd);
}
intptr_t __cdecl recorded_get_osfhandle(int fd)
{
    record("_get_osfhandle");
    return real_get_osfhandle(fd);
}
// The action before_next_open_osfhandle arms: taken and run once, by the next call.
std::atomic<bool> open_osfhandle_action_armed{false};
void (*open_osfhandle_action)() = nullptr;

int __cdecl recorded_open_osfhandle(intptr_t handle, int flags)
{
    record("_open_osfhandle");
    if (open_osfhandle_action_armed.exchange(false))
        open_osfhandle_action();
    return real_open_osfhandle(handle, flags);
}
std::FILE *__cdecl recorded_fdopen(int fd, const char *mode)
{
    record("_fdopen");
    return real_fdopen(fd, mode);
}
int __cdecl recorded_fclose(std::FILE *stream)
{
    record("fclose");
    return real_fclose(stream);
}
int __cdecl recorded_setmode(int fd, int mode)
{
    record("_setmode");
    return real_setmode(fd, mode);
}
int __cdecl recorded_read(int fd, void *buffer, unsigned count)
{
    record("_read");
    return real_read(fd, buffer, count);
}
int __cdecl recorded_write(int fd, const void *buffer, unsigned count)
{
    record("_write");
    return real_write(fd, buffer, count);
}
long long __cdecl recorded_lseeki64(int fd, long long offset, int origin)
{
    record("_lseeki64");
    return real_lseeki64(fd, offset, origin);
}
int __cdecl recorded_fflush(std::FILE *stream)
{
    record("fflush");
    return real_fflush(stream);
}
long long __cdecl recorded_ftelli64(std::FILE *stream)
{
    record("_ftelli64");
    return real_ftelli64(stream);
}
int __cdecl recorded_setmaxstdio(int count)
{
    record("_setmaxstdio");
    return real_setmaxstdio(count);
}
int WINAPI recorded_closesocket(SOCKET s)
{
    record("closesocket");
    return real_closesocket(s);
}
int WINAPI recorded_duplicate_socket(SOCKET s, DWORD process, LPWSAPROTOCOL_INFOW information)
{
    record("WSADuplicateSocketW");
    return real_duplicate_socket(s, process, information);
}
int __cdecl recorded_fileno(std::FILE *stream)
{
    record("_fileno");
    return real_fileno(stream);
}
} // namespace

extern "C"
{
    close_fn wrap_close __asm__(HANDOFF_TEST_WRAP(HANDOFF_TEST_IMPORT("_close"))) = &recorded_close;
    get_osfhandle_fn wrap_get_osfhandle __asm__(HANDOFF_TEST_WRAP(HANDOFF_TEST_IMPORT("_get_osfhandle"))) =
        &recorded_get_osfhandle;
    open_osfhandle_fn wrap_open_osfhandle __asm__(HANDOFF_TEST_WRAP(HANDOFF_TEST_IMPORT("_open_osfhandle"))) =
        &recorded_open_osfhandle;
    fdopen_fn wrap_fdopen __asm__(HANDOFF_TEST_WRAP(HANDOFF_TEST_IMPORT("_fdopen"))) = &recorded_fdopen;
    fileno_fn wrap_fileno __asm__(HANDOFF_TEST_WRAP(HANDOFF_TEST_IMPORT("_fileno"))) = &recorded_fileno;
    closesocket_fn wrap_closesocket __asm__(HANDOFF_TEST_WRAP(HANDOFF_TEST_WINAPI_IMPORT("closesocket",
                                                                                         4))) = &recorded_closesocket;
    duplicate_socket_fn wrap_duplicate_socket __asm__(
        HANDOFF_TEST_WRAP(HANDOFF_TEST_WINAPI_IMPORT("WSADuplicateSocketW", 12))) = &recorded_duplicate_socket;
    setmode_fn wrap_setmode __asm__(HANDOFF_TEST_WRAP(HANDOFF_TEST_IMPORT("_setmode"))) = &recorded_setmode;
    read_fn wrap_read __asm__(HANDOFF_TEST_WRAP(HANDOFF_TEST_IMPORT("_read"))) = &recorded_read;
    write_fn wrap_write __asm__(HANDOFF_TEST_WRAP(HANDOFF_TEST_IMPORT("_write"))) = &recorded_write;
    ftelli64_fn wrap_ftelli64 __asm__(HANDOFF_TEST_WRAP(HANDOFF_TEST_IMPORT("_ftelli64"))) = &recorded_ftelli64;
    setmaxstdio_fn wrap_setmaxstdio __asm__(HANDOFF_TEST_WRAP(HANDOFF_TEST_IMPORT("_setmaxstdio"))) =
        &recorded_setmaxstdio;
#if HANDOFF_TEST_WRAP_FCLOSE_IMPORT
    fclose_fn wrap_fclose __asm__(HANDOFF_TEST_WRAP(HANDOFF_TEST_IMPORT("fclose"))) = &recorded_fclose;
    fflush_fn wrap_fflush __asm__(HANDOFF_TEST_WRAP(HANDOFF_TEST_IMPORT("fflush"))) = &recorded_fflush;
    lseeki64_fn wrap_lseeki64 __asm__(HANDOFF_TEST_WRAP(HANDOFF_TEST_IMPORT("_lseeki64"))) = &recorded_lseeki64;
#else
    int __cdecl wrap_fclose(std::FILE *) __asm__(HANDOFF_TEST_WRAP("fclose"));
    int __cdecl wrap_fclose(std::FILE *stream)
    {
        return recorded_fclose(stream);
    }
    int __cdecl wrap_fflush(std::FILE *) __asm__(HANDOFF_TEST_WRAP("fflush"));
    int __cdecl wrap_fflush(std::FILE *stream)
    {
        return recorded_fflush(stream);
    }
    long long __cdecl wrap_lseeki64(int, long long, int) __asm__(HANDOFF_TEST_WRAP("_lseeki64"));
    long long __cdecl wrap_lseeki64(int fd, long long offset, int origin)
    {
        return recorded_lseeki64(fd, offset, origin);
    }
#endif
}

namespace handoff_test
{
namespace
{
std::vector<crt_call> recorded; // guarded by log_lock while a log is active
}

crt_call_log::crt_call_log()
{
    const handoff::detail::table_lock_guard hold(log_lock);
    recorded.clear();
    active_log = &recorded;
}

crt_call_log::~crt_call_log()
{
    const handoff::detail::table_lock_guard hold(log_lock);
    active_log = nullptr;
}

std::vector<crt_call> crt_call_log::calls() const
{
    const handoff::detail::table_lock_guard hold(log_lock);
    return recorded;
}

bool crt_call_log::saw(const std::string &function) const
{
    for (const crt_call &call : calls())
        if (call.function == function)
            return true;
    return false;
}

bool crt_has_thread_local_handler()
{
    return thread_local_handler_getter() != nullptr;
}

void before_next_open_osfhandle(void (*action)())
{
    open_osfhandle_action = action;
    open_osfhandle_action_armed = true;
}

const void *real_crt_function(const std::string &function)
{
    if (function == "_close")
        return reinterpret_cast<const void *>(real_close);
    if (function == "_open_osfhandle")
        return reinterpret_cast<const void *>(real_open_osfhandle);
    return nullptr;
}
} // namespace handoff_test

#endif
