// The kernel HANDLE family against Wine's real kernel objects: adoption conventions,
// pseudo-handles, and duplicate() with each of its options.

#if defined(_WIN32)
#include <winsock2.h> // before <windows.h>, which would bring the old winsock.h
#endif

#include <handoff/win32.hpp>

#if defined(_WIN32)

#include "support/census.hpp"
#include "support/kernel_object.hpp"
#include "support/temp_file.hpp"
#include "support/test_bed.hpp"

#include <catch2/catch.hpp>

#include <windows.h>

#include <string>
#include <system_error>
#include <type_traits>

using handoff::borrowed_handle;
using handoff::unique_handle;

static_assert(sizeof(unique_handle) == sizeof(HANDLE), "an owner is exactly a HANDLE");
static_assert(sizeof(borrowed_handle) == sizeof(HANDLE), "a view is exactly a HANDLE");
static_assert(!std::is_convertible<HANDLE, unique_handle>::value, "a raw HANDLE is adopted only explicitly");
static_assert(!std::is_convertible<HANDLE, borrowed_handle>::value, "a raw HANDLE is borrowed only explicitly");

namespace
{
HANDLE new_event()
{
    const HANDLE event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    REQUIRE(event != nullptr);
    return event;
}

bool same_object(HANDLE a, HANDLE b)
{
    return handoff_test::same_kernel_object(a, b);
}

DWORD handle_flags(HANDLE h)
{
    DWORD flags = 0;
    REQUIRE(::GetHandleInformation(h, &flags));
    return flags;
}

HANDLE open_file(const std::string &path, DWORD access)
{
    return ::CreateFileA(path.c_str(), access, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING,
                         FILE_ATTRIBUTE_NORMAL, nullptr);
}
} // namespace

TEST_CASE("win32: unique_handle closes an event exactly once", "[win32]")
{
    const auto before = handoff_test::open_resources();
    {
        const unique_handle event(new_event());
        CHECK(event);
        CHECK(handoff_test::open_resources().size() == before.size() + 1);
    }
    CHECK(handoff_test::open_resources() == before);
}

TEST_CASE("win32: failure values and pseudo-handles are never owned", "[win32][pseudo]")
{
    CHECK(handoff::is_pseudo_handle(INVALID_HANDLE_VALUE));
    CHECK(handoff::is_pseudo_handle(::GetCurrentProcess()));
    CHECK(handoff::is_pseudo_handle(::GetCurrentThread()));
    CHECK_FALSE(handoff::is_pseudo_handle(nullptr));

    ::SetLastError(ERROR_PATH_NOT_FOUND);
    const unique_handle invalid(INVALID_HANDLE_VALUE);
    const unique_handle process(::GetCurrentProcess());
    const unique_handle thread(::GetCurrentThread());
    const unique_handle null(nullptr);
    CHECK_FALSE(invalid);
    CHECK_FALSE(process);
    CHECK_FALSE(thread);
    CHECK_FALSE(null);
    CHECK(::GetLastError() == ERROR_PATH_NOT_FOUND); // refusing a value calls nothing
}

TEST_CASE("win32: a view may hold a pseudo-handle, which stays usable", "[win32][pseudo]")
{
    const borrowed_handle self = handoff::current_process();
    CHECK(self);
    CHECK(self.get() == ::GetCurrentProcess());
    CHECK(::GetProcessId(self.get()) == ::GetCurrentProcessId());
}

