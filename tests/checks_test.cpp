// The ownership checks (HANDOFF_CHECKS=1, docs/checks.md): a second owner, a let-go of a value
// no owner holds and a close that fails as a double close does are reported when they happen;
// every legitimate path stays silent. Built in every preset: with checks off, each test shows
// that nothing is reported and that the owners behave as they always did; the checks presets
// (linux-clang-checks, windows-gcc-checks) run the same tests with checks on.

#include <handoff/handoff.hpp>

#include "support/census.hpp"
#include "support/platform.hpp"
#include "support/temp_file.hpp"
#include "support/test_bed.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>
#include <windows.h>
#else
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

using handoff::check_problem;
using handoff_test::checks_reported;

// The checks add nothing to an owner.
static_assert(sizeof(handoff::unique_fd) == sizeof(int), "an owner is its raw value, checks on or off");
static_assert(sizeof(handoff::unique_file) == sizeof(std::FILE *), "an owner is its raw value, checks on or off");
#if defined(_WIN32)
static_assert(sizeof(handoff::unique_handle) == sizeof(HANDLE), "an owner is its raw value, checks on or off");
#endif

namespace
{
/// Takes the reports heard so far; with checks on there must be exactly one, a second owner,
/// whose paragraph names every word of `names`; with checks off, none.
bool second_owner_reported(std::initializer_list<const char *> names)
{
    const std::vector<handoff_test::check_report_seen> heard = handoff_test::take_check_reports();
#if HANDOFF_CHECKS
    if (heard.size() != 1 || heard[0].problem != check_problem::second_owner)
        return false;
    for (const char *name : names)
        if (heard[0].message.find(name) == std::string::npos)
        {
            UNSCOPED_INFO("the report does not name \"" << name << "\": " << heard[0].message);
            return false;
        }
    return true;
#else
    (void)names;
    return heard.empty();
#endif
}

int open_read_write(const handoff_test::temp_file &file)
{
#if defined(_WIN32)
    return ::_open(file.path().c_str(), _O_RDWR | _O_BINARY);
#else
    return ::open(file.path().c_str(), O_RDWR | O_CLOEXEC);
#endif
}

std::FILE *stream_of(int fd, const char *mode)
{
#if defined(_WIN32)
    return ::_fdopen(fd, mode);
#else
    return ::fdopen(fd, mode);
#endif
}

int close_raw(int fd)
{
#if defined(_WIN32)
    return ::_close(fd);
#else
    return ::close(fd);
#endif
}
} // namespace

TEST_CASE("checks: a stream made from a descriptor an owner holds is reported at its adoption", "[checks]")
{
    handoff_test::temp_file file;
    handoff::unique_fd fd(open_read_write(file));
    REQUIRE(fd);
    std::FILE *const raw = stream_of(fd.get(), "r+"); // the naive fdopen: the stream closes the fd too
    REQUIRE(raw != nullptr);
    handoff::unique_file stream(raw);
    CHECK(second_owner_reported({"unique_file", "unique_fd", "checks_test.cpp"}));
    // Undone by hand, so that the test itself closes nothing twice: one owner, the stream.
    (void)stream.release();
    (void)fd.release();
    CHECK(std::fclose(raw) == 0);
    CHECK(checks_reported(check_problem::second_owner, 0));
}

TEST_CASE("checks: a number closed behind its owner's back and opened again is reported", "[checks]")
{
    handoff_test::temp_file file;
    handoff::unique_fd first(open_read_write(file));
    REQUIRE(first);
    const int number = first.get();
    REQUIRE(close_raw(number) == 0); // a foreign close: the owner does not know
    handoff::unique_fd second(open_read_write(file));
    REQUIRE(second.get() == number); // the lowest free number, taken again at once
    CHECK(second_owner_reported({"descriptor", "unique_fd"}));
    (void)first.release(); // the stale owner would close the new descriptor
}

TEST_CASE("checks: closing a value that no owner adopted is reported", "[checks]")
{
    handoff_test::temp_file file;
    const int raw = open_read_write(file);
    REQUIRE(raw >= 0);
    // An owner made from raw bytes, as code that treats an array of raw values as owners
    // does: it never adopted its value, and the registry says so when it closes it.
    alignas(handoff::unique_fd) unsigned char storage[sizeof(handoff::unique_fd)];
    std::memcpy(storage, &raw, sizeof raw);
    handoff::unique_fd *const owner = std::launder(reinterpret_cast<handoff::unique_fd *>(storage));
    std::destroy_at(owner);
    CHECK(checks_reported(check_problem::not_owned));
}

