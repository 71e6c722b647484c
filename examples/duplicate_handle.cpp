// duplicate(): a second, independently owned handle to one kernel object, with less access
// than the original and never inheritable unless asked. Windows only.

#include <handoff/handoff.hpp>

#include <cstdio>

#include <windows.h>

int main()
{
    std::error_code ec;
    const handoff::unique_handle event =
        handoff::adopt_handle(::CreateEventW(nullptr, TRUE, FALSE, nullptr), handoff::null_on_failure, ec);
    if (ec)
    {
        std::fprintf(stderr, "CreateEventW failed: %s\n", ec.message().c_str());
        return 1;
    }

    // A waiter gets its own handle that can wait but not signal.
    handoff::unique_handle waiter =
        handoff::duplicate(event, handoff::duplicate_options().access(SYNCHRONIZE), ec);
    if (ec)
    {
        std::fprintf(stderr, "duplicate failed: %s\n", ec.message().c_str());
        return 1;
    }
    std::printf("original and duplicate are different handles: %s\n", event.get() != waiter.get() ? "yes" : "no");
    std::printf("the duplicate may signal: %s\n", ::SetEvent(waiter.get()) ? "yes" : "no");
    ::SetEvent(event.get());
    std::printf("the duplicate sees the signal: %s\n",
                ::WaitForSingleObject(waiter.get(), 0) == WAIT_OBJECT_0 ? "yes" : "no");

    // Pseudo-handles are refused unless asked for: INVALID_HANDLE_VALUE is one of them.
    const handoff::unique_handle refused = handoff::duplicate(handoff::borrowed_handle(INVALID_HANDLE_VALUE), ec);
    std::printf("duplicating INVALID_HANDLE_VALUE: %s\n", ec.message().c_str());

    waiter.close(ec); // each owner closes its own handle, once
    std::printf("the waiter's owner closed its duplicate: %s\n", ec ? ec.message().c_str() : "ok");
    std::printf("the event's own handle still works: %s\n", ::ResetEvent(event.get()) ? "yes" : "no");
    return 0; // the event's owner closes the original here
}
