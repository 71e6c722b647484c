// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief Version, platform and exception detection, and the HANDOFF_* configuration macros.
///
/// Every knob is defined to 0 or 1 and tested with `#if`, so a user can pre-define it on the
/// command line to override the detection.

#ifndef HANDOFF_CONFIG_HPP_INCLUDED
#define HANDOFF_CONFIG_HPP_INCLUDED

// The one place the version lives; CMake reads it from here.
/// The major version: changes that break source compatibility.
#define HANDOFF_VERSION_MAJOR 0
/// The minor version: additions; also part of the inline namespace while the major version is 0.
#define HANDOFF_VERSION_MINOR 1
/// The patch version: fixes only.
#define HANDOFF_VERSION_PATCH 0
/// The version as one number, `major * 10000 + minor * 100 + patch`, for `#if` tests.
#define HANDOFF_VERSION (HANDOFF_VERSION_MAJOR * 10000 + HANDOFF_VERSION_MINOR * 100 + HANDOFF_VERSION_PATCH)

#include <cstddef> // makes _HAS_EXCEPTIONS visible on MSVC before it is tested

/// 1 when compiled for Windows (MSVC, MinGW, clang-cl), where the kernel HANDLE and CRT families exist.
#ifndef HANDOFF_WINDOWS
#if defined(_WIN32)
#define HANDOFF_WINDOWS 1
#else
#define HANDOFF_WINDOWS 0
#endif
#endif

/// 1 where POSIX file descriptors are the native descriptor (everything but Windows).
#ifndef HANDOFF_POSIX
#if HANDOFF_WINDOWS
#define HANDOFF_POSIX 0
#else
#define HANDOFF_POSIX 1
#endif
#endif

/// 1 when the throwing forms of the API exist. With exceptions disabled only the
/// `std::error_code&` forms are declared, so no call can drop an error on the floor.
#ifndef HANDOFF_EXCEPTIONS
#if defined(_HAS_EXCEPTIONS) && _HAS_EXCEPTIONS == 0
#define HANDOFF_EXCEPTIONS 0
#elif defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define HANDOFF_EXCEPTIONS 1
#else
#define HANDOFF_EXCEPTIONS 0
#endif
#endif

/// Marks a parameter (or, after a member function's parameter list, `*this`) whose object the
/// result refers to, so that clang (`-Wdangling`) reports a view kept after its owner was
/// destroyed: `handoff::borrowed_fd v = handoff::unique_fd(3);` Expands to nothing for other
/// compilers. (MSVC's `[[msvc::lifetimebound]]` is not used: no MSVC here can check that
/// every placement compiles; define the macro to it to try.)
#ifndef HANDOFF_LIFETIMEBOUND
#if defined(__has_cpp_attribute)
#if __has_cpp_attribute(clang::lifetimebound)
#define HANDOFF_LIFETIMEBOUND [[clang::lifetimebound]]
#endif
#endif
#endif
#ifndef HANDOFF_LIFETIMEBOUND
#define HANDOFF_LIFETIMEBOUND
#endif

// The versioned inline namespace keeps two vendored copies of different versions from
// silently sharing (and violating the ODR of) one set of symbols.
/// @cond HANDOFF_INTERNAL
#define HANDOFF_ABI_NAMESPACE_CONCAT(major, minor) v##major##_##minor
#define HANDOFF_ABI_NAMESPACE_EXPAND(major, minor) HANDOFF_ABI_NAMESPACE_CONCAT(major, minor)
/// @endcond
/// The name of the inline namespace inside `handoff`, `v<major>_<minor>` (`v0_1`).
#define HANDOFF_ABI_NAMESPACE HANDOFF_ABI_NAMESPACE_EXPAND(HANDOFF_VERSION_MAJOR, HANDOFF_VERSION_MINOR)

/// @namespace handoff
/// @brief Everything handoff declares; `handoff::detail` is not part of the API.

/// Opens `namespace handoff { inline namespace HANDOFF_ABI_NAMESPACE {`: how a header that
/// adds to handoff (a custom family's free functions, say) enters the same namespace.
#define HANDOFF_BEGIN_NAMESPACE                                                                                        \
    namespace handoff                                                                                                  \
    {                                                                                                                  \
    inline namespace HANDOFF_ABI_NAMESPACE                                                                             \
    {
/// Closes what `HANDOFF_BEGIN_NAMESPACE` opened.
#define HANDOFF_END_NAMESPACE                                                                                          \
    }                                                                                                                  \
    }

#endif // HANDOFF_CONFIG_HPP_INCLUDED
