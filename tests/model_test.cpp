// Random sequences of owner operations, checked against a model after every step.
//
// A few slots of each owner family hold what the model says they hold: after every operation
// each slot's raw value and the kernel value behind it (the descriptor on POSIX, the HANDLE on
// Windows) are the expected ones and still open, and no two owners share a kernel value; after
// every sequence, once everything is closed, the process has open exactly what it had before.
// A conversion that forgets its duplicate, a move that closes the wrong value or a release that
// closes breaks one of these at the step that does it. The seed is printed on failure;
// HANDOFF_MODEL_SEED=<n> replays one sequence, HANDOFF_MODEL_SEQUENCES=<n> runs n.

#include <handoff/handoff.hpp>

#include "support/census.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#include <windows.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

namespace
{
constexpr std::size_t slots = 4;

/// What the model expects of one slot: empty, or this raw value over this kernel value.
struct expected
{
    std::uintptr_t raw = 0;
    std::uintptr_t kernel = 0;
    bool held = false;
};

#if defined(_WIN32)
std::uintptr_t kernel_of_fd(int fd)
{
    return static_cast<std::uintptr_t>(::_get_osfhandle(fd));
}
bool kernel_open(std::uintptr_t value)
{
    DWORD flags = 0;
    return ::GetHandleInformation(reinterpret_cast<HANDLE>(value), &flags) != 0;
}
int open_null_fd()
{
    return ::_open("NUL", _O_RDWR | _O_BINARY | _O_NOINHERIT);
}
HANDLE open_null_handle()
{
    return ::CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                         OPEN_EXISTING, 0, nullptr);
}
int fileno_of(std::FILE *stream)
{
    return ::_fileno(stream);
}
void close_raw_fd(int fd)
{
    (void)::_close(fd);
}
#else
std::uintptr_t kernel_of_fd(int fd)
{
    return static_cast<std::uintptr_t>(fd);
}
bool kernel_open(std::uintptr_t value)
{
    return ::fcntl(static_cast<int>(value), F_GETFD) != -1;
}
int open_null_fd()
{
    return ::open("/dev/null", O_RDWR | O_CLOEXEC);
}
int fileno_of(std::FILE *stream)
{
    return ::fileno(stream);
}
void close_raw_fd(int fd)
{
    (void)::close(fd);
}
#endif

std::uintptr_t raw_of(const handoff::unique_fd &fd)
{
    return static_cast<std::uintptr_t>(fd.get());
}
std::uintptr_t kernel_of(const handoff::unique_fd &fd)
{
    return kernel_of_fd(fd.get());
}
std::uintptr_t raw_of(const handoff::unique_file &file)
{
    return reinterpret_cast<std::uintptr_t>(file.get());
}
std::uintptr_t kernel_of(const handoff::unique_file &file)
{
    return kernel_of_fd(fileno_of(file.get()));
}
#if defined(_WIN32)
std::uintptr_t raw_of(const handoff::unique_handle &h)
{
    return reinterpret_cast<std::uintptr_t>(h.get());
}
std::uintptr_t kernel_of(const handoff::unique_handle &h)
{
    return raw_of(h);
}
#endif

/// A family's slots and the model's view of them.
template <class Owner> struct family
{
    Owner owner[slots];
    expected model[slots];

    /// The model after slot `from` moved into slot `to`.
    void moved(std::size_t from, std::size_t to)
    {
        if (from == to)
            return;
        model[to] = model[from];
        model[from] = expected{};
    }
};

/// Moves `made` into slot `i` of `f`; the model expects what `made` held before the move (so a
/// move assignment that kept the slot's old value is seen).
template <class Owner> void place(family<Owner> &f, std::size_t i, Owner &&made)
{
    expected incoming{};
    if (made)
        incoming = expected{raw_of(made), kernel_of(made), true};
    f.owner[i] = std::move(made);
    f.model[i] = incoming;
}

/// A value an owner released, with the kernel value behind it, for the model to adopt again.
struct released_value
{
    int kind; // 0 descriptor, 1 stream, 2 handle
    std::uintptr_t raw;
    std::uintptr_t kernel;
};

class model_run
{
  public:
    explicit model_run(std::uint32_t seed) : random_(seed)
    {
    }

