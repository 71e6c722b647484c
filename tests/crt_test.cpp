// HANDLE <-> CRT descriptor <-> FILE* handoffs on Windows, against the real msvcrt.dll or UCRT:
// each conversion's success, and its failures with real failures, with the leak and
// double-close checks of the test bed watching every one.

#if defined(_WIN32)
#include <winsock2.h> // before <windows.h>, which would bring the old winsock.h
#endif

#include <handoff/crt.hpp>

#if defined(_WIN32)

#include "support/census.hpp"
#include "support/child_process.hpp"
#include "support/kernel_object.hpp"
#include "support/temp_file.hpp"
#include "support/test_bed.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <io.h>
#include <windows.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

using handoff::borrowed_fd;
using handoff::borrowed_handle;
using handoff::unique_fd;
using handoff::unique_file;
using handoff::unique_handle;

namespace
{
unique_handle open_file(const std::string &path, DWORD flags = FILE_ATTRIBUTE_NORMAL)
{
    unique_handle file(::CreateFileA(path.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                     nullptr, OPEN_EXISTING, flags, nullptr));
    REQUIRE(file);
    return file;
}

unique_fd open_fd(const std::string &path)
{
    std::error_code ec;
    unique_fd fd = handoff::adopt_fd(::_open(path.c_str(), _O_RDWR | _O_BINARY), ec);
    REQUIRE_FALSE(ec);
    return fd;
}

unique_handle new_event()
{
    unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    REQUIRE(event);
    return event;
}

bool event_works(borrowed_handle event)
{
    return ::SetEvent(event.get()) && ::ResetEvent(event.get());
}

HANDLE raw_handle_of(int fd)
{
    return reinterpret_cast<HANDLE>(::_get_osfhandle(fd));
}

// Opens CRT descriptors on NUL until the table is full; closes them when destroyed.
class full_fd_table
{
  public:
    full_fd_table()
    {
        const HANDLE nul = ::CreateFileA("NUL", GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0, nullptr);
        REQUIRE(nul != INVALID_HANDLE_VALUE);
        for (;;)
        {
            HANDLE copy = nullptr;
            REQUIRE(::DuplicateHandle(::GetCurrentProcess(), nul, ::GetCurrentProcess(), &copy, 0, FALSE,
                                      DUPLICATE_SAME_ACCESS));
            const int fd = ::_open_osfhandle(reinterpret_cast<intptr_t>(copy), _O_BINARY);
            if (fd < 0)
            {
                error = errno;
                ::CloseHandle(copy);
                break;
            }
            fds.push_back(fd);
            if (fd > highest)
                highest = fd;
        }
        ::CloseHandle(nul);
    }
    full_fd_table(const full_fd_table &) = delete;
    full_fd_table &operator=(const full_fd_table &) = delete;
    ~full_fd_table()
    {
        for (const int fd : fds)
            ::_close(fd);
    }

    std::vector<int> fds;
    int highest = -1;
    int error = 0;
};

// Opens streams until the stream table is full; closes them when destroyed.
class full_stream_table
{
  public:
    full_stream_table()
    {
        for (;;)
        {
            std::FILE *stream = std::fopen("NUL", "w");
            if (stream == nullptr)
                break;
            streams.push_back(stream);
        }
    }
    full_stream_table(const full_stream_table &) = delete;
    full_stream_table &operator=(const full_stream_table &) = delete;
    ~full_stream_table()
    {
        for (std::FILE *stream : streams)
            std::fclose(stream);
    }

    std::vector<std::FILE *> streams;
};

#if HANDOFF_TEST_CRT_IS_UCRT
constexpr int crt_descriptor_limit = 8192;
#else
constexpr int crt_descriptor_limit = 2048;
#endif
} // namespace

// to_fd(unique_handle&&) ---------------------------------------------------------------------

// The flag the ownership checks put on a handle a unique_handle owns (none with checks off).
#if HANDOFF_CHECKS && HANDOFF_CHECKS_PROTECT
constexpr DWORD owner_protection = HANDLE_FLAG_PROTECT_FROM_CLOSE;
#else
constexpr DWORD owner_protection = 0;
#endif

TEST_CASE("crt: to_fd of an owned handle moves it into the descriptor without a duplicate", "[crt][to_fd]")
{
    handoff_test::temp_file file;
    const auto before = handoff_test::open_resources();
    {
        unique_handle handle = open_file(file.path());
        const HANDLE value = handle.get();
        std::error_code ec;
        unique_fd fd = handoff::to_fd(std::move(handle), ec);
        REQUIRE_FALSE(ec);
        CHECK_FALSE(handle);
        CHECK(raw_handle_of(fd.get()) == value); // the same handle, not a copy
        CHECK(handoff_test::open_resources().size() == before.size() + 1);
        CHECK(::_write(fd.get(), "moved", 5) == 5);
    } // the descriptor closes the handle, once
    CHECK(handoff_test::open_resources() == before);
    CHECK(file.content() == "moved");
}