TEST_CASE("win32: adopt_handle with null_on_failure", "[win32][adopt]")
{
    std::error_code ec;
    SECTION("a success is owned")
    {
        const auto before = handoff_test::open_resources();
        {
            const unique_handle event =
                handoff::adopt_handle(::CreateEventW(nullptr, TRUE, FALSE, nullptr), handoff::null_on_failure, ec);
            CHECK_FALSE(ec);
            CHECK(event);
        }
        CHECK(handoff_test::open_resources() == before);
    }
    SECTION("a failure reports and keeps GetLastError")
    {
        // Opening a named event that does not exist fails with ERROR_FILE_NOT_FOUND.
        const unique_handle none = handoff::adopt_handle(
            ::OpenEventW(EVENT_ALL_ACCESS, FALSE, L"handoff-test-no-such-event"), handoff::null_on_failure, ec);
        CHECK_FALSE(none);
        CHECK(ec.value() == ERROR_FILE_NOT_FOUND);
        CHECK(ec.category() == std::system_category());
        CHECK(::GetLastError() == ERROR_FILE_NOT_FOUND);
    }
    SECTION("a pseudo-handle is refused, not owned")
    {
        const unique_handle refused = handoff::adopt_handle(::GetCurrentThread(), handoff::null_on_failure, ec);
        CHECK_FALSE(refused);
        CHECK(ec == handoff::errc::pseudo_handle);
        CHECK(ec == std::errc::invalid_argument);
        // GetCurrentProcess() is INVALID_HANDLE_VALUE, a failure value: never an owner either.
        ::SetLastError(ERROR_SUCCESS);
        CHECK_FALSE(handoff::adopt_handle(::GetCurrentProcess(), handoff::null_on_failure, ec));
        CHECK(ec == handoff::errc::failure_without_code);
    }
    SECTION("a failure without an error code is still a failure")
    {
        ::SetLastError(ERROR_SUCCESS);
        const unique_handle none = handoff::adopt_handle(nullptr, handoff::null_on_failure, ec);
        CHECK(ec == handoff::errc::failure_without_code);
    }
}

TEST_CASE("win32: adopt_handle with invalid_on_failure", "[win32][adopt]")
{
    handoff_test::temp_file file;
    std::error_code ec;
    SECTION("a success is owned")
    {
        const unique_handle owner =
            handoff::adopt_handle(open_file(file.path(), GENERIC_READ), handoff::invalid_on_failure, ec);
        CHECK_FALSE(ec);
        CHECK(owner);
    }
    SECTION("a failure reports and keeps GetLastError")
    {
        const unique_handle none = handoff::adopt_handle(open_file(file.path() + ".does-not-exist", GENERIC_READ),
                                                         handoff::invalid_on_failure, ec);
        CHECK_FALSE(none);
        CHECK(ec.value() == ERROR_FILE_NOT_FOUND);
        CHECK(::GetLastError() == ERROR_FILE_NOT_FOUND);
    }
    SECTION("NULL is a failure too, another pseudo-handle is refused as a pseudo-handle")
    {
        ::SetLastError(ERROR_INVALID_PARAMETER);
        CHECK_FALSE(handoff::adopt_handle(nullptr, handoff::invalid_on_failure, ec));
        CHECK(ec == std::error_code(ERROR_INVALID_PARAMETER, std::system_category()));
        CHECK_FALSE(handoff::adopt_handle(::GetCurrentThread(), handoff::invalid_on_failure, ec));
        CHECK(ec == handoff::errc::pseudo_handle);
    }
}

#if HANDOFF_EXCEPTIONS
TEST_CASE("win32: the throwing adopt_handle throws the API's error", "[win32][adopt]")
{
    handoff_test::temp_file file;
    CHECK(handoff::adopt_handle(open_file(file.path(), GENERIC_READ), handoff::invalid_on_failure));
    try
    {
        (void)handoff::adopt_handle(open_file(file.path() + ".does-not-exist", GENERIC_READ),
                                    handoff::invalid_on_failure);
        FAIL("adopt_handle did not throw");
    }
    catch (const std::system_error &error)
    {
        CHECK(error.code().value() == ERROR_FILE_NOT_FOUND);
        CHECK(error.code().category() == std::system_category());
    }
    CHECK_THROWS_AS(handoff::adopt_handle(nullptr, handoff::null_on_failure), std::system_error);
}
#endif

