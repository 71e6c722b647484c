// duplicate_into() and remote_handle: a handle placed in another process, closed there by its
// owner here, or handed over with release().

#if defined(_WIN32)
#include <winsock2.h> // before <windows.h>, which would bring the old winsock.h
#endif

#include <handoff/remote_handle.hpp>

#if defined(_WIN32)

#include "support/census.hpp"
#include "support/child_process.hpp"
#include "support/kernel_object.hpp"

#include <catch2/catch.hpp>

#include <windows.h>

#include <cstdint>
#include <system_error>

using handoff::borrowed_handle;
using handoff::remote_handle;
using handoff::unique_handle;

namespace
{
// A handle of ours to the object that `value` names inside `process`, or empty if none.
unique_handle fetch_back(HANDLE process, HANDLE value)
{
    HANDLE local = nullptr;
    if (!::DuplicateHandle(process, value, ::GetCurrentProcess(), &local, 0, FALSE, DUPLICATE_SAME_ACCESS))
        return {};
    return unique_handle(local);
}

// Whether `value` inside `process` is a handle to `object`. A value closed there may be reused
// by the process at once (Wine's process start opens handles in a suspended child), so "closed"
// is checked as "no longer names the object", never as "names nothing".
bool names_object(HANDLE process, HANDLE value, HANDLE object)
{
    const unique_handle seen = fetch_back(process, value);
    return seen && handoff_test::same_kernel_object(seen.get(), object);
}

// An event placed in the child and handed over: the child owns `value` from now on.
struct event_in_child
{
    explicit event_in_child(const handoff_test::suspended_child &child)
        : event(::CreateEventW(nullptr, TRUE, FALSE, nullptr))
    {
        REQUIRE(event);
        std::error_code ec;
        handoff::remote_handle placed = handoff::duplicate_into(event, borrowed_handle(child.process()), ec);
        REQUIRE_FALSE(ec);
        value = placed.release();
    }

    unique_handle event;
    HANDLE value = nullptr;
};
} // namespace

TEST_CASE("remote: duplicate_into places a handle in another process and closes it there", "[remote]")
{
    const handoff_test::suspended_child child;
    REQUIRE(child.process() != nullptr);
    const unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    REQUIRE(event);
    const auto before = handoff_test::open_resources();
    HANDLE remote_value = nullptr;
    {
        std::error_code ec;
        const remote_handle remote = handoff::duplicate_into(event, borrowed_handle(child.process()), ec);
        REQUIRE_FALSE(ec);
        remote_value = remote.get();
        const unique_handle seen = fetch_back(child.process(), remote_value);
        REQUIRE(seen);
        CHECK(handoff_test::same_kernel_object(seen.get(), event.get()));
    } // closed in the child with DUPLICATE_CLOSE_SOURCE
    CHECK_FALSE(names_object(child.process(), remote_value, event.get()));
    CHECK(handoff_test::open_resources() == before); // and our handle to the child is closed too
}

TEST_CASE("remote: release hands the remote handle over to the other process", "[remote]")
{
    const handoff_test::suspended_child child;
    REQUIRE(child.process() != nullptr);
    const unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    std::error_code ec;
    remote_handle remote = handoff::duplicate_into(event, borrowed_handle(child.process()),
                                                   handoff::duplicate_options().access(SYNCHRONIZE), ec);
    REQUIRE_FALSE(ec);
    const HANDLE value = remote.release();
    CHECK_FALSE(remote);
    CHECK(names_object(child.process(), value, event.get())); // still open in the child, which owns it now
}

TEST_CASE("remote: the handle placed or pulled has the access asked for and no more", "[remote][access]")
{
    const handoff_test::suspended_child child;
    REQUIRE(child.process() != nullptr);
    const unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    REQUIRE(event);
    std::error_code ec;
    // Control: the source's own access lets the child's copy set the event.
    {
        const remote_handle full = handoff::duplicate_into(event, borrowed_handle(child.process()), ec);
        REQUIRE_FALSE(ec);
        const unique_handle seen = fetch_back(child.process(), full.get());
        REQUIRE(seen);
        CHECK(::SetEvent(seen.get()));
        REQUIRE(::ResetEvent(event.get()));
    }
    // SYNCHRONIZE only: the child's copy may wait on the event, not set it.
    const remote_handle narrow = handoff::duplicate_into(event, borrowed_handle(child.process()),
                                                         handoff::duplicate_options().access(SYNCHRONIZE), ec);
    REQUIRE_FALSE(ec);
    const unique_handle seen = fetch_back(child.process(), narrow.get()); // with the same access
    REQUIRE(seen);
    CHECK(::WaitForSingleObject(seen.get(), 0) == WAIT_TIMEOUT);
    ::SetLastError(0);
    CHECK_FALSE(::SetEvent(seen.get()));
    CHECK(::GetLastError() == ERROR_ACCESS_DENIED);
    // And the pulling side: a copy of the child's full-access value with SYNCHRONIZE only.
    const event_in_child placed(child);
    const unique_handle pulled = handoff::duplicate_from(borrowed_handle(child.process()), placed.value,
                                                         handoff::duplicate_options().access(SYNCHRONIZE), ec);
    REQUIRE_FALSE(ec);
    CHECK(::WaitForSingleObject(pulled.get(), 0) == WAIT_TIMEOUT);
    ::SetLastError(0);
    CHECK_FALSE(::SetEvent(pulled.get()));
    CHECK(::GetLastError() == ERROR_ACCESS_DENIED);
    CHECK(::WaitForSingleObject(placed.event.get(), 0) == WAIT_TIMEOUT); // no copy set it
}