TEST_CASE("crt: to_fd applies text and append flags", "[crt][to_fd]")
{
    handoff_test::temp_file file;
    {
        std::error_code ec;
        unique_fd fd = handoff::to_fd(open_file(file.path()), _O_TEXT | _O_NOINHERIT, ec);
        REQUIRE_FALSE(ec);
        CHECK(::_write(fd.get(), "a\nb", 3) == 3);
    }
    CHECK(file.content() == "a\r\nb");
    {
        std::error_code ec;
        unique_fd fd = handoff::to_fd(open_file(file.path()), _O_APPEND | _O_BINARY, ec);
        REQUIRE_FALSE(ec);
        CHECK(::_write(fd.get(), "!", 1) == 1);
    }
    CHECK(file.content() == "a\r\nb!");
}

TEST_CASE("crt: to_fd refuses an event and the owner keeps it", "[crt][to_fd][failure]")
{
    unique_handle event = new_event();
    const HANDLE value = event.get();
    std::error_code ec;
    const unique_fd fd = handoff::to_fd(std::move(event), ec);
    CHECK_FALSE(fd);
    CHECK(ec == std::errc::bad_file_descriptor); // _open_osfhandle: GetFileType is unknown
    // The Win32 reason the CRT kept in _doserrno, not only the errno it mapped it to.
    CHECK(ec == std::error_code(ERROR_INVALID_HANDLE, handoff::crt_error_category()));
    CHECK(event.get() == value); // still owned, still open
    CHECK(event_works(event));
}

TEST_CASE("crt: every kernel object the CRT refuses stays with its owner", "[crt][to_fd][to_file][failure]")
{
    // Real handles (not pseudo-handles) of objects that are not files, pipes or devices. Not a
    // section: Wine's _open_osfhandle takes one (docs/reliability.md).
    HANDLE process = nullptr;
    HANDLE thread = nullptr;
    REQUIRE(::DuplicateHandle(::GetCurrentProcess(), ::GetCurrentProcess(), ::GetCurrentProcess(), &process, 0, FALSE,
                              DUPLICATE_SAME_ACCESS));
    REQUIRE(::DuplicateHandle(::GetCurrentProcess(), ::GetCurrentThread(), ::GetCurrentProcess(), &thread, 0, FALSE,
                              DUPLICATE_SAME_ACCESS));
    std::vector<std::pair<const char *, unique_handle>> objects;
    objects.emplace_back("process", unique_handle(process));
    objects.emplace_back("thread", unique_handle(thread));
    objects.emplace_back("mutex", unique_handle(::CreateMutexW(nullptr, FALSE, nullptr)));
    objects.emplace_back("semaphore", unique_handle(::CreateSemaphoreW(nullptr, 0, 1, nullptr)));
    for (auto &object : objects)
    {
        CAPTURE(object.first);
        unique_handle &owner = object.second;
        REQUIRE(owner);
        const HANDLE value = owner.get();
        std::error_code ec;
        // The CRT's refusal, as for an event: not a file, pipe or device.
        CHECK_FALSE(handoff::to_fd(std::move(owner), ec));
        CHECK(ec == std::errc::bad_file_descriptor);
        CHECK(owner.get() == value);
        CHECK_FALSE(handoff::to_fd(borrowed_handle(owner), ec)); // its duplicate closed again
        CHECK(ec == std::errc::bad_file_descriptor);
        CHECK_FALSE(handoff::to_file(std::move(owner), "rb", ec));
        CHECK(ec == std::errc::bad_file_descriptor);
        CHECK(owner.get() == value);
        CHECK_FALSE(handoff::to_file(borrowed_handle(owner), "rb", ec));
        CHECK(ec == std::errc::bad_file_descriptor);
        DWORD flags = 0;
        CHECK(::GetHandleInformation(owner.get(), &flags)); // still open, and closed once by its owner
    }
}

