// basic_unique_handle<Traits>: every member, exercised through the descriptor family against
// the real CRT (Windows) or kernel (elsewhere).

#include <handoff/fd.hpp>
#include <handoff/unique_handle.hpp>

#include "support/census.hpp"
#include "support/failing_close.hpp"
#include "support/platform.hpp"
#include "support/temp_file.hpp"
#include "support/test_bed.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <functional>
#include <system_error>
#include <type_traits>
#include <unordered_set>
#include <utility>

using handoff::borrowed_fd;
using handoff::unique_fd;
using handoff_test::open_resources;

static_assert(sizeof(unique_fd) == sizeof(int), "an owner is exactly the size of its raw value");
static_assert(!std::is_copy_constructible<unique_fd>::value, "owners are not copyable");
static_assert(!std::is_copy_assignable<unique_fd>::value, "owners are not copyable");
static_assert(std::is_nothrow_move_constructible<unique_fd>::value, "moving an owner cannot fail");
static_assert(std::is_nothrow_move_assignable<unique_fd>::value, "moving an owner cannot fail");
static_assert(std::is_nothrow_destructible<unique_fd>::value, "destroying an owner cannot throw");
static_assert(!std::is_convertible<int, unique_fd>::value, "a raw value is adopted only explicitly");
static_assert(std::is_constructible<unique_fd, int>::value, "a raw value can be adopted explicitly");

namespace
{
int open_temp(const handoff_test::temp_file &file)
{
    const int fd = handoff_test::open_raw_fd(file.path());
    REQUIRE(fd >= 0);
    return fd;
}
} // namespace

TEST_CASE("unique_handle: a default owner is empty", "[unique_handle]")
{
    const unique_fd owner;
    CHECK_FALSE(owner);
    CHECK(owner.get() == -1);
}

TEST_CASE("unique_handle: the destructor closes the owned value", "[unique_handle]")
{
    handoff_test::temp_file file;
    const auto before = open_resources();
    {
        const unique_fd owner(open_temp(file));
        CHECK(owner);
        CHECK(open_resources().size() == before.size() + 1);
    }
    CHECK(open_resources() == before);
}

TEST_CASE("unique_handle: a value the family cannot own leaves the owner empty", "[unique_handle]")
{
    const auto before = open_resources();
    const unique_fd failure_value(-1);
    const unique_fd negative(-42);
    CHECK_FALSE(failure_value);
    CHECK_FALSE(negative);
    CHECK(negative.get() == -1);
    CHECK(open_resources() == before);
}

TEST_CASE("unique_handle: get returns the owned value without giving it up", "[unique_handle]")
{
    handoff_test::temp_file file;
    const int raw = open_temp(file);
    const unique_fd owner(raw);
    CHECK(owner.get() == raw);
    CHECK(owner.get() == raw);
    CHECK(handoff_test::write_raw_fd(owner.get(), "abc") == 3);
}

TEST_CASE("unique_handle: move construction transfers ownership without a close or a duplicate",
          "[unique_handle][move]")
{
    handoff_test::temp_file file;
    const auto before = open_resources();
    const int raw = open_temp(file);
    unique_fd source(raw);
    unique_fd target(std::move(source));
    CHECK(target.get() == raw);
    CHECK_FALSE(source); // NOLINT(bugprone-use-after-move): the moved-from state is specified
    CHECK(open_resources().size() == before.size() + 1);
    target.reset();
    CHECK(open_resources() == before);
}

TEST_CASE("unique_handle: move assignment closes the old value and takes the new one", "[unique_handle][move]")
{
    handoff_test::temp_file file;
    const auto before = open_resources();
    const int first = open_temp(file);
    unique_fd target(first);
    const auto with_first = open_resources();
    const int second = open_temp(file);
    unique_fd source(second);
    target = std::move(source);
    CHECK(target.get() == second);
    CHECK_FALSE(source); // NOLINT(bugprone-use-after-move)
    // The first descriptor is closed and the second still open: one more than before.
    const auto after = open_resources();
    CHECK(after.size() == before.size() + 1);
    if (first != second)
        CHECK(handoff_test::difference(with_first, after).size() == 1);
    target.reset();
    CHECK(open_resources() == before);
}