TEST_CASE("checks: the owners' own paths and the conversions report nothing", "[checks]")
{
    handoff_test::temp_file file;
    std::error_code ec;
    handoff::unique_fd fd = handoff::adopt_fd(open_read_write(file), ec);
    REQUIRE_FALSE(ec);
    handoff::unique_fd moved = std::move(fd);
    handoff::unique_fd other(open_read_write(file));
    moved.swap(other);
    other = std::move(moved); // closes what `other` held
    handoff::unique_fd copy = handoff::duplicate(other.borrow(), ec);
    REQUIRE_FALSE(ec);
    handoff::unique_file stream = handoff::to_file(std::move(copy), "r", ec);
    REQUIRE_FALSE(ec);
    handoff::unique_file lent_stream = handoff::to_file(other.borrow(), "r", ec);
    REQUIRE_FALSE(ec);
    const int given = std::move(other).give();
    CHECK(close_raw(given) == 0); // the "library" closes what it was given
    other.reset(open_read_write(file));
    other.reset();
    stream.close(ec);
    CHECK_FALSE(ec);
#if defined(_WIN32)
    handoff::unique_handle handle = handoff::adopt_handle(
        ::CreateFileA(file.path().c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                      OPEN_EXISTING, 0, nullptr),
        ec);
    REQUIRE_FALSE(ec);
    handoff::unique_fd lent_fd = handoff::to_fd(handle.borrow(), ec);
    REQUIRE_FALSE(ec);
    handoff::unique_handle second = handoff::duplicate(handle, ec);
    REQUIRE_FALSE(ec);
    handoff::unique_fd owned_fd = handoff::to_fd(std::move(second), ec);
    REQUIRE_FALSE(ec);
    handoff::unique_handle back = handoff::to_handle(std::move(owned_fd), ec);
    REQUIRE_FALSE(ec);
    handoff::unique_file from_handle = handoff::to_file(std::move(back), "r", ec);
    REQUIRE_FALSE(ec);
    handoff::unique_handle read_end, write_end;
    REQUIRE(::CreatePipe(read_end.put(), write_end.put(), nullptr, 0));
    handoff::unique_fd pipe_fd = handoff::to_fd(std::move(write_end), ec);
    REQUIRE_FALSE(ec);
#endif
    CHECK(handoff_test::take_check_reports().empty());
}

TEST_CASE("checks: threads adopting and closing at once share the registry", "[checks][threads]")
{
    handoff_test::temp_file file;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i)
            {
                std::error_code ec;
                handoff::unique_fd fd = handoff::adopt_fd(open_read_write(file), ec);
                handoff::unique_fd moved = std::move(fd);
                if (ec || !moved)
                    ++failures;
            }
        });
    for (std::thread &thread : threads)
        thread.join();
    CHECK(failures == 0);
    CHECK(handoff_test::take_check_reports().empty());
}

TEST_CASE("checks: the default report is one paragraph that says what, which value, who and what to do", "[checks]")
{
    handoff::check_report report;
    report.problem = check_problem::second_owner;
    report.kind = handoff::value_kind::kernel_handle;
    report.value = 0x44;
    report.owner = "unique_fd (through its descriptor's handle)";
    report.where = handoff::call_site{"app.cpp", 30, "save"};
    report.other_owner = "unique_handle";
    report.other_where = handoff::call_site{"library.cpp", 12, nullptr};
    char message[1024];
    const std::size_t length = handoff::format_check_report(report, message, sizeof message);
    const std::string text(message);
    CHECK(length == text.size());
    CHECK(text.find("a second owner: the kernel handle 0x44 is adopted by unique_fd (through its descriptor's "
                    "handle) at app.cpp:30 (save), but unique_handle already owns it (adopted at library.cpp:12)") !=
          std::string::npos);
    CHECK(text.find("Lend it instead") != std::string::npos);
    CHECK(text.find('\n') == std::string::npos);

    report.problem = check_problem::failed_close;
    report.kind = handoff::value_kind::crt_fd;
    report.value = 7;
    report.error = std::make_error_code(std::errc::bad_file_descriptor);
    (void)handoff::format_check_report(report, message, sizeof message);
    CHECK(std::string(message).find("failed to close the descriptor 7") != std::string::npos);
    // Cut to the buffer, and terminated.
    char small[16];
    CHECK(handoff::format_check_report(report, small, sizeof small) > sizeof small);
    CHECK(std::strlen(small) == sizeof small - 1);
}

