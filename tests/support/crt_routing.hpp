// Test support (Windows): records the C-runtime calls this executable makes with a descriptor
// or stream, and whether the CRT's invalid-parameter handler was silenced at each.
//
// The test executables are linked with --wrap on the CRT functions that handoff's
// detail/crt_calls.hpp calls, so every such call from this executable passes through a
// recorder first. The recorder asks the CRT itself which thread-local handler would run: under
// the Universal CRT it must be handoff's do-nothing handler. Wine 8 never calls the handler, so
// this question, not a crash, is what the tests can check. The two Winsock calls the socket
// family makes are recorded too, because under Wine a closesocket and a CloseHandle of a
// socket, or a WSADuplicateSocketW and a DuplicateHandle copy, leave the same handles behind.

#ifndef HANDOFF_TESTS_SUPPORT_CRT_ROUTING_HPP
#define HANDOFF_TESTS_SUPPORT_CRT_ROUTING_HPP

#if defined(_WIN32)

#include <string>
#include <vector>

namespace handoff_test
{
/// One recorded call.
struct crt_call
{
    std::string function; ///< "_close", "_get_osfhandle", "_open_osfhandle", "_fdopen", "_fileno", "fclose",
                          ///< or the socket family's "closesocket" and "WSADuplicateSocketW"
    bool silenced;        ///< the thread-local handler was handoff's do-nothing one
};

/// Records the calls made while it exists (one at a time, on the thread that made it).
class crt_call_log
{
  public:
    crt_call_log();
    crt_call_log(const crt_call_log &) = delete;
    crt_call_log &operator=(const crt_call_log &) = delete;
    ~crt_call_log();

    /// The calls so far, in order.
    std::vector<crt_call> calls() const;

    /// Whether `function` was called at least once.
    bool saw(const std::string &function) const;
};

/// Whether this program's CRT has a thread-local invalid-parameter handler (the UCRT does,
/// msvcrt.dll does not, and never ends the process on a bad descriptor).
bool crt_has_thread_local_handler();

/// Runs `action` once, in the next `_open_osfhandle` call this executable makes, just before
/// the CRT's own: what another thread could do at that moment, done at a chosen one.
void before_next_open_osfhandle(void (*action)());

/// Where the CRT's own `_close` or `_open_osfhandle` is (this executable's `&::_close` is the
/// recorder's); null for another name.
const void *real_crt_function(const std::string &function);
} // namespace handoff_test

#endif

#endif