TEST_CASE("unique_handle: self move assignment keeps the value open", "[unique_handle][move]")
{
    handoff_test::temp_file file;
    const int raw = open_temp(file);
    unique_fd owner(raw);
    unique_fd &alias = owner;
    owner = std::move(alias);
    CHECK(owner.get() == raw);
    CHECK(handoff_test::write_raw_fd(owner.get(), "still open") == 10);
}

TEST_CASE("unique_handle: release gives up ownership without closing", "[unique_handle]")
{
    handoff_test::temp_file file;
    const auto before = open_resources();
    const int raw = open_temp(file);
    int released = -1;
    {
        unique_fd owner(raw);
        released = owner.release();
        CHECK_FALSE(owner);
    }
    CHECK(released == raw);
    CHECK(open_resources().size() == before.size() + 1); // still open: the caller owns it now
    CHECK(handoff_test::close_raw_fd(released) == 0);
    CHECK(open_resources() == before);
}

TEST_CASE("unique_handle: reset closes the owned value and adopts the new one", "[unique_handle][reset]")
{
    handoff_test::temp_file file;
    const auto before = open_resources();
    unique_fd owner(open_temp(file));
    const int replacement = open_temp(file);
    owner.reset(replacement);
    CHECK(owner.get() == replacement);
    CHECK(open_resources().size() == before.size() + 1);
    owner.reset();
    CHECK_FALSE(owner);
    CHECK(open_resources() == before);
}

TEST_CASE("unique_handle: reset to the value already owned does nothing", "[unique_handle][reset]")
{
    handoff_test::temp_file file;
    const int raw = open_temp(file);
    unique_fd owner(raw);
    owner.reset(raw);
    CHECK(owner.get() == raw);
    CHECK(handoff_test::write_raw_fd(owner.get(), "open") == 4);
}

TEST_CASE("unique_handle: reset to a value the family cannot own closes and empties", "[unique_handle][reset]")
{
    handoff_test::temp_file file;
    const auto before = open_resources();
    unique_fd owner(open_temp(file));
    owner.reset(-5);
    CHECK_FALSE(owner);
    CHECK(open_resources() == before);
}

TEST_CASE("unique_handle: reset leaves errno and GetLastError as they were", "[unique_handle][reset][error]")
{
    handoff_test::temp_file file;
    handoff_test::fd_whose_close_fails failing(file);
    unique_fd owner(failing.fd());
    failing.arm();

    errno = EDOM;
#if defined(_WIN32)
    ::SetLastError(ERROR_FILE_NOT_FOUND);
#endif
    owner.reset(); // its close fails, which would set errno to EBADF
    CHECK(errno == EDOM);
#if defined(_WIN32)
    CHECK(::GetLastError() == ERROR_FILE_NOT_FOUND);
#endif
    CHECK_FALSE(owner);
    // A close that fails as a double close does is what the checks report, and only then.
    CHECK(handoff_test::checks_reported(handoff::check_problem::failed_close));
}

TEST_CASE("unique_handle: close reports success and empties the owner", "[unique_handle][close]")
{
    handoff_test::temp_file file;
    const auto before = open_resources();
    unique_fd owner(open_temp(file));
    std::error_code ec = std::make_error_code(std::errc::io_error);
    owner.close(ec);
    CHECK_FALSE(ec);
    CHECK_FALSE(owner);
    CHECK(open_resources() == before);

    owner.close(ec); // closing an empty owner is not an error
    CHECK_FALSE(ec);
}