    void step()
    {
        const std::size_t i = pick(), j = pick();
        std::error_code ec;
        switch (pick_operation())
        {
        case 0: // a new descriptor replaces whatever the slot held
            place(fds_, i, handoff::unique_fd(open_null_fd()));
            break;
        case 1: // move assignment (the target's old value is closed; a self-move keeps it)
            fds_.owner[j] = std::move(fds_.owner[i]);
            fds_.moved(i, j);
            break;
        case 2:
            files_.owner[j] = std::move(files_.owner[i]);
            files_.moved(i, j);
            break;
        case 3:
            fds_.owner[i].swap(fds_.owner[j]);
            std::swap(fds_.model[i], fds_.model[j]);
            break;
        case 4:
            if (fds_.owner[i])
            {
                const expected was = fds_.model[i];
                released_.push_back({0, static_cast<std::uintptr_t>(fds_.owner[i].release()), was.kernel});
                fds_.model[i] = expected{};
            }
            break;
        case 5:
            if (files_.owner[i])
            {
                const expected was = files_.model[i];
                released_.push_back({1, reinterpret_cast<std::uintptr_t>(files_.owner[i].release()), was.kernel});
                files_.model[i] = expected{};
            }
            break;
        case 6: // adopt a released value again
            if (!released_.empty())
                adopt_released(i);
            break;
        case 7:
            fds_.owner[i].reset();
            fds_.model[i] = expected{};
            break;
        case 8:
            files_.owner[i].reset();
            files_.model[i] = expected{};
            break;
        case 9: // the stream takes the descriptor: same kernel value
            if (fds_.owner[i])
            {
                const expected was = fds_.model[i];
                auto made = handoff::to_file(std::move(fds_.owner[i]), "r+b", ec);
                if (!expect(!ec, "the conversion failed"))
                    return;
                fds_.model[i] = expected{};
                place(files_, j, std::move(made));
                (void)expect(files_.model[j].kernel == was.kernel, "the conversion did not keep the kernel value");
            }
            break;
        case 10: // a stream of a borrowed descriptor holds a duplicate
            if (fds_.owner[i])
            {
                auto made = handoff::to_file(handoff::borrowed_fd(fds_.owner[i]), "r+b", ec);
                if (!expect(!ec, "the conversion failed"))
                    return;
                place(files_, j, std::move(made));
            }
            break;
        case 11:
            if (fds_.owner[i])
            {
                handoff::unique_fd copy = handoff::duplicate(handoff::borrowed_fd(fds_.owner[i]), ec);
                if (!expect(!ec, "the conversion failed"))
                    return;
                place(fds_, j, std::move(copy));
            }
            break;
#if defined(_WIN32)
        case 12:
            place(handles_, i, handoff::unique_handle(open_null_handle()));
            break;
        case 13:
            handles_.owner[j] = std::move(handles_.owner[i]);
            handles_.moved(i, j);
            break;
        case 14: // the descriptor takes the handle: same kernel value
            if (handles_.owner[i])
            {
                const expected was = handles_.model[i];
                auto made = handoff::to_fd(std::move(handles_.owner[i]), ec);
                if (!expect(!ec, "the conversion failed"))
                    return;
                handles_.model[i] = expected{};
                place(fds_, j, std::move(made));
                (void)expect(fds_.model[j].kernel == was.kernel, "the conversion did not keep the kernel value");
            }
            break;
        case 15: // the descriptor's handle is duplicated out and the descriptor closed
            if (fds_.owner[i])
            {
                auto made = handoff::to_handle(std::move(fds_.owner[i]), ec);
                if (!expect(!ec, "the conversion failed"))
                    return;
                if (!expect(!fds_.owner[i], "the descriptor was not emptied"))
                    return;
                fds_.model[i] = expected{};
                place(handles_, j, std::move(made));
            }
            break;
        case 16:
            if (handles_.owner[i])
            {
                const expected was = handles_.model[i];
                auto made = handoff::to_file(std::move(handles_.owner[i]), "r+b", ec);
                if (!expect(!ec, "the conversion failed"))
                    return;
                handles_.model[i] = expected{};
                place(files_, j, std::move(made));
                (void)expect(files_.model[j].kernel == was.kernel, "the conversion did not keep the kernel value");
            }
            break;
        case 17: // a descriptor of a borrowed handle holds a duplicate
            if (handles_.owner[i])
            {
                auto made = handoff::to_fd(handoff::borrowed_handle(handles_.owner[i]), ec);
                if (!expect(!ec, "the conversion failed"))
                    return;
                place(fds_, j, std::move(made));
            }
            break;
        case 18:
            if (handles_.owner[i])
            {
                handoff::unique_handle copy = handoff::duplicate(handoff::borrowed_handle(handles_.owner[i]), ec);
                if (!expect(!ec, "the conversion failed"))
                    return;
                place(handles_, j, std::move(copy));
            }
            break;
        case 19:
            if (handles_.owner[i])
            {
                const expected was = handles_.model[i];
                released_.push_back({2, reinterpret_cast<std::uintptr_t>(handles_.owner[i].release()), was.kernel});
                handles_.model[i] = expected{};
            }
            break;
        case 20:
            handles_.owner[i].swap(handles_.owner[j]);
            std::swap(handles_.model[i], handles_.model[j]);
            break;
#endif
        default:
            break;
        }
        check();
    }

