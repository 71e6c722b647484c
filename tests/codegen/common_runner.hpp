// What both runners share: the jobs that are the same on every platform, and the output
// format, one line per function:
//
//     <function> TAB <instructions executed by one call> TAB <calls run at full speed>

#ifndef HANDOFF_TESTS_CODEGEN_COMMON_RUNNER_HPP_INCLUDED
#define HANDOFF_TESTS_CODEGEN_COMMON_RUNNER_HPP_INCLUDED

#include "pair_declarations.hpp"
#include "pairs.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace codegen
{
inline void print(const char *function, unsigned long long instructions, unsigned long long full_speed_calls)
{
    std::printf("%s\t%llu\t%llu\n", function, instructions, full_speed_calls);
}

/// How many times a runner calls each function: warm-up calls first (the first call of a
/// function may bind imports and initialize statics), then the one it counts.
constexpr int calls_per_function = 4;

/// Stops the runner: a job did not do its work, so its count means nothing.
[[noreturn]] inline void fail(const char *function, const char *what)
{
    std::fprintf(stderr, "%s: %s\n", function, what);
    std::exit(1);
}

/// Runs the jobs every platform has through `measure(name, call)`, which calls `call`
/// calls_per_function times, and checks that each job closed every value it was given once.
template <class Measure> void run_common_jobs(Measure &&measure)
{
    static void *values[codegen_loop_size];
    for (int i = 0; i < codegen_loop_size; ++i)
        values[i] = reinterpret_cast<void *>(static_cast<std::uintptr_t>(0x1000 + 16 * i));

    measure("codegen_nothing", [] { codegen_nothing(nullptr); });
    const auto chain = [&](const char *name, void (*job)(void *) noexcept) {
        const long before = codegen_closes;
        measure(name, [job] { job(reinterpret_cast<void *>(0x2000)); });
        if (codegen_closes - before != calls_per_function)
            fail(name, "did not close its value exactly once");
    };
    chain("raw_move_chain", raw_move_chain);
    chain("handoff_move_chain", handoff_move_chain);
    chain("uptr_move_chain", uptr_move_chain);
#if defined(__clang__)
    chain("trivial_move_chain", trivial_move_chain);
#endif

    const auto loop = [&](const char *name, void (*job)(void *const *) noexcept) {
        const long before = codegen_closes;
        measure(name, [job] { job(values); });
        if (codegen_closes - before != long{calls_per_function} * codegen_loop_size)
            fail(name, "did not close each value exactly once");
    };
    loop("raw_vector_pop", raw_vector_pop);
    loop("handoff_vector_pop", handoff_vector_pop);
    loop("uptr_vector_pop", uptr_vector_pop);
    loop("raw_vector_scattered", raw_vector_scattered);
    loop("handoff_vector_scattered", handoff_vector_scattered);
    loop("uptr_vector_scattered", uptr_vector_scattered);
    loop("raw_vector_front", raw_vector_front);
    loop("handoff_vector_front", handoff_vector_front);
    loop("uptr_vector_front", uptr_vector_front);
}
} // namespace codegen

#endif // HANDOFF_TESTS_CODEGEN_COMMON_RUNNER_HPP_INCLUDED
