// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief The kernel HANDLE family (Windows): `unique_handle`, `borrowed_handle`, checked
/// adoption of API results, `duplicate()`, and views of the standard and pseudo-handles.
///
/// On other platforms this header declares nothing.

#ifndef HANDOFF_WIN32_HPP_INCLUDED
#define HANDOFF_WIN32_HPP_INCLUDED

#include <handoff/borrowed_handle.hpp>
#include <handoff/config.hpp>
#include <handoff/error.hpp>
#include <handoff/unique_handle.hpp>

#if HANDOFF_WINDOWS

#include <handoff/detail/handle_kind.hpp>
#include <handoff/detail/windows.hpp>

#include <cstdint>
#include <system_error>
#include <utility>

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
    /// What the ownership checks (docs/checks.md) register an owner's value as.
    static constexpr value_kind check_kind = value_kind::kernel_handle;
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
    HANDOFF_INLINE static std::error_code close(value_type h) noexcept
    {
        if (::CloseHandle(h))
            return {};
        return detail::win32_error();
    }

    /// `CloseHandle(h)`, for an owner that cannot report its result.
    HANDOFF_INLINE static void close_quietly(value_type h) noexcept
    {
        (void)::CloseHandle(h);
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
    return borrowed_handle(detail::this_process());
}

/// The current thread's pseudo-handle as a view. It names whichever thread uses it, so it
/// cannot be given to another thread; `duplicate(current_thread(),
/// duplicate_options().allow_pseudo_handle())` makes a real handle to this thread.
inline borrowed_handle current_thread() noexcept
{
    return borrowed_handle(::GetCurrentThread());
}

/// A standard handle (`STD_INPUT_HANDLE`, `STD_OUTPUT_HANDLE`, `STD_ERROR_HANDLE`) as a view:
/// the process owns it (`SetStdHandle` may replace it). A process without one (no console,
/// none given by its parent, or one its parent set to `INVALID_HANDLE_VALUE`) gets an empty
/// view and no error; a failure of `GetStdHandle` (an unknown `which`) is reported as its
/// error. `GetLastError()` is left as it was unless `GetStdHandle` failed.
inline borrowed_handle std_handle(DWORD which, std::error_code &ec) noexcept
{
    const DWORD saved = ::GetLastError();
    const HANDLE h = ::GetStdHandle(which);
    if (h == INVALID_HANDLE_VALUE)
    {
        // Windows sets ERROR_INVALID_HANDLE for a standard handle that is INVALID_HANDLE_VALUE
        // too: only an unknown `which` is a failure.
        if (which != STD_INPUT_HANDLE && which != STD_OUTPUT_HANDLE && which != STD_ERROR_HANDLE)
        {
            ec = detail::win32_error();
            return {};
        }
        ::SetLastError(saved);
        ec.clear();
        return {};
    }
    ec.clear();
    return borrowed_handle(h);
}