    /// Closes everything the run holds.
    void finish()
    {
        for (std::size_t i = 0; i < slots; ++i)
        {
            fds_.owner[i].reset();
            files_.owner[i].reset();
#if defined(_WIN32)
            handles_.owner[i].reset();
#endif
        }
        for (const released_value &value : released_)
        {
            if (value.kind == 0)
                close_raw_fd(static_cast<int>(value.raw));
            else if (value.kind == 1)
                (void)std::fclose(reinterpret_cast<std::FILE *>(value.raw));
#if defined(_WIN32)
            else
                (void)::CloseHandle(reinterpret_cast<HANDLE>(value.raw));
#endif
        }
        released_.clear();
    }

  private:
    std::size_t pick()
    {
        return static_cast<std::size_t>(random_() % slots);
    }
    unsigned pick_operation()
    {
#if defined(_WIN32)
        return static_cast<unsigned>(random_() % 21);
#else
        return static_cast<unsigned>(random_() % 12);
#endif
    }

    void adopt_released(std::size_t i)
    {
        const std::size_t k = static_cast<std::size_t>(random_() % released_.size());
        const released_value value = released_[k];
        released_.erase(released_.begin() + static_cast<std::ptrdiff_t>(k));
        const expected back{value.raw, value.kernel, true};
        if (value.kind == 0)
        {
            fds_.owner[i] = handoff::unique_fd(static_cast<int>(value.raw));
            fds_.model[i] = back;
        }
        else if (value.kind == 1)
        {
            files_.owner[i] = handoff::unique_file(reinterpret_cast<std::FILE *>(value.raw));
            files_.model[i] = back;
        }
#if defined(_WIN32)
        else
        {
            handles_.owner[i] = handoff::unique_handle(reinterpret_cast<HANDLE>(value.raw));
            handles_.model[i] = back;
        }
#endif
    }

    /// Records the first failure; false if `ok` is false.
    bool expect(bool ok, const std::string &what)
    {
        if (!ok && failure_.empty())
            failure_ = what;
        return ok;
    }

    template <class Owner> void check_family(const family<Owner> &f, const char *name, std::vector<std::uintptr_t> &kernels)
    {
        for (std::size_t i = 0; i < slots; ++i)
        {
            const std::string where = std::string(name) + " slot " + std::to_string(i) + ": ";
            if (!expect(static_cast<bool>(f.owner[i]) == f.model[i].held, where + "held or empty against the model"))
                return;
            if (!f.model[i].held)
                continue;
            if (!expect(raw_of(f.owner[i]) == f.model[i].raw, where + "another raw value") ||
                !expect(kernel_of(f.owner[i]) == f.model[i].kernel, where + "another kernel value") ||
                !expect(kernel_open(f.model[i].kernel), where + "its kernel value is closed"))
                return;
            kernels.push_back(f.model[i].kernel);
        }
    }

