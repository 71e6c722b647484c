// The double close handoff exists to prevent, both ways. A library lends its handle, and the
// program wants a CRT descriptor or a stream for it: the naive code gives the lent value to the
// C runtime, which then closes the library's handle; handoff gives the C runtime a duplicate.
// The reverse: the program owns a descriptor and must give a library a handle that the library
// will close.

#include <handoff/handoff.hpp>

#include "support/census.hpp"
#include "support/temp_file.hpp"
#include "support/test_bed.hpp"
#include "support/vendor.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <system_error>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#else
#include <unistd.h>
#endif

namespace
{
bool mentions(const std::vector<std::string> &failures, const std::string &text)
{
    for (const std::string &failure : failures)
        if (failure.find(text) != std::string::npos)
            return true;
    return false;
}
} // namespace

#if defined(_WIN32)
TEST_CASE("a library lends its handle: the naive _open_osfhandle of a lent handle closes it twice", "[double_close][naive]")
{
    handoff_test::temp_file file;
    std::unique_ptr<handoff_test::close_canary> canary; // outlives the library
    {
        handoff_test::vendor_file library(file.path());
        const HANDLE lent = library.native_handle();
        const int fd = ::_open_osfhandle(reinterpret_cast<intptr_t>(lent), _O_BINARY);
        REQUIRE(fd >= 0);
        CHECK(::_write(fd, "naive", 5) == 5);
        REQUIRE(::_close(fd) == 0); // closes the library's handle
        canary = std::make_unique<handoff_test::close_canary>(lent);
        REQUIRE(canary->planted());
    } // the library closes its handle again: without the canary, whatever took the value
    const std::vector<std::string> failures = handoff_test::take_failures();
    CHECK(mentions(failures, "vendor library: closing its own handle failed"));
}

TEST_CASE("a library lends its handle: to_fd of a lent handle gives the CRT its own handle", "[double_close][handoff]")
{
    handoff_test::temp_file file;
    std::unique_ptr<handoff_test::close_canary> canary;
    {
        handoff_test::vendor_file library(file.path());
        std::error_code ec;
        handoff::unique_fd fd = handoff::to_fd(handoff::borrowed_handle(library.native_handle()), ec);
        REQUIRE_FALSE(ec);
        const HANDLE crt_handle = handoff::handle_of(fd, ec).get();
        CHECK(crt_handle != library.native_handle());
        CHECK(::_write(fd.get(), "through the fd\n", 15) == 15);

        handoff::unique_file stream = handoff::to_file(std::move(fd), "w", ec);
        REQUIRE_FALSE(ec);
        CHECK(std::fputs("and the stream\n", stream.get()) >= 0);
        stream.close(ec); // fclose: the stream, its fd and the CRT's duplicate
        CHECK_FALSE(ec);

        canary = std::make_unique<handoff_test::close_canary>(crt_handle, handoff_test::canary_mode::watch);
        REQUIRE(canary->planted());
        CHECK(library.read_all() == "through the fd\nand the stream\n");
    } // the library closes its own handle, once, successfully
    CHECK(canary->intact());
    CHECK(handoff_test::take_failures().empty());
}

TEST_CASE("a library lends its handle: to_file of a lent handle gives the stream its own handle", "[double_close][handoff]")
{
    handoff_test::temp_file file;
    {
        handoff_test::vendor_file library(file.path());
        std::error_code ec;
        handoff::unique_file stream = handoff::to_file(handoff::borrowed_handle(library.native_handle()), "w", ec);
        REQUIRE_FALSE(ec);
        CHECK(std::fputs("stream only", stream.get()) >= 0);
        stream.close(ec);
        CHECK_FALSE(ec);
        CHECK(library.read_all() == "stream only");
    }
    CHECK(handoff_test::take_failures().empty());
}

TEST_CASE("give a library a handle it closes: giving a sink the handle behind a CRT fd closes it twice", "[double_close][naive]")
{
    handoff_test::temp_file file;
    const int fd = ::_open(file.path().c_str(), _O_RDWR | _O_BINARY);
    REQUIRE(fd >= 0);
    const HANDLE crt_handle = reinterpret_cast<HANDLE>(::_get_osfhandle(fd));
    {
        handoff_test::vendor_sink sink(crt_handle); // the sink now believes it owns the CRT's handle
        CHECK(sink.write("naive"));
    } // the sink closes the CRT's handle
    const handoff_test::close_canary canary(crt_handle);
    REQUIRE(canary.planted());
    CHECK(::_close(fd) == -1); // the CRT's own close hits the canary: a double close
    CHECK(errno == EBADF);
}

