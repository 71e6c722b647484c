// Test support: the double-close detector, and the failures that the per-test checks report.
//
// A double close is dangerous, not merely noisy, because Wine hands out the lowest free handle
// value again at once (Windows reuses freed ones soon too), and POSIX the lowest free descriptor: a second
// close of a stale value usually closes somebody else's handle, and succeeds. A canary takes
// the value that a legitimate close just freed, so that a stray second close hits the canary
// instead of an innocent handle, and is seen.

#ifndef HANDOFF_TESTS_SUPPORT_TEST_BED_HPP
#define HANDOFF_TESTS_SUPPORT_TEST_BED_HPP

#include <handoff/checks.hpp>

#include <cstdint>
#include <string>
#include <vector>

#if defined(_WIN32)
#include <windows.h>
#else
#include <sys/types.h>
#endif

namespace handoff_test
{
/// Records a failure found by the test bed outside an assertion (a canary found closed while
/// being destroyed); the per-test check reports it and fails the run.
void record_failure(std::string message);

/// The failures recorded since the last call, which clears them.
std::vector<std::string> take_failures();

/// One report of the ownership checks (HANDOFF_CHECKS=1), as the test bed's hook heard it.
struct check_report_seen
{
    handoff::check_problem problem;
    std::string message; ///< the paragraph handoff's default hook would print
};

/// Installs the test bed's report hook, which records instead of aborting (checks on; does
/// nothing otherwise). main() calls it before the tests count handles, since the registry
/// opens its own once.
void install_check_hook();

/// The reports heard since the last call, which clears them. A test that expects a report
/// takes it; one left when the test case ends fails it, as a leak does. Always empty with
/// checks off.
std::vector<check_report_seen> take_check_reports();

/// Takes the reports heard so far and says whether they are what the checks must have said:
/// `count` reports of `problem` with checks on, none with checks off.
bool checks_reported(handoff::check_problem problem, std::size_t count = 1);

/// How a canary answers a stray close.
enum class canary_mode
{
    /// Marked HANDLE_FLAG_PROTECT_FROM_CLOSE (Windows): the stray close fails with
    /// ERROR_INVALID_HANDLE, so code that checks its close result sees its own bug.
    /// On POSIX, where no such flag exists, this is the same as `watch`.
    protect,
    /// Unprotected: the stray close succeeds and destroys the canary, which `intact()` and the
    /// canary's destructor then report. Catches closers that ignore the result.
    watch,
};

/// A canary on a handle (Windows) or descriptor (elsewhere) value that was just closed.
class close_canary
{
  public:
#if defined(_WIN32)
    explicit close_canary(HANDLE freed, canary_mode mode = canary_mode::protect);
#else
    explicit close_canary(int freed, canary_mode mode = canary_mode::protect);
#endif
    close_canary(const close_canary &) = delete;
    close_canary &operator=(const close_canary &) = delete;

    /// Reports (through record_failure) a canary that is no longer intact, then removes it.
    ~close_canary();

    /// Whether the canary took the freed value. It fails when something else took it first.
    bool planted() const
    {
        return planted_;
    }

    /// Whether the canary is still open at its value and is still the same object: false
    /// once a stray close destroyed it, even if the value was reused since.
    bool intact() const;

    std::uintptr_t value() const
    {
        return value_;
    }

  private:
    std::uintptr_t value_;
    [[maybe_unused]] canary_mode mode_; // only Windows can protect a value from close
    bool planted_ = false;
#if defined(_WIN32)
    HANDLE twin_ = nullptr; // a second handle to the canary's object, to recognise it after reuse
#else
    dev_t device_ = 0; // identity of the canary's pipe, to recognise it after reuse
    ino_t inode_ = 0;
#endif
};
} // namespace handoff_test

#endif