TEST_CASE("remote: close reports the remote close", "[remote]")
{
    const handoff_test::suspended_child child;
    const unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    std::error_code ec = std::make_error_code(std::errc::io_error);
    remote_handle remote = handoff::duplicate_into(event, borrowed_handle(child.process()), ec);
    REQUIRE_FALSE(ec);
    const HANDLE value = remote.get();
    ec = std::make_error_code(std::errc::io_error); // a success clears what a caller left in ec
    remote.close(ec);
    CHECK_FALSE(ec);
    CHECK_FALSE(remote);
    CHECK_FALSE(names_object(child.process(), value, event.get()));
}

TEST_CASE("remote: a process handle without PROCESS_DUP_HANDLE is refused by the kernel", "[remote][failure]")
{
    const handoff_test::suspended_child child;
    // A handle to the child that may only query it (OpenProcess by id races with the start of
    // a suspended process under Wine; narrowing a handle we hold does not).
    std::error_code narrowing;
    const unique_handle limited =
        handoff::duplicate(borrowed_handle(child.process()),
                           handoff::duplicate_options().access(PROCESS_QUERY_LIMITED_INFORMATION), narrowing);
    REQUIRE_FALSE(narrowing);
    const unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    const auto before = handoff_test::open_resources();
    std::error_code ec;
    const remote_handle remote = handoff::duplicate_into(event, limited, ec);
    CHECK_FALSE(remote);
    CHECK(ec.value() == ERROR_ACCESS_DENIED);
    CHECK(handoff_test::open_resources() == before);
}

TEST_CASE("remote: empty sources, empty targets and pseudo-handles are refused", "[remote][failure]")
{
    const handoff_test::suspended_child child;
    const unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    std::error_code ec;
    CHECK_FALSE(handoff::duplicate_into(borrowed_handle(), borrowed_handle(child.process()), ec));
    CHECK(ec == handoff::errc::empty_value);
    CHECK_FALSE(handoff::duplicate_into(event, borrowed_handle(), ec));
    CHECK(ec == handoff::errc::empty_value);
    CHECK_FALSE(handoff::duplicate_into(handoff::current_process(), borrowed_handle(child.process()), ec));
    CHECK(ec == handoff::errc::pseudo_handle);
}

TEST_CASE("remote: a socket is refused, as DuplicateHandle must not copy one", "[remote][failure][socket]")
{
    const handoff_test::suspended_child child;
    REQUIRE(child.process() != nullptr);
    const SOCKET raw = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    REQUIRE(raw != INVALID_SOCKET);
    std::error_code ec;
    CHECK_FALSE(
        handoff::duplicate_into(borrowed_handle(reinterpret_cast<HANDLE>(raw)), borrowed_handle(child.process()), ec));
    CHECK(ec == handoff::errc::socket_handle);
    CHECK(::closesocket(raw) == 0);
}

TEST_CASE("remote: move assignment closes the remote handle it held, in the other process", "[remote]")
{
    const handoff_test::suspended_child child;
    REQUIRE(child.process() != nullptr);
    const unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    REQUIRE(event);
    std::error_code ec;
    remote_handle first = handoff::duplicate_into(event, borrowed_handle(child.process()), ec);
    REQUIRE_FALSE(ec);
    const HANDLE first_value = first.get();
    remote_handle second = handoff::duplicate_into(event, borrowed_handle(child.process()), ec);
    REQUIRE_FALSE(ec);
    const HANDLE second_value = second.get();
    first = std::move(second);
    CHECK(first.get() == second_value);
    CHECK_FALSE(second); // NOLINT(bugprone-use-after-move): the moved-from state is specified
    CHECK_FALSE(names_object(child.process(), first_value, event.get())); // closed there
    CHECK(names_object(child.process(), second_value, event.get()));      // still owned, by first
}

