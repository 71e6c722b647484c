// libFuzzer target: the fuzzer's bytes choose the owner operations and conversions of one
// sequence (tests/support/owner_model.hpp), checked against the model after every step. A step
// that breaks the model, or an input that leaves a descriptor open, aborts with what broke, and
// libFuzzer keeps the input that did it.

#include "support/census.hpp"
#include "support/owner_model.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::vector<std::uintptr_t> before = handoff_test::open_resources();
    {
        handoff_test::owner_model::model_run run(data, size);
        while (!run.exhausted() && run.failure().empty())
            run.step();
        run.finish();
        if (!run.failure().empty())
        {
            std::fprintf(stderr, "owner model: %s\n", run.failure().c_str());
            std::abort();
        }
    }
    const std::vector<std::uintptr_t> after = handoff_test::open_resources();
    if (!handoff_test::difference(after, before).empty() || !handoff_test::difference(before, after).empty())
    {
        std::fprintf(stderr, "owner model: the input leaked a descriptor or closed one it did not open\n");
        std::abort();
    }
    return 0;
}