#if defined(_WIN32)
TEST_CASE("checks: a lent handle given to _open_osfhandle is reported when the descriptor is adopted, and survives",
          "[checks][naive]")
{
    handoff_test::temp_file file;
    // The library owns its handle through handoff, as a library built with it does.
    std::error_code ec;
    handoff::unique_handle library = handoff::adopt_handle(
        ::CreateFileA(file.path().c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0, nullptr),
        ec);
    REQUIRE_FALSE(ec);
    const HANDLE lent = library.get();
    const int fd = ::_open_osfhandle(reinterpret_cast<intptr_t>(lent), _O_BINARY); // the naive code
    REQUIRE(fd >= 0);
    handoff::unique_fd naive(fd);
    CHECK(second_owner_reported({"unique_fd (through its descriptor's handle)", "unique_handle", "checks_test.cpp"}));
    (void)naive.release();
#if HANDOFF_CHECKS
    // The handle its owner holds is protected from close: the CRT's close fails instead of
    // closing the library's handle, which still works and is closed once, by its owner.
    CHECK(::_close(fd) == -1);
    DWORD written = 0;
    CHECK(::WriteFile(lent, "still the library's", 19, &written, nullptr));
    library.close(ec);
    CHECK_FALSE(ec);
#else
    CHECK(::_close(fd) == 0); // closes the library's handle: its owner must not close it again
    (void)library.release();
#endif
}

TEST_CASE("checks: a stream opened on a lent handle's descriptor is reported at its adoption", "[checks][naive]")
{
    handoff_test::temp_file file;
    std::error_code ec;
    handoff::unique_handle library = handoff::adopt_handle(
        ::CreateFileA(file.path().c_str(), GENERIC_READ | GENERIC_WRITE, 0, nullptr, OPEN_EXISTING, 0, nullptr),
        ec);
    REQUIRE_FALSE(ec);
    const int fd = ::_open_osfhandle(reinterpret_cast<intptr_t>(library.get()), _O_BINARY);
    REQUIRE(fd >= 0);
    std::FILE *const raw = ::_fdopen(fd, "w");
    REQUIRE(raw != nullptr);
    handoff::unique_file naive(raw);
    CHECK(second_owner_reported({"unique_file (through its stream's descriptor's handle)", "unique_handle"}));
    (void)naive.release();
#if HANDOFF_CHECKS
    std::fclose(raw); // frees the stream and its descriptor; the protected handle stays
    CHECK(library.get() != nullptr);
    library.close(ec);
    CHECK_FALSE(ec);
#else
    std::fclose(raw);
    (void)library.release();
#endif
}

TEST_CASE("checks: adopting the handle behind an owned descriptor is reported", "[checks][naive]")
{
    handoff_test::temp_file file;
    std::error_code ec;
    handoff::unique_fd fd = handoff::adopt_fd(open_read_write(file), ec);
    REQUIRE_FALSE(ec);
    // The naive way to give a library the descriptor's handle: a second owner of it.
    handoff::unique_handle naive(handoff::handle_of(fd, ec).get());
    REQUIRE_FALSE(ec);
    CHECK(second_owner_reported({"kernel handle", "unique_handle", "unique_fd (through its descriptor's handle)"}));
    (void)naive.release();
}

TEST_CASE("checks: a foreign CloseHandle of an owned handle fails while its owner holds it", "[checks][protect]")
{
    handoff::unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    REQUIRE(event);
    DWORD flags = 0;
    REQUIRE(::GetHandleInformation(event.get(), &flags));
#if HANDOFF_CHECKS
    CHECK((flags & HANDLE_FLAG_PROTECT_FROM_CLOSE) != 0);
    CHECK_FALSE(::CloseHandle(event.get())); // the foreign close
    CHECK(::SetEvent(event.get()));          // the handle is still the event
    const HANDLE given = std::move(event).give();
    REQUIRE(::GetHandleInformation(given, &flags));
    CHECK((flags & HANDLE_FLAG_PROTECT_FROM_CLOSE) == 0); // lifted for whoever closes it now
    CHECK(::CloseHandle(given));
#else
    CHECK((flags & HANDLE_FLAG_PROTECT_FROM_CLOSE) == 0);
#endif
    CHECK(handoff_test::take_check_reports().empty());
}

