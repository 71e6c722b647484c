// Nothing handoff makes leaks into a child process unless the caller asked for inheritance.
//
// _O_NOINHERIT only keeps a descriptor out of the table the CRT's _spawn passes to its child;
// the kernel decides what a child started with bInheritHandles = TRUE receives from
// HANDLE_FLAG_INHERIT alone, and the CRT starts _spawn children that way. Each test here starts
// a real child (this executable, running a hidden test case) both ways and lets it report
// what it received: a parent's pipe end it can write through, or a CRT descriptor its CRT
// knows.

#if defined(_WIN32)
#include <winsock2.h> // before <windows.h>, which would bring the old winsock.h
#endif

#include <handoff/crt.hpp>
#include <handoff/fd_table.hpp>
#include <handoff/lease.hpp>
#include <handoff/win32.hpp>

#if defined(_WIN32)

#include "support/child_process.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <io.h>
#include <windows.h>

#include <cstdio>
#include <string>
#include <system_error>

using handoff::unique_fd;
using handoff::unique_file;
using handoff::unique_handle;

namespace
{
constexpr const char *handle_variable = "HANDOFF_TEST_PARENT_HANDLE";
constexpr const char *fd_variable = "HANDOFF_TEST_PARENT_FD";

// What the child reports in its exit code.
constexpr unsigned long child_ran = 0x40;
constexpr unsigned long received_handle = 0x1;
constexpr unsigned long received_descriptor = 0x2;

// A pipe whose two ends are inheritable, as a parent makes one for a child's standard streams.
struct inheritable_pipe
{
    inheritable_pipe()
    {
        SECURITY_ATTRIBUTES inherit = {sizeof inherit, nullptr, TRUE};
        HANDLE r = nullptr;
        HANDLE w = nullptr;
        REQUIRE(::CreatePipe(&r, &w, &inherit, 0));
        read.reset(r);
        write.reset(w);
    }

    // Whatever a child wrote through the write end, without waiting for more.
    std::string received() const
    {
        DWORD available = 0;
        if (!::PeekNamedPipe(read.get(), nullptr, 0, nullptr, &available, nullptr) || available == 0)
            return {};
        std::string text(available, '\0');
        DWORD count = 0;
        REQUIRE(::ReadFile(read.get(), &text[0], available, &count, nullptr));
        text.resize(count);
        return text;
    }

    unique_handle read;
    unique_handle write;
};

bool is_inheritable(HANDLE h)
{
    DWORD flags = 0;
    REQUIRE(::GetHandleInformation(h, &flags));
    return (flags & HANDLE_FLAG_INHERIT) != 0;
}

// Starts a child both ways, tells it the parent's handle value and descriptor number, and
// checks that it received neither.
void check_no_child_receives(const inheritable_pipe &pipe, HANDLE value, int fd)
{
    for (const auto how : {handoff_test::start_child::inheriting_handles, handoff_test::start_child::through_spawn})
    {
        const bool spawn = how == handoff_test::start_child::through_spawn;
        CAPTURE(spawn);
        const unsigned long code =
            handoff_test::run_test_in_child("child: report inherited handles and descriptors", how,
                                            {{handle_variable, std::to_string(reinterpret_cast<std::uintptr_t>(value))},
                                             {fd_variable, std::to_string(fd)}});
        CHECK(code == child_ran);
        CHECK(pipe.received().empty());
    }
}
} // namespace

TEST_CASE("child: report inherited handles and descriptors", "[.child]")
{
    // Run by the tests below in a child process: which of the parent's values arrived here?
    unsigned long code = child_ran;
    const HANDLE parent_handle =
        reinterpret_cast<HANDLE>(static_cast<std::uintptr_t>(handoff_test::child_argument(handle_variable)));
    DWORD flags = 0;
    if (parent_handle != nullptr && ::GetHandleInformation(parent_handle, &flags) &&
        ::GetFileType(parent_handle) == FILE_TYPE_PIPE)
    {
        DWORD written = 0;
        if (::WriteFile(parent_handle, "leaked", 6, &written, nullptr) && written == 6)
            code |= received_handle;
    }
    const int parent_fd = static_cast<int>(handoff_test::child_argument(fd_variable));
    std::error_code ec;
    if (parent_fd > 2 && handoff::handle_of(handoff::borrowed_fd(parent_fd), ec))
        code |= received_descriptor;
    std::fflush(nullptr);
    ::ExitProcess(static_cast<UINT>(code));
}

