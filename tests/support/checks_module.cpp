// Test support: a DLL (Windows) or a plugin that the tests dlopen (POSIX) with its own copy of
// handoff, built with the same ownership checks setting as the tests, as a plugin or a vendor's
// library would be. Built twice: as handoff_checks_module, whose registry must be the
// executable's, and, with HANDOFF_CHECKS_REGISTRY_LAYOUT=2, as
// handoff_checks_module_other_layout, which stands for a module of another handoff version and
// must notice the mix. The POSIX executable exports no symbols, so nothing but the registry's
// own rendezvous can make the two share it.

#if defined(_WIN32)
#include <handoff/win32.hpp>

#include <windows.h>

#define HANDOFF_TEST_EXPORT extern "C" __declspec(dllexport)
#else
#include <handoff/posix.hpp>

#include <fcntl.h>

#define HANDOFF_TEST_EXPORT extern "C" __attribute__((visibility("default")))
#endif

namespace
{
int reports_heard = 0;
handoff::check_problem last_problem = handoff::check_problem::second_owner;

void record(const handoff::check_report &report) noexcept
{
    ++reports_heard;
    last_problem = report.problem;
}
} // namespace

#if defined(_WIN32)
/// Adopts `handle` in an owner of this module, then lets it go without closing it.
HANDOFF_TEST_EXPORT void handoff_test_module_adopt(HANDLE handle)
{
    handoff::unique_handle owner(handle);
    (void)owner.release();
}

/// Opens and closes an event through an owner of this module, so that what its registry opens
/// once (the shared block's handle) is open before the tests count handles.
HANDOFF_TEST_EXPORT void handoff_test_module_touch()
{
    handoff::unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
}
#else
/// Adopts `fd` in an owner of this module, then lets it go without closing it.
HANDOFF_TEST_EXPORT void handoff_test_module_adopt(int fd)
{
    handoff::unique_fd owner(fd);
    (void)owner.release();
}

/// Opens and closes a descriptor through an owner of this module, so that its registry is
/// found (or its layout's mix noticed) before the tests start.
HANDOFF_TEST_EXPORT void handoff_test_module_touch()
{
    handoff::unique_fd null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
}
#endif

/// Installs this module's own hook, which counts (for the module of another layout, whose
/// registry is its own), and touches the registry, so that what it opens once is open.
HANDOFF_TEST_EXPORT void handoff_test_module_listen()
{
    (void)handoff::set_check_handler(record);
    handoff_test_module_touch();
}

/// How many reports this module's own hook heard, and the last one's problem.
HANDOFF_TEST_EXPORT int handoff_test_module_reports(handoff::check_problem *last)
{
    *last = last_problem;
    return reports_heard;
}
