// The FILE* family on both platforms, against the real C runtime.

#include <handoff/stdio.hpp>

#include "support/census.hpp"
#include "support/temp_file.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <cstdio>
#include <system_error>
#include <type_traits>

#if defined(_WIN32)
#include <io.h>
#include <windows.h>
#endif

using handoff::borrowed_file;
using handoff::unique_file;

static_assert(sizeof(unique_file) == sizeof(std::FILE *), "an owner is exactly a FILE*");
static_assert(sizeof(borrowed_file) == sizeof(std::FILE *), "a view is exactly a FILE*");
static_assert(!std::is_convertible<std::FILE *, unique_file>::value, "a stream is adopted only explicitly");

TEST_CASE("stdio: unique_file flushes and closes its stream and everything under it", "[stdio]")
{
    handoff_test::temp_file file;
    const auto before = handoff_test::open_resources();
    {
        const unique_file stream(std::fopen(file.path().c_str(), "wb"));
        REQUIRE(stream);
        CHECK(std::fputs("buffered", stream.get()) >= 0);
        CHECK(handoff_test::open_resources().size() == before.size() + 1);
    }
    CHECK(handoff_test::open_resources() == before); // fd (and HANDLE) closed with the stream
    CHECK(file.content() == "buffered");             // and the buffer was flushed
}

TEST_CASE("stdio: adopt_file reports the errno of a failed fopen", "[stdio][adopt]")
{
    handoff_test::temp_file file;
    std::error_code ec;
    unique_file stream = handoff::adopt_file(std::fopen(file.path().c_str(), "rb"), ec);
    CHECK_FALSE(ec);
    CHECK(stream);

    unique_file none = handoff::adopt_file(std::fopen((file.path() + ".does-not-exist").c_str(), "rb"), ec);
    CHECK_FALSE(none);
    CHECK(ec == std::errc::no_such_file_or_directory);
    CHECK(errno == ENOENT);
}

TEST_CASE("stdio: the ec forms clear an error left in ec when they succeed", "[stdio][adopt][close]")
{
    // A caller reuses one error_code across calls: a success must not leave an old error in it.
    handoff_test::temp_file file;
    std::error_code ec = std::make_error_code(std::errc::io_error);
    unique_file stream = handoff::adopt_file(std::fopen(file.path().c_str(), "rb"), ec);
    CHECK(stream);
    CHECK_FALSE(ec);
    ec = std::make_error_code(std::errc::io_error);
    stream.close(ec);
    CHECK_FALSE(stream);
    CHECK_FALSE(ec);
    ec = std::make_error_code(std::errc::io_error);
    stream.close(ec); // an empty owner's close succeeds too
    CHECK_FALSE(ec);
}

#if HANDOFF_EXCEPTIONS
TEST_CASE("stdio: the throwing adopt_file throws system_error", "[stdio][adopt]")
{
    handoff_test::temp_file file;
    CHECK_THROWS_AS(handoff::adopt_file(std::fopen((file.path() + ".does-not-exist").c_str(), "rb")),
                    std::system_error);
}
#endif

TEST_CASE("stdio: a view of a stream never closes it", "[stdio]")
{
    handoff_test::temp_file file;
    const unique_file owner(std::fopen(file.path().c_str(), "wb"));
    REQUIRE(owner);
    {
        const borrowed_file view = owner;
        CHECK(std::fputs("x", view.get()) >= 0);
    }
    CHECK(std::fputs("y", owner.get()) >= 0);
}

TEST_CASE("stdio: close reports a failed fclose", "[stdio][close]")
{
#if defined(_WIN32)
    // The HANDLE under the stream is protected from close, so fclose's CloseHandle fails.
    handoff_test::temp_file file;
    unique_file stream(std::fopen(file.path().c_str(), "wb"));
    REQUIRE(stream);
    const HANDLE handle = reinterpret_cast<HANDLE>(::_get_osfhandle(::_fileno(stream.get())));
    REQUIRE(::SetHandleInformation(handle, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
    std::error_code ec;
    stream.close(ec);
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK_FALSE(stream);
    REQUIRE(::SetHandleInformation(handle, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    CHECK(::CloseHandle(handle));
#else
    // /dev/full accepts the open and fails every write with ENOSPC: fclose's flush fails.
    unique_file stream(std::fopen("/dev/full", "w"));
    REQUIRE(stream);
    CHECK(std::fputs("no room", stream.get()) >= 0); // buffered, not yet written
    std::error_code ec;
    stream.close(ec);
    CHECK(ec == std::errc::no_space_on_device);
    CHECK_FALSE(stream);
#endif
}

TEST_CASE("stdio: nullptr stands for an empty stream owner or view", "[stdio][nullptr]")
{
    handoff::unique_file stream = nullptr;
    CHECK(stream == nullptr);
    stream.reset(std::tmpfile());
    REQUIRE(stream != nullptr);
    // fd_of of an owner used within the expression that made it.
    CHECK(handoff::fd_of(handoff::unique_file(std::tmpfile())).get() >= 0);
    stream = nullptr;
    CHECK(stream == nullptr);
    const handoff::borrowed_file view = nullptr;
    CHECK(view == nullptr);
}