TEST_CASE("crt: every ec form of the conversions clears an error left in ec when it succeeds",
          "[crt][to_fd][to_file][to_handle][handle_of]")
{
    // A caller reuses one error_code across calls: each success must leave it clear.
    handoff_test::temp_file file;
    const std::error_code stale = std::make_error_code(std::errc::io_error);
    std::error_code ec = stale;
    unique_fd fd = handoff::to_fd(open_file(file.path()), ec);
    CHECK(fd);
    CHECK_FALSE(ec);
    const unique_handle lender = open_file(file.path());
    ec = stale;
    CHECK(handoff::to_fd(borrowed_handle(lender), ec));
    CHECK_FALSE(ec);
    ec = stale;
    CHECK(handoff::handle_of(fd, ec));
    CHECK_FALSE(ec);
    ec = stale;
    CHECK(handoff::duplicate(borrowed_fd(fd), ec));
    CHECK_FALSE(ec);
    ec = stale;
    CHECK(handoff::to_file(borrowed_fd(fd), "r+b", ec));
    CHECK_FALSE(ec);
    ec = stale;
    CHECK(handoff::to_file(borrowed_handle(lender), "r+b", ec));
    CHECK_FALSE(ec);
    ec = stale;
    CHECK(handoff::to_file(open_file(file.path()), "r+b", ec));
    CHECK_FALSE(ec);
    ec = stale;
    CHECK(handoff::to_file(open_fd(file.path()), "r+b", ec));
    CHECK_FALSE(ec);
    ec = stale;
    CHECK(handoff::to_handle(std::move(fd), ec));
    CHECK_FALSE(ec);
    ec = stale;
    CHECK(handoff::duplicate(borrowed_handle(lender), ec));
    CHECK_FALSE(ec);
    ec = stale;
    handoff::set_inheritable(lender, false, ec);
    CHECK_FALSE(ec);
    const HANDLE saved = ::GetStdHandle(STD_ERROR_HANDLE);
    REQUIRE(::SetStdHandle(STD_ERROR_HANDLE, lender.get()));
    ec = stale;
    CHECK(handoff::std_handle(STD_ERROR_HANDLE, ec).get() == lender.get());
    CHECK_FALSE(ec);
    REQUIRE(::SetStdHandle(STD_ERROR_HANDLE, saved));
}

TEST_CASE("crt: to_fd refuses flags the CRT would ignore", "[crt][to_fd][failure]")
{
    handoff_test::temp_file file;
    unique_handle handle = open_file(file.path());
    std::error_code ec;
    CHECK_FALSE(handoff::to_fd(std::move(handle), _O_WTEXT, ec));
    CHECK(ec == handoff::errc::unsupported_flags);
    CHECK_FALSE(handoff::to_fd(std::move(handle), _O_TEXT | _O_BINARY, ec));
    CHECK(ec == handoff::errc::unsupported_flags);
    CHECK(handle);
}

TEST_CASE("crt: to_fd refuses a handle opened for overlapped I/O", "[crt][to_fd][failure]")
{
    handoff_test::temp_file file;
    unique_handle overlapped = open_file(file.path(), FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OVERLAPPED);
    std::error_code ec;
    CHECK_FALSE(handoff::to_fd(std::move(overlapped), ec));
    CHECK(ec == handoff::errc::overlapped_handle);
    CHECK(overlapped);
    CHECK_FALSE(handoff::to_fd(borrowed_handle(overlapped), ec));
    CHECK(ec == handoff::errc::overlapped_handle);
    // The same file opened synchronously is accepted.
    CHECK(handoff::to_fd(open_file(file.path()), ec));
    CHECK_FALSE(ec);
}

TEST_CASE("crt: to_fd tells overlapped from synchronous files it cannot read", "[crt][to_fd]")
{
    // A write-only file cannot be probed with a read of no bytes: its mode is asked instead.
    handoff_test::temp_file file;
    const auto write_only = [&](DWORD flags) {
        unique_handle h(::CreateFileA(file.path().c_str(), GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                                      OPEN_EXISTING, flags, nullptr));
        REQUIRE(h);
        return h;
    };
    std::error_code ec;
    const unique_handle overlapped = write_only(FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OVERLAPPED);
    CHECK_FALSE(handoff::to_fd(borrowed_handle(overlapped), ec));
    CHECK(ec == handoff::errc::overlapped_handle);
    const unique_handle synchronous = write_only(FILE_ATTRIBUTE_NORMAL);
    unique_fd fd = handoff::to_fd(borrowed_handle(synchronous), ec);
    CHECK_FALSE(ec);
    REQUIRE(fd);
    CHECK(::_write(fd.get(), "written", 7) == 7);
    fd.reset();
    CHECK(file.content() == "written");
}

