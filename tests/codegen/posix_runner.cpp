// Runs every POSIX pair function under callgrind and prints what one call executed (user-space
// instructions, the C library's included): valgrind --tool=callgrind --collect-atstart=no.
// Each counted call is bracketed by client requests that start and stop the collection and
// then dump it; check-codegen.cmake reads the dumps.

#include "common_runner.hpp"

#include <valgrind/callgrind.h>

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>

#include <handoff/handoff.hpp>


namespace
{
// Calls `job` calls_per_function times, with `before` and `after` around each call outside the
// count; collects the last call only. The dump is named after the function.
template <class Before, class Job, class After>
void measure(const char *name, Before &&before, Job &&job, After &&after)
{
    for (int i = 0; i < codegen::calls_per_function; ++i)
    {
        before();
        if (i + 1 == codegen::calls_per_function)
        {
            CALLGRIND_ZERO_STATS;
            CALLGRIND_TOGGLE_COLLECT;
            job();
            CALLGRIND_TOGGLE_COLLECT;
            CALLGRIND_DUMP_STATS_AT(name);
        }
        else
            job();
        after();
    }
}

template <class Job> void measure(const char *name, Job &&job)
{
    measure(name, [] {}, job, [] {});
}

// A scratch file on disk, the kind of descriptor a library most often lends.
int open_scratch()
{
    const char *folder = std::getenv("TMPDIR");
    std::string path = std::string(folder != nullptr && *folder != '\0' ? folder : "/tmp") + "/handoff-codegen-XXXXXX";
    const int fd = ::mkostemp(&path[0], O_CLOEXEC);
    if (fd < 0)
        codegen::fail(path.c_str(), "cannot be created");
    ::unlink(path.c_str());
    return fd;
}
} // namespace

int main()
{
    codegen::run_common_jobs([](const char *name, auto &&job) { measure(name, job); });

    const int lent = open_scratch();
    std::error_code ec;
    const auto must_work = [](const char *name, bool worked) {
        if (!worked)
            codegen::fail(name, "failed");
    };

    int copy = -1;
    const auto close_copy = [&] { ::close(copy); };
    measure("raw_duplicate_fd", [] {}, [&] { copy = raw_duplicate_fd(lent, ec); must_work("raw_duplicate_fd", copy >= 0); }, close_copy);
    measure("handoff_duplicate_fd", [] {}, [&] { copy = handoff_duplicate_fd(lent, ec); must_work("handoff_duplicate_fd", copy >= 0); }, close_copy);
    measure("raw_duplicate_close", [&] { must_work("raw_duplicate_close", raw_duplicate_close(lent) == 0); });
    measure("handoff_duplicate_close", [&] { must_work("handoff_duplicate_close", handoff_duplicate_close(lent) == 0); });

    std::FILE *stream = nullptr;
    const auto close_stream = [&] { std::fclose(stream); };
    int raw_owned = -1;
    measure("raw_to_file_moved", [&] { raw_owned = ::fcntl(lent, F_DUPFD_CLOEXEC, 3); },
            [&] { stream = raw_to_file_moved(raw_owned, "w", ec); must_work("raw_to_file_moved", stream != nullptr); }, close_stream);
    handoff::unique_fd owned;
    measure("handoff_to_file_moved", [&] { owned.reset(::fcntl(lent, F_DUPFD_CLOEXEC, 3)); },
            [&] { stream = handoff_to_file_moved(owned, "w", ec); must_work("handoff_to_file_moved", stream != nullptr); }, close_stream);
    measure("raw_to_file_borrowed", [] {}, [&] { stream = raw_to_file_borrowed(lent, "w", ec); must_work("raw_to_file_borrowed", stream != nullptr); }, close_stream);
    measure("handoff_to_file_borrowed", [] {}, [&] { stream = handoff_to_file_borrowed(lent, "w", ec); must_work("handoff_to_file_borrowed", stream != nullptr); }, close_stream);
    measure("raw_lent_write", [&] { must_work("raw_lent_write", raw_lent_write(lent, "lent\n") >= 0); });
    measure("handoff_lent_write", [&] { must_work("handoff_lent_write", handoff_lent_write(lent, "lent\n") >= 0); });

    ::close(lent);
    return 0;
}
