// Every C-runtime call handoff makes with a descriptor or a stream runs with the CRT's
// invalid-parameter handler silenced, so that a bad descriptor gives EBADF under the Universal
// CRT instead of ending the process (0xC0000417).
//
// Wine 8 never calls the handler, so a bad descriptor cannot show the difference here. Instead
// every such call from this executable passes through a recorder (support/crt_routing.hpp)
// that asks the CRT which thread-local handler is in place at that moment. Under the UCRT it
// must be handoff's do-nothing handler; msvcrt.dll has no thread-local handler and never ends
// the process, so there the tests check that the calls are made and that nothing is installed.
// compile_checks/crt_calls.cpp checks the other half, that handoff names these functions only
// in detail/crt_calls.hpp, and cmake/check-crt-routing.cmake that the recorder wraps every
// function that header calls.

#if defined(_WIN32)
#include <winsock2.h> // before <windows.h>, which would bring the old winsock.h
#endif

#include <handoff/crt.hpp>
#include <handoff/fd_table.hpp>
#include <handoff/lease.hpp>
#include <handoff/virtual_fd_io.hpp>

#if defined(_WIN32)

#include "support/crt_routing.hpp"
#include "support/temp_file.hpp"
#include "support/test_bed.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <io.h>
#include <windows.h>

#include <cstdio>
#include <string>
#include <system_error>

using handoff::borrowed_fd;
using handoff::borrowed_handle;
using handoff::unique_fd;
using handoff::unique_file;
using handoff::unique_handle;

namespace
{
unique_handle open_file(const handoff_test::temp_file &file)
{
    unique_handle h(::CreateFileA(file.path().c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                  nullptr, OPEN_EXISTING, 0, nullptr));
    REQUIRE(h);
    return h;
}

int open_raw_fd(const handoff_test::temp_file &file)
{
    const int fd = ::_open(file.path().c_str(), _O_RDWR | _O_BINARY);
    REQUIRE(fd >= 0);
    return fd;
}

// A descriptor number that is not open: what a descriptor closed behind its owner's back is.
constexpr int stale_fd = 1999;

// Checks what a log recorded: each function in `expected` was called, and every call was
// silenced where the CRT can be silenced.
void check_routing(const handoff_test::crt_call_log &log, std::initializer_list<const char *> expected)
{
    for (const char *function : expected)
    {
        CAPTURE(function);
        CHECK(log.saw(function));
    }
    for (const handoff_test::crt_call &call : log.calls())
    {
        CAPTURE(call.function);
        CHECK(call.silenced == handoff_test::crt_has_thread_local_handler());
    }
}
} // namespace

TEST_CASE("crt routing: the recorder sees an unsilenced call as unsilenced", "[crt][routing]")
{
    // The control: a raw CRT call is recorded, and not as silenced, so the checks below can fail.
    const handoff_test::crt_call_log log;
    handoff_test::temp_file file;
    CHECK(::_close(open_raw_fd(file)) == 0);
    REQUIRE(log.saw("_close"));
    for (const handoff_test::crt_call &call : log.calls())
        CHECK_FALSE(call.silenced);
}

TEST_CASE("crt routing: the CRT the program uses decides whether there is a handler to silence", "[crt][routing]")
{
    CHECK(handoff_test::crt_has_thread_local_handler() == (HANDOFF_TEST_CRT_IS_UCRT != 0));
    CHECK((handoff::detail::thread_local_handler_setter() != nullptr) == (HANDOFF_TEST_CRT_IS_UCRT != 0));
}

TEST_CASE("crt routing: an owner's close paths are silenced, a stale descriptor included", "[crt][routing]")
{
    handoff_test::temp_file file;
    {
        const handoff_test::crt_call_log log;
        {
            const unique_fd owner(open_raw_fd(file));
        }
        unique_fd reset_owner(open_raw_fd(file));
        reset_owner.reset();
        unique_fd assigned(open_raw_fd(file));
        assigned = unique_fd(open_raw_fd(file));
        check_routing(log, {"_close"});
    }
    {
        const handoff_test::crt_call_log log;
        unique_fd stale(stale_fd);
        std::error_code ec;
        stale.close(ec);
        CHECK(ec == std::errc::bad_file_descriptor);
        unique_fd destroyed(stale_fd); // its destructor closes the stale number too
        check_routing(log, {"_close"});
    }
    // The destructor's failed close is what the ownership checks report (close(ec) tells its caller).
    CHECK(handoff_test::checks_reported(handoff::check_problem::failed_close));
}

