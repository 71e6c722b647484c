// Test support (Windows): a DLL with handoff inside it, as a plugin or a vendor's library would
// have. Each module that includes handoff's headers has its own copy of handoff's error
// category; the error_module tests check that codes made here still compare equal in the
// executable that loads this DLL.

#include <handoff/error.hpp>

#include <system_error>

/// Stores in `out` the error code `handoff::errc(value)`, made by this module's category.
extern "C" __declspec(dllexport) void handoff_test_module_error(std::error_code *out, int value)
{
    *out = handoff::make_error_code(static_cast<handoff::errc>(value));
}

/// Stores in `out` the Win32 error `value` as a C-runtime call reports it, in this module's
/// handoff.crt category.
extern "C" __declspec(dllexport) void handoff_test_module_crt_error(std::error_code *out, int value)
{
    *out = std::error_code(value, handoff::crt_error_category());
}