TEST_CASE("checks: a handle protected by its own code keeps its protection", "[checks][protect]")
{
    const HANDLE raw = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
    REQUIRE(::SetHandleInformation(raw, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
    handoff::unique_handle owner(raw);
    const HANDLE released = owner.release();
    DWORD flags = 0;
    REQUIRE(::GetHandleInformation(released, &flags));
    CHECK((flags & HANDLE_FLAG_PROTECT_FROM_CLOSE) != 0); // the checks did not set it, so they leave it
    REQUIRE(::SetHandleInformation(raw, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    CHECK(::CloseHandle(raw));
    CHECK(handoff_test::take_check_reports().empty());
}
#endif

namespace
{
handoff::unique_virtual_fd open_in(handoff::fd_table &table, const handoff_test::temp_file &file)
{
    std::error_code ec;
#if defined(_WIN32)
    const std::wstring wide(file.path().begin(), file.path().end());
    handoff::unique_virtual_fd vfd = table.open(wide.c_str(), _O_RDWR | _O_BINARY, _S_IREAD | _S_IWRITE, ec);
#else
    handoff::unique_virtual_fd vfd = table.open(file.path().c_str(), O_RDWR, 0600, ec);
#endif
    INFO(ec.message());
    REQUIRE(vfd);
    return vfd;
}
} // namespace

TEST_CASE("checks: a leased descriptor or stream adopted by an owner is reported", "[checks][fd_table]")
{
    handoff_test::temp_file file;
    std::error_code ec;
    handoff::fd_table table(handoff::fd_table_options{}, ec);
    REQUIRE_FALSE(ec);
    handoff::unique_virtual_fd vfd = open_in(table, file);
    {
        const handoff::lease leased(vfd, ec);
        REQUIRE(leased);
        handoff::unique_fd stolen(leased.fd().get()); // the table keeps it: a second owner
        CHECK(second_owner_reported({"unique_fd", "fd_table (its descriptor)"}));
        (void)stolen.release();
    }
    {
        const handoff::stream_lease stream(vfd, "r+", ec);
        REQUIRE(stream);
        handoff::unique_file stolen(stream.get()); // the lease closes it: a second owner
        CHECK(second_owner_reported({"unique_file", "stream_lease"}));
        (void)stolen.release();
    }
    // The table's own paging and closing say nothing.
    for (int i = 0; i < 3; ++i)
        CHECK(handoff::write(vfd, "x", 1, ec) == 1);
    vfd.reset();
    CHECK(handoff_test::take_check_reports().empty());
}

#if defined(_WIN32)
namespace
{
template <class Function> Function *module_function(const wchar_t *module_name, const char *name)
{
    const HMODULE module = ::GetModuleHandleW(module_name); // loaded by the test bed's main()
    REQUIRE(module != nullptr);
    const auto function = reinterpret_cast<Function *>(reinterpret_cast<void (*)()>(::GetProcAddress(module, name)));
    REQUIRE(function != nullptr);
    return function;
}
} // namespace

TEST_CASE("checks: a DLL with its own copy of handoff checks against the executable's registry", "[checks][module]")
{
    const auto adopt_in_module = module_function<void(HANDLE)>(L"handoff_checks_module.dll", "handoff_test_module_adopt");
    handoff::unique_handle owner(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    REQUIRE(owner);
    adopt_in_module(owner.get()); // an owner of the DLL's takes the executable's handle
    CHECK(second_owner_reported({"unique_handle", "checks_module.cpp", "checks_test.cpp"}));
}

TEST_CASE("checks: a DLL of another registry layout says so once and keeps its values apart", "[checks][module]")
{
    const wchar_t *const name = L"handoff_checks_module_other_layout.dll";
    const auto reports = module_function<int(check_problem *)>(name, "handoff_test_module_reports");
    const auto adopt_in_module = module_function<void(HANDLE)>(name, "handoff_test_module_adopt");
    check_problem last = check_problem::second_owner;
    const int before = reports(&last);
#if HANDOFF_CHECKS
    CHECK(before == 1); // heard when the module first checked something, at the test bed's start
    CHECK(last == check_problem::registry_mixed);
#else
    CHECK(before == 0);
#endif
    handoff::unique_handle owner(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    REQUIRE(owner);
    adopt_in_module(owner.get()); // another registry: no second owner for either module to see
    CHECK(reports(&last) == before);
    CHECK(handoff_test::take_check_reports().empty());
}
#elif defined(HANDOFF_TEST_MODULE_DIR)
namespace
{
template <class Function> Function *module_function(const char *module_name, const char *name)
{
    const std::string path = std::string(HANDOFF_TEST_MODULE_DIR) + "/" + module_name;
    void *const module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD); // loaded by main()
    REQUIRE(module != nullptr);
    void *const function = ::dlsym(module, name);
    ::dlclose(module); // drops only the reference RTLD_NOLOAD took
    REQUIRE(function != nullptr);
    return reinterpret_cast<Function *>(function);
}
} // namespace

TEST_CASE("checks: a plugin with its own copy of handoff checks against the executable's registry", "[checks][module]")
{
    const auto adopt_in_module = module_function<void(int)>("handoff_checks_module.so", "handoff_test_module_adopt");
    handoff_test::temp_file file;
    handoff::unique_fd owner(open_read_write(file));
    REQUIRE(owner);
    adopt_in_module(owner.get()); // an owner of the plugin's takes the executable's descriptor
    CHECK(second_owner_reported({"unique_fd", "checks_module.cpp", "checks_test.cpp"}));
}

TEST_CASE("checks: a forked child checks with its copy of the registry while another thread was checking", "[checks][module][fork]")
{
    // A thread adopts and lets go all the time, so that most forks happen while it holds the
    // registry's lock: the child must neither hang on that lock nor lose the registry.
    std::atomic<bool> done{false};
    std::thread churn([&done] {
        while (!done.load())
        {
            handoff::unique_fd fd(2000000);
            (void)fd.release();
        }
    });
    int good = 0;
    for (int i = 0; i < 40; ++i)
    {
        const pid_t child = ::fork();
        REQUIRE(child >= 0);
        if (child == 0)
        {
            ::alarm(10); // a child that hangs on the registry's lock fails instead of hanging the suite
            // A value of the child's own, owned twice: reported whether the child's copy of the
            // table is whole or, taken over from a thread that held it at the fork, new.
            handoff::unique_fd first(::open("/dev/null", O_RDONLY | O_CLOEXEC));
            handoff::unique_fd second(first.get());
            (void)second.release();
#if HANDOFF_CHECKS
            ::_exit(handoff_test::take_check_reports().size() == 1 ? 0 : 1);
#else
            ::_exit(handoff_test::take_check_reports().empty() ? 0 : 1);
#endif
        }
        int status = 0;
        REQUIRE(::waitpid(child, &status, 0) == child);
        good += WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : 0;
    }
    done = true;
    churn.join();
    CHECK(good == 40);
    CHECK(handoff_test::take_check_reports().empty()); // the parent saw nothing of the children's
}

TEST_CASE("checks child: a second owner after exec is reported", "[.child]")
{
    handoff_test::temp_file file;
    handoff::unique_fd owner(open_read_write(file));
    REQUIRE(owner);
    handoff::unique_fd second(owner.get());
    (void)second.release();
    CHECK(second_owner_reported({"unique_fd"}));
}

TEST_CASE("checks: a program exec'd in the same process finds a registry of its own", "[checks][module][fork]")
{
    // The environment names this program's registry; the exec'd one keeps the pid and the
    // environment, and must not take the old address for its own.
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0)
    {
        ::alarm(20);
        handoff::unique_fd touch(::open("/dev/null", O_RDONLY | O_CLOEXEC)); // checks in the child first
        ::execl("/proc/self/exe", "handoff_tests", "checks child: a second owner after exec is reported", "-w",
                "NoTests", static_cast<char *>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("checks: a plugin of another registry layout says so once and keeps its values apart", "[checks][module]")
{
    const char *const name = "handoff_checks_module_other_layout.so";
    const auto reports = module_function<int(check_problem *)>(name, "handoff_test_module_reports");
    const auto adopt_in_module = module_function<void(int)>(name, "handoff_test_module_adopt");
    check_problem last = check_problem::second_owner;
    const int before = reports(&last);
#if HANDOFF_CHECKS
    CHECK(before == 1); // heard when the plugin first checked something, at the test bed's start
    CHECK(last == check_problem::registry_mixed);
#else
    CHECK(before == 0);
#endif
    handoff_test::temp_file file;
    handoff::unique_fd owner(open_read_write(file));
    REQUIRE(owner);
    adopt_in_module(owner.get()); // another registry: no second owner for either module to see
    CHECK(reports(&last) == before);
    CHECK(handoff_test::take_check_reports().empty());
}
#endif

TEST_CASE("checks: a second owner reported and let go leaves nothing behind", "[checks]")
{
    handoff_test::temp_file file;
    std::FILE *const raw = std::fopen(file.path().c_str(), "r");
    REQUIRE(raw != nullptr);
    handoff::unique_file stream(raw);
#if defined(_WIN32)
    const int number = ::_fileno(raw);
#else
    const int number = ::fileno(raw);
#endif
    handoff::unique_fd naive(number); // the stream holds it already
    CHECK(second_owner_reported({"unique_fd", "unique_file (through its stream's descriptor)"}));
    (void)naive.release();
    std::error_code ec;
    stream.close(ec);
    CHECK_FALSE(ec);
    // The number, and on Windows the handle behind it, are free again: a new owner of them is
    // no second owner.
    handoff::unique_fd fresh(open_read_write(file));
    CHECK(fresh.get() == number);
    CHECK(handoff_test::take_check_reports().empty());
}

TEST_CASE("checks: reports while the registry grows from another thread", "[checks][threads]")
{
    handoff_test::temp_file file;
    handoff::unique_fd owner(open_read_write(file));
    REQUIRE(owner);
    std::atomic<bool> done{false};
    std::thread grower([&] {
        // Values no system call sees, adopted and let go by the thousand: the table grows and
        // is rehashed under the reports of the main thread.
        for (int round = 0; round < 20 && !done.load(); ++round)
        {
            std::vector<handoff::unique_fd> many;
            for (int i = 0; i < 3000; ++i)
                many.emplace_back(1000000 + round * 3000 + i);
            for (handoff::unique_fd &fd : many)
                (void)fd.release();
        }
    });
    int reported = 0;
    for (int i = 0; i < 200; ++i)
    {
        handoff::unique_fd second(owner.get());
        (void)second.release();
        reported += static_cast<int>(handoff_test::take_check_reports().size());
    }
    done = true;
    grower.join();
    reported += static_cast<int>(handoff_test::take_check_reports().size());
#if HANDOFF_CHECKS
    CHECK(reported == 200);
#else
    CHECK(reported == 0);
#endif
}

TEST_CASE("checks: a failed close names where its value was adopted", "[checks]")
{
    handoff_test::temp_file file;
    {
        handoff::unique_fd owner(open_read_write(file));
        REQUIRE(owner);
        REQUIRE(close_raw(owner.get()) == 0); // behind its back: the owner's close will fail
    }
    const std::vector<handoff_test::check_report_seen> heard = handoff_test::take_check_reports();
#if HANDOFF_CHECKS
    REQUIRE(heard.size() == 1);
    CHECK(heard[0].problem == check_problem::failed_close);
    CHECK(heard[0].message.find("(adopted at") != std::string::npos);
    CHECK(heard[0].message.find("checks_test.cpp") != std::string::npos);
    CHECK(heard[0].message.find("?:0") == std::string::npos);
#else
    CHECK(heard.empty());
#endif
}

#if defined(_WIN32)
TEST_CASE("checks: an inheritable handle is not protected, and one made inheritable loses it", "[checks][protect]")
{
    SECURITY_ATTRIBUTES inherit = {sizeof inherit, nullptr, TRUE};
    handoff::unique_handle inherited(::CreateEventW(&inherit, TRUE, FALSE, nullptr));
    REQUIRE(inherited);
    DWORD flags = 0;
    REQUIRE(::GetHandleInformation(inherited.get(), &flags));
    CHECK((flags & HANDLE_FLAG_PROTECT_FROM_CLOSE) == 0); // a child could not close its copy
    handoff::unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
    REQUIRE(event);
    std::error_code ec;
    handoff::set_inheritable(event, true, ec);
    REQUIRE_FALSE(ec);
    REQUIRE(::GetHandleInformation(event.get(), &flags));
    CHECK(flags == HANDLE_FLAG_INHERIT);
    CHECK(handoff_test::take_check_reports().empty());
}
#endif
