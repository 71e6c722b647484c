// basic_borrowed_handle<Traits>: every member, through the descriptor family.

#include <handoff/borrowed_handle.hpp>
#include <handoff/fd.hpp>

#include "support/census.hpp"
#include "support/platform.hpp"
#include "support/temp_file.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <type_traits>

using handoff::borrowed_fd;
using handoff::unique_fd;

static_assert(sizeof(borrowed_fd) == sizeof(int), "a view is exactly the size of its raw value");
static_assert(std::is_trivially_copyable<borrowed_fd>::value, "views are copied like raw values");
static_assert(std::is_trivially_destructible<borrowed_fd>::value, "a view has nothing to close");
static_assert(!std::is_convertible<int, borrowed_fd>::value, "a raw value becomes a view only explicitly");
static_assert(std::is_convertible<const unique_fd &, borrowed_fd>::value, "an owner lends a view implicitly");
static_assert(!std::is_constructible<unique_fd, borrowed_fd>::value, "a view never becomes an owner");

namespace
{
// A function that only uses a descriptor takes a view, and owners convert to it.
long write_through(borrowed_fd fd, const char *text)
{
    return handoff_test::write_raw_fd(fd.get(), text);
}
} // namespace

TEST_CASE("borrowed_handle: a default view is empty", "[borrowed_handle]")
{
    constexpr borrowed_fd view;
    CHECK_FALSE(view);
    CHECK(view.get() == -1);
}

TEST_CASE("borrowed_handle: an explicit view of a raw value never closes it", "[borrowed_handle]")
{
    handoff_test::temp_file file;
    const auto before = handoff_test::open_resources();
    const int raw = handoff_test::open_raw_fd(file.path());
    REQUIRE(raw >= 0);
    {
        const borrowed_fd view(raw);
        CHECK(view);
        CHECK(view.get() == raw);
        const borrowed_fd copy = view;
        CHECK(copy.get() == raw);
    }
    CHECK(handoff_test::write_raw_fd(raw, "still mine") == 10);
    CHECK(handoff_test::close_raw_fd(raw) == 0);
    CHECK(handoff_test::open_resources() == before);
}

TEST_CASE("borrowed_handle: an owner converts to a view and keeps ownership", "[borrowed_handle]")
{
    handoff_test::temp_file file;
    const unique_fd owner(handoff_test::open_raw_fd(file.path()));
    REQUIRE(owner);
    CHECK(write_through(owner, "abc") == 3);
    const borrowed_fd view = owner;
    CHECK(view.get() == owner.get());
    CHECK(owner);
    CHECK(file.content() == "abc");
}

TEST_CASE("borrowed_handle: comparisons and hashing follow the raw values", "[borrowed_handle]")
{
    constexpr borrowed_fd three(3);
    constexpr borrowed_fd four(4);
    CHECK(three == borrowed_fd(3));
    CHECK(three != four);
    CHECK(three < four);
    CHECK_FALSE(four < three);
    CHECK(borrowed_fd() == borrowed_fd(-1));
    CHECK(std::hash<borrowed_fd>()(four) == std::hash<int>()(4));
}

TEST_CASE("borrowed_handle: a view of any non-empty value is true", "[borrowed_handle]")
{
    // Views do not judge: a view may hold values no owner may, such as pseudo-handles.
    CHECK(borrowed_fd(0));
    CHECK(borrowed_fd(-7));
    CHECK_FALSE(borrowed_fd(-1));
}