TEST_CASE("crt: the probe of a file leaves its position and content alone", "[crt][to_fd]")
{
    handoff_test::temp_file file;
    {
        const unique_handle writer = open_file(file.path());
        DWORD written = 0;
        REQUIRE(::WriteFile(writer.get(), "0123456789", 10, &written, nullptr));
    }
    const unique_handle lent = open_file(file.path());
    LARGE_INTEGER at;
    at.QuadPart = 4;
    REQUIRE(::SetFilePointerEx(lent.get(), at, nullptr, FILE_BEGIN));
    std::error_code ec;
    unique_fd fd = handoff::to_fd(borrowed_handle(lent), ec);
    REQUIRE_FALSE(ec);
    LARGE_INTEGER now;
    at.QuadPart = 0;
    REQUIRE(::SetFilePointerEx(lent.get(), at, &now, FILE_CURRENT));
    CHECK(now.QuadPart == 4); // one file object: the descriptor reads on from here
    char next[3] = {};
    CHECK(::_read(fd.get(), next, 2) == 2);
    CHECK(std::string(next) == "45");
    fd.reset();
    CHECK(file.content() == "0123456789");
}

TEST_CASE("crt: to_fd refuses an overlapped pipe and accepts a synchronous one", "[crt][to_fd]")
{
    const std::wstring name = L"\\\\.\\pipe\\handoff-probe-" + std::to_wstring(::GetCurrentProcessId());
    const unique_handle server(::CreateNamedPipeW(name.c_str(), PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED,
                                                  PIPE_TYPE_BYTE | PIPE_WAIT, 1, 4096, 4096, 0, nullptr));
    REQUIRE(server);
    std::error_code ec;
    CHECK_FALSE(handoff::to_fd(borrowed_handle(server), ec));
    CHECK(ec == handoff::errc::overlapped_handle);

    const unique_handle client(::CreateFileW(name.c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING,
                                             FILE_ATTRIBUTE_NORMAL, nullptr));
    REQUIRE(client);
    unique_fd fd = handoff::to_fd(borrowed_handle(client), ec); // an empty pipe: the probe must not wait on it
    CHECK_FALSE(ec);
    CHECK(fd);

    unique_handle read_end, write_end;
    REQUIRE(::CreatePipe(read_end.put(), write_end.put(), nullptr, 0));
    unique_fd reader = handoff::to_fd(std::move(read_end), ec); // empty too
    CHECK_FALSE(ec);
    CHECK(reader);
}

TEST_CASE("crt: to_fd refuses an overlapped volume handle", "[crt][to_fd]")
{
    // FILE_TYPE_UNKNOWN under Wine, whose CRT would then decide by GetLastError alone; a disk
    // device on Windows. Overlapped is refused either way.
    const auto open_volume = [](DWORD flags) {
        unique_handle h(::CreateFileW(L"\\\\.\\C:", FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                                      OPEN_EXISTING, flags, nullptr));
        REQUIRE(h);
        return h;
    };
    std::error_code ec;
    const unique_handle overlapped = open_volume(FILE_FLAG_OVERLAPPED);
    CHECK_FALSE(handoff::to_fd(borrowed_handle(overlapped), ec));
    CHECK(ec == handoff::errc::overlapped_handle);
    const unique_handle synchronous = open_volume(0);
    (void)handoff::to_fd(borrowed_handle(synchronous), ec); // the CRT's answer, whatever it is
    CHECK(ec != handoff::errc::overlapped_handle);
}