TEST_CASE("unique_handle: close reports a failed close and still empties the owner", "[unique_handle][close]")
{
    handoff_test::temp_file file;
    handoff_test::fd_whose_close_fails failing(file);
    unique_fd owner(failing.fd());
    failing.arm();
    std::error_code ec;
    owner.close(ec);
    CHECK(ec == std::errc::bad_file_descriptor);
#if defined(_WIN32)
    // CloseHandle failed under _close: the Win32 reason the CRT kept in _doserrno is reported.
    CHECK(ec == std::error_code(ERROR_INVALID_HANDLE, handoff::crt_error_category()));
#else
    CHECK(ec.category() == std::generic_category());
#endif
    CHECK_FALSE(owner);
}

#if HANDOFF_EXCEPTIONS
TEST_CASE("unique_handle: the throwing close throws system_error on failure", "[unique_handle][close]")
{
    handoff_test::temp_file file;
    handoff_test::fd_whose_close_fails failing(file);
    unique_fd owner(failing.fd());
    failing.arm();
    try
    {
        owner.close();
        FAIL("close() did not throw");
    }
    catch (const std::system_error &error)
    {
        CHECK(error.code() == std::errc::bad_file_descriptor);
    }
    CHECK_FALSE(owner);
}

TEST_CASE("unique_handle: the throwing close does not throw on success", "[unique_handle][close]")
{
    handoff_test::temp_file file;
    unique_fd owner(open_temp(file));
    CHECK_NOTHROW(owner.close());
    CHECK_FALSE(owner);
}
#endif

TEST_CASE("unique_handle: swap exchanges the values", "[unique_handle]")
{
    handoff_test::temp_file file;
    const int a_raw = open_temp(file);
    const int b_raw = open_temp(file);
    unique_fd a(a_raw);
    unique_fd b(b_raw);
    a.swap(b);
    CHECK(a.get() == b_raw);
    CHECK(b.get() == a_raw);
    using std::swap;
    swap(a, b);
    CHECK(a.get() == a_raw);
    CHECK(b.get() == b_raw);
    unique_fd empty;
    swap(a, empty);
    CHECK_FALSE(a);
    CHECK(empty.get() == a_raw);
}

TEST_CASE("unique_handle: comparisons and hashing follow the raw values", "[unique_handle]")
{
    handoff_test::temp_file file;
    const unique_fd a(open_temp(file));
    const unique_fd b(open_temp(file));
    const unique_fd empty1;
    const unique_fd empty2;
    CHECK(a == a);
    CHECK(a != b);
    CHECK(empty1 == empty2);
    CHECK((a < b) == (a.get() < b.get()));
    CHECK((b < a) == (b.get() < a.get()));
    CHECK(std::hash<unique_fd>()(a) == std::hash<int>()(a.get()));

    std::unordered_set<borrowed_fd> views{a, b};
    CHECK(views.count(a) == 1);
    CHECK(views.count(empty1) == 0);
}

TEST_CASE("unique_handle: borrow gives a view and keeps ownership", "[unique_handle]")
{
    handoff_test::temp_file file;
    const auto before = open_resources();
    {
        const unique_fd owner(open_temp(file));
        const borrowed_fd view = owner.borrow();
        CHECK(view.get() == owner.get());
        CHECK(owner);
        {
            const borrowed_fd copy = view;
            (void)copy;
        } // views never close
        CHECK(handoff_test::write_raw_fd(view.get(), "via view") == 8);
    }
    CHECK(open_resources() == before);
}

TEST_CASE("unique_handle: adopt_fd adopts a result and reports the errno of a failure", "[unique_handle][adopt]")
{
    handoff_test::temp_file file;
    std::error_code ec;
    unique_fd owner = handoff::adopt_fd(open_temp(file), ec);
    CHECK_FALSE(ec);
    CHECK(owner);

    const int failed = handoff_test::open_raw_fd(file.path() + ".does-not-exist");
    REQUIRE(failed == -1);
    unique_fd nothing = handoff::adopt_fd(failed, ec);
    CHECK(ec == std::errc::no_such_file_or_directory);
    CHECK(errno == ENOENT); // the caller can still read the error the call left
    CHECK_FALSE(nothing);

    unique_fd garbage = handoff::adopt_fd(-3, ec);
    CHECK(ec == handoff::errc::invalid_value);
    CHECK_FALSE(garbage);

    errno = 0;
    unique_fd no_code = handoff::adopt_fd(-1, ec);
    CHECK(ec == handoff::errc::failure_without_code);
}