TEST_CASE("inheritance: the child test sees what it inherits", "[inheritance]")
{
    // The control: an inheritable pipe end given to the CRT as an inheritable descriptor is
    // received both ways, so the tests below can fail.
    inheritable_pipe pipe;
    const HANDLE value = pipe.write.get();
    const int fd = ::_open_osfhandle(reinterpret_cast<intptr_t>(pipe.write.release()), _O_BINARY);
    REQUIRE(fd > 2);
    const unsigned long direct = handoff_test::run_test_in_child(
        "child: report inherited handles and descriptors", handoff_test::start_child::inheriting_handles,
        {{handle_variable, std::to_string(reinterpret_cast<std::uintptr_t>(value))}, {fd_variable, "0"}});
    CHECK(direct == (child_ran | received_handle));
    CHECK(pipe.received() == "leaked");
    const unsigned long spawned = handoff_test::run_test_in_child(
        "child: report inherited handles and descriptors", handoff_test::start_child::through_spawn,
        {{handle_variable, "0"}, {fd_variable, std::to_string(fd)}});
    CHECK(spawned == (child_ran | received_descriptor));
    CHECK(::_close(fd) == 0);
}

TEST_CASE("inheritance: a duplicate asked to be inheritable reaches a child that inherits handles",
          "[inheritance][duplicate]")
{
    // The other half of "unless asked": inheritable() gives a copy the child does receive.
    inheritable_pipe pipe;
    std::error_code ec;
    const unique_handle copy =
        handoff::duplicate(handoff::borrowed_handle(pipe.write), handoff::duplicate_options().inheritable(), ec);
    REQUIRE_FALSE(ec);
    CHECK(is_inheritable(copy.get()));
    const unsigned long code = handoff_test::run_test_in_child(
        "child: report inherited handles and descriptors", handoff_test::start_child::inheriting_handles,
        {{handle_variable, std::to_string(reinterpret_cast<std::uintptr_t>(copy.get()))}, {fd_variable, "0"}});
    CHECK(code == (child_ran | received_handle));
    CHECK(pipe.received() == "leaked");
}

TEST_CASE("inheritance: to_fd of an inheritable handle makes a descriptor no child receives", "[inheritance][to_fd]")
{
    // With the default flags and with extra ones, which add to the defaults.
    for (const int flags : {0, _O_APPEND})
    {
        CAPTURE(flags);
        inheritable_pipe pipe;
        const HANDLE value = pipe.write.get();
        std::error_code ec;
        const unique_fd fd = handoff::to_fd(std::move(pipe.write), flags, ec);
        REQUIRE_FALSE(ec);
        CHECK_FALSE(is_inheritable(value));
        check_no_child_receives(pipe, value, fd.get());
    }
}

TEST_CASE("inheritance: to_file of an inheritable handle makes a stream no child receives", "[inheritance][to_file]")
{
    inheritable_pipe pipe;
    const HANDLE value = pipe.write.get();
    std::error_code ec;
    const unique_file stream = handoff::to_file(std::move(pipe.write), "w", ec);
    REQUIRE_FALSE(ec);
    CHECK_FALSE(is_inheritable(value));
    check_no_child_receives(pipe, value, handoff::fd_of(stream).get());
}

TEST_CASE("inheritance: a descriptor for a lent inheritable handle holds a non-inheritable duplicate",
          "[inheritance][to_fd]")
{
    inheritable_pipe pipe;
    std::error_code ec;
    const unique_fd fd = handoff::to_fd(handoff::borrowed_handle(pipe.write), ec);
    REQUIRE_FALSE(ec);
    const HANDLE inner = handoff::handle_of(fd, ec).get();
    REQUIRE_FALSE(ec);
    CHECK_FALSE(is_inheritable(inner));
    CHECK(is_inheritable(pipe.write.get())); // the lender's handle is as it was
    check_no_child_receives(pipe, inner, fd.get());
}

TEST_CASE("inheritance: no duplicate or descriptor or table descriptor made from an inheritable handle reaches a child",
          "[inheritance][duplicate][fd_table]")
{
    inheritable_pipe pipe;
    std::error_code ec;
    SECTION("duplicate of a handle")
    {
        const unique_handle copy = handoff::duplicate(handoff::borrowed_handle(pipe.write), ec);
        REQUIRE_FALSE(ec);
        CHECK_FALSE(is_inheritable(copy.get()));
        check_no_child_receives(pipe, copy.get(), -1);
    }
    SECTION("duplicate of a descriptor, and the handle taken out of it")
    {
        // The source descriptor is made inheritable on purpose: its copies must not be.
        const int source = ::_open_osfhandle(reinterpret_cast<intptr_t>(pipe.write.release()), _O_BINARY);
        REQUIRE(source > 2);
        unique_fd owner(source);
        unique_fd copy = handoff::duplicate(handoff::borrowed_fd(owner), ec);
        REQUIRE_FALSE(ec);
        const HANDLE inner = handoff::handle_of(copy, ec).get();
        CHECK_FALSE(is_inheritable(inner));
        check_no_child_receives(pipe, inner, copy.get());
        const unique_handle taken = handoff::to_handle(std::move(copy), ec);
        REQUIRE_FALSE(ec);
        CHECK_FALSE(is_inheritable(taken.get()));
        check_no_child_receives(pipe, taken.get(), -1);
        const unique_file stream = handoff::to_file(handoff::borrowed_fd(owner), "w", ec);
        REQUIRE_FALSE(ec);
        check_no_child_receives(pipe, handoff::handle_of(handoff::fd_of(stream), ec).get(), handoff::fd_of(stream).get());
    }
    SECTION("a virtual descriptor's leased descriptor")
    {
        handoff::fd_table table(handoff::fd_table_options{}, ec);
        REQUIRE_FALSE(ec);
        // The handle the caller gave the table was inheritable; adopt makes it not, so neither
        // it nor the descriptor paged in on it reaches a child.
        const HANDLE backing = pipe.write.get();
        const handoff::unique_virtual_fd vfd = table.adopt(std::move(pipe.write), _O_WRONLY, ec);
        REQUIRE_FALSE(ec);
        CHECK_FALSE(is_inheritable(backing));
        const handoff::lease leased(vfd, ec);
        REQUIRE_FALSE(ec);
        const HANDLE inner = handoff::handle_of(leased.fd(), ec).get();
        REQUIRE_FALSE(ec);
        CHECK_FALSE(is_inheritable(inner));
        check_no_child_receives(pipe, inner, leased.fd().get());
        check_no_child_receives(pipe, backing, -1);
    }
}

