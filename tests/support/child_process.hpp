// Test support (Windows): child processes made from this same test executable: one that never
// runs (to put handles into), and one that runs a single hidden test case and reports through
// its exit code.

#ifndef HANDOFF_TESTS_SUPPORT_CHILD_PROCESS_HPP
#define HANDOFF_TESTS_SUPPORT_CHILD_PROCESS_HPP

#if defined(_WIN32)
#include <windows.h>

#include <string>
#include <utility>
#include <vector>

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

/// How a child test process is started.
enum class start_child
{
    /// CreateProcessW(..., bInheritHandles = TRUE, ...): the child receives every inheritable handle.
    inheriting_handles,
    /// The CRT's _spawnv(_P_WAIT, ...), which also inherits handles and passes the parent's CRT
    /// descriptors (those not made with _O_NOINHERIT) to the child's CRT.
    through_spawn,
};

/// Runs `this_exe "<test_name>"` with `environment` added to this process's environment, and
/// returns its exit code (255 if it could not be started). A hidden test case reads what it needs
/// from the environment and reports through its exit code.
unsigned long run_test_in_child(const std::string &test_name, start_child how,
                                const std::vector<std::pair<std::string, std::string>> &environment);

/// The integer the parent passed to a child in environment variable `name` (0 if unset).
unsigned long long child_argument(const char *name);
} // namespace handoff_test
#endif

#endif