TEST_CASE("remote: duplicate_from makes a handle here and leaves the other process's open", "[remote][pull]")
{
    const handoff_test::suspended_child child;
    REQUIRE(child.process() != nullptr);
    const event_in_child placed(child);
    const auto before = handoff_test::open_resources();
    std::error_code ec = std::make_error_code(std::errc::io_error); // a success clears it
    {
        const unique_handle pulled = handoff::duplicate_from(borrowed_handle(child.process()), placed.value, ec);
        REQUIRE_FALSE(ec);
        CHECK(handoff_test::same_kernel_object(pulled.get(), placed.event.get()));
        DWORD flags = 0;
        REQUIRE(::GetHandleInformation(pulled.get(), &flags));
        CHECK((flags & HANDLE_FLAG_INHERIT) == 0);
    }
    CHECK(handoff_test::open_resources() == before);
    CHECK(names_object(child.process(), placed.value, placed.event.get())); // still open there
}

TEST_CASE("remote: take_from makes a handle here and closes the other process's", "[remote][pull]")
{
    const handoff_test::suspended_child child;
    REQUIRE(child.process() != nullptr);
    const event_in_child placed(child);
    std::error_code ec;
    const unique_handle taken = handoff::take_from(borrowed_handle(child.process()), placed.value, ec);
    REQUIRE_FALSE(ec);
    CHECK(handoff_test::same_kernel_object(taken.get(), placed.event.get()));
    CHECK_FALSE(names_object(child.process(), placed.value, placed.event.get())); // closed in the child
    // A value that names nothing there (the closed one may be reused by the child at once).
    const HANDLE nothing = reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(0x3ffffffc));
    CHECK_FALSE(handoff::take_from(borrowed_handle(child.process()), nothing, ec));
    CHECK(ec == std::error_code(ERROR_INVALID_HANDLE, std::system_category()));
    CHECK_FALSE(handoff::duplicate_from(borrowed_handle(), placed.value, ec));
    CHECK(ec == handoff::errc::empty_value);
    CHECK_FALSE(handoff::duplicate_from(borrowed_handle(child.process()), nullptr, ec));
    CHECK(ec == handoff::errc::empty_value);
}

TEST_CASE("remote: the pulling side refuses pseudo-handle values unless asked", "[remote][pull][failure]")
{
    const handoff_test::suspended_child child;
    REQUIRE(child.process() != nullptr);
    const auto before = handoff_test::open_resources();
    std::error_code ec;
    // In the other process INVALID_HANDLE_VALUE is that process itself, with every right.
    CHECK_FALSE(handoff::duplicate_from(borrowed_handle(child.process()), INVALID_HANDLE_VALUE, ec));
    CHECK(ec == handoff::errc::pseudo_handle);
    CHECK_FALSE(handoff::take_from(borrowed_handle(child.process()), ::GetCurrentThread(), ec));
    CHECK(ec == handoff::errc::pseudo_handle);
    CHECK(handoff_test::open_resources() == before);
    const unique_handle process = handoff::duplicate_from(borrowed_handle(child.process()), INVALID_HANDLE_VALUE,
                                                          handoff::duplicate_options().allow_pseudo_handle(), ec);
    REQUIRE_FALSE(ec);
    // The other process's own pseudo-handle names that process on Windows; Wine 8 resolves it in
    // the caller, and gives this process.
    const bool wine = ::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), "wine_get_version") != nullptr;
    CHECK(::GetProcessId(process.get()) == (wine ? ::GetCurrentProcessId() : child.id()));
}

TEST_CASE("remote: pulling from a process handle without PROCESS_DUP_HANDLE is refused by the kernel",
          "[remote][pull][failure]")
{
    const handoff_test::suspended_child child;
    REQUIRE(child.process() != nullptr);
    HANDLE narrow = nullptr;
    REQUIRE(::DuplicateHandle(::GetCurrentProcess(), child.process(), ::GetCurrentProcess(), &narrow,
                              PROCESS_QUERY_LIMITED_INFORMATION, FALSE, 0));
    const unique_handle limited(narrow);
    std::error_code ec;
    CHECK_FALSE(handoff::duplicate_from(limited, reinterpret_cast<HANDLE>(4), ec));
    CHECK(ec == std::error_code(ERROR_ACCESS_DENIED, std::system_category()));
}

#endif // _WIN32
