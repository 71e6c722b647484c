// The nothrow array operator new of the test executables, wrapped at link time
// (--wrap=<its mangled name>, tests/CMakeLists.txt), so that failing_array_allocations can make
// it return null. Every other call goes on to the real one, whoever provides it (the C++
// runtime, a sanitizer's runtime or memcheck), which then also frees the memory.

#include "allocation_failure.hpp"

#include <cstddef>
#include <new>

#define HANDOFF_TEST_JOIN2(a, b) a##b
#define HANDOFF_TEST_JOIN(a, b) HANDOFF_TEST_JOIN2(a, b)
#define HANDOFF_TEST_WRAPPED_NEW HANDOFF_TEST_JOIN(__wrap_, HANDOFF_TEST_ARRAY_NEW_SYMBOL)
#define HANDOFF_TEST_REAL_NEW HANDOFF_TEST_JOIN(__real_, HANDOFF_TEST_ARRAY_NEW_SYMBOL)

namespace
{
thread_local int successes_left = -1; // -1: nothing is refused
thread_local int refused_count = 0;
} // namespace

namespace handoff_test
{
failing_array_allocations::failing_array_allocations(int successes)
{
    successes_left = successes;
    refused_count = 0;
}

failing_array_allocations::~failing_array_allocations()
{
    successes_left = -1;
}

int failing_array_allocations::refused() const
{
    return refused_count;
}
} // namespace handoff_test

extern "C" void *HANDOFF_TEST_REAL_NEW(std::size_t size, const std::nothrow_t &tag) noexcept;
extern "C" void *HANDOFF_TEST_WRAPPED_NEW(std::size_t size, const std::nothrow_t &tag) noexcept;

extern "C" void *HANDOFF_TEST_WRAPPED_NEW(std::size_t size, const std::nothrow_t &tag) noexcept
{
    if (successes_left == 0)
    {
        ++refused_count;
        return nullptr;
    }
    if (successes_left > 0)
        --successes_left;
    return HANDOFF_TEST_REAL_NEW(size, tag);
}
