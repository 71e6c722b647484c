// Test support (Windows): runs one test case of this same executable in a child process
// started without standard handles and without a console, and returns its exit code.

#ifndef HANDOFF_TESTS_SUPPORT_CHILD_PROCESS_HPP
#define HANDOFF_TESTS_SUPPORT_CHILD_PROCESS_HPP

#if defined(_WIN32)
#include <windows.h>

#include <string>

namespace handoff_test
{
/// A copy of this executable, started suspended so that it never runs: a process to put
/// handles into. Terminated and closed when destroyed.
class suspended_child
{
  public:
    suspended_child();
    suspended_child(const suspended_child &) = delete;
    suspended_child &operator=(const suspended_child &) = delete;
    ~suspended_child();

    HANDLE process() const
    {
        return process_;
    }
    DWORD id() const
    {
        return id_;
    }

  private:
    HANDLE process_ = nullptr;
    HANDLE thread_ = nullptr;
    DWORD id_ = 0;
};

/// The exit code of `this_exe "<test_name>"` run detached, with NULL standard handles; 255 if it
/// could not be started.
unsigned long run_test_in_child_without_std_handles(const std::string &test_name);
} // namespace handoff_test
#endif

#endif