#else // POSIX: fork and exec

#include <handoff/fd_table.hpp>
#include <handoff/lease.hpp>
#include <handoff/posix.hpp>
#include <handoff/stdio.hpp>

#include "support/temp_file.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>
#include <vector>

namespace
{
constexpr const char *descriptors_variable = "HANDOFF_TEST_PARENT_DESCRIPTORS";

/// "fd:device:inode," for each descriptor: what the child compares its own with.
std::string describe(const std::vector<int> &fds)
{
    std::string text;
    for (const int fd : fds)
    {
        struct stat status = {};
        REQUIRE(::fstat(fd, &status) == 0);
        text += std::to_string(fd) + ":" + std::to_string(status.st_dev) + ":" + std::to_string(status.st_ino) + ",";
    }
    return text;
}

/// How many of `fds` a program exec'd by a forked child still has open, on the same file.
int received_by_child(const std::vector<int> &fds)
{
    const std::string text = describe(fds);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0)
    {
        ::setenv(descriptors_variable, text.c_str(), 1);
        ::execl("/proc/self/exe", "handoff_tests", "child: count inherited descriptors", "-w", "NoTests",
                static_cast<char *>(nullptr));
        ::_exit(127);
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    const int code = WEXITSTATUS(status);
    REQUIRE(code >= 64); // 64 + the count: the child ran
    return code - 64;
}
} // namespace

TEST_CASE("child: count inherited descriptors", "[.child]")
{
    int received = 0;
    const char *text = std::getenv(descriptors_variable);
    while (text != nullptr && *text != '\0')
    {
        int fd = -1;
        unsigned long long device = 0, inode = 0;
        int used = 0;
        if (std::sscanf(text, "%d:%llu:%llu,%n", &fd, &device, &inode, &used) != 3 || used == 0)
            break;
        text += used;
        struct stat status = {};
        if (::fstat(fd, &status) == 0 && static_cast<unsigned long long>(status.st_dev) == device &&
            static_cast<unsigned long long>(status.st_ino) == inode)
            ++received;
    }
    std::fflush(nullptr);
    ::_exit(64 + received);
}

TEST_CASE("inheritance: no descriptor handoff makes reaches an exec'd child", "[inheritance][fork]")
{
    handoff_test::temp_file file;
    handoff::unique_fd source(::open(file.path().c_str(), O_RDWR)); // inheritable, as a caller may have it
    REQUIRE(source);
    std::error_code ec;
    // The control: a plain dup() is received, so the count can be wrong.
    handoff::unique_fd plain(::dup(source.get()));
    REQUIRE(plain);
    CHECK(received_by_child({plain.get()}) == 1);
    plain.reset();

    handoff::unique_fd copy = handoff::duplicate(handoff::borrowed_fd(source), ec);
    REQUIRE_FALSE(ec);
    handoff::unique_file stream = handoff::to_file(handoff::borrowed_fd(source), "r+", ec);
    REQUIRE_FALSE(ec);
    handoff::fd_table table(handoff::fd_table_options{}, ec);
    REQUIRE_FALSE(ec);
    handoff::unique_fd held = handoff::duplicate(handoff::borrowed_fd(source), ec);
    REQUIRE_FALSE(ec);
    handoff::unique_virtual_fd vfd = table.adopt(std::move(held), ec);
    REQUIRE_FALSE(ec);
    const handoff::lease leased(vfd, ec);
    REQUIRE_FALSE(ec);
    CHECK(received_by_child({copy.get(), handoff::fd_of(stream).get(), leased.fd().get()}) == 0);
    CHECK(received_by_child({source.get()}) == 1); // the caller's own, as it was
}

#endif // _WIN32
