// The array forms of operator new and delete for the test executables, over malloc and free, so
// that failing_array_allocations can refuse the nothrow ones. Every form that can free what these
// allocate is replaced with them, so that a sanitizer sees malloc matched by free.

#include "allocation_failure.hpp"

#include <cstdlib>
#include <new>

namespace
{
thread_local int successes_left = -1; // -1: nothing is refused
thread_local int refused_count = 0;

void *allocate(std::size_t size) noexcept
{
    return std::malloc(size != 0 ? size : 1);
}
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

void *operator new[](std::size_t size, const std::nothrow_t &) noexcept
{
    if (successes_left == 0)
    {
        ++refused_count;
        return nullptr;
    }
    if (successes_left > 0)
        --successes_left;
    return allocate(size);
}

void *operator new[](std::size_t size)
{
    if (void *memory = allocate(size))
        return memory;
#if defined(__cpp_exceptions)
    throw std::bad_alloc();
#else
    std::abort();
#endif
}

void operator delete[](void *memory) noexcept
{
    std::free(memory);
}

void operator delete[](void *memory, std::size_t) noexcept
{
    std::free(memory);
}

void operator delete[](void *memory, const std::nothrow_t &) noexcept
{
    std::free(memory);
}
