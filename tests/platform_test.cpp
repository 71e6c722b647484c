// Facts about the test platform itself that the rest of the suite relies on.

#include <handoff/config.hpp>

#include "support/crt_routing.hpp"

#include <catch2/catch.hpp>

#if defined(_WIN32)
#include <io.h>
#include <windows.h>

#include <cwchar>
#include <string>

namespace
{
// The file name (lower case) of the module that holds the code at `address`.
std::wstring module_of(const void *address)
{
    HMODULE module = nullptr;
    if (!::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                              static_cast<LPCWSTR>(address), &module))
        return L"?";
    wchar_t path[MAX_PATH] = {};
    ::GetModuleFileNameW(module, path, MAX_PATH);
    std::wstring name = path;
    name = name.substr(name.find_last_of(L"\\/") + 1);
    for (wchar_t &c : name)
        c = static_cast<wchar_t>(std::towlower(c));
    return name;
}
} // namespace
#endif

TEST_CASE("platform: handoff detects the platform it is compiled for", "[platform]")
{
#if defined(_WIN32)
    CHECK(HANDOFF_WINDOWS == 1);
    CHECK(HANDOFF_POSIX == 0);
#else
    CHECK(HANDOFF_WINDOWS == 0);
    CHECK(HANDOFF_POSIX == 1);
#endif
}

TEST_CASE("platform: the throwing forms exist exactly when the compiler has exceptions on", "[platform]")
{
    // The suite's tests of the throwing forms sit behind HANDOFF_EXCEPTIONS: a detection that
    // said 0 with exceptions on would remove the forms and their tests together, unseen.
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
    CHECK(HANDOFF_EXCEPTIONS == 1);
#else
    CHECK(HANDOFF_EXCEPTIONS == 0);
#endif
}

#if defined(_WIN32)
TEST_CASE("platform: the tests run on the C runtime their build links", "[platform]")
{
    // A preset that silently fell back to the other CRT would test the wrong descriptor
    // table: msvcrt.dll has 2048 slots, the UCRT 8192, and only the UCRT's invalid-parameter
    // handler kills the process. Both DLLs may be loaded (Wine's own DLLs use msvcrt), so the
    // check is where the program's _close and _open_osfhandle really live.
#if HANDOFF_TEST_CRT_IS_UCRT
    const std::wstring expected = L"ucrtbase.dll";
#else
    const std::wstring expected = L"msvcrt.dll";
#endif
    // (The tests route these calls through a recorder, support/crt_routing.hpp, which knows
    // where the CRT's own functions are.)
    CHECK((module_of(handoff_test::real_crt_function("_close")) == expected));
    CHECK((module_of(handoff_test::real_crt_function("_open_osfhandle")) == expected));
    CHECK((module_of(reinterpret_cast<const void *>(&::_errno)) == expected));
}
#endif
