// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// Every C-runtime call handoff makes with a descriptor or a stream, each made with the CRT's
// invalid-parameter handler silenced on this thread. They are named here and nowhere else in
// handoff, so none can be made without it (tests/crt_routing_test.cpp checks both halves).
//
// The Universal CRT answers a bad descriptor or mode by calling the invalid-parameter
// handler, which by default ends the process (0xC0000417), and the owner of a descriptor that
// somebody else closed must get EBADF instead. So a do-nothing thread-local handler is installed
// around each call, as CPython does; other threads keep theirs. msvcrt.dll never ends the
// process and has no thread-local handler, so nothing is installed there. MinGW's headers do
// not declare the setter: it is looked up in the module that implements the program's _errno,
// the CRT the program really uses (a function no tool that hooks descriptor calls replaces).
//
// With MSVC's debug CRT (/MDd, /MTd) the same checks first raise an assertion report (a modal
// dialog), which a handler does not stop: a report hook, installed once and active only on a
// thread inside one of these calls, drops those reports, as libuv does.
//
// msvcr80.dll to msvcr120.dll end the process too but have no thread-local handler, and
// swapping the process-wide one would race with other threads: they are refused below.

#ifndef HANDOFF_DETAIL_CRT_CALLS_HPP_INCLUDED
#define HANDOFF_DETAIL_CRT_CALLS_HPP_INCLUDED

#include <handoff/config.hpp>

#if HANDOFF_WINDOWS

#include <handoff/detail/windows.hpp>

#include <errno.h>
#include <io.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdio>

#if defined(_MSC_VER) && defined(_DEBUG)
#include <crtdbg.h>
#endif

#if defined(__MSVCRT_VERSION__) && __MSVCRT_VERSION__ >= 0x800 && __MSVCRT_VERSION__ < 0xE00
#error "handoff supports msvcrt.dll and the Universal CRT; msvcr80.dll to msvcr120.dll cannot be silenced per thread"
#endif

HANDOFF_BEGIN_NAMESPACE
namespace detail
{
using invalid_parameter_handler_fn = void(__cdecl *)(const wchar_t *, const wchar_t *, const wchar_t *, unsigned int,
                                                     std::uintptr_t);
using set_invalid_parameter_handler_fn = invalid_parameter_handler_fn(__cdecl *)(invalid_parameter_handler_fn);

inline void __cdecl ignore_invalid_parameter(const wchar_t *, const wchar_t *, const wchar_t *, unsigned int,
                                             std::uintptr_t) noexcept
{
}

/// The base address of the module of the C runtime this module uses (the module itself with a
/// static CRT), found once: every CRT of a process numbers its own descriptors.
HANDOFF_COLD inline std::uintptr_t find_crt_module_base() noexcept
{
    const DWORD saved = ::GetLastError();
    HMODULE crt = nullptr;
    if (!::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                              reinterpret_cast<LPCWSTR>(reinterpret_cast<const void *>(&::_errno)), &crt))
        crt = nullptr;
    ::SetLastError(saved);
    return reinterpret_cast<std::uintptr_t>(crt);
}

/// `find_crt_module_base()`, cached.
inline std::uintptr_t crt_module_base() noexcept
{
    static const std::uintptr_t base = find_crt_module_base();
    return base;
}

#if !defined(_MSC_VER)
/// Looks up the setter in the module of the CRT the program uses, once.
HANDOFF_COLD inline set_invalid_parameter_handler_fn find_thread_local_handler_setter() noexcept
{
    const DWORD saved = ::GetLastError(); // msvcrt.dll has no setter: the failed lookup sets an error
    FARPROC address = nullptr;
    if (const std::uintptr_t crt = crt_module_base())
        address = ::GetProcAddress(reinterpret_cast<HMODULE>(crt), "_set_thread_local_invalid_parameter_handler");
    ::SetLastError(saved);
    return reinterpret_cast<set_invalid_parameter_handler_fn>(reinterpret_cast<void (*)()>(address));
}
#endif

/// The CRT's _set_thread_local_invalid_parameter_handler, or null where the CRT has none.
HANDOFF_INLINE set_invalid_parameter_handler_fn thread_local_handler_setter() noexcept
{
#if defined(_MSC_VER)
    return reinterpret_cast<set_invalid_parameter_handler_fn>(&::_set_thread_local_invalid_parameter_handler);
#else
    static const set_invalid_parameter_handler_fn setter = find_thread_local_handler_setter();
    return setter;
#endif
}

#if defined(_MSC_VER) && defined(_DEBUG)
/// True on a thread while it is inside one of the calls below.
inline thread_local bool crt_reports_silenced = false;

inline int __cdecl drop_crt_assert_report(int type, char *, int *result) noexcept
{
    if (type != _CRT_ASSERT || !crt_reports_silenced)
        return FALSE;
    if (result != nullptr)
        *result = 0; // do not break into the debugger
    return TRUE;     // reported: no dialog
}

inline int __cdecl drop_crt_assert_report_wide(int type, wchar_t *, int *result) noexcept
{
    if (type != _CRT_ASSERT || !crt_reports_silenced)
        return FALSE;
    if (result != nullptr)
        *result = 0;
    return TRUE;
}

