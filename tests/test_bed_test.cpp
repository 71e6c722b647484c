// The test bed tests itself: the census sees what opens and closes, canaries catch a second
// close that handle-value reuse would otherwise hide, and (in the hidden demo tests, run by
// CTest expecting failure) a leak or a double close fails a test that asserts nothing.

#include "support/census.hpp"
#include "support/test_bed.hpp"

#include <catch2/catch.hpp>

#include <string>

#if defined(_WIN32)
#include <windows.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

namespace
{
#if defined(_WIN32)
using raw_value = HANDLE;

raw_value open_unchecked()
{
    return ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
}

bool close_raw(raw_value value)
{
    return ::CloseHandle(value) != FALSE;
}

bool is_open(raw_value value)
{
    DWORD flags = 0;
    return ::GetHandleInformation(value, &flags) != FALSE;
}

std::uintptr_t as_number(raw_value value)
{
    return reinterpret_cast<std::uintptr_t>(value);
}
#else
using raw_value = int;

raw_value open_unchecked()
{
    return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

bool close_raw(raw_value value)
{
    return ::close(value) == 0;
}

bool is_open(raw_value value)
{
    return ::fcntl(value, F_GETFD) != -1;
}

std::uintptr_t as_number(raw_value value)
{
    return static_cast<std::uintptr_t>(value);
}
#endif

raw_value open_something()
{
    const raw_value value = open_unchecked();
    REQUIRE(is_open(value));
    return value;
}

bool mentions(const std::vector<std::string> &failures, const std::string &text)
{
    for (const std::string &failure : failures)
        if (failure.find(text) != std::string::npos)
            return true;
    return false;
}

// Opened before any test starts: the demo that closes it is a "foreign close".
const raw_value opened_before_the_tests = open_unchecked();
} // namespace

TEST_CASE("test bed: the census sees a value opened and closed", "[test_bed]")
{
    const auto before = handoff_test::open_resources();
    const raw_value value = open_something();
    const auto during = handoff_test::open_resources();
    REQUIRE(handoff_test::difference(during, before).size() == 1);
    CHECK(handoff_test::difference(during, before).front() == as_number(value));
    CHECK(handoff_test::describe_resource(as_number(value)) != "unknown");
    REQUIRE(close_raw(value));
    CHECK(handoff_test::open_resources() == before);
}

TEST_CASE("test bed: a canary takes the value a close just freed", "[test_bed][canary]")
{
    const raw_value value = open_something();
    REQUIRE(close_raw(value));
    const handoff_test::close_canary canary(value);
    REQUIRE(canary.planted());
    CHECK(canary.value() == as_number(value));
    CHECK(canary.intact());
    CHECK(is_open(value)); // the canary, not the closed object
}

TEST_CASE("test bed: a canary cannot be planted on a value that is in use", "[test_bed][canary]")
{
    const raw_value value = open_something();
    {
        const handoff_test::close_canary canary(value);
        CHECK_FALSE(canary.planted());
        CHECK_FALSE(canary.intact());
    }
    CHECK(is_open(value));
    CHECK(close_raw(value));
}

#if defined(_WIN32)
TEST_CASE("test bed: a second CloseHandle hits the protected canary and fails", "[test_bed][canary]")
{
    const raw_value value = open_something();
    REQUIRE(close_raw(value));
    const handoff_test::close_canary canary(value, handoff_test::canary_mode::protect);
    REQUIRE(canary.planted());
    // Without the canary this would close whatever took the value next, and succeed.
    CHECK_FALSE(::CloseHandle(value));
    CHECK(::GetLastError() == ERROR_INVALID_HANDLE);
    CHECK(canary.intact());
}
#endif

TEST_CASE("test bed: a second close that ignores its result is caught by a watching canary", "[test_bed][canary]")
{
    const raw_value value = open_something();
    REQUIRE(close_raw(value));
    {
        const handoff_test::close_canary canary(value, handoff_test::canary_mode::watch);
        REQUIRE(canary.planted());
        // The stray close "succeeds": it destroyed the canary, as it would have destroyed an
        // innocent handle that had taken the value.
        CHECK(close_raw(value));
        CHECK_FALSE(canary.intact());
    }
    const std::vector<std::string> failures = handoff_test::take_failures();
    CHECK(failures.size() == 1);
    CHECK(mentions(failures, "double close"));
}

// The demos below fail on purpose. They are hidden from normal runs; CTest runs each one and
// passes only if the run fails with the test bed's report (tests/CMakeLists.txt).

TEST_CASE("test bed demo: a leaked value fails the test", "[.test_bed_demo][leak]")
{
    (void)open_something();
}

TEST_CASE("test bed demo: a double close through a stale value fails the test", "[.test_bed_demo][double_close]")
{
    const raw_value value = open_something();
    REQUIRE(close_raw(value));
    const handoff_test::close_canary canary(value, handoff_test::canary_mode::watch);
    REQUIRE(canary.planted());
    (void)close_raw(value); // a second close whose result nobody checks
}

TEST_CASE("test bed demo: closing a value opened before the test fails the test", "[.test_bed_demo][foreign]")
{
    (void)close_raw(opened_before_the_tests);
}
