// Test support: random sequences of owner operations, checked against a model after every step.
//
// A few slots of each owner family hold what the model says they hold: after every operation
// each slot's raw value and the kernel value behind it (the descriptor on POSIX, the HANDLE on
// Windows) are the expected ones and still open, and no two owners share a kernel value. A
// conversion that forgets its duplicate, a move that closes the wrong value or a release that
// closes breaks one of these at the step that does it. The choices come from a seeded generator
// (tests/model_test.cpp) or from a fuzzer's bytes (tests/fuzz/owner_model_fuzz.cpp).

#ifndef HANDOFF_TESTS_SUPPORT_OWNER_MODEL_HPP
#define HANDOFF_TESTS_SUPPORT_OWNER_MODEL_HPP

#include <handoff/handoff.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <system_error>
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

namespace handoff_test
{
namespace owner_model
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
inline std::uintptr_t kernel_of_fd(int fd)
{
    return static_cast<std::uintptr_t>(::_get_osfhandle(fd));
}
inline bool kernel_open(std::uintptr_t value)
{
    DWORD flags = 0;
    return ::GetHandleInformation(reinterpret_cast<HANDLE>(value), &flags) != 0;
}
inline int open_null_fd()
{
    return ::_open("NUL", _O_RDWR | _O_BINARY | _O_NOINHERIT);
}
inline HANDLE open_null_handle()
{
    return ::CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                         OPEN_EXISTING, 0, nullptr);
}
inline int fileno_of(std::FILE *stream)
{
    return ::_fileno(stream);
}
inline void close_raw_fd(int fd)
{
    (void)::_close(fd);
}
#else
inline std::uintptr_t kernel_of_fd(int fd)
{
    return static_cast<std::uintptr_t>(fd);
}
inline bool kernel_open(std::uintptr_t value)
{
    return ::fcntl(static_cast<int>(value), F_GETFD) != -1;
}
inline int open_null_fd()
{
    return ::open("/dev/null", O_RDWR | O_CLOEXEC);
}
inline int fileno_of(std::FILE *stream)
{
    return ::fileno(stream);
}
inline void close_raw_fd(int fd)
{
    (void)::close(fd);
}
#endif

inline std::uintptr_t raw_of(const handoff::unique_fd &fd)
{
    return static_cast<std::uintptr_t>(fd.get());
}
inline std::uintptr_t kernel_of(const handoff::unique_fd &fd)
{
    return kernel_of_fd(fd.get());
}
inline std::uintptr_t raw_of(const handoff::unique_file &file)
{
    return reinterpret_cast<std::uintptr_t>(file.get());
}
inline std::uintptr_t kernel_of(const handoff::unique_file &file)
{
    return kernel_of_fd(fileno_of(file.get()));
}
#if defined(_WIN32)
inline std::uintptr_t raw_of(const handoff::unique_handle &h)
{
    return reinterpret_cast<std::uintptr_t>(h.get());
}
inline std::uintptr_t kernel_of(const handoff::unique_handle &h)
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
    /// Choices drawn from a generator seeded with `seed`.
    explicit model_run(std::uint32_t seed) : random_(seed)
    {
    }

    /// Choices read from `size` bytes at `bytes`, one per choice (a fuzzer's input); once they
    /// are used up, exhausted() is true.
    model_run(const std::uint8_t *bytes, std::size_t size) : bytes_(bytes), bytes_left_(size)
    {
    }

    /// Whether the bytes given to the constructor are used up (never for a seeded run).
    bool exhausted() const
    {
        return bytes_ != nullptr && bytes_left_ == 0;
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
        case 21: { // move construction, then the new owner goes to slot j
            handoff::unique_fd moved(std::move(fds_.owner[i]));
            const expected was = fds_.model[i];
            fds_.model[i] = expected{};
            if (!expect(static_cast<bool>(moved) == was.held, "move construction lost or made a value"))
                return;
            place(fds_, j, std::move(moved));
            break;
        }
        case 22: // give() hands the value over, as release() does, for a sink that will close it
            if (files_.owner[i])
            {
                const expected was = files_.model[i];
                released_.push_back({1, reinterpret_cast<std::uintptr_t>(std::move(files_.owner[i]).give()), was.kernel});
                files_.model[i] = expected{};
            }
            break;
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
        return static_cast<std::size_t>(next() % slots);
    }
    unsigned pick_operation()
    {
#if defined(_WIN32)
        return static_cast<unsigned>(next() % 23);
#else
        const auto operation = static_cast<unsigned>(next() % 14);
        return operation < 12 ? operation : operation + 9; // 21 and 22, past the HANDLE family's
#endif
    }

    void adopt_released(std::size_t i)
    {
        const std::size_t k = static_cast<std::size_t>(next() % released_.size());
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

    /// The next choice: a byte of the input, or the generator's next number.
    std::uint32_t next()
    {
        if (bytes_ == nullptr)
            return static_cast<std::uint32_t>(random_());
        if (bytes_left_ == 0)
            return 0;
        --bytes_left_;
        return *bytes_++;
    }

    std::mt19937 random_;
    const std::uint8_t *bytes_ = nullptr;
    std::size_t bytes_left_ = 0;
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
} // namespace owner_model
} // namespace handoff_test

#endif