#if HANDOFF_EXCEPTIONS
TEST_CASE("unique_handle: the throwing adopt_fd throws the errno of a failure", "[unique_handle][adopt]")
{
    handoff_test::temp_file file;
    CHECK(handoff::adopt_fd(open_temp(file)));
    const int failed = handoff_test::open_raw_fd(file.path() + ".does-not-exist");
    try
    {
        (void)handoff::adopt_fd(failed);
        FAIL("adopt_fd did not throw");
    }
    catch (const std::system_error &error)
    {
        CHECK(error.code() == std::errc::no_such_file_or_directory);
    }
}
#endif

namespace
{
// An API that returns a new descriptor through a pointer, as _sopen_s does.
int open_through_pointer(const handoff_test::temp_file &file, int *out)
{
    *out = handoff_test::open_raw_fd(file.path());
    return *out >= 0 ? 0 : errno;
}
} // namespace

TEST_CASE("unique_handle: put() hands the value an API writes to the owner", "[unique_handle][put]")
{
    handoff_test::temp_file file;
    const auto before = open_resources();
    {
        unique_fd owner;
        REQUIRE(open_through_pointer(file, owner.put()) == 0);
        CHECK(owner);
        CHECK(handoff_test::write_raw_fd(owner.get(), "put") == 3);
        REQUIRE(open_through_pointer(file, owner.put()) == 0); // the first descriptor is closed first
        CHECK(open_resources().size() == before.size() + 1);
    }
    CHECK(open_resources() == before);
    unique_fd failed;
    {
        auto &&out = failed.put();
        int *const written = out;
        *written = -1; // what a failing API leaves
    }
    CHECK_FALSE(failed);
}

namespace
{
// Two families that record how their values are closed: one with close_quietly, one without.
struct close_record
{
    int reported = 0; // calls of close()
    int quiet = 0;    // calls of close_quietly()
};
close_record record;

struct reporting_traits
{
    using value_type = int;
    static constexpr value_type empty() noexcept
    {
        return 0;
    }
    static constexpr bool can_own(value_type v) noexcept
    {
        return v != 0;
    }
    static std::error_code close(value_type) noexcept
    {
        ++record.reported;
        return {};
    }
};

struct quiet_traits : reporting_traits
{
    static void close_quietly(value_type) noexcept
    {
        ++record.quiet;
    }
};
} // namespace

TEST_CASE("unique_handle: the destructor and move assignment close through close_quietly where the family has it",
          "[unique_handle][close]")
{
    record = {};
    {
        handoff::basic_unique_handle<quiet_traits> a(1);
        handoff::basic_unique_handle<quiet_traits> b(2);
        a = std::move(b); // closes 1
        a.reset(3);       // closes 2
    }                     // closes 3
    CHECK(record.quiet == 3);
    CHECK(record.reported == 0);

    record = {};
    {
        handoff::basic_unique_handle<quiet_traits> c(3);
        std::error_code ec;
        c.close(ec); // an explicit close reports: close(), never close_quietly()
        CHECK_FALSE(ec);
    }
    CHECK(record.reported == 1);
    CHECK(record.quiet == 0);

    record = {};
    {
        handoff::basic_unique_handle<reporting_traits> d(4);
        handoff::basic_unique_handle<reporting_traits> e(5);
        d = std::move(e);
    }
    CHECK(record.reported == 2); // without close_quietly, close() is called and its result dropped
    CHECK(record.quiet == 0);
}
