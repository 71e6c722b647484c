// The benchmark: every conversion against the raw system calls it replaces, and owner loops
// against raw values and std::unique_ptr, timed in one process (harness.hpp). The jobs are the
// code-generation test's pair functions (tests/codegen/), compiled the same way.
//
//   handoff_bench [--rounds N] [--block-ms N] [--label TEXT] [--csv PATH]
//
// bench/run.sh runs it natively and under Wine with msvcrt.dll and the UCRT, and plots the CSV.

#include "harness.hpp"

#include "pair_declarations.hpp"
#include "pairs.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#else
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#endif

namespace
{
[[noreturn]] void fail(const char *what)
{
    std::fprintf(stderr, "handoff_bench: %s failed\n", what);
    std::exit(1);
}

void must(bool worked, const char *what)
{
    if (!worked)
        fail(what);
}

// A job that returns 0 on success, `count` times.
template <class Job> bench::block repeat(Job job, const char *what)
{
    return [job, what](long count) {
        for (long i = 0; i < count; ++i)
            must(job() == 0, what);
    };
}

void *values[codegen_loop_size];

void add_owner_jobs(std::vector<bench::pair> &pairs)
{
    for (int i = 0; i < codegen_loop_size; ++i)
        values[i] = reinterpret_cast<void *>(static_cast<std::uintptr_t>(0x1000 + 16 * i));
    const auto chain = [](void (*job)(void *) noexcept) {
        return [job](long count) {
            for (long i = 0; i < count; ++i)
                job(reinterpret_cast<void *>(0x2000));
        };
    };
    const auto loop = [](void (*job)(void *const *) noexcept) {
        return [job](long count) {
            for (long i = 0; i < count; ++i)
                job(values);
        };
    };
    pairs.push_back({"owner: 3 moves by value", "raw value", chain(raw_move_chain), chain(handoff_move_chain), 0});
    pairs.push_back(
        {"owner: 3 moves by value", "std::unique_ptr", chain(uptr_move_chain), chain(handoff_move_chain), 1.10});
#if defined(__clang__)
    pairs.push_back({"owner: 3 moves, HANDOFF_TRIVIAL_ABI=1", "raw value", chain(raw_move_chain),
                     chain(trivial_move_chain), 1.10});
#endif
    pairs.push_back({"vector: push 64, pop 32", "raw values", loop(raw_vector_pop), loop(handoff_vector_pop), 1.50});
    pairs.push_back({"vector: push 64, pop 32", "std::unique_ptr", loop(uptr_vector_pop), loop(handoff_vector_pop), 0});
    // Promised in DESIGN.md, not kept: std::vector shifts owners one move at a time, raw values with
    // memmove (docs/benchmarks.md).
    pairs.push_back({"vector: push 64, erase 32 scattered", "raw values", loop(raw_vector_scattered),
                     loop(handoff_vector_scattered), 1.50});
    pairs.push_back({"vector: push 64, erase 32 scattered", "std::unique_ptr", loop(uptr_vector_scattered),
                     loop(handoff_vector_scattered), 1.10});
    pairs.push_back(
        {"vector: push 64, erase 32 at front", "raw values", loop(raw_vector_front), loop(handoff_vector_front), 1.50});
    pairs.push_back({"vector: push 64, erase 32 at front", "std::unique_ptr", loop(uptr_vector_front),
                     loop(handoff_vector_front), 1.10});
}

#if defined(_WIN32)
HANDLE open_scratch_file()
{
    wchar_t directory[MAX_PATH];
    wchar_t path[MAX_PATH];
    must(::GetTempPathW(MAX_PATH, directory) != 0 && ::GetTempFileNameW(directory, L"hb", 0, path) != 0, "a temp name");
    const HANDLE file = ::CreateFileW(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                                      CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, nullptr);
    must(file != INVALID_HANDLE_VALUE, "CreateFileW");
    return file;
}

HANDLE copy_of(HANDLE lent)
{
    HANDLE copy = nullptr;
    must(::DuplicateHandle(::GetCurrentProcess(), lent, ::GetCurrentProcess(), &copy, 0, FALSE, DUPLICATE_SAME_ACCESS) != 0,
         "DuplicateHandle");
    return copy;
}

// The consuming conversions written by hand with handoff's checks (raw_*_moved), made, converted
// and closed as the handoff jobs are.
int raw_to_fd_moved_close(HANDLE lent)
{
    HANDLE owned = copy_of(lent);
    std::error_code ec;
    const int fd = raw_to_fd_moved(owned, ec);
    return fd < 0 ? -1 : ::_close(fd);
}

int raw_to_file_moved_close(HANDLE lent)
{
    HANDLE owned = copy_of(lent);
    std::error_code ec;
    std::FILE *const stream = raw_to_file_moved(owned, "wb", ec);
    return stream == nullptr ? -1 : std::fclose(stream);
}

void add_conversion_jobs(std::vector<bench::pair> &pairs, HANDLE file, HANDLE pipe, int fd)
{
    static const char text[] = "lent\n";
    const char *dup_open_close = "DuplicateHandle+_open_osfhandle+_close";
    pairs.push_back({"to_fd(borrowed)+close, disk file", dup_open_close, repeat([=] { return plain_to_fd_close(file); }, "plain to_fd"),
                     repeat([=] { return handoff_to_fd_close(file); }, "to_fd"), 1.10});
    pairs.push_back({"to_fd(borrowed)+close, disk file", "the same checks by hand", repeat([=] { return raw_to_fd_close(file); }, "raw to_fd"),
                     repeat([=] { return handoff_to_fd_close(file); }, "to_fd"), 1.10});
    pairs.push_back({"to_fd(borrowed)+close, pipe", dup_open_close, repeat([=] { return plain_to_fd_close(pipe); }, "plain to_fd"),
                     repeat([=] { return handoff_to_fd_close(pipe); }, "to_fd"), 1.10});
    pairs.push_back({"lent handle: to_fd+_write+close", "the raw calls", repeat([=] { return plain_lent_write(file, text, 5) == 5 ? 0 : 1; }, "plain lent write"),
                     repeat([=] { return handoff_lent_write(file, text, 5) == 5 ? 0 : 1; }, "lent write"), 1.10});
    pairs.push_back({"duplicate+close", "DuplicateHandle+CloseHandle", repeat([=] { return plain_duplicate_close(file); }, "plain duplicate"),
                     repeat([=] { return handoff_duplicate_close(file); }, "duplicate"), 1.10});
    pairs.push_back({"duplicate(fd)+close", "_get_osfhandle+Dup+_open_osfhandle+_close",
                     repeat([=] { return plain_duplicate_fd_close(fd); }, "plain duplicate fd"),
                     repeat([=] { return handoff_duplicate_fd_close(fd); }, "duplicate fd"), 1.10});
    pairs.push_back({"to_file(borrowed)+fclose", "Dup+_open_osfhandle+_fdopen+fclose",
                     repeat([=] { return plain_to_file_close(file); }, "plain to_file"),
                     repeat([=] { return handoff_to_file_close(file); }, "to_file"), 1.10});
    const char *make_fd = "Dup+_open_osfhandle, ";
    pairs.push_back({"to_fd(std::move(h))+close", "Dup, _open_osfhandle+_close",
                     repeat([=] { return plain_to_fd_moved_close(file); }, "plain to_fd moved"),
                     repeat([=] { return handoff_to_fd_moved_close(file); }, "to_fd moved"), 1.10});
    pairs.push_back({"to_fd(std::move(h))+close", "the same checks by hand",
                     repeat([=] { return raw_to_fd_moved_close(file); }, "raw to_fd moved"),
                     repeat([=] { return handoff_to_fd_moved_close(file); }, "to_fd moved"), 1.10});
    pairs.push_back({"to_handle(std::move(fd))+close", std::string(make_fd) + "_get_osfhandle+Dup+_close+CloseHandle",
                     repeat([=] { return plain_to_handle_close(file); }, "plain to_handle"),
                     repeat([=] { return handoff_to_handle_close(file); }, "to_handle"), 1.10});
    pairs.push_back({"to_file(std::move(h))+fclose", "Dup, _open_osfhandle+_fdopen+fclose",
                     repeat([=] { return plain_to_file_moved_close(file); }, "plain to_file moved"),
                     repeat([=] { return handoff_to_file_moved_close(file); }, "to_file moved"), 1.10});
    pairs.push_back({"to_file(std::move(h))+fclose", "the same checks by hand",
                     repeat([=] { return raw_to_file_moved_close(file); }, "raw to_file moved"),
                     repeat([=] { return handoff_to_file_moved_close(file); }, "to_file moved"), 1.10});
    pairs.push_back({"to_file(std::move(fd))+fclose", std::string(make_fd) + "_fdopen+fclose",
                     repeat([=] { return plain_to_file_moved_close(file); }, "plain to_file moved"),
                     repeat([=] { return handoff_fd_to_file_close(file); }, "fd to_file"), 1.10});
    std::error_code ec;
    pairs.push_back({"handle_of", "_get_osfhandle", repeat([=] { return plain_handle_of(fd) != nullptr ? 0 : 1; }, "_get_osfhandle"),
                     repeat([=, &ec] { return handoff_handle_of(fd, ec) != nullptr ? 0 : 1; }, "handle_of"), 0});
    pairs.push_back({"handle_of", "the same checks by hand", repeat([=, &ec] { return raw_handle_of(fd, ec) != nullptr ? 0 : 1; }, "raw handle_of"),
                     repeat([=, &ec] { return handoff_handle_of(fd, ec) != nullptr ? 0 : 1; }, "handle_of"), 1.10});
}
#else
void add_conversion_jobs(std::vector<bench::pair> &pairs, int fd)
{
    pairs.push_back({"duplicate+close", "fcntl(F_DUPFD_CLOEXEC)+close", repeat([=] { return raw_duplicate_close(fd); }, "raw duplicate"),
                     repeat([=] { return handoff_duplicate_close(fd); }, "duplicate"), 1.10});
    pairs.push_back({"lent fd: to_file(borrowed)+fputs+fclose", "fcntl+fdopen+fputs+fclose",
                     repeat([=] { return raw_lent_write(fd, "lent\n") >= 0 ? 0 : 1; }, "raw lent write"),
                     repeat([=] { return handoff_lent_write(fd, "lent\n") >= 0 ? 0 : 1; }, "lent write"), 1.10});
    pairs.push_back({"to_file(std::move(fd))+fclose", "fcntl(F_DUPFD_CLOEXEC), fdopen+fclose",
                     repeat([=] { return plain_to_file_moved_close(fd); }, "plain to_file moved"),
                     repeat([=] { return handoff_to_file_moved_close(fd); }, "to_file moved"), 1.10});
}
#endif
} // namespace

