// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief The kernel HANDLE family (Windows): `unique_handle`, `borrowed_handle`, checked
/// adoption of API results, and `duplicate()`.
///
/// On other platforms this header declares nothing.

#ifndef HANDOFF_WIN32_HPP_INCLUDED
#define HANDOFF_WIN32_HPP_INCLUDED

#include <handoff/borrowed_handle.hpp>
#include <handoff/config.hpp>
#include <handoff/error.hpp>
#include <handoff/unique_handle.hpp>

#if HANDOFF_WINDOWS

#include <windows.h>

#include <cstdint>
#include <system_error>

HANDOFF_BEGIN_NAMESPACE

/// True for the pseudo-handles (`GetCurrentProcess()`, `GetCurrentThread()`, the token
/// pseudo-handles) and for `INVALID_HANDLE_VALUE`, which is the same value as
/// `GetCurrentProcess()`. No real handle in a user-mode process has a negative value.
inline bool is_pseudo_handle(HANDLE h) noexcept
{
    return reinterpret_cast<std::intptr_t>(h) < 0;
}

/// Traits of the kernel HANDLE family: empty is `nullptr`; `nullptr`, `INVALID_HANDLE_VALUE`
/// and the other pseudo-handles are never owned; closed with `CloseHandle`.
struct handle_traits
{
    /// The raw value.
    using value_type = HANDLE;

    /// `nullptr`, the value of an empty owner or view.
    static constexpr value_type empty() noexcept
    {
        return nullptr;
    }

    /// False for `nullptr` and every pseudo-handle (`is_pseudo_handle`).
    static bool can_own(value_type h) noexcept
    {
        return h != nullptr && !is_pseudo_handle(h);
    }

    /// `CloseHandle(h)`; its `GetLastError()` on failure.
    static std::error_code close(value_type h) noexcept
    {
        if (::CloseHandle(h))
            return {};
        return detail::win32_error();
    }
};

/// Owns a kernel HANDLE and closes it with `CloseHandle`.
using unique_handle = basic_unique_handle<handle_traits>;

/// A kernel HANDLE that somebody else closes.
using borrowed_handle = basic_borrowed_handle<handle_traits>;

/// The current process's pseudo-handle as a view. It can be used but not owned;
/// `duplicate(current_process(), duplicate_options().allow_pseudo_handle())` makes a real one.
inline borrowed_handle current_process() noexcept
{
    return borrowed_handle(::GetCurrentProcess());
}

/// Selects the failure convention of an API whose result is adopted: it returns `NULL` on
/// failure (`CreateEventW`, `OpenProcess`, `CreateThread`, ...).
struct null_on_failure_t
{
    explicit null_on_failure_t() = default;
};
/// The `NULL`-on-failure convention.
inline constexpr null_on_failure_t null_on_failure{};

/// Selects the failure convention of an API whose result is adopted: it returns
/// `INVALID_HANDLE_VALUE` on failure (`CreateFileW`, `CreateNamedPipeW`, `CreateToolhelp32Snapshot`, ...).
struct invalid_on_failure_t
{
    explicit invalid_on_failure_t() = default;
};
/// The `INVALID_HANDLE_VALUE`-on-failure convention.
inline constexpr invalid_on_failure_t invalid_on_failure{};

/// Adopts the result of an API that returns `NULL` on failure. On failure `ec` is the API's
/// `GetLastError()` value, which is also left in place; nothing is closed. A pseudo-handle
/// result is refused with `errc::pseudo_handle`.
///
/// ~~~cpp
/// std::error_code ec;
/// handoff::unique_handle event = handoff::adopt_handle(::CreateEventW(nullptr, TRUE, FALSE, nullptr),
///                                                      handoff::null_on_failure, ec);
/// ~~~
inline unique_handle adopt_handle(HANDLE h, null_on_failure_t, std::error_code &ec) noexcept
{
    return detail::adopt_result<unique_handle>(
        h, nullptr, [] { return detail::win32_error(); }, errc::pseudo_handle, ec);
}