TEST_CASE("give a library a handle it closes: a sink is given a duplicate of the handle behind a CRT fd", "[double_close][handoff]")
{
    handoff_test::temp_file file;
    {
        std::error_code ec;
        handoff::unique_fd fd = handoff::adopt_fd(::_open(file.path().c_str(), _O_RDWR | _O_BINARY), ec);
        REQUIRE_FALSE(ec);
        const handoff::borrowed_handle crt_handle = handoff::handle_of(fd, ec);
        REQUIRE_FALSE(ec);
        {
            handoff_test::vendor_sink sink(handoff::duplicate(crt_handle, ec).give());
            REQUIRE_FALSE(ec);
            CHECK(sink.write("from the sink, "));
        } // the sink closes its duplicate
        CHECK(::_write(fd.get(), "then the fd", 11) == 11);
        fd.close(ec); // the CRT closes its own handle, once
        CHECK_FALSE(ec);
    }
    CHECK(file.content() == "from the sink, then the fd");
    CHECK(handoff_test::take_failures().empty());
}

TEST_CASE("give a library a handle it closes: to_handle takes the handle out of the CRT for a sink", "[double_close][handoff]")
{
    handoff_test::temp_file file;
    std::error_code ec;
    handoff::unique_fd fd = handoff::adopt_fd(::_open(file.path().c_str(), _O_RDWR | _O_BINARY), ec);
    REQUIRE_FALSE(ec);
    const auto with_fd = handoff_test::open_resources();
    {
        handoff_test::vendor_sink sink(handoff::to_handle(std::move(fd), ec).give());
        REQUIRE_FALSE(ec);
        CHECK_FALSE(fd);
        CHECK(handoff_test::open_resources().size() == with_fd.size()); // one handle traded for another
        CHECK(sink.write("sink only"));
    }
    CHECK(file.content() == "sink only");
    CHECK(handoff_test::take_failures().empty());
}
#else
TEST_CASE("a library lends its handle: the naive fdopen of a lent descriptor closes it twice", "[double_close][naive]")
{
    handoff_test::temp_file file;
    std::unique_ptr<handoff_test::close_canary> canary; // outlives the library
    {
        handoff_test::vendor_file library(file.path());
        const int lent = library.native_handle();
        std::FILE *stream = ::fdopen(lent, "w");
        REQUIRE(stream != nullptr);
        CHECK(std::fputs("naive", stream) >= 0);
        REQUIRE(std::fclose(stream) == 0); // closes the library's descriptor
        canary = std::make_unique<handoff_test::close_canary>(lent, handoff_test::canary_mode::watch);
        REQUIRE(canary->planted());
    } // the library's close "succeeds" on the canary, as it would on any innocent descriptor
    CHECK_FALSE(canary->intact());
    canary.reset();
    const std::vector<std::string> failures = handoff_test::take_failures();
    CHECK(mentions(failures, "double close"));
}

TEST_CASE("a library lends its handle: to_file of a lent descriptor gives the stream its own descriptor", "[double_close][handoff]")
{
    handoff_test::temp_file file;
    std::unique_ptr<handoff_test::close_canary> canary;
    {
        handoff_test::vendor_file library(file.path());
        std::error_code ec;
        handoff::unique_file stream = handoff::to_file(handoff::borrowed_fd(library.native_handle()), "w", ec);
        REQUIRE_FALSE(ec);
        const int stream_fd = handoff::fd_of(stream).get();
        CHECK(stream_fd != library.native_handle());
        CHECK((::fcntl(stream_fd, F_GETFD) & FD_CLOEXEC) != 0);
        CHECK(std::fputs("through the stream", stream.get()) >= 0);
        stream.close(ec);
        CHECK_FALSE(ec);
        canary = std::make_unique<handoff_test::close_canary>(stream_fd, handoff_test::canary_mode::watch);
        REQUIRE(canary->planted());
        CHECK(library.read_all() == "through the stream");
    }
    CHECK(canary->intact());
    CHECK(handoff_test::take_failures().empty());
}

TEST_CASE("give a library a handle it closes: a sink is given a duplicate of a descriptor the program keeps", "[double_close][handoff]")
{
    handoff_test::temp_file file;
    {
        std::error_code ec;
        handoff::unique_fd fd = handoff::adopt_fd(::open(file.path().c_str(), O_RDWR | O_CLOEXEC), ec);
        REQUIRE_FALSE(ec);
        {
            handoff_test::vendor_sink sink(handoff::duplicate(fd, ec).give());
            REQUIRE_FALSE(ec);
            CHECK(sink.write("from the sink, "));
        }
        CHECK(::write(fd.get(), "then the fd", 11) == 11);
    }
    CHECK(file.content() == "from the sink, then the fd");
    CHECK(handoff_test::take_failures().empty());
}
#endif