int main(int argc, char **argv)
{
    const bench::settings how = bench::parse(argc, argv);
    std::vector<bench::pair> pairs;
#if defined(_WIN32)
    const HANDLE file = open_scratch_file();
    HANDLE read_end = nullptr;
    HANDLE write_end = nullptr;
    must(::CreatePipe(&read_end, &write_end, nullptr, 0) != 0, "CreatePipe");
    HANDLE fd_handle = nullptr;
    must(::DuplicateHandle(::GetCurrentProcess(), file, ::GetCurrentProcess(), &fd_handle, 0, FALSE,
                           DUPLICATE_SAME_ACCESS) != 0,
         "DuplicateHandle");
    const int fd = ::_open_osfhandle(reinterpret_cast<std::intptr_t>(fd_handle), _O_BINARY);
    must(fd >= 0, "_open_osfhandle");
    add_conversion_jobs(pairs, file, write_end, fd);
#else
    std::string path = bench::scratch_template("handoff-bench");
    const int fd = ::mkostemp(&path[0], O_CLOEXEC);
    must(fd >= 0, "mkostemp");
    ::unlink(path.c_str());
    add_conversion_jobs(pairs, fd);
#endif
    add_owner_jobs(pairs);
    const int missed = bench::run(pairs, how);
    (void)missed; // the figures are the result; run.sh reports the misses
    return 0;
}
