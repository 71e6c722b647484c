// Test support: a soft RLIMIT_NOFILE of the test's choosing (POSIX), raised for tests that open
// more descriptors than the default allows, lowered for tests that fill the descriptor table.

#ifndef HANDOFF_TESTS_SUPPORT_DESCRIPTOR_LIMIT_HPP
#define HANDOFF_TESTS_SUPPORT_DESCRIPTOR_LIMIT_HPP

#if !defined(_WIN32)

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <algorithm>

namespace handoff_test
{
/// Sets the soft descriptor limit to `wanted` (at most the hard limit) for the test's life.
class descriptor_limit
{
  public:
    explicit descriptor_limit(rlim_t wanted)
    {
        REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved_) == 0);
        struct rlimit raised = saved_;
        raised.rlim_cur = std::min<rlim_t>(wanted, saved_.rlim_max);
        REQUIRE(::setrlimit(RLIMIT_NOFILE, &raised) == 0);
        soft_ = raised.rlim_cur;
    }
    descriptor_limit(const descriptor_limit &) = delete;
    descriptor_limit &operator=(const descriptor_limit &) = delete;
    ~descriptor_limit()
    {
        (void)::setrlimit(RLIMIT_NOFILE, &saved_);
    }
    rlim_t soft() const
    {
        return soft_;
    }

  private:
    struct rlimit saved_{};
    rlim_t soft_ = 0;
};
} // namespace handoff_test

#endif

#endif