    void check()
    {
        std::vector<std::uintptr_t> kernels;
        check_family(fds_, "descriptor", kernels);
        check_family(files_, "stream", kernels);
#if defined(_WIN32)
        check_family(handles_, "handle", kernels);
#endif
        for (const released_value &value : released_)
        {
            if (!expect(kernel_open(value.kernel), "a released value is closed"))
                return;
            kernels.push_back(value.kernel);
        }
        // Every owner and every released value over a kernel value of its own.
        std::sort(kernels.begin(), kernels.end());
        (void)expect(std::adjacent_find(kernels.begin(), kernels.end()) == kernels.end(),
                     "two holders share a kernel value");
    }

    std::mt19937 random_;
    family<handoff::unique_fd> fds_;
    family<handoff::unique_file> files_;
#if defined(_WIN32)
    family<handoff::unique_handle> handles_;
#endif
    std::vector<released_value> released_;
    std::string failure_;

  public:
    /// The first difference from the model, or empty.
    const std::string &failure() const
    {
        return failure_;
    }
};

std::uint32_t first_seed()
{
    if (const char *text = std::getenv("HANDOFF_MODEL_SEED"))
        return static_cast<std::uint32_t>(std::strtoul(text, nullptr, 10));
    return std::random_device{}();
}

/// Runs `count` sequences from `seed` on; the first failure, with the seed that replays it.
std::string run_sequences(std::uint32_t seed, int count)
{
    constexpr int steps = 30;
    for (int sequence = 0; sequence < count; ++sequence)
    {
        const std::uint32_t sequence_seed = seed + static_cast<std::uint32_t>(sequence);
        model_run run(sequence_seed);
        for (int step = 0; step < steps && run.failure().empty(); ++step)
            run.step();
        run.finish();
        if (!run.failure().empty())
            return run.failure() + " (replay with HANDOFF_MODEL_SEED=" + std::to_string(sequence_seed) + ")";
        if (std::getenv("HANDOFF_MODEL_SEED") != nullptr)
            break; // a replay runs the one sequence
    }
    return {};
}

int sequence_count()
{
    if (std::getenv("HANDOFF_MODEL_SEED") != nullptr)
        return 1;
#if defined(HANDOFF_TEST_VARIANT)
    int sequences = 100;
#else
    int sequences = 2000;
#endif
    if (const char *text = std::getenv("HANDOFF_MODEL_SEQUENCES")) // fewer under valgrind
        sequences = std::atoi(text);
    return sequences > 0 ? sequences : 1;
}
} // namespace

TEST_CASE("model: random sequences of owner operations and conversions keep the model", "[model]")
{
    const std::uint32_t seed = first_seed();
    const std::vector<std::uintptr_t> before = handoff_test::open_resources();
    const int sequences = sequence_count();
    for (int done = 0; done < sequences; done += 100)
    {
        const std::uint32_t batch = seed + static_cast<std::uint32_t>(done);
        CHECK(run_sequences(batch, std::min(100, sequences - done)) == "");
        // Nothing leaked and nothing of anybody else's closed, in the batch from `batch` on.
        INFO("a leak or a stray close in the sequences from HANDOFF_MODEL_SEED=" << batch);
        const std::vector<std::uintptr_t> after = handoff_test::open_resources();
        CHECK(handoff_test::difference(after, before).empty());
        CHECK(handoff_test::difference(before, after).empty());
    }
}

TEST_CASE("model: four threads run random sequences at once and each keeps its own model", "[model][threads]")
{
    // The threads share the C runtime's tables, the kernel's handle table and, with checks on,
    // the registry: a value one thread closes twice is likely another thread's, which that
    // thread's model then finds closed.
    const std::uint32_t seed = first_seed();
    const std::vector<std::uintptr_t> before = handoff_test::open_resources();
    const int sequences = std::max(1, sequence_count() / 8);
    std::string failures[4];
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&failures, t, seed, sequences] {
            failures[t] = run_sequences(seed + static_cast<std::uint32_t>(t) * 1000003u, sequences);
        });
    for (std::thread &thread : threads)
        thread.join();
    for (const std::string &failure : failures)
        CHECK(failure == "");
    const std::vector<std::uintptr_t> after = handoff_test::open_resources();
    CHECK(handoff_test::difference(after, before).empty());
    CHECK(handoff_test::difference(before, after).empty());
}
