// Test support (Windows): whether two handles name one kernel object.

#ifndef HANDOFF_TESTS_SUPPORT_KERNEL_OBJECT_HPP
#define HANDOFF_TESTS_SUPPORT_KERNEL_OBJECT_HPP

#if defined(_WIN32)
#include <windows.h>

namespace handoff_test
{
/// CompareObjectHandles, looked up at run time: MinGW has no import library for kernelbase.
inline bool same_kernel_object(HANDLE a, HANDLE b)
{
    using compare_fn = BOOL(WINAPI *)(HANDLE, HANDLE);
    static const compare_fn compare = [] {
        HMODULE module = ::GetModuleHandleW(L"kernelbase.dll");
        FARPROC address = module != nullptr ? ::GetProcAddress(module, "CompareObjectHandles") : nullptr;
        if (address == nullptr)
            address = ::GetProcAddress(::GetModuleHandleW(L"kernel32.dll"), "CompareObjectHandles");
        return reinterpret_cast<compare_fn>(reinterpret_cast<void (*)()>(address));
    }();
    return compare != nullptr && compare(a, b) != FALSE;
}
} // namespace handoff_test
#endif

#endif
