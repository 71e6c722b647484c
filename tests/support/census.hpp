// Test support: what this process has open right now, for the per-test leak check.
//
// Windows: the handle values of this process, found by probing each value with
// GetHandleInformation (census.cpp says why not NtQuerySystemInformation).
// Elsewhere: the descriptors listed in /proc/self/fd.

#ifndef HANDOFF_TESTS_SUPPORT_CENSUS_HPP
#define HANDOFF_TESTS_SUPPORT_CENSUS_HPP

#include <cstdint>
#include <string>
#include <vector>

namespace handoff_test
{
/// The handles (Windows) or descriptors (elsewhere) this process has open, sorted.
std::vector<std::uintptr_t> open_resources();

/// What kind of object an open handle or descriptor is ("Event", "File", "pipe:[123]", ...).
std::string describe_resource(std::uintptr_t value);

/// Formats a handle or descriptor value the way the platform's tools print it.
std::string format_resource(std::uintptr_t value);

/// The values in `after` but not in `before` (opened and not closed), or the reverse.
std::vector<std::uintptr_t> difference(const std::vector<std::uintptr_t> &after,
                                       const std::vector<std::uintptr_t> &before);
} // namespace handoff_test

#endif
