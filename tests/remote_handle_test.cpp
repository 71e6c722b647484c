// duplicate_into() and remote_handle: a handle placed in another process, closed there by its
// owner here, or handed over with release().

#include <handoff/remote_handle.hpp>

#if defined(_WIN32)

#include "support/census.hpp"
#include "support/child_process.hpp"
#include "support/kernel_object.hpp"

#include <catch2/catch.hpp>

#include <windows.h>

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
        remote_value = remote.value();
        const unique_handle seen = fetch_back(child.process(), remote_value);
        REQUIRE(seen);
        CHECK(handoff_test::same_kernel_object(seen.get(), event.get()));
    } // closed in the child with DUPLICATE_CLOSE_SOURCE
    CHECK_FALSE(fetch_back(child.process(), remote_value));
    CHECK(::GetLastError() == ERROR_INVALID_HANDLE);
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
    CHECK(fetch_back(child.process(), value)); // still open in the child, which owns it now
}

TEST_CASE("remote: close reports the remote close", "[remote]")
{
    const handoff_test::suspended_child child;
    const unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    std::error_code ec;
    remote_handle remote = handoff::duplicate_into(event, borrowed_handle(child.process()), ec);
    REQUIRE_FALSE(ec);
    const HANDLE value = remote.value();
    remote.close(ec);
    CHECK_FALSE(ec);
    CHECK_FALSE(remote);
    CHECK_FALSE(fetch_back(child.process(), value));
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

#endif // _WIN32
