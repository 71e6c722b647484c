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

/// Define to 1 to declare owners `[[clang::trivial_abi]]`, so that clang passes and returns them
/// in a register like the raw value instead of through memory (see docs/benchmarks.md). Off by
/// default: it changes how every function that takes or returns an owner by value receives it
/// (directly, inside a struct, through a virtual function or a function pointer), so all code
/// that passes owners to each other must be built with the same setting, by clang. The owners
/// then carry the ABI tag `handoff_trivial_abi`, which makes a mismatch fail to link where an
/// owner appears in a function's own signature; a struct holding an owner, a virtual call or
/// an `extern "C"` function is not caught. Only for clang outside MSVC mode (Linux, MinGW).
#ifndef HANDOFF_TRIVIAL_ABI
#define HANDOFF_TRIVIAL_ABI 0
#endif
// After the error the macro is 0, so that the error is the only message.
#if HANDOFF_TRIVIAL_ABI
#if !defined(__clang__) || defined(_MSC_VER)
#error "HANDOFF_TRIVIAL_ABI=1 needs clang outside MSVC mode; other compilers have no [[clang::trivial_abi]]"
#undef HANDOFF_TRIVIAL_ABI
#define HANDOFF_TRIVIAL_ABI 0
#elif !__has_cpp_attribute(clang::trivial_abi)
#error "HANDOFF_TRIVIAL_ABI=1: this clang has no [[clang::trivial_abi]]"
#undef HANDOFF_TRIVIAL_ABI
#define HANDOFF_TRIVIAL_ABI 0
#endif
#endif
/// @cond HANDOFF_INTERNAL
// [[nodiscard]] with the reason, where the compiler prints one (clang calls the reason a C++20
// extension before C++20, and is told not to warn about it).
#if defined(__has_cpp_attribute)
#if __has_cpp_attribute(nodiscard) >= 201907L && defined(__clang__)
#define HANDOFF_NODISCARD(why)                                                                                         \
    _Pragma("clang diagnostic push") _Pragma("clang diagnostic ignored \"-Wc++20-attribute-extensions\"")            \
        [[nodiscard(why)]] _Pragma("clang diagnostic pop")
#elif __has_cpp_attribute(nodiscard) >= 201907L
#define HANDOFF_NODISCARD(why) [[nodiscard(why)]]
#endif
#endif
#if !defined(HANDOFF_NODISCARD)
#define HANDOFF_NODISCARD(why) [[nodiscard]]
#endif
// Gives a variable one instance per process across shared objects (ELF, Mach-O) even when
// they are built with hidden visibility.
#if (defined(__GNUC__) || defined(__clang__)) && !defined(_WIN32)
#define HANDOFF_VISIBLE_DEFAULT __attribute__((visibility("default")))
#else
#define HANDOFF_VISIBLE_DEFAULT
#endif
// Marks a function that runs only on a failure or once per process: the compiler keeps it out
// of line and away from the code that runs on success.
#if defined(__GNUC__) || defined(__clang__)
#define HANDOFF_COLD __attribute__((cold, noinline))
#elif defined(_MSC_VER)
#define HANDOFF_COLD __declspec(noinline)
#else
#define HANDOFF_COLD
#endif
// Marks the conversions and the helpers on their success path: inlined where they are called,
// as the hand-written code they replace would be, so that no result or error code goes
// through memory and constant arguments fold. Their failure paths are HANDOFF_COLD.
#if defined(__GNUC__) || defined(__clang__)
#define HANDOFF_INLINE inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define HANDOFF_INLINE __forceinline
#else
#define HANDOFF_INLINE inline
#endif
// Marks a helper whose every call makes a system call anyway (the probes): kept out of line,
// so that each conversion's call site stays small, for the price of a call next to a syscall.
#if defined(__GNUC__) || defined(__clang__)
#define HANDOFF_OUT_OF_LINE inline __attribute__((noinline))
#elif defined(_MSC_VER)
#define HANDOFF_OUT_OF_LINE inline __declspec(noinline)
#else
#define HANDOFF_OUT_OF_LINE inline
#endif
// The tag goes on every declaration of the owner template, the attribute on its definition.
#if HANDOFF_TRIVIAL_ABI
#define HANDOFF_OWNER_ABI_TAG __attribute__((abi_tag("handoff_trivial_abi")))
#define HANDOFF_OWNER_ABI [[clang::trivial_abi]] HANDOFF_OWNER_ABI_TAG
#else
#define HANDOFF_OWNER_ABI_TAG
#define HANDOFF_OWNER_ABI
#endif
/// @endcond

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
