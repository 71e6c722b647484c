// POSIX descriptors: duplicate() against the real kernel.

#include <handoff/posix.hpp>
#include <handoff/stdio.hpp>

#if !defined(_WIN32)

#include "support/census.hpp"
#include "support/descriptor_limit.hpp"
#include "support/temp_file.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <system_error>
#include <vector>

using handoff::borrowed_fd;
using handoff::unique_fd;
using handoff::unique_file;

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

TEST_CASE("posix: with descriptor 0 closed no copy handoff makes lands on a standard number",
          "[posix][duplicate][stdio]")
{
    handoff_test::temp_file file;
    const unique_fd source = open_temp(file);
    const int saved_stdin = ::fcntl(0, F_DUPFD_CLOEXEC, 3);
    REQUIRE(saved_stdin > 2);
    REQUIRE(::close(0) == 0); // the lowest free number is 0 now
    std::error_code duplicate_error, stream_error;
    const unique_fd copy = handoff::duplicate(borrowed_fd(source), duplicate_error);
    const unique_file stream = handoff::to_file(borrowed_fd(source), "r", stream_error);
    const int stream_fd = stream ? ::fileno(stream.get()) : -1;
    const bool zero_still_closed = ::fcntl(0, F_GETFD) == -1;
    REQUIRE(::dup2(saved_stdin, 0) == 0);
    REQUIRE(::close(saved_stdin) == 0);
    CHECK_FALSE(duplicate_error);
    CHECK(copy.get() > 2);
    CHECK_FALSE(stream_error);
    CHECK(stream_fd > 2);
    CHECK(zero_still_closed);
}

TEST_CASE("posix: descriptor 0 is a descriptor like any other and can be owned", "[posix][stdio]")
{
    const int saved_stdin = ::fcntl(0, F_DUPFD_CLOEXEC, 3);
    REQUIRE(saved_stdin > 2);
    REQUIRE(::close(0) == 0);
    std::error_code ec = std::make_error_code(std::errc::io_error);
    bool owned_zero = false, closed_by_owner = false;
    {
        unique_fd zero = handoff::adopt_fd(::open("/dev/null", O_RDONLY), ec); // lands on 0
        owned_zero = zero && zero.get() == 0;
        zero.reset();
        closed_by_owner = ::fcntl(0, F_GETFD) == -1;
    }
    REQUIRE(::dup2(saved_stdin, 0) == 0);
    REQUIRE(::close(saved_stdin) == 0);
    CHECK_FALSE(ec);
    CHECK(owned_zero);
    CHECK(closed_by_owner);
}

