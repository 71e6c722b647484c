// Test support: out of memory on demand, for the calls that allocate with `new (std::nothrow) T[n]`
// (the virtual descriptor table's clock ring and its chunks of slots).
//
// The test executables wrap the nothrow array operator new at link time (allocation_failure.cpp),
// so that a test can make the next such allocations on its own thread return null, as they would
// when memory runs out, and then check what the failing call reports, leaks and leaves owned.

#ifndef HANDOFF_TESTS_SUPPORT_ALLOCATION_FAILURE_HPP
#define HANDOFF_TESTS_SUPPORT_ALLOCATION_FAILURE_HPP

namespace handoff_test
{
/// While it lives, the `new (std::nothrow) T[n]` allocations of this thread after the first
/// `successes` return null. Other threads and the throwing forms are not affected.
class failing_array_allocations
{
  public:
    explicit failing_array_allocations(int successes = 0);
    failing_array_allocations(const failing_array_allocations &) = delete;
    failing_array_allocations &operator=(const failing_array_allocations &) = delete;
    ~failing_array_allocations();

    /// How many allocations were refused so far.
    int refused() const;
};
} // namespace handoff_test

#endif
