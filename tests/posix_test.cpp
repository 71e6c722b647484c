// POSIX descriptors: duplicate() against the real kernel.

#include <handoff/posix.hpp>

#if !defined(_WIN32)

#include "support/census.hpp"
#include "support/temp_file.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

using handoff::borrowed_fd;
using handoff::unique_fd;

namespace
{
unique_fd open_temp(const handoff_test::temp_file &file)
{
    unique_fd fd(::open(file.path().c_str(), O_RDWR | O_CLOEXEC));
    REQUIRE(fd);
    return fd;
}
} // namespace

TEST_CASE("posix: duplicate gives a close-on-exec descriptor for the same open file", "[posix][duplicate]")
{
    handoff_test::temp_file file;
    const auto before = handoff_test::open_resources();
    {
        const unique_fd original = open_temp(file);
        std::error_code ec;
        const unique_fd copy = handoff::duplicate(original, ec);
        REQUIRE_FALSE(ec);
        CHECK(copy.get() != original.get());
        CHECK(copy.get() >= 3);
        CHECK((::fcntl(copy.get(), F_GETFD) & FD_CLOEXEC) != 0);
        // One open file description: the offset moves for both.
        REQUIRE(::write(copy.get(), "hello", 5) == 5);
        CHECK(::lseek(original.get(), 0, SEEK_CUR) == 5);
        CHECK(handoff_test::open_resources().size() == before.size() + 2);
    }
    CHECK(handoff_test::open_resources() == before);
}

TEST_CASE("posix: duplicate of a standard stream is close-on-exec and above 2", "[posix][duplicate]")
{
    std::error_code ec;
    const unique_fd copy = handoff::duplicate(borrowed_fd(STDERR_FILENO), ec);
    REQUIRE_FALSE(ec);
    CHECK(copy.get() > 2);
    CHECK((::fcntl(copy.get(), F_GETFD) & FD_CLOEXEC) != 0);
}

TEST_CASE("posix: duplicate refuses an empty source and reports a bad descriptor", "[posix][duplicate]")
{
    std::error_code ec;
    CHECK_FALSE(handoff::duplicate(borrowed_fd(), ec));
    CHECK(ec == handoff::errc::empty_value);

    int ends[2];
    REQUIRE(::pipe(ends) == 0);
    REQUIRE(::close(ends[0]) == 0);
    REQUIRE(::close(ends[1]) == 0);
    CHECK_FALSE(handoff::duplicate(borrowed_fd(ends[0]), ec));
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK(ec.category() == std::generic_category());
}

#if HANDOFF_EXCEPTIONS
TEST_CASE("posix: the throwing duplicate throws system_error", "[posix][duplicate]")
{
    CHECK_THROWS_AS(handoff::duplicate(borrowed_fd()), std::system_error);
}
#endif

#endif // !_WIN32