TEST_CASE("crt routing: handle_of, to_fd and to_handle are silenced", "[crt][routing]")
{
    handoff_test::temp_file file;
    const handoff_test::crt_call_log log;
    std::error_code ec;
    CHECK_FALSE(handoff::handle_of(borrowed_fd(stale_fd), ec));
    CHECK(ec == std::errc::bad_file_descriptor);
    unique_fd moved = handoff::to_fd(open_file(file), ec);
    REQUIRE_FALSE(ec);
    const unique_handle lender = open_file(file);
    unique_fd copied = handoff::to_fd(lender.borrow(), ec);
    REQUIRE_FALSE(ec);
    const unique_handle taken = handoff::to_handle(std::move(moved), ec);
    REQUIRE_FALSE(ec);
    const unique_fd duplicated = handoff::duplicate(borrowed_fd(copied), ec);
    REQUIRE_FALSE(ec);
    CHECK_FALSE(handoff::duplicate(borrowed_fd(stale_fd), ec));
    check_routing(log, {"_get_osfhandle", "_open_osfhandle", "_close"});
}

TEST_CASE("crt routing: streams are opened, asked and closed silenced", "[crt][routing]")
{
    handoff_test::temp_file file;
    const handoff_test::crt_call_log log;
    std::error_code ec;
    unique_file from_handle = handoff::to_file(open_file(file), "w", ec);
    REQUIRE_FALSE(ec);
    CHECK(handoff::fd_of(from_handle));
    from_handle.close(ec);
    CHECK_FALSE(ec);
    unique_file from_fd = handoff::to_file(unique_fd(open_raw_fd(file)), "r", ec);
    REQUIRE_FALSE(ec);
    const unique_fd lender(open_raw_fd(file));
    const unique_file lent = handoff::to_file(lender.borrow(), "r", ec);
    REQUIRE_FALSE(ec);
    CHECK_FALSE(handoff::to_file(borrowed_fd(stale_fd), "r", ec));
    check_routing(log, {"_open_osfhandle", "_fdopen", "_fileno", "fclose"});
}

TEST_CASE("crt routing: the virtual descriptor table pages, translates and streams silenced", "[crt][routing]")
{
    handoff_test::temp_file text_file;
    handoff_test::temp_file wide_file;
    handoff_test::temp_file data_file;
    const handoff_test::crt_call_log log;
    std::error_code ec;
    // The default limit probes _setmaxstdio, but only the first table of the process does: after
    // other tests the probe's answer is kept. Its wrapper is called here so the log sees it anyway.
    handoff::fd_table table(handoff::fd_table_options{}, ec);
    REQUIRE_FALSE(ec);
    CHECK(handoff::detail::crt_setmaxstdio(::_getmaxstdio()) != -1);
    handoff::unique_virtual_fd text = table.adopt(open_file(text_file), _O_RDWR | _O_TEXT, ec);
    REQUIRE(text);
    handoff::unique_virtual_fd wide = table.adopt(open_file(wide_file), _O_WRONLY | _O_U16TEXT, ec);
    REQUIRE(wide);
    handoff::unique_virtual_fd data = table.adopt(open_file(data_file), _O_RDWR, ec);
    REQUIRE(data);
    CHECK(handoff::write(text, "a\n", 2, ec) == 2);
    CHECK(handoff::seek(text, 0, SEEK_SET, ec) == 0);
    char buffer[8];
    CHECK(handoff::read(text, buffer, sizeof buffer, ec) == 2);
    CHECK(handoff::write(wide, L"w", 2, ec) == 2);
    {
        const handoff::stream_lease stream(data, "r+b", ec);
        REQUIRE(stream);
        CHECK(std::fputs("s", stream.get()) >= 0);
    }
    check_routing(log, {"_setmaxstdio", "_open_osfhandle", "_setmode", "_read", "_write", "_lseeki64", "_fdopen",
                        "_ftelli64", "fflush", "fclose"});
    text.reset();
    wide.reset();
    data.reset();
    check_routing(log, {"_close"});
}

#endif // _WIN32