TEST_CASE("win32: duplicate gives a new, non-inheritable handle to the same object", "[win32][duplicate]")
{
    const auto before = handoff_test::open_resources();
    {
        const unique_handle event(new_event());
        std::error_code ec;
        const unique_handle copy = handoff::duplicate(event, ec);
        REQUIRE_FALSE(ec);
        CHECK(copy.get() != event.get());
        CHECK(same_object(copy.get(), event.get()));
        CHECK((handle_flags(copy.get()) & HANDLE_FLAG_INHERIT) == 0);
        CHECK(handoff_test::open_resources().size() == before.size() + 2);
        // Each owner closes its own handle; the object lives until both are gone.
        REQUIRE(::SetEvent(copy.get()));
        CHECK(::WaitForSingleObject(event.get(), 0) == WAIT_OBJECT_0);
    }
    CHECK(handoff_test::open_resources() == before);
}

TEST_CASE("win32: duplicate can make an inheritable copy when asked", "[win32][duplicate]")
{
    const unique_handle event(new_event());
    std::error_code ec;
    const unique_handle copy = handoff::duplicate(event, handoff::duplicate_options().inheritable(), ec);
    REQUIRE_FALSE(ec);
    CHECK((handle_flags(copy.get()) & HANDLE_FLAG_INHERIT) != 0);
    CHECK((handle_flags(event.get()) & HANDLE_FLAG_INHERIT) == 0); // the source is not touched
}

TEST_CASE("win32: duplicate can grant less access than the source has", "[win32][duplicate]")
{
    const unique_handle event(new_event());
    std::error_code ec;
    const unique_handle waiter = handoff::duplicate(event, handoff::duplicate_options().access(SYNCHRONIZE), ec);
    REQUIRE_FALSE(ec);
    CHECK(::WaitForSingleObject(waiter.get(), 0) == WAIT_TIMEOUT); // SYNCHRONIZE allows waiting
    CHECK_FALSE(::SetEvent(waiter.get()));                         // but not signalling
    CHECK(::GetLastError() == ERROR_ACCESS_DENIED);
    CHECK(::SetEvent(event.get()));
}

TEST_CASE("win32: a duplicate of a handle with little access gets no more than it had", "[win32][duplicate][access]")
{
    const unique_handle event(new_event());
    std::error_code ec;
    const unique_handle waiter = handoff::duplicate(event, handoff::duplicate_options().access(SYNCHRONIZE), ec);
    REQUIRE_FALSE(ec);
    const unique_handle copy = handoff::duplicate(waiter, ec); // the source's access, not the object's
    REQUIRE_FALSE(ec);
    CHECK(::WaitForSingleObject(copy.get(), 0) == WAIT_TIMEOUT);
    ::SetLastError(0);
    CHECK_FALSE(::SetEvent(copy.get()));
    CHECK(::GetLastError() == ERROR_ACCESS_DENIED);
    CHECK(::WaitForSingleObject(event.get(), 0) == WAIT_TIMEOUT); // nothing set it
}

TEST_CASE("win32: duplicates of a file share its position", "[win32][duplicate]")
{
    handoff_test::temp_file file;
    const unique_handle original(open_file(file.path(), GENERIC_READ | GENERIC_WRITE));
    REQUIRE(original);
    std::error_code ec;
    const unique_handle copy = handoff::duplicate(original, ec);
    REQUIRE_FALSE(ec);
    DWORD written = 0;
    REQUIRE(::WriteFile(copy.get(), "hello", 5, &written, nullptr));
    LARGE_INTEGER position = {};
    REQUIRE(::SetFilePointerEx(original.get(), LARGE_INTEGER(), &position, FILE_CURRENT));
    CHECK(position.QuadPart == 5);
}