/// Installs the report hooks for as long as this module is loaded; a DLL removes them when it
/// is unloaded, so the CRT never calls into unloaded code.
class crt_report_hooks
{
  public:
    crt_report_hooks() noexcept
    {
        ::_CrtSetReportHook2(_CRT_RPTHOOK_INSTALL, &drop_crt_assert_report);
        ::_CrtSetReportHookW2(_CRT_RPTHOOK_INSTALL, &drop_crt_assert_report_wide);
    }
    crt_report_hooks(const crt_report_hooks &) = delete;
    crt_report_hooks &operator=(const crt_report_hooks &) = delete;
    ~crt_report_hooks()
    {
        ::_CrtSetReportHookW2(_CRT_RPTHOOK_REMOVE, &drop_crt_assert_report_wide);
        ::_CrtSetReportHook2(_CRT_RPTHOOK_REMOVE, &drop_crt_assert_report);
    }
};
#endif

/// Silences this thread's invalid-parameter handler (and debug CRT assertion reports) for its
/// lifetime, then puts back what was there.
class silenced_crt_scope
{
  public:
    silenced_crt_scope() noexcept : set_(thread_local_handler_setter())
    {
        if (set_ != nullptr)
            previous_ = set_(&ignore_invalid_parameter);
#if defined(_MSC_VER) && defined(_DEBUG)
        static const crt_report_hooks hooks;
        (void)hooks;
        was_silenced_ = crt_reports_silenced;
        crt_reports_silenced = true;
#endif
    }
    silenced_crt_scope(const silenced_crt_scope &) = delete;
    silenced_crt_scope &operator=(const silenced_crt_scope &) = delete;
    ~silenced_crt_scope()
    {
#if defined(_MSC_VER) && defined(_DEBUG)
        crt_reports_silenced = was_silenced_;
#endif
        if (set_ != nullptr)
            set_(previous_);
    }

  private:
    set_invalid_parameter_handler_fn set_;
    invalid_parameter_handler_fn previous_ = nullptr;
#if defined(_MSC_VER) && defined(_DEBUG)
    bool was_silenced_ = false;
#endif
};

/// `_close(fd)`, silenced.
HANDOFF_INLINE int crt_close(int fd) noexcept
{
    const silenced_crt_scope silenced;
    return ::_close(fd);
}

/// `_get_osfhandle(fd)`, silenced.
HANDOFF_INLINE std::intptr_t crt_get_osfhandle(int fd) noexcept
{
    const silenced_crt_scope silenced;
    return ::_get_osfhandle(fd);
}

/// `_open_osfhandle(handle, flags)`, silenced.
HANDOFF_INLINE int crt_open_osfhandle(std::intptr_t handle, int flags) noexcept
{
    const silenced_crt_scope silenced;
    return ::_open_osfhandle(handle, flags);
}

/// `_fdopen(fd, mode)`, silenced.
HANDOFF_INLINE std::FILE *crt_fdopen(int fd, const char *mode) noexcept
{
    const silenced_crt_scope silenced;
    return ::_fdopen(fd, mode);
}

/// `_fileno(stream)`, silenced.
HANDOFF_INLINE int crt_fileno(std::FILE *stream) noexcept
{
    const silenced_crt_scope silenced;
    return ::_fileno(stream);
}

/// `fclose(stream)`, silenced: it closes the stream's descriptor with the CRT's `_close`.
HANDOFF_INLINE int crt_fclose(std::FILE *stream) noexcept
{
    const silenced_crt_scope silenced;
    return std::fclose(stream);
}
/// `_setmode(fd, mode)`, silenced.
HANDOFF_INLINE int crt_setmode(int fd, int mode) noexcept
{
    const silenced_crt_scope silenced;
    return ::_setmode(fd, mode);
}

/// `_read(fd, buffer, count)`, silenced.
HANDOFF_INLINE int crt_read(int fd, void *buffer, unsigned count) noexcept
{
    const silenced_crt_scope silenced;
    return ::_read(fd, buffer, count);
}

/// `_write(fd, buffer, count)`, silenced.
HANDOFF_INLINE int crt_write(int fd, const void *buffer, unsigned count) noexcept
{
    const silenced_crt_scope silenced;
    return ::_write(fd, buffer, count);
}

/// `_lseeki64(fd, offset, origin)`, silenced.
HANDOFF_INLINE long long crt_lseeki64(int fd, long long offset, int origin) noexcept
{
    const silenced_crt_scope silenced;
    return ::_lseeki64(fd, offset, origin);
}

/// `fflush(stream)`, silenced.
HANDOFF_INLINE int crt_fflush(std::FILE *stream) noexcept
{
    const silenced_crt_scope silenced;
    return std::fflush(stream);
}

/// `_ftelli64(stream)`, silenced: the stream's logical position, which a read runs ahead of.
HANDOFF_INLINE long long crt_ftelli64(std::FILE *stream) noexcept
{
    const silenced_crt_scope silenced;
    return ::_ftelli64(stream);
}

/// `_setmaxstdio(count)`, silenced: the UCRT calls the handler for a count past its limit.
HANDOFF_INLINE int crt_setmaxstdio(int count) noexcept
{
    const silenced_crt_scope silenced;
    return ::_setmaxstdio(count);
}
} // namespace detail
HANDOFF_END_NAMESPACE

#endif // HANDOFF_WINDOWS

#endif // HANDOFF_DETAIL_CRT_CALLS_HPP_INCLUDED