/// Adopts the result of an API that returns `INVALID_HANDLE_VALUE` on failure. On failure `ec`
/// is the API's `GetLastError()` value, which is also left in place; nothing is closed. `NULL`
/// is refused with `errc::empty_value`, another pseudo-handle with `errc::pseudo_handle`.
inline unique_handle adopt_handle(HANDLE h, invalid_on_failure_t, std::error_code &ec) noexcept
{
    return detail::adopt_result<unique_handle>(
        h, INVALID_HANDLE_VALUE, [] { return detail::win32_error(); }, errc::pseudo_handle, ec);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `adopt_handle(h, null_on_failure, ec)`: throws `std::system_error`.
inline unique_handle adopt_handle(HANDLE h, null_on_failure_t convention)
{
    return detail::value_or_throw("handoff::adopt_handle",
                                  [&](std::error_code &ec) { return adopt_handle(h, convention, ec); });
}

/// Throwing form of `adopt_handle(h, invalid_on_failure, ec)`: throws `std::system_error`.
///
/// ~~~cpp
/// handoff::unique_handle file = handoff::adopt_handle(
///     ::CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING, 0, nullptr),
///     handoff::invalid_on_failure);
/// ~~~
inline unique_handle adopt_handle(HANDLE h, invalid_on_failure_t convention)
{
    return detail::value_or_throw("handoff::adopt_handle",
                                  [&](std::error_code &ec) { return adopt_handle(h, convention, ec); });
}
#endif

/// How `duplicate()` makes its copy. The defaults are the safe ones: the same access as the
/// source, not inheritable by child processes, and pseudo-handles refused.
///
/// ~~~cpp
/// auto reader = handoff::duplicate(file, handoff::duplicate_options().access(GENERIC_READ));
/// ~~~
class duplicate_options
{
  public:
    /// Grants exactly `rights` (e.g. `GENERIC_READ`, `SYNCHRONIZE`) instead of the source's access.
    constexpr duplicate_options &access(DWORD rights) noexcept
    {
        access_ = rights;
        same_access_ = false;
        return *this;
    }

    /// Makes the duplicate inheritable by child processes created with handle inheritance.
    constexpr duplicate_options &inheritable(bool yes = true) noexcept
    {
        inheritable_ = yes;
        return *this;
    }

    /// Accepts a pseudo-handle as the source: duplicating `GetCurrentProcess()` or
    /// `GetCurrentThread()` gives a real handle to the process or thread. Off by default,
    /// because a pseudo-handle is usually a failure value (`INVALID_HANDLE_VALUE`) in disguise.
    constexpr duplicate_options &allow_pseudo_handle(bool yes = true) noexcept
    {
        allow_pseudo_handle_ = yes;
        return *this;
    }

    /// The rights `access()` asked for; meaningful only when `same_access()` is false.
    constexpr DWORD access_rights() const noexcept
    {
        return access_;
    }
    /// True unless `access()` was called: the copy gets the source's access.
    constexpr bool same_access() const noexcept
    {
        return same_access_;
    }
    /// Whether the copy is inheritable.
    constexpr bool is_inheritable() const noexcept
    {
        return inheritable_;
    }
    /// Whether a pseudo-handle is accepted as the source.
    constexpr bool pseudo_handle_allowed() const noexcept
    {
        return allow_pseudo_handle_;
    }

  private:
    DWORD access_ = 0;
    bool same_access_ = true;
    bool inheritable_ = false;
    bool allow_pseudo_handle_ = false;
};

namespace detail
{
/// Checks `source` against `options`, then duplicates it into `target_process` (this process
/// or another); returns the new value, or null with `ec` set.
inline HANDLE duplicate_into_process(borrowed_handle source, HANDLE target_process, const duplicate_options &options,
                                     std::error_code &ec) noexcept
{
    if (!source)
    {
        ec = errc::empty_value;
        return nullptr;
    }
    if (is_pseudo_handle(source.get()) && !options.pseudo_handle_allowed())
    {
        ec = errc::pseudo_handle;
        return nullptr;
    }
    HANDLE copy = nullptr;
    if (!::DuplicateHandle(::GetCurrentProcess(), source.get(), target_process, &copy, options.access_rights(),
                           options.is_inheritable() ? TRUE : FALSE, options.same_access() ? DUPLICATE_SAME_ACCESS : 0))
    {
        ec = win32_error();
        return nullptr;
    }
    ec.clear();
    return copy;
}
} // namespace detail

/// Makes a new handle to the object `source` refers to, owned by the caller; `source` is not
/// touched. A duplicate shares the kernel object, so a file's position and mode are shared too.
/// Refuses an empty source (`errc::empty_value`) and, unless the options allow it, a
/// pseudo-handle (`errc::pseudo_handle`); otherwise `ec` is `DuplicateHandle`'s error.
inline unique_handle duplicate(borrowed_handle source, const duplicate_options &options, std::error_code &ec) noexcept
{
    return unique_handle(detail::duplicate_into_process(source, ::GetCurrentProcess(), options, ec));
}

/// `duplicate(source, duplicate_options(), ec)`.
inline unique_handle duplicate(borrowed_handle source, std::error_code &ec) noexcept
{
    return duplicate(source, duplicate_options(), ec);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `duplicate(source, options, ec)`: throws `std::system_error`.
///
/// ~~~cpp
/// // A library will close what it is given: give it its own handle, keep ours.
/// vendor_take_ownership(handoff::duplicate(mine).release());
/// ~~~
inline unique_handle duplicate(borrowed_handle source, const duplicate_options &options = duplicate_options())
{
    return detail::value_or_throw("handoff::duplicate",
                                  [&](std::error_code &ec) { return duplicate(source, options, ec); });
}
#endif

HANDOFF_END_NAMESPACE

#endif // HANDOFF_WINDOWS

#endif // HANDOFF_WIN32_HPP_INCLUDED