TEST_CASE("win32: duplicate refuses an empty source and, by default, pseudo-handles", "[win32][duplicate]")
{
    const auto before = handoff_test::open_resources();
    std::error_code ec;
    CHECK_FALSE(handoff::duplicate(borrowed_handle(), ec));
    CHECK(ec == handoff::errc::empty_value);
    CHECK_FALSE(handoff::duplicate(handoff::current_process(), ec));
    CHECK(ec == handoff::errc::pseudo_handle);
    // INVALID_HANDLE_VALUE is the current process's pseudo-handle: duplicating a failed
    // CreateFile result must not hand out a handle to this process.
    CHECK_FALSE(handoff::duplicate(borrowed_handle(INVALID_HANDLE_VALUE), ec));
    CHECK(ec == handoff::errc::pseudo_handle);
    CHECK(handoff_test::open_resources() == before);
}

TEST_CASE("win32: duplicate refuses a socket, which only WSADuplicateSocket may copy", "[win32][duplicate][socket]")
{
    const SOCKET raw = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    REQUIRE(raw != INVALID_SOCKET);
    const auto before = handoff_test::open_resources();
    std::error_code ec;
    CHECK_FALSE(handoff::duplicate(borrowed_handle(reinterpret_cast<HANDLE>(raw)), ec));
    CHECK(ec == handoff::errc::socket_handle);
    CHECK(handoff_test::open_resources() == before); // no copy was made
    CHECK(::closesocket(raw) == 0);
}

TEST_CASE("win32: adoption treats NULL and INVALID_HANDLE_VALUE as failure whichever convention is named",
          "[win32][adopt]")
{
    handoff_test::temp_file file;
    std::error_code ec;
    // The wrong convention for CreateFileW: its INVALID_HANDLE_VALUE is still its failure.
    const unique_handle none =
        handoff::adopt_handle(open_file(file.path() + ".does-not-exist", GENERIC_READ), handoff::null_on_failure, ec);
    CHECK_FALSE(none);
    CHECK(ec == std::error_code(ERROR_FILE_NOT_FOUND, std::system_category()));
    CHECK(::GetLastError() == ERROR_FILE_NOT_FOUND);
    // The wrong convention for OpenEventW: its NULL is still its failure.
    const unique_handle no_event = handoff::adopt_handle(
        ::OpenEventW(EVENT_ALL_ACCESS, FALSE, L"handoff-test-no-such-event"), handoff::invalid_on_failure, ec);
    CHECK_FALSE(no_event);
    CHECK(ec == std::error_code(ERROR_FILE_NOT_FOUND, std::system_category()));
    CHECK(::GetLastError() == ERROR_FILE_NOT_FOUND);
}

TEST_CASE("win32: duplicate turns a pseudo-handle into a real one when asked explicitly", "[win32][duplicate]")
{
    std::error_code ec;
    const unique_handle process =
        handoff::duplicate(handoff::current_process(), handoff::duplicate_options().allow_pseudo_handle(), ec);
    REQUIRE_FALSE(ec);
    CHECK_FALSE(handoff::is_pseudo_handle(process.get()));
    CHECK(::GetProcessId(process.get()) == ::GetCurrentProcessId());
}

TEST_CASE("win32: duplicate reports the kernel's error for a closed handle", "[win32][duplicate]")
{
    const HANDLE stale = new_event();
    REQUIRE(::CloseHandle(stale));
    std::error_code ec;
    const unique_handle copy = handoff::duplicate(borrowed_handle(stale), ec);
    CHECK_FALSE(copy);
    CHECK(ec.value() == ERROR_INVALID_HANDLE);
    CHECK(ec.category() == std::system_category());
}

#if HANDOFF_EXCEPTIONS
TEST_CASE("win32: the throwing duplicate throws system_error", "[win32][duplicate]")
{
    CHECK_THROWS_AS(handoff::duplicate(handoff::current_process()), std::system_error);
    try
    {
        (void)handoff::duplicate(borrowed_handle());
        FAIL("duplicate did not throw");
    }
    catch (const std::system_error &error)
    {
        CHECK(error.code() == handoff::errc::empty_value);
        CHECK(std::string(error.what()).find("handoff::duplicate") != std::string::npos);
    }
}
#endif

