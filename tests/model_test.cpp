// Random sequences of owner operations and conversions (tests/support/owner_model.hpp), each
// checked against the model after every step, natively and under Wine; after every batch of
// sequences, once everything is closed, the process has open exactly what it had before. The
// seed is printed on failure; HANDOFF_MODEL_SEED=<n> replays one sequence,
// HANDOFF_MODEL_SEQUENCES=<n> runs n.

#include "support/census.hpp"
#include "support/owner_model.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace
{
using handoff_test::owner_model::model_run;

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