TEST_CASE("posix: duplicate and to_file clear an error left in ec when they succeed", "[posix][duplicate][to_file]")
{
    // A caller reuses one error_code across calls: each success must leave it clear.
    handoff_test::temp_file file;
    const unique_fd source = open_temp(file);
    const std::error_code stale = std::make_error_code(std::errc::io_error);
    std::error_code ec = stale;
    unique_fd copy = handoff::duplicate(borrowed_fd(source), ec);
    CHECK(copy);
    CHECK_FALSE(ec);
    ec = stale;
    CHECK(handoff::to_file(borrowed_fd(source), "r+", ec));
    CHECK_FALSE(ec);
    ec = stale;
    CHECK(handoff::to_file(std::move(copy), "r+", ec));
    CHECK_FALSE(ec);
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

TEST_CASE("posix: negative and huge descriptor numbers are refused with a bad descriptor", "[posix][failure]")
{
    std::error_code ec;
    for (const int number : {-2, 1 << 30, 0x7fffffff})
    {
        CAPTURE(number);
        CHECK_FALSE(handoff::duplicate(borrowed_fd(number), ec));
        CHECK(ec == std::errc::bad_file_descriptor);
        CHECK_FALSE(handoff::to_file(borrowed_fd(number), "r", ec));
        CHECK(ec == std::errc::bad_file_descriptor);
    }
}

#if HANDOFF_EXCEPTIONS
TEST_CASE("posix: the throwing duplicate throws system_error", "[posix][duplicate]")
{
    CHECK_THROWS_AS(handoff::duplicate(borrowed_fd()), std::system_error);
}
#endif

TEST_CASE("posix: to_file of an owned descriptor makes the stream its owner", "[posix][to_file]")
{
    handoff_test::temp_file file;
    const auto before = handoff_test::open_resources();
    {
        unique_fd fd = open_temp(file);
        const int value = fd.get();
        std::error_code ec;
        const handoff::unique_file stream = handoff::to_file(std::move(fd), "w", ec);
        REQUIRE_FALSE(ec);
        CHECK_FALSE(fd);
        CHECK(handoff::fd_of(stream).get() == value); // no duplicate
        CHECK(std::fputs("streamed", stream.get()) >= 0);
    }
    CHECK(handoff_test::open_resources() == before);
    CHECK(file.content() == "streamed");
}

TEST_CASE("posix: to_file leaves the descriptor owned when fdopen or the mode fails", "[posix][to_file][failure]")
{
    handoff_test::temp_file file;
    unique_fd read_only(::open(file.path().c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(read_only);
    std::error_code ec;
    CHECK_FALSE(handoff::to_file(std::move(read_only), "w", ec)); // fdopen: the access modes disagree
    CHECK(ec == std::errc::invalid_argument);
    CHECK(read_only);
    for (const char *mode : {"z", "", "r++", "wq"})
    {
        CHECK_FALSE(handoff::to_file(std::move(read_only), mode, ec));
        CHECK(ec == handoff::errc::invalid_mode);
        CHECK(read_only);
    }
    CHECK_FALSE(handoff::to_file(unique_fd(), "r", ec));
    CHECK(ec == handoff::errc::empty_value);
}

TEST_CASE("posix: to_file of a borrowed descriptor leaves nothing open on failure", "[posix][to_file][failure]")
{
    handoff_test::temp_file file;
    const unique_fd read_only(::open(file.path().c_str(), O_RDONLY | O_CLOEXEC));
    const auto before = handoff_test::open_resources();
    std::error_code ec;
    CHECK_FALSE(handoff::to_file(borrowed_fd(read_only), "w", ec)); // the duplicate is closed again
    CHECK(ec == std::errc::invalid_argument);
    int ends[2];
    REQUIRE(::pipe(ends) == 0);
    REQUIRE(::close(ends[0]) == 0);
    REQUIRE(::close(ends[1]) == 0);
    CHECK_FALSE(handoff::to_file(borrowed_fd(ends[0]), "r", ec));
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK_FALSE(handoff::to_file(borrowed_fd(read_only), "x", ec));
    CHECK(ec == handoff::errc::invalid_mode);
    CHECK(handoff_test::open_resources() == before);
}

TEST_CASE("posix: a full descriptor table fails duplicate and to_file of a lent descriptor and the source stays",
          "[posix][failure][exhaustion]")
{
    handoff_test::temp_file file;
    unique_fd source = open_temp(file);
    const int number = source.get();
    const std::vector<std::uintptr_t> before = handoff_test::open_resources();
    std::vector<int> fillers;
    std::error_code duplicate_error, lent_error, stream_error;
    bool duplicated = true, lent_stream = true, still_open = false, stream_made = false;
    int fill_errno = 0;
    {
        // The table fills at the soft limit. No assertion until the fillers are closed: the
        // census and UBSan's checks of an assertion need descriptors of their own.
        const handoff_test::descriptor_limit lowered(static_cast<rlim_t>(before.back()) + 64);
        for (;;)
        {
            const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fd < 0)
                break;
            fillers.push_back(fd);
        }
        fill_errno = errno;
        duplicated = static_cast<bool>(handoff::duplicate(borrowed_fd(source), duplicate_error));
        lent_stream = static_cast<bool>(handoff::to_file(borrowed_fd(source), "r+", lent_error));
        still_open = source.get() == number && ::fcntl(number, F_GETFD) != -1;
        // A stream that takes the descriptor needs no new one: it works at the limit.
        unique_file stream = handoff::to_file(std::move(source), "r+", stream_error);
        stream_made = stream && !source;
        for (const int fd : fillers)
            (void)::close(fd);
    }
    CHECK(fill_errno == EMFILE);
    CHECK(fillers.size() >= 32);
    CHECK_FALSE(duplicated);
    CHECK(duplicate_error == std::errc::too_many_files_open);
    CHECK_FALSE(lent_stream); // found no descriptor to duplicate into
    CHECK(lent_error == std::errc::too_many_files_open);
    CHECK(still_open);
    CHECK(stream_made);
    CHECK_FALSE(stream_error);
    const std::vector<std::uintptr_t> after = handoff_test::open_resources();
    CHECK(handoff_test::difference(before, after) == std::vector<std::uintptr_t>{static_cast<std::uintptr_t>(number)});
    CHECK(handoff_test::difference(after, before).empty());
}

TEST_CASE("posix: to_file of a borrowed descriptor leaves the lender's descriptor as it was lent",
          "[posix][to_file][append]")
{
    // A duplicate shares the open file description, and fdopen(fd, "a") sets O_APPEND on it.
    handoff_test::temp_file file;
    const unique_fd lender(::open(file.path().c_str(), O_WRONLY | O_CLOEXEC));
    REQUIRE(lender);
    const auto before = handoff_test::open_resources();
    std::error_code ec;
    {
        const unique_file stream = handoff::to_file(borrowed_fd(lender), "a", ec);
        CHECK_FALSE(stream);
        CHECK(ec == handoff::errc::would_change_lender);
    }
    CHECK((::fcntl(lender.get(), F_GETFL) & O_APPEND) == 0);
    CHECK(handoff_test::open_resources() == before);

    // A lender that already appends loses nothing: the stream appends through a duplicate.
    const unique_fd appending(::open(file.path().c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
    REQUIRE(appending);
    {
        const unique_file stream = handoff::to_file(borrowed_fd(appending), "a", ec);
        REQUIRE_FALSE(ec);
        CHECK(std::fputs("appended", stream.get()) >= 0);
    }
    CHECK((::fcntl(appending.get(), F_GETFL) & O_APPEND) != 0);
    CHECK(file.content() == "appended");
}

TEST_CASE("posix: fd_of lends a stream's descriptor", "[posix][fd_of]")
{
    CHECK(handoff::fd_of(handoff::borrowed_file(stdin)).get() == STDIN_FILENO);
    CHECK_FALSE(handoff::fd_of(handoff::borrowed_file()));
}

#endif // !_WIN32