TEST_CASE("win32: the close error of a handle is the kernel's", "[win32][close]")
{
    const HANDLE raw = new_event();
    REQUIRE(::SetHandleInformation(raw, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
    unique_handle owner(raw);
    std::error_code ec;
    owner.close(ec);
    CHECK(ec.value() == ERROR_INVALID_HANDLE);
    CHECK_FALSE(owner);
    REQUIRE(::SetHandleInformation(raw, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    CHECK(::CloseHandle(raw));
}

TEST_CASE("win32: reset keeps GetLastError even when its close fails", "[win32][reset]")
{
    const HANDLE raw = new_event();
    REQUIRE(::SetHandleInformation(raw, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
    unique_handle owner(raw);
    ::SetLastError(ERROR_BROKEN_PIPE);
    owner.reset();
    CHECK(::GetLastError() == ERROR_BROKEN_PIPE);
    CHECK(handoff_test::checks_reported(handoff::check_problem::failed_close)); // reset's refused close
    REQUIRE(::SetHandleInformation(raw, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    CHECK(::CloseHandle(raw));
}

TEST_CASE("win32: nullptr stands for an empty owner or view", "[win32][nullptr]")
{
    unique_handle owner = nullptr;
    CHECK(owner == nullptr);
    CHECK(nullptr == owner);
    CHECK_FALSE(owner != nullptr);
    owner.reset(new_event());
    CHECK(owner != nullptr);
    CHECK(nullptr != owner);
    const auto before = handoff_test::open_resources();
    owner = nullptr; // closes the event
    CHECK(owner == nullptr);
    CHECK(handoff_test::open_resources().size() == before.size() - 1);
    const borrowed_handle view = nullptr;
    CHECK(view == nullptr);
    CHECK_FALSE(view);
}

TEST_CASE("win32: put() lets an API write a new handle into an owner", "[win32][put]")
{
    const auto before = handoff_test::open_resources();
    {
        unique_handle read;
        unique_handle write;
        REQUIRE(::CreatePipe(read.put(), write.put(), nullptr, 0));
        CHECK(read);
        CHECK(write);
        DWORD written = 0;
        CHECK(::WriteFile(write.get(), "pipe", 4, &written, nullptr));
        unique_handle token;
        REQUIRE(::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, token.put()));
        CHECK(token);
        CHECK(handoff_test::open_resources().size() == before.size() + 3);
        // put() closes what the owner held before the API writes into it.
        REQUIRE(::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, token.put()));
        CHECK(handoff_test::open_resources().size() == before.size() + 3);
    }
    CHECK(handoff_test::open_resources() == before);
}

TEST_CASE("win32: put() leaves the owner empty when the API fails or writes a failure value", "[win32][put]")
{
    unique_handle owner(new_event());
    const auto with_event = handoff_test::open_resources();
    ::SetLastError(ERROR_SUCCESS);
    {
        auto &&out = owner.put(); // lives to the end of the block, like a call's argument to the end of the call
        HANDLE *const written = out;
        *written = INVALID_HANDLE_VALUE; // as some APIs write on failure
        ::SetLastError(ERROR_ACCESS_DENIED);
    }
    CHECK_FALSE(owner);
    CHECK(::GetLastError() == ERROR_ACCESS_DENIED); // handing the result over calls nothing
    CHECK(handoff_test::open_resources().size() == with_event.size() - 1);
    CHECK_FALSE(::OpenProcessToken(nullptr, TOKEN_QUERY, owner.put()));
    CHECK_FALSE(owner);
}

TEST_CASE("win32: unique_process_information owns the handles CreateProcessW returns", "[win32][put]")
{
    wchar_t exe[MAX_PATH] = {};
    ::GetModuleFileNameW(nullptr, exe, MAX_PATH);
    STARTUPINFOW startup = {};
    startup.cb = sizeof startup;
    const auto before = handoff_test::open_resources();
    {
        handoff::unique_process_information child;
        REQUIRE(::CreateProcessW(exe, nullptr, nullptr, nullptr, FALSE, CREATE_SUSPENDED | DETACHED_PROCESS, nullptr,
                                 nullptr, &startup, child.put()));
        CHECK(child.process);
        CHECK(child.thread);
        CHECK(child.process_id == ::GetProcessId(child.process.get()));
        CHECK(child.thread_id == ::GetThreadId(child.thread.get()));
        CHECK(::TerminateProcess(child.process.get(), 0));
        CHECK(::WaitForSingleObject(child.process.get(), INFINITE) == WAIT_OBJECT_0);
    }
    CHECK(handoff_test::open_resources() == before);
}

TEST_CASE("win32: std_handle tells a missing standard handle from a failure", "[win32][std_handle]")
{
    const HANDLE saved = ::GetStdHandle(STD_ERROR_HANDLE);
    const unique_handle event(new_event());
    std::error_code ec = std::make_error_code(std::errc::io_error); // a success clears it
    REQUIRE(::SetStdHandle(STD_ERROR_HANDLE, event.get()));
    CHECK(handoff::std_handle(STD_ERROR_HANDLE, ec).get() == event.get());
    CHECK_FALSE(ec);
    // A parent may set a standard handle to INVALID_HANDLE_VALUE: no handle, not a failure,
    // whatever error the thread had before.
    REQUIRE(::SetStdHandle(STD_ERROR_HANDLE, INVALID_HANDLE_VALUE));
    ::SetLastError(ERROR_ACCESS_DENIED);
    ec = std::make_error_code(std::errc::io_error);
    CHECK_FALSE(handoff::std_handle(STD_ERROR_HANDLE, ec));
    CHECK_FALSE(ec);
    CHECK(::GetLastError() == ERROR_ACCESS_DENIED);
    REQUIRE(::SetStdHandle(STD_ERROR_HANDLE, nullptr));
    ec = std::make_error_code(std::errc::io_error);
    CHECK_FALSE(handoff::std_handle(STD_ERROR_HANDLE, ec));
    CHECK_FALSE(ec);
    REQUIRE(::SetStdHandle(STD_ERROR_HANDLE, saved));
    CHECK_FALSE(handoff::std_handle(static_cast<DWORD>(-42), ec)); // not a standard handle's number
    CHECK(ec == std::error_code(ERROR_INVALID_HANDLE, std::system_category()));
}

TEST_CASE("win32: set_inheritable sets and clears HANDLE_FLAG_INHERIT", "[win32][inherit]")
{
    const unique_handle event(new_event());
    std::error_code ec;
    handoff::set_inheritable(event, true, ec);
    CHECK_FALSE(ec);
    CHECK((handle_flags(event.get()) & HANDLE_FLAG_INHERIT) != 0);
    handoff::set_inheritable(event, false, ec);
    CHECK_FALSE(ec);
    CHECK((handle_flags(event.get()) & HANDLE_FLAG_INHERIT) == 0);
    handoff::set_inheritable(handoff::current_process(), true, ec);
    CHECK(ec == handoff::errc::pseudo_handle);
    handoff::set_inheritable(borrowed_handle(), true, ec);
    CHECK(ec == handoff::errc::empty_value);
    const HANDLE stale = new_event();
    REQUIRE(::CloseHandle(stale));
    handoff::set_inheritable(borrowed_handle(stale), true, ec);
    CHECK(ec == std::error_code(ERROR_INVALID_HANDLE, std::system_category()));
}

TEST_CASE("win32: current_thread views this thread, and duplicate makes it a real handle", "[win32][pseudo]")
{
    CHECK(handoff::current_thread().get() == ::GetCurrentThread());
    std::error_code ec;
    CHECK_FALSE(handoff::duplicate(handoff::current_thread(), ec));
    CHECK(ec == handoff::errc::pseudo_handle);
    const unique_handle real =
        handoff::duplicate(handoff::current_thread(), handoff::duplicate_options().allow_pseudo_handle(), ec);
    REQUIRE_FALSE(ec);
    CHECK(::GetThreadId(real.get()) == ::GetCurrentThreadId());
}

#endif // _WIN32
