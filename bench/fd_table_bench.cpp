// The virtual descriptor table's benchmark: a lease of a resident descriptor against an
// std::unordered_map lookup, a miss against the raw page-in and page-out it must make anyway
// (harness.hpp, interleaved, medians), then the cost of each operation at 1e3 to 1e6 virtual
// descriptors and the table's own bytes per idle descriptor at the largest size.
//
//   handoff_fd_table_bench [--rounds N] [--block-ms N] [--label TEXT] [--csv PATH] [--max N]
//
// bench/run.sh runs it with the other benchmark.

#include "harness.hpp"

#include <handoff/handoff.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#else
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

// Every allocation of the process is counted, so that the table's own memory is known exactly.
namespace
{
std::atomic<long long> allocated_bytes{0};
}

void *operator new(std::size_t size)
{
    allocated_bytes.fetch_add(static_cast<long long>(size), std::memory_order_relaxed);
    if (void *p = std::malloc(size + 16))
    {
        *static_cast<std::size_t *>(p) = size;
        return static_cast<char *>(p) + 16;
    }
    throw std::bad_alloc();
}
void *operator new(std::size_t size, const std::nothrow_t &) noexcept
{
    allocated_bytes.fetch_add(static_cast<long long>(size), std::memory_order_relaxed);
    void *p = std::malloc(size + 16);
    if (p == nullptr)
        return nullptr;
    *static_cast<std::size_t *>(p) = size;
    return static_cast<char *>(p) + 16;
}
void *operator new[](std::size_t size)
{
    return operator new(size);
}
void *operator new[](std::size_t size, const std::nothrow_t &tag) noexcept
{
    return operator new(size, tag);
}
void operator delete(void *p) noexcept
{
    if (p == nullptr)
        return;
    char *block = static_cast<char *>(p) - 16;
    allocated_bytes.fetch_sub(static_cast<long long>(*reinterpret_cast<std::size_t *>(block)),
                              std::memory_order_relaxed);
    std::free(block);
}
void operator delete[](void *p) noexcept
{
    operator delete(p);
}
void operator delete(void *p, std::size_t) noexcept
{
    operator delete(p);
}
void operator delete[](void *p, std::size_t) noexcept
{
    operator delete(p);
}

