// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// Calls into the C runtime with its invalid-parameter handler silenced on this thread.
//
// The Universal CRT answers a bad descriptor or mode by calling the invalid-parameter
// handler, which by default terminates the process (0xC0000417); handoff reports an error
// instead, so it installs a do-nothing thread-local handler around each such call, as CPython
// does. msvcrt.dll never terminates and has no thread-local handler, so nothing is installed
// there. MinGW's headers do not declare the setter, so it is looked up in the very module that
// implements the program's _get_osfhandle: the CRT the program really uses.

#ifndef HANDOFF_DETAIL_INVALID_PARAMETER_HPP_INCLUDED
#define HANDOFF_DETAIL_INVALID_PARAMETER_HPP_INCLUDED

#include <handoff/config.hpp>

#if HANDOFF_WINDOWS

#include <io.h>
#include <stdlib.h>
#include <windows.h>

#include <cstdint>

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

/// The CRT's _set_thread_local_invalid_parameter_handler, or null where the CRT has none.
inline set_invalid_parameter_handler_fn thread_local_handler_setter() noexcept
{
#if defined(_MSC_VER)
    return reinterpret_cast<set_invalid_parameter_handler_fn>(&::_set_thread_local_invalid_parameter_handler);
#else
    static const set_invalid_parameter_handler_fn setter = []() noexcept -> set_invalid_parameter_handler_fn {
        HMODULE crt = nullptr;
        if (!::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                                  reinterpret_cast<LPCWSTR>(reinterpret_cast<const void *>(&::_get_osfhandle)), &crt))
            return nullptr;
        const FARPROC address = ::GetProcAddress(crt, "_set_thread_local_invalid_parameter_handler");
        return reinterpret_cast<set_invalid_parameter_handler_fn>(reinterpret_cast<void (*)()>(address));
    }();
    return setter;
#endif
}

/// Runs `call()` with the invalid-parameter handler of this thread silenced, and returns its
/// result; `errno` is whatever `call` left.
template <class Call> auto without_invalid_parameter_handler(Call &&call) noexcept
{
    const set_invalid_parameter_handler_fn set = thread_local_handler_setter();
    const invalid_parameter_handler_fn previous = set != nullptr ? set(&ignore_invalid_parameter) : nullptr;
    auto result = call();
    if (set != nullptr)
        set(previous);
    return result;
}
} // namespace detail
HANDOFF_END_NAMESPACE

#endif // HANDOFF_WINDOWS

#endif // HANDOFF_DETAIL_INVALID_PARAMETER_HPP_INCLUDED
