// What the ownership checks cost (HANDOFF_CHECKS=1, which this program is built with): an
// adoption and a close through an owner against the raw calls. With checks off an owner costs
// what the raw calls cost (bench.cpp, tests/codegen), so the difference is the checks': the
// registry's lock and table, and on Windows the protection from foreign closes (two more
// calls into the kernel). Built by the bench-* presets; bench/run.sh runs it.

#include "harness.hpp"

#include <handoff/handoff.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

static_assert(HANDOFF_CHECKS == 1, "this benchmark measures the checks: build it with HANDOFF_CHECKS=1");

namespace
{
[[noreturn]] void fail(const char *what)
{
    std::fprintf(stderr, "checks bench: %s failed\n", what);
    std::exit(1);
}

void report_and_fail(const handoff::check_report &report) noexcept
{
    char message[1024];
    (void)handoff::format_check_report(report, message, sizeof message);
    std::fprintf(stderr, "checks bench: unexpected report: %s\n", message);
    std::exit(1);
}

template <class Job> bench::block repeat(Job job, const char *what)
{
    return [job, what](long count) {
        for (long i = 0; i < count; ++i)
            if (!job())
                fail(what);
    };
}

#if defined(_WIN32)
int open_null()
{
    return ::_open("NUL", _O_RDWR | _O_BINARY);
}
int close_fd(int fd)
{
    return ::_close(fd);
}
#else
int open_null()
{
    return ::open("/dev/null", O_RDWR | O_CLOEXEC);
}
int close_fd(int fd)
{
    return ::close(fd);
}
#endif
} // namespace

int main(int argc, char **argv)
{
    bench::settings how = bench::parse(argc, argv);
    how.label = how.label.empty() ? "checks" : how.label;
    (void)handoff::set_check_handler(report_and_fail); // a report here is a bug of the benchmark

    std::vector<bench::pair> pairs;
    // The registry alone: a descriptor number that is not open, adopted and released (no
    // system call but, on Windows, the _get_osfhandle that finds no handle behind it).
    static volatile int sink = 0;
    pairs.push_back({"checks on: adopt + release, registry only", "a volatile store",
                     repeat(
                         [] {
                             sink = 12345;
                             return true;
                         },
                         "store"),
                     repeat(
                         [] {
                             handoff::unique_fd fd(12345);
                             sink = fd.release();
                             return true;
                         },
                         "registry"),
                     0});
    pairs.push_back({"checks on: adopt + close, a descriptor", "open + close",
                     repeat([] { return close_fd(open_null()) == 0; }, "raw open"),
                     repeat(
                         [] {
                             handoff::unique_fd fd(open_null());
                             std::error_code ec;
                             fd.close(ec);
                             return !ec;
                         },
                         "unique_fd"),
                     0});
#if defined(_WIN32)
    pairs.push_back({"checks on: adopt + close, an event", "CreateEventW + CloseHandle",
                     repeat([] { return ::CloseHandle(::CreateEventW(nullptr, TRUE, FALSE, nullptr)) != FALSE; },
                            "raw event"),
                     repeat(
                         [] {
                             handoff::unique_handle event(::CreateEventW(nullptr, TRUE, FALSE, nullptr));
                             std::error_code ec;
                             event.close(ec);
                             return !ec;
                         },
                         "unique_handle"),
                     0});
#endif
    pairs.push_back({"checks on: adopt + close, a stream", "fopen + fclose",
                     repeat(
                         [] {
                             std::FILE *stream = std::fopen(
#if defined(_WIN32)
                                 "NUL",
#else
                                 "/dev/null",
#endif
                                 "r");
                             return stream != nullptr && std::fclose(stream) == 0;
                         },
                         "raw fopen"),
                     repeat(
                         [] {
                             handoff::unique_file stream(std::fopen(
#if defined(_WIN32)
                                 "NUL",
#else
                                 "/dev/null",
#endif
                                 "r"));
                             std::error_code ec;
                             stream.close(ec);
                             return !ec;
                         },
                         "unique_file"),
                     0});
    return bench::run(pairs, how);
}