/// Makes `h` inheritable by child processes started with handle inheritance, or not. Note
/// that an inheritable handle goes to every such child, including those other threads start
/// meanwhile (the CRT's `_spawn` and `system` among them); to give a handle to one child only,
/// list it in `PROC_THREAD_ATTRIBUTE_HANDLE_LIST`. Refuses an empty handle and pseudo-handles.
inline void set_inheritable(borrowed_handle h, bool inheritable, std::error_code &ec) noexcept
{
    if (!h)
        ec = errc::empty_value;
    else if (is_pseudo_handle(h.get()))
        ec = errc::pseudo_handle;
    else
    {
#if HANDOFF_CHECKS
        if (inheritable)
            detail::checks::made_inheritable(reinterpret_cast<std::uintptr_t>(h.get()));
#endif
        if (!::SetHandleInformation(h.get(), HANDLE_FLAG_INHERIT, inheritable ? HANDLE_FLAG_INHERIT : 0))
            ec = detail::win32_error();
        else
            ec.clear();
    }
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `std_handle(which, ec)`: throws `std::system_error` carrying `GetLastError()`.
inline borrowed_handle std_handle(DWORD which)
{
    return detail::value_or_throw("handoff::std_handle", [&](std::error_code &ec) { return std_handle(which, ec); });
}

/// Throwing form of `set_inheritable(h, inheritable, ec)`: throws `std::system_error`.
inline void set_inheritable(borrowed_handle h, bool inheritable)
{
    std::error_code ec;
    set_inheritable(h, inheritable, ec);
    detail::throw_if_error(ec, "handoff::set_inheritable");
}
#endif

/// Adopts the result of an API that returns a handle, `NULL` or `INVALID_HANDLE_VALUE` on
/// failure (the two conventions; no API returns either as a success). On failure `ec` is the
/// API's `GetLastError()` value, which is also left in place, and nothing is closed. Another
/// pseudo-handle result is refused with `errc::pseudo_handle`.
///
/// ~~~cpp
/// std::error_code ec;
/// handoff::unique_handle event = handoff::adopt_handle(::CreateEventW(nullptr, TRUE, FALSE, nullptr), ec);
/// handoff::unique_handle file = handoff::adopt_handle(
///     ::CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING, 0, nullptr), ec);
/// ~~~
inline unique_handle adopt_handle(HANDLE h, std::error_code &ec HANDOFF_CALL_SITE_PARAMETER) noexcept
{
    if (h == nullptr || h == INVALID_HANDLE_VALUE)
    {
        ec = detail::win32_error();
        return {};
    }
    return detail::adopt_result<unique_handle>(
        h, nullptr, [] { return detail::win32_error(); }, errc::pseudo_handle, ec HANDOFF_CALL_SITE_ARGUMENT);
}

/// Names the failure convention of an API for the reader: it returns `NULL` on failure
/// (`CreateEventW`, `OpenProcess`, `CreateThread`, ...). Adoption treats both `NULL` and
/// `INVALID_HANDLE_VALUE` as failure whichever convention is named, so naming the wrong one
/// is harmless.
struct null_on_failure_t
{
    explicit null_on_failure_t() = default;
};
/// The `NULL`-on-failure convention.
inline constexpr null_on_failure_t null_on_failure{};

/// Names the failure convention of an API for the reader: it returns `INVALID_HANDLE_VALUE` on
/// failure (`CreateFileW`, `CreateNamedPipeW`, `CreateToolhelp32Snapshot`, ...). As harmless
/// as `null_on_failure` when misnamed.
struct invalid_on_failure_t
{
    explicit invalid_on_failure_t() = default;
};
/// The `INVALID_HANDLE_VALUE`-on-failure convention.
inline constexpr invalid_on_failure_t invalid_on_failure{};

/// `adopt_handle(h, ec)`, with the API's convention named for the reader.
inline unique_handle adopt_handle(HANDLE h, null_on_failure_t, std::error_code &ec HANDOFF_CALL_SITE_PARAMETER) noexcept
{
    return adopt_handle(h, ec HANDOFF_CALL_SITE_ARGUMENT);
}

/// `adopt_handle(h, ec)`, with the API's convention named for the reader.
inline unique_handle adopt_handle(HANDLE h, invalid_on_failure_t, std::error_code &ec HANDOFF_CALL_SITE_PARAMETER) noexcept
{
    return adopt_handle(h, ec HANDOFF_CALL_SITE_ARGUMENT);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `adopt_handle(h, ec)`: throws `std::system_error` carrying the API's error.
///
/// ~~~cpp
/// handoff::unique_handle file = handoff::adopt_handle(
///     ::CreateFileW(path, GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING, 0, nullptr));
/// ~~~
inline unique_handle adopt_handle(HANDLE h HANDOFF_CALL_SITE_PARAMETER)
{
    return detail::value_or_throw("handoff::adopt_handle", [&](std::error_code &ec) {
        return adopt_handle(h, ec HANDOFF_CALL_SITE_ARGUMENT);
    });
}

/// Throwing form of `adopt_handle(h, null_on_failure, ec)`.
inline unique_handle adopt_handle(HANDLE h, null_on_failure_t HANDOFF_CALL_SITE_PARAMETER)
{
    return adopt_handle(h HANDOFF_CALL_SITE_ARGUMENT);
}

/// Throwing form of `adopt_handle(h, invalid_on_failure, ec)`.
inline unique_handle adopt_handle(HANDLE h, invalid_on_failure_t HANDOFF_CALL_SITE_PARAMETER)
{
    return adopt_handle(h HANDOFF_CALL_SITE_ARGUMENT);
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
/// `DuplicateHandle` from `source_process` into `target_process` as `options` say, with
/// `extra` added to its options (`DUPLICATE_CLOSE_SOURCE`); the new value, or null with `ec` set.
HANDOFF_INLINE HANDLE duplicate_raw(HANDLE source_process, HANDLE source, HANDLE target_process,
                            const duplicate_options &options, DWORD extra, std::error_code &ec) noexcept
{
    HANDLE copy = nullptr;
    if (!::DuplicateHandle(source_process, source, target_process, &copy, options.access_rights(),
                           options.is_inheritable() ? TRUE : FALSE,
                           (options.same_access() ? DUPLICATE_SAME_ACCESS : 0) | extra))
    {
        ec = win32_error();
        return nullptr;
    }
    ec.clear();
    return copy;
}

/// Duplicates a handle of this process that was already checked to be neither a socket nor
/// empty, refusing a pseudo-handle unless `options` allow it.
HANDOFF_INLINE HANDLE duplicate_checked(borrowed_handle source, HANDLE target_process, const duplicate_options &options,
                                std::error_code &ec) noexcept
{
    if (is_pseudo_handle(source.get()) && !options.pseudo_handle_allowed())
    {
        ec = errc::pseudo_handle;
        return nullptr;
    }
    return duplicate_raw(this_process(), source.get(), target_process, options, 0, ec);
}

/// Checks `source` against `options`, then duplicates it into `target_process` (this process
/// or another); returns the new value, or null with `ec` set. A socket is refused: the
/// `DuplicateHandle` documentation forbids copying one (Winsock would not know the copy).
HANDOFF_INLINE HANDLE duplicate_into_process(borrowed_handle source, HANDLE target_process, const duplicate_options &options,
                                     std::error_code &ec) noexcept
{
    if (!source)
    {
        ec = errc::empty_value;
        return nullptr;
    }
    if (is_socket(source.get()))
    {
        ec = errc::socket_handle;
        return nullptr;
    }
    return duplicate_checked(source, target_process, options, ec);
}
} // namespace detail

/// Makes a new handle to the object `source` refers to, owned by the caller; `source` is not
/// touched. A duplicate shares the kernel object, so a file's position and mode are shared too.
/// Refuses an empty source (`errc::empty_value`), a socket (`errc::socket_handle`: copy a
/// socket with the socket family's `duplicate`) and, unless the options allow it, a
/// pseudo-handle (`errc::pseudo_handle`); otherwise `ec` is `DuplicateHandle`'s error.
HANDOFF_INLINE unique_handle duplicate(borrowed_handle source, const duplicate_options &options, std::error_code &ec) noexcept
{
    return unique_handle(detail::duplicate_into_process(source, detail::this_process(), options, ec));
}

/// `duplicate(source, duplicate_options(), ec)`.
HANDOFF_INLINE unique_handle duplicate(borrowed_handle source, std::error_code &ec) noexcept
{
    return duplicate(source, duplicate_options(), ec);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `duplicate(source, options, ec)`: throws `std::system_error`.
///
/// ~~~cpp
/// // A library will close what it is given: give it its own handle, keep ours.
/// vendor_take_ownership(handoff::duplicate(mine).give());
/// ~~~
inline unique_handle duplicate(borrowed_handle source, const duplicate_options &options = duplicate_options())
{
    return detail::value_or_throw("handoff::duplicate",
                                  [&](std::error_code &ec) { return duplicate(source, options, ec); });
}
#endif

/// The two handles `CreateProcessW` returns, owned: `process` and `thread` close when this is
/// destroyed. `put()` is the `PROCESS_INFORMATION*` to give `CreateProcessW`:
///
/// ~~~cpp
/// handoff::unique_process_information child;
/// if (!::CreateProcessW(exe, command, nullptr, nullptr, FALSE, 0, nullptr, nullptr, &startup, child.put()))
///     throw std::system_error(static_cast<int>(::GetLastError()), std::system_category(), "CreateProcessW");
/// ::WaitForSingleObject(child.process.get(), INFINITE);
/// ~~~
struct unique_process_information
{
    unique_handle process; ///< the new process
    unique_handle thread;  ///< its first thread
    DWORD process_id = 0;  ///< the process's id
    DWORD thread_id = 0;   ///< the thread's id

    /// What `put()` returns: converts to `PROCESS_INFORMATION*`, and hands what was written to
    /// the owners when the full expression ends.
    class out_param
    {
      public:
        /// The structure the API fills in; valid until the end of the full expression.
        operator PROCESS_INFORMATION *() noexcept HANDOFF_LIFETIMEBOUND
        {
            return &written_;
        }

        out_param(const out_param &) = delete;
        out_param &operator=(const out_param &) = delete;

        /// Hands what the API wrote to the owners.
        ~out_param()
        {
            owner_.process.reset(written_.hProcess);
            owner_.thread.reset(written_.hThread);
            owner_.process_id = written_.dwProcessId;
            owner_.thread_id = written_.dwThreadId;
        }

      private:
        friend struct unique_process_information;
        explicit out_param(unique_process_information &owner) noexcept : owner_(owner)
        {
        }

        unique_process_information &owner_;
        PROCESS_INFORMATION written_ = {};
    };

    /// Closes what is held, then returns the out-parameter for `CreateProcessW` and its kin.
    HANDOFF_NODISCARD("put() is the out-parameter: pass h.put() to the call that fills it")
    out_param put() noexcept
    {
        process.reset();
        thread.reset();
        process_id = 0;
        thread_id = 0;
        return out_param(*this);
    }
};

HANDOFF_END_NAMESPACE

#endif // HANDOFF_WINDOWS

#endif // HANDOFF_WIN32_HPP_INCLUDED