TEST_CASE("crt: ReOpenFile turns an overlapped handle into one a stream accepts", "[crt][to_file]")
{
    // The remedy docs/interop.md gives for Boost.Asio's handles: a synchronous handle of our own
    // to the same file, which the stream then owns; the overlapped owner keeps its handle.
    handoff_test::temp_file file;
    const unique_handle overlapped = open_file(file.path(), FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OVERLAPPED);
    const auto before = handoff_test::open_resources();
    {
        std::error_code ec;
        unique_handle sync = handoff::adopt_handle(
            ::ReOpenFile(overlapped.get(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, 0),
            handoff::invalid_on_failure, ec);
        REQUIRE_FALSE(ec);
        unique_file out = handoff::to_file(std::move(sync), "w", ec);
        REQUIRE_FALSE(ec);
        CHECK_FALSE(sync);
        CHECK(std::fputs("through a reopened handle", out.get()) >= 0);
    }
    CHECK(handoff_test::open_resources() == before);
    CHECK(file.content() == "through a reopened handle");
}

TEST_CASE("crt: to_fd refuses a socket", "[crt][to_fd][failure]")
{
    const SOCKET raw = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    REQUIRE(raw != INVALID_SOCKET);
    std::error_code ec;
    CHECK_FALSE(handoff::to_fd(borrowed_handle(reinterpret_cast<HANDLE>(raw)), ec));
    CHECK(ec == handoff::errc::socket_handle);
    CHECK(::closesocket(raw) == 0); // still the caller's, and closed the Winsock way
}

TEST_CASE("crt: to_fd fails on a full descriptor table and the owner keeps its handle", "[crt][to_fd][failure]")
{
    handoff_test::temp_file file;
    unique_handle handle = open_file(file.path());
    const HANDLE value = handle.get();
    const auto before = handoff_test::open_resources();
    {
        const full_fd_table table;
        CHECK(table.highest + 1 == crt_descriptor_limit);
        CHECK((table.error == EMFILE || table.error == ENFILE)); // Windows says EMFILE, Wine ENFILE
        std::error_code ec;
        CHECK_FALSE(handoff::to_fd(std::move(handle), ec));
        CHECK((ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system));
        CHECK(handle.get() == value);
        CHECK_FALSE(handoff::to_fd(borrowed_handle(handle), ec)); // its duplicate is closed again
        CHECK((ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system));
    }
    CHECK(handoff_test::open_resources() == before);
}

// to_fd(borrowed_handle) ---------------------------------------------------------------------

TEST_CASE("crt: to_fd of a borrowed handle gives the descriptor a duplicate", "[crt][to_fd]")
{
    handoff_test::temp_file file;
    const unique_handle lender = open_file(file.path());
    const auto before = handoff_test::open_resources();
    {
        std::error_code ec;
        const unique_fd fd = handoff::to_fd(borrowed_handle(lender), ec);
        REQUIRE_FALSE(ec);
        const HANDLE inner = raw_handle_of(fd.get());
        CHECK(inner != lender.get());
        CHECK(handoff_test::same_kernel_object(inner, lender.get()));
        DWORD flags = 0;
        REQUIRE(::GetHandleInformation(inner, &flags));
        CHECK((flags & HANDLE_FLAG_INHERIT) == 0);
    }
    CHECK(handoff_test::open_resources() == before); // the duplicate is gone, the lender's is not
    DWORD flags = 0;
    CHECK(::GetHandleInformation(lender.get(), &flags));
}

TEST_CASE("crt: to_fd of a borrowed handle refuses pseudo-handles and closed handles", "[crt][to_fd][failure]")
{
    const auto before = handoff_test::open_resources();
    std::error_code ec;
    CHECK_FALSE(handoff::to_fd(handoff::current_process(), ec));
    CHECK(ec == handoff::errc::pseudo_handle);
    CHECK_FALSE(handoff::to_fd(borrowed_handle(INVALID_HANDLE_VALUE), ec));
    CHECK(ec == handoff::errc::pseudo_handle);
    CHECK_FALSE(handoff::to_fd(borrowed_handle(), ec));
    CHECK(ec == handoff::errc::empty_value);

    const HANDLE stale = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    REQUIRE(::CloseHandle(stale));
    CHECK_FALSE(handoff::to_fd(borrowed_handle(stale), ec));
    CHECK(ec.value() == ERROR_INVALID_HANDLE);

    const unique_handle event = new_event();
    CHECK_FALSE(handoff::to_fd(borrowed_handle(event), ec)); // the duplicate is closed again
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK(handoff_test::open_resources().size() == before.size() + 1);
}

// handle_of --------------------------------------------------------------------------------

TEST_CASE("crt: handle_of lends the descriptor's handle", "[crt][handle_of]")
{
    handoff_test::temp_file file;
    const unique_fd fd = open_fd(file.path());
    std::error_code ec;
    const borrowed_handle inner = handoff::handle_of(fd, ec);
    REQUIRE_FALSE(ec);
    CHECK(inner.get() == raw_handle_of(fd.get()));
    DWORD written = 0;
    CHECK(::WriteFile(inner.get(), "lent", 4, &written, nullptr));
}

TEST_CASE("crt: handle_of reports a descriptor that is not open", "[crt][handle_of][failure]")
{
    std::error_code ec;
    // Not open: under the UCRT this would reach the invalid-parameter handler, which ends the process.
    CHECK_FALSE(handoff::handle_of(borrowed_fd(crt_descriptor_limit - 7), ec));
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK_FALSE(handoff::handle_of(borrowed_fd(crt_descriptor_limit + 100), ec));
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK_FALSE(handoff::handle_of(borrowed_fd(), ec));
    CHECK(ec == handoff::errc::empty_value);
}

TEST_CASE("child: standard descriptors without handles", "[.child]")
{
    // Run by the next test in a process that has no standard handles and no console.
    std::error_code ec;
    for (int fd = 0; fd <= 2; ++fd)
    {
        CHECK_FALSE(handoff::handle_of(borrowed_fd(fd), ec));
        CHECK_FALSE(ec); // no handle is not an error
        unique_fd owner(fd);
        CHECK_FALSE(handoff::to_handle(std::move(owner), ec));
        CHECK(ec == handoff::errc::no_handle);
        CHECK(owner.get() == fd); // still owned
        CHECK_FALSE(handoff::duplicate(borrowed_fd(fd), ec));
        CHECK(ec == handoff::errc::no_handle);
        (void)owner.release();
    }
    for (const DWORD which : {STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE})
    {
        CHECK_FALSE(handoff::std_handle(which, ec)); // no handle, and no error
        CHECK_FALSE(ec);
    }
}

TEST_CASE("crt: standard descriptors without a console give empty views, not errors", "[crt][handle_of]")
{
    CHECK(handoff_test::run_test_in_child_without_std_handles("child: standard descriptors without handles") == 0);
}

TEST_CASE("crt: duplicate of handle_of gives a library a handle of its own, or an error", "[crt][handle_of]")
{
    handoff_test::temp_file file;
    const unique_fd fd = open_fd(file.path());
    std::error_code ec;
    const unique_handle own = handoff::duplicate(handoff::handle_of(fd, ec), ec);
    REQUIRE_FALSE(ec);
    CHECK(handoff_test::same_kernel_object(own.get(), raw_handle_of(fd.get())));
    CHECK(own.get() != raw_handle_of(fd.get()));

    std::error_code lookup;
    const borrowed_handle none = handoff::handle_of(borrowed_fd(crt_descriptor_limit - 3), lookup);
    CHECK(lookup == std::errc::bad_file_descriptor);
    CHECK_FALSE(handoff::duplicate(none, ec));
    CHECK(ec == handoff::errc::empty_value);
}

// to_handle ---------------------------------------------------------------------------------

TEST_CASE("crt: to_handle takes the handle out of the CRT", "[crt][to_handle]")
{
    handoff_test::temp_file file;
    const auto before = handoff_test::open_resources();
    {
        unique_fd fd = open_fd(file.path());
        const auto with_fd = handoff_test::open_resources();
        std::error_code ec;
        const unique_handle handle = handoff::to_handle(std::move(fd), ec);
        REQUIRE_FALSE(ec);
        CHECK_FALSE(fd);
        CHECK(handoff_test::open_resources().size() == with_fd.size()); // the CRT's handle is closed
        DWORD written = 0;
        CHECK(::WriteFile(handle.get(), "taken", 5, &written, nullptr));
    }
    CHECK(handoff_test::open_resources() == before);
    CHECK(file.content() == "taken");
}

TEST_CASE("crt: to_handle of a descriptor that is not open leaves the owner as it was", "[crt][to_handle][failure]")
{
    unique_fd stale(crt_descriptor_limit - 9);
    std::error_code ec;
    CHECK_FALSE(handoff::to_handle(std::move(stale), ec));
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK(stale.get() == crt_descriptor_limit - 9);
    (void)stale.release(); // not a descriptor of ours: nothing to close
}

TEST_CASE("crt: to_handle reports a failed close of the CRT's handle", "[crt][to_handle][failure]")
{
    handoff_test::temp_file file;
    const auto before = handoff_test::open_resources();
    unique_fd fd = open_fd(file.path());
    const int number = fd.get();
    const HANDLE inner = raw_handle_of(number);
    REQUIRE(::SetHandleInformation(inner, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
    std::error_code ec;
    CHECK_FALSE(handoff::to_handle(std::move(fd), ec));
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK_FALSE(fd);
    // The CRT freed the descriptor anyway (the UCRT and Wine do; msvcrt.dll on Windows is not
    // checked here): its number is not open any more.
    std::error_code lookup;
    CHECK_FALSE(handoff::handle_of(borrowed_fd(number), lookup));
    CHECK(lookup == std::errc::bad_file_descriptor);
    REQUIRE(::SetHandleInformation(inner, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    CHECK(::CloseHandle(inner));
    CHECK(handoff_test::open_resources() == before); // and the duplicate was closed
}

// to_file -----------------------------------------------------------------------------------

TEST_CASE("crt: to_file of an owned descriptor makes the stream its owner", "[crt][to_file]")
{
    handoff_test::temp_file file;
    const auto before = handoff_test::open_resources();
    {
        unique_fd fd = open_fd(file.path());
        const int value = fd.get();
        std::error_code ec;
        const unique_file stream = handoff::to_file(std::move(fd), "w", ec);
        REQUIRE_FALSE(ec);
        CHECK_FALSE(fd);
        CHECK(handoff::fd_of(stream).get() == value);
        CHECK(std::fputs("streamed", stream.get()) >= 0);
    }
    CHECK(handoff_test::open_resources() == before);
    CHECK(file.content() == "streamed");
}

TEST_CASE("crt: to_file refuses a bad mode and the descriptor stays owned", "[crt][to_file][failure]")
{
    handoff_test::temp_file file;
    unique_fd fd = open_fd(file.path());
    std::error_code ec;
    for (const char *mode : {"z", "", "rw", "r++", "wtb", "w,ccs=UTF-8"})
    {
        CHECK_FALSE(handoff::to_file(std::move(fd), mode, ec));
        CHECK(ec == handoff::errc::invalid_mode);
        CHECK(fd);
    }
    CHECK_FALSE(handoff::to_file(std::move(fd), nullptr, ec));
    CHECK(ec == handoff::errc::invalid_mode);
    CHECK(fd);
}

TEST_CASE("crt: to_file fails on a full stream table and every source keeps what it owned", "[crt][to_file][failure]")
{
    handoff_test::temp_file file;
    unique_fd fd = open_fd(file.path());
    unique_handle handle = open_file(file.path());
    const auto before = handoff_test::open_resources();
    {
        const full_stream_table streams;
        CHECK(streams.streams.size() >= 100);
        std::error_code ec;
        CHECK_FALSE(handoff::to_file(std::move(fd), "w", ec));
        CHECK(ec);
        CHECK(fd);

        // The strong guarantee: the owner holds exactly what it held, the same value with the same
        // flags, so views taken before the call still name it.
        const HANDLE original = handle.get();
        const borrowed_handle view = handle;
        REQUIRE(::SetHandleInformation(original, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT));
        CHECK_FALSE(handoff::to_file(std::move(handle), "w", ec));
        CHECK(ec);
        CHECK(handle.get() == original);
        DWORD flags = 0;
        REQUIRE(::GetHandleInformation(view.get(), &flags));
        // Still inheritable, and not left protected from close (but for the protection the
        // ownership checks give every handle a unique_handle owns).
        CHECK(flags == (HANDLE_FLAG_INHERIT | owner_protection));
        REQUIRE(::SetHandleInformation(original, HANDLE_FLAG_INHERIT, 0));
        DWORD written = 0;
        CHECK(::WriteFile(view.get(), "kept", 4, &written, nullptr));

        CHECK_FALSE(handoff::to_file(borrowed_handle(handle), "w", ec));
        CHECK(ec);
    }
    CHECK(handoff_test::open_resources().size() == before.size());
    CHECK(file.content() == "kept");
}

TEST_CASE("crt: to_file of an owned handle makes the stream own it", "[crt][to_file]")
{
    handoff_test::temp_file file;
    const auto before = handoff_test::open_resources();
    {
        unique_handle handle = open_file(file.path());
        std::error_code ec;
        const unique_file stream = handoff::to_file(std::move(handle), "wt", ec);
        REQUIRE_FALSE(ec);
        CHECK_FALSE(handle);
        CHECK(std::fputs("a\nb", stream.get()) >= 0);
    }
    CHECK(handoff_test::open_resources() == before);
    CHECK(file.content() == "a\r\nb"); // "t" made the descriptor a text-mode one
}

TEST_CASE("crt: to_file of an owned handle that is not a file leaves it owned", "[crt][to_file][failure]")
{
    unique_handle event = new_event();
    std::error_code ec;
    CHECK_FALSE(handoff::to_file(std::move(event), "w", ec));
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK(event_works(event));
    CHECK_FALSE(handoff::to_file(std::move(event), "q", ec));
    CHECK(ec == handoff::errc::invalid_mode);
    CHECK(event);
}

TEST_CASE("crt: to_file of a borrowed handle or descriptor opens a stream on a duplicate", "[crt][to_file]")
{
    handoff_test::temp_file file;
    const unique_handle lender = open_file(file.path());
    const unique_fd fd_lender = open_fd(file.path());
    const auto before = handoff_test::open_resources();
    {
        std::error_code ec;
        unique_file from_handle = handoff::to_file(borrowed_handle(lender), "a", ec);
        REQUIRE_FALSE(ec);
        CHECK(std::fputs("one ", from_handle.get()) >= 0);
        from_handle.close(ec);
        CHECK_FALSE(ec);
        unique_file from_fd = handoff::to_file(borrowed_fd(fd_lender), "a", ec);
        REQUIRE_FALSE(ec);
        CHECK(handoff::fd_of(from_fd) != borrowed_fd(fd_lender));
        CHECK(std::fputs("two", from_fd.get()) >= 0);
    }
    CHECK(handoff_test::open_resources() == before);
    CHECK(file.content() == "one two");
    std::error_code ec;
    CHECK_FALSE(handoff::to_file(borrowed_fd(crt_descriptor_limit - 5), "w", ec));
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK_FALSE(handoff::to_file(handoff::current_process(), "w", ec));
    CHECK(ec == handoff::errc::pseudo_handle);
}

TEST_CASE("crt: fd_of lends a stream's descriptor", "[crt][fd_of]")
{
    handoff_test::temp_file file;
    const unique_file stream(std::fopen(file.path().c_str(), "w"));
    REQUIRE(stream);
    CHECK(handoff::fd_of(stream).get() == ::_fileno(stream.get()));
    CHECK_FALSE(handoff::fd_of(handoff::borrowed_file()));
}

// duplicate(borrowed_fd) -------------------------------------------------------------------

TEST_CASE("crt: duplicate of a descriptor gives a non-inheritable descriptor of one's own", "[crt][duplicate]")
{
    handoff_test::temp_file file;
    const unique_fd lender = open_fd(file.path());
    const auto before = handoff_test::open_resources();
    {
        std::error_code ec;
        const unique_fd copy = handoff::duplicate(borrowed_fd(lender), ec);
        REQUIRE_FALSE(ec);
        CHECK(copy.get() != lender.get());
        const HANDLE inner = raw_handle_of(copy.get());
        CHECK(inner != raw_handle_of(lender.get()));
        CHECK(handoff_test::same_kernel_object(inner, raw_handle_of(lender.get())));
        DWORD flags = 0;
        REQUIRE(::GetHandleInformation(inner, &flags));
        CHECK((flags & HANDLE_FLAG_INHERIT) == 0); // _dup would have made it inheritable
        CHECK(::_write(copy.get(), "ab\n", 3) == 3);
        CHECK(::_lseeki64(lender.get(), 0, SEEK_CUR) == 3); // one file position, shared
        CHECK(handoff_test::open_resources().size() == before.size() + 1);
    }
    CHECK(handoff_test::open_resources() == before);
    CHECK(file.content() == "ab\n"); // binary unless asked otherwise
    std::error_code ec;
    {
        const unique_fd text = handoff::duplicate(borrowed_fd(lender), _O_TEXT, ec);
        REQUIRE_FALSE(ec);
        CHECK(::_write(text.get(), "c\n", 2) == 2);
    }
    CHECK(file.content() == "ab\nc\r\n");
    CHECK_FALSE(handoff::duplicate(borrowed_fd(crt_descriptor_limit - 11), ec));
    CHECK(ec == std::errc::bad_file_descriptor);
    CHECK_FALSE(handoff::duplicate(borrowed_fd(), ec));
    CHECK(ec == handoff::errc::empty_value);
    CHECK_FALSE(handoff::duplicate(borrowed_fd(lender), _O_WTEXT, ec));
    CHECK(ec == handoff::errc::unsupported_flags);
}

TEST_CASE("crt: handle_of leaves errno as it was when it succeeds", "[crt][handle_of]")
{
    handoff_test::temp_file file;
    const unique_fd fd = open_fd(file.path());
    errno = ERANGE;
    std::error_code ec;
    CHECK(handoff::handle_of(fd, ec));
    CHECK(errno == ERANGE);
}

TEST_CASE("crt: extra to_fd flags add to the defaults", "[crt][to_fd]")
{
    handoff_test::temp_file file;
    std::error_code ec;
    {
        // _O_APPEND alone: still binary (no CR added) and still kept from children.
        const unique_fd fd = handoff::to_fd(open_file(file.path()), _O_APPEND, ec);
        REQUIRE_FALSE(ec);
        CHECK(::_write(fd.get(), "x\n", 2) == 2);
        DWORD flags = 0;
        REQUIRE(::GetHandleInformation(raw_handle_of(fd.get()), &flags));
        CHECK((flags & HANDLE_FLAG_INHERIT) == 0);
    }
    CHECK(file.content() == "x\n");
    CHECK(handoff::detail::fd_flags_with(_O_APPEND) == (_O_APPEND | _O_BINARY | _O_NOINHERIT));
    CHECK(handoff::detail::fd_flags_with(_O_TEXT) == (_O_TEXT | _O_NOINHERIT));
    CHECK(handoff::detail::fd_flags_with(0) == handoff::default_fd_flags);
    CHECK(handoff::detail::fd_flags_with(_O_U8TEXT) == -1);
}

#endif // _WIN32
