// The functions the code-generation test compares, declared for the runners that call them.
//
// Each pair is a job written twice: `raw_*` with raw values and the same checks handoff makes,
// by hand, and `handoff_*` with handoff. Some jobs have a third form, a reference that is not
// the target (`plain_*`: raw code without handoff's checks; `uptr_*`: std::unique_ptr with a
// stateless deleter). tests/codegen/pairs.txt says which functions pair up and the ratios each
// pair must keep. The functions are extern "C" and never inlined or cloned, so that each is
// compiled, counted and called on its own.

#ifndef HANDOFF_TESTS_CODEGEN_PAIRS_HPP_INCLUDED
#define HANDOFF_TESTS_CODEGEN_PAIRS_HPP_INCLUDED

#include <cstddef>
#include <system_error>

#if defined(__clang__)
#define CODEGEN_FUNCTION __attribute__((noinline, used))
#else
#define CODEGEN_FUNCTION __attribute__((noipa, used))
#endif

// How many values the container loops hold.
constexpr int codegen_loop_size = 64;

extern "C"
{
    /// Closes nothing: counts. The owners and raw loops that "close" through it measure their
    /// own code without a system call. Defined in count_close.cpp, so no caller can see into it.
    void codegen_count_close(void *value) noexcept;
    /// How many times codegen_count_close ran.
    extern long codegen_closes;
    /// Does nothing: what the runners count for it is their own cost, taken off every count.
    void codegen_nothing(void *) noexcept;
}

/// A family that closes through codegen_count_close, for the move and container jobs.
struct counted_traits
{
    using value_type = void *;
    static constexpr value_type empty() noexcept
    {
        return nullptr;
    }
    static constexpr bool can_own(value_type value) noexcept
    {
        return value != nullptr;
    }
    static std::error_code close(value_type value) noexcept
    {
        codegen_count_close(value);
        return {};
    }
    static void close_quietly(value_type value) noexcept
    {
        codegen_count_close(value);
    }
};

/// The deleter of the std::unique_ptr reference: stateless, so the pointer is all it holds.
struct counted_deleter
{
    void operator()(void *value) const noexcept
    {
        codegen_count_close(value);
    }
};

#endif // HANDOFF_TESTS_CODEGEN_PAIRS_HPP_INCLUDED