namespace
{
[[noreturn]] void fail(const char *what, const std::error_code &ec = {})
{
    std::fprintf(stderr, "handoff_fd_table_bench: %s failed: %s\n", what, ec.message().c_str());
    std::exit(1);
}

#if defined(_WIN32)
HANDLE scratch_file()
{
    wchar_t directory[MAX_PATH];
    wchar_t path[MAX_PATH];
    if (::GetTempPathW(MAX_PATH, directory) == 0 || ::GetTempFileNameW(directory, L"hf", 0, path) == 0)
        fail("a temp name");
    const HANDLE file = ::CreateFileW(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                                      CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, nullptr);
    if (file == INVALID_HANDLE_VALUE)
        fail("CreateFileW");
    return file;
}

/// A new owned handle to the scratch file (what the table is given, 1e6 times over).
handoff::unique_handle another(HANDLE file)
{
    HANDLE copy = nullptr;
    if (!::DuplicateHandle(::GetCurrentProcess(), file, ::GetCurrentProcess(), &copy, 0, FALSE, DUPLICATE_SAME_ACCESS))
        fail("DuplicateHandle");
    return handoff::unique_handle(copy);
}

handoff::unique_virtual_fd adopt(handoff::fd_table &table, HANDLE file, std::error_code &ec)
{
    return table.adopt(another(file), _O_RDWR | _O_BINARY, ec);
}

/// The raw page-in and page-out a miss makes: DuplicateHandle + _open_osfhandle, then _close.
int raw_page_cycle(HANDLE file)
{
    HANDLE copy = nullptr;
    if (!::DuplicateHandle(::GetCurrentProcess(), file, ::GetCurrentProcess(), &copy, 0, FALSE, DUPLICATE_SAME_ACCESS))
        return -1;
    const int fd = ::_open_osfhandle(reinterpret_cast<std::intptr_t>(copy), _O_BINARY | _O_NOINHERIT);
    if (fd < 0)
        return -1;
    return ::_close(fd);
}
using scratch_type = HANDLE;
using raw_copy = HANDLE;
// Used as the table uses its handles (Wine keeps a host descriptor for a handle once it is
// read), so that closing one costs what closing an adopted one does.
raw_copy make_raw_copy(HANDLE file)
{
    const HANDLE copy = another(file).release();
    DWORD done = 0;
    char byte = 0;
    (void)::GetFileType(copy);
    (void)::ReadFile(copy, &byte, 0, &done, nullptr);
    return copy;
}
void close_raw_copy(HANDLE copy)
{
    if (!::CloseHandle(copy))
        fail("CloseHandle");
}
#else
int scratch_file()
{
    std::string path = bench::scratch_template("handoff-fd-table-bench");
    const int fd = ::mkostemp(&path[0], O_CLOEXEC);
    if (fd < 0)
        fail("mkostemp");
    ::unlink(path.c_str());
    return fd;
}

handoff::unique_virtual_fd adopt(handoff::fd_table &table, int file, std::error_code &ec)
{
    handoff::unique_fd copy(::fcntl(file, F_DUPFD_CLOEXEC, 3));
    if (!copy)
    {
        ec = std::error_code(errno, std::generic_category());
        return {};
    }
    return table.adopt(std::move(copy), ec);
}

int raw_page_cycle(int file)
{
    const int fd = ::fcntl(file, F_DUPFD_CLOEXEC, 3);
    return fd < 0 ? -1 : ::close(fd);
}
using scratch_type = int;
using raw_copy = int;
raw_copy make_raw_copy(int file)
{
    const int copy = ::fcntl(file, F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
        fail("fcntl");
    return copy;
}
void close_raw_copy(int copy)
{
    if (::close(copy) != 0)
        fail("close");
}
#endif

handoff::unique_virtual_fd must_adopt(handoff::fd_table &table, scratch_type file)
{
    std::error_code ec;
    handoff::unique_virtual_fd vfd = adopt(table, file, ec);
    if (!vfd)
        fail("fd_table::adopt", ec);
    return vfd;
}

handoff::fd_table_options limit(std::size_t resident)
{
    handoff::fd_table_options options;
    options.resident_limit = resident;
    return options;
}

constexpr int hot_count = 64; // resident descriptors the hit jobs cycle through

/// A lease of each of `keys` in turn, each ended at once; returns the sum of the fds.
long lease_round(const std::vector<int> &numbers, long count)
{
    long sum = 0;
    std::size_t at = 0;
    std::error_code ec;
    for (long i = 0; i < count; ++i)
    {
        const handoff::lease leased(handoff::borrowed_virtual_fd(numbers[at]), ec);
        if (!leased)
            fail("lease", ec);
        sum += leased.fd().get();
        at = at + 1 == numbers.size() ? 0 : at + 1;
    }
    return sum;
}

volatile long sink;

void add_pairs(std::vector<bench::pair> &pairs, handoff::fd_table &hot, handoff::fd_table &cold,
               const std::vector<int> &hot_numbers, const std::vector<int> &cold_numbers, scratch_type file)
{
    // The baseline: the map a program would keep from its own numbers to CRT descriptors.
    static std::unordered_map<int, int> map;
    for (const int number : hot_numbers)
    {
        const handoff::lease leased{handoff::borrowed_virtual_fd(number)};
        map[number] = leased.fd().get();
    }
    pairs.push_back({"lease hit (pin+unpin), 64 resident", "unordered_map<int,int>::find",
                     [&hot_numbers](long count) {
                         long sum = 0;
                         std::size_t at = 0;
                         for (long i = 0; i < count; ++i)
                         {
                             const auto found = map.find(hot_numbers[at]);
                             if (found == map.end())
                                 fail("find");
                             sum += found->second;
                             at = at + 1 == hot_numbers.size() ? 0 : at + 1;
                         }
                         sink = sum;
                     },
                     [&hot_numbers](long count) { sink = lease_round(hot_numbers, count); }, 2.0});
    // What a thread-safe map of the program's own would cost: the same two atomic
    // read-modify-writes per lookup as a lease's pin and unpin.
    static std::mutex map_lock;
    pairs.push_back({"lease hit (pin+unpin), 64 resident", "the same find under a std::mutex",
                     [&hot_numbers](long count) {
                         long sum = 0;
                         std::size_t at = 0;
                         for (long i = 0; i < count; ++i)
                         {
                             const std::lock_guard<std::mutex> hold(map_lock);
                             const auto found = map.find(hot_numbers[at]);
                             if (found == map.end())
                                 fail("find");
                             sum += found->second;
                             at = at + 1 == hot_numbers.size() ? 0 : at + 1;
                         }
                         sink = sum;
                     },
                     [&hot_numbers](long count) { sink = lease_round(hot_numbers, count); }, 0});
#if defined(_WIN32)
    const char *raw_cycle = "DuplicateHandle+_open_osfhandle+_close";
#else
    const char *raw_cycle = "fcntl(F_DUPFD_CLOEXEC)+close";
#endif
    pairs.push_back({"lease miss (page-in + page-out)", raw_cycle,
                     [file](long count) {
                         for (long i = 0; i < count; ++i)
                             if (raw_page_cycle(file) != 0)
                                 fail("raw page cycle");
                     },
                     [&cold_numbers](long count) { sink = lease_round(cold_numbers, count); }, 1.10});
    (void)hot;
    (void)cold;
}

double now_ns()
{
    return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

/// Per-operation costs with `size` virtual descriptors open; prints one row, returns the
/// table's bytes per descriptor.
double scale_row(scratch_type file, int size, std::FILE *csv, const std::string &label)
{
    // The system's own cost at this size: as many raw copies, closed one by one.
    std::vector<raw_copy> raw;
    raw.reserve(static_cast<std::size_t>(size));
    for (int i = 0; i < size; ++i)
        raw.push_back(make_raw_copy(file));

    double start = now_ns();
    for (const raw_copy copy : raw)
        close_raw_copy(copy);
    const double raw_close_ns = (now_ns() - start) / size;
    raw.clear();
    raw.shrink_to_fit();

    const long long memory_before = allocated_bytes.load();
    std::error_code ec;
    handoff::fd_table table(limit(hot_count), ec);
    if (ec)
        fail("fd_table", ec);
    std::vector<int> numbers;
    numbers.reserve(static_cast<std::size_t>(size));
    const long long memory_vector = allocated_bytes.load();
    start = now_ns();
    for (int i = 0; i < size; ++i)
    {
        handoff::unique_virtual_fd vfd = adopt(table, file, ec);
        if (!vfd)
        {
            // The host's descriptor limit (Wine keeps a host descriptor per handle in use).
            std::printf("%9d (stopped after %d: %s)\n", size, i, ec.message().c_str());
            for (const int number : numbers)
                (void)handoff::vfd::close(number);
            return -1;
        }
        numbers.push_back(vfd.release());
    }
    const double create_ns = (now_ns() - start) / size;
    const double bytes = static_cast<double>(allocated_bytes.load() - memory_vector) / size;
    (void)memory_before;

    // Hits: 64 descriptors spread over the table, made resident, leased in turn.
    std::vector<int> hot;
    for (int i = 0; i < hot_count; ++i)
        hot.push_back(numbers[static_cast<std::size_t>(static_cast<long long>(i) * size / hot_count)]);
    (void)lease_round(hot, hot_count);
    const long hit_count = 200000;
    start = now_ns();
    sink = lease_round(hot, hit_count);
    const double hit_ns = (now_ns() - start) / static_cast<double>(hit_count);

    // Misses: descriptors at random over the whole table, with 64 resident.
    std::mt19937 random(1);
    std::vector<int> scattered;
    for (int i = 0; i < 2000; ++i)
        scattered.push_back(numbers[random() % numbers.size()]);
    start = now_ns();
    sink = lease_round(scattered, static_cast<long>(scattered.size()));
    const double miss_ns = (now_ns() - start) / static_cast<double>(scattered.size());

    // I/O on the handle without paging (a pin, SetFilePointerEx / lseek, an unpin).
    start = now_ns();
    for (const int number : scattered)
        if (handoff::seek(handoff::borrowed_virtual_fd(number), 0, SEEK_CUR, ec) < 0)
            fail("seek", ec);
    const double seek_ns = (now_ns() - start) / static_cast<double>(scattered.size());

    start = now_ns();
    for (const int number : numbers)
        if (handoff::vfd::close(number) != 0)
            fail("vfd::close");
    const double close_ns = (now_ns() - start) / size;
    std::printf("%9d %12.1f %12.1f %12.1f %12.1f %12.1f %12.1f %12.2f\n", size, create_ns, hit_ns, miss_ns, seek_ns,
                close_ns, raw_close_ns, bytes);
    std::fflush(stdout);
    if (csv != nullptr)
        std::fprintf(csv, "\"%s\",%d,%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%.2f\n", label.c_str(), size, create_ns, hit_ns,
                     miss_ns, seek_ns, close_ns, raw_close_ns, bytes);
    return bytes;
}

/// Allows `count` descriptors (POSIX: each virtual descriptor holds one).
bool allow_descriptors(long long count)
{
#if defined(_WIN32)
    (void)count;
    return true;
#else
    struct rlimit limits{};
    if (::getrlimit(RLIMIT_NOFILE, &limits) != 0)
        return false;
    if (limits.rlim_cur >= static_cast<rlim_t>(count))
        return true;
    // Root may raise the hard limit too (up to fs.nr_open).
    struct rlimit raised = limits;
    raised.rlim_cur = static_cast<rlim_t>(count);
    raised.rlim_max = std::max(limits.rlim_max, raised.rlim_cur);
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0)
        return true;
    limits.rlim_cur = std::min<rlim_t>(limits.rlim_max, static_cast<rlim_t>(count));
    return ::setrlimit(RLIMIT_NOFILE, &limits) == 0 && limits.rlim_cur >= static_cast<rlim_t>(count);
#endif
}
} // namespace

int main(int argc, char **argv)
{
    // --max N is this benchmark's own; the rest is the harness's.
    int max_size = 1000000;
    std::vector<char *> rest{argv[0]};
    for (int i = 1; i < argc; ++i)
    {
        if (std::strcmp(argv[i], "--max") == 0 && i + 1 < argc)
            max_size = std::atoi(argv[++i]);
        else
            rest.push_back(argv[i]);
    }
    bench::settings how = bench::parse(static_cast<int>(rest.size()), rest.data());
    const scratch_type file = scratch_file();

    std::error_code ec;
    handoff::fd_table hot(limit(hot_count + 8), ec);
    handoff::fd_table cold(limit(1), ec); // two descriptors, one resident: every lease a miss
    if (ec)
        fail("fd_table", ec);
    std::vector<handoff::unique_virtual_fd> hot_owners, cold_owners;
    std::vector<int> hot_numbers, cold_numbers;
    for (int i = 0; i < hot_count; ++i)
    {
        hot_owners.push_back(must_adopt(hot, file));
        hot_numbers.push_back(hot_owners.back().get());
    }
    for (int i = 0; i < 2; ++i)
    {
        cold_owners.push_back(must_adopt(cold, file));
        cold_numbers.push_back(cold_owners.back().get());
    }
    std::vector<bench::pair> pairs;
    add_pairs(pairs, hot, cold, hot_numbers, cold_numbers, file);
    how.label = how.label.empty() ? "fd_table" : how.label;
    (void)bench::run(pairs, how);

    std::string scale_csv = how.csv_path;
    if (!scale_csv.empty())
    {
        const std::size_t dot = scale_csv.rfind('.');
        scale_csv = scale_csv.substr(0, dot) + "-fd_table-scale.csv";
    }
    std::FILE *csv = scale_csv.empty() ? nullptr : std::fopen(scale_csv.c_str(), "a");
    std::printf("\n%s: per operation (ns) with N virtual descriptors open, 64 resident; raw close: closing N raw "
                "copies of the handle; bytes: the table's own memory per descriptor\n",
                how.label.c_str());
    std::printf("%9s %12s %12s %12s %12s %12s %12s %12s\n", "N", "adopt", "lease hit", "lease miss", "seek", "close",
                "raw close", "bytes/idle");
    for (const int size : {1000, 3000, 10000, 18000, 100000, 1000000})
    {
        if (size > max_size)
            break;
        if (!allow_descriptors(static_cast<long long>(size) + 1000))
        {
            std::printf("%9d (skipped: the descriptor limit cannot be raised that far)\n", size);
            continue;
        }
        (void)scale_row(file, size, csv, how.label);
    }
    if (csv != nullptr)
        std::fclose(csv);
    return 0;
}
