// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief The error model: `std::error_code` forms everywhere, throwing forms when exceptions exist.
///
/// Operating-system failures are reported in `std::system_category()` (Windows: the
/// `GetLastError()` value), in `crt_error_category()` (Windows: the Win32 error a C-runtime
/// call failed with) or in `std::generic_category()` (an `errno` value). Misuse that handoff
/// detects before any system call, such as duplicating an empty handle, is reported in
/// `handoff::error_category()` with the codes of `handoff::errc`.

#ifndef HANDOFF_ERROR_HPP_INCLUDED
#define HANDOFF_ERROR_HPP_INCLUDED

#include <handoff/config.hpp>

#include <handoff/detail/windows.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

HANDOFF_BEGIN_NAMESPACE

/// Errors that handoff detects itself, before any system call is made.
enum class errc
{
    empty_value = 1,      ///< the operation needs a handle or descriptor and was given an empty one
    pseudo_handle,        ///< a pseudo-handle (such as `GetCurrentProcess()`) where only a real handle is accepted
    failure_without_code, ///< an API returned its failure value but left no error code to report
    invalid_value,        ///< a value that is neither a handle or descriptor nor the API's failure value
    unsupported_flags,    ///< descriptor flags the conversion cannot apply
    invalid_mode,         ///< a stdio mode string the C runtime would reject
    socket_handle,        ///< a socket where only a file, pipe or device handle works (copy it with the socket family)
    overlapped_handle,    ///< a handle opened for overlapped I/O, which CRT descriptors cannot read or write
    no_handle,            ///< a standard stream that has no handle (a process without a console)
    would_change_lender,  ///< the conversion would change state a lender's value shares with its duplicate
    stale_descriptor,     ///< a virtual descriptor number that is closed, reused, forged or another table's
    all_leased,           ///< every resident virtual descriptor is leased, so none can be paged out
    table_full,           ///< the virtual descriptor table holds as many descriptors as it can number
    too_many_tables,      ///< every table tag of this module is in use by a live `fd_table`
};

HANDOFF_END_NAMESPACE

// Before anything compares or converts an errc: a code enum, found by make_error_code.
/// @cond HANDOFF_INTERNAL
namespace std
{
template <> struct is_error_code_enum<handoff::errc> : true_type
{
};
} // namespace std
/// @endcond

HANDOFF_BEGIN_NAMESPACE

namespace detail
{
/// A category that recognises conditions made in other modules: each module (EXE or DLL) that
/// includes handoff has its own category objects, and, where the standard library is linked
/// statically, its own `generic_category()`; so conditions are matched by category name where
/// the addresses differ. With MSVC's standard library, which compares categories by an identity
/// stored in the object, `identity` is that identity (the standard categories use small odd
/// numbers, and an odd one can never be an object's address).
class named_error_category : public std::error_category
{
  public:
#if defined(_MSVC_STL_VERSION)
    constexpr explicit named_error_category(std::uintptr_t identity) noexcept : std::error_category(identity)
    {
    }
#else
    constexpr explicit named_error_category(std::uintptr_t) noexcept
    {
    }
#endif

    bool equivalent(int code, const std::error_condition &condition) const noexcept override
    {
        const std::error_condition mine = default_error_condition(code);
        return mine.value() == condition.value() &&
               (mine.category() == condition.category() ||
                std::strcmp(mine.category().name(), condition.category().name()) == 0);
    }
};

/// The category of handoff::errc.
class handoff_error_category final : public named_error_category
{
  public:
    constexpr handoff_error_category() noexcept : named_error_category(0x68616e65u)
    {
    }

    const char *name() const noexcept override
    {
        return "handoff";
    }

    std::string message(int code) const override
    {
        switch (static_cast<errc>(code))
        {
        case errc::empty_value:
            return "the handle or descriptor is empty";
        case errc::pseudo_handle:
            return "a pseudo-handle is not a handle that can be owned or duplicated implicitly";
        case errc::failure_without_code:
            return "the call reported failure without an error code";
        case errc::invalid_value:
            return "the value is not a handle or descriptor that can be owned";
        case errc::unsupported_flags:
            return "these descriptor flags cannot be applied by this conversion";
        case errc::invalid_mode:
            return "the stdio mode string is not one the C runtime accepts";
        case errc::socket_handle:
            return "a socket cannot be copied or given to the C runtime as a file handle: use the socket family";
        case errc::overlapped_handle:
            return "a handle opened for overlapped I/O cannot become a C-runtime descriptor";
        case errc::no_handle:
            return "the standard stream has no handle";
        case errc::would_change_lender:
            return "the conversion would change the lender's descriptor, which a duplicate shares";
        case errc::stale_descriptor:
            return "the virtual descriptor is closed, or was never this module's: a stale, forged or other table's "
                   "number";
        case errc::all_leased:
            return "every resident virtual descriptor is leased or must stay resident: end a lease, close a "
                   "descriptor read in a translated mode, or raise the table's resident limit";
        case errc::table_full:
            return "the virtual descriptor table cannot number another descriptor";
        case errc::too_many_tables:
            return "too many live fd_tables in this module";
        }
        return "unknown handoff error";
    }

    std::error_condition default_error_condition(int code) const noexcept override
    {
        switch (static_cast<errc>(code))
        {
        case errc::empty_value:
        case errc::invalid_value:
        case errc::no_handle:
        case errc::stale_descriptor:
            return std::errc::bad_file_descriptor;
        case errc::all_leased:
        case errc::table_full:
            return std::errc::too_many_files_open;
        case errc::too_many_tables:
            return std::errc::resource_unavailable_try_again;
        case errc::pseudo_handle:
        case errc::unsupported_flags:
        case errc::invalid_mode:
        case errc::overlapped_handle:
        case errc::would_change_lender:
            return std::errc::invalid_argument;
        case errc::socket_handle:
            return std::errc::not_supported;
        case errc::failure_without_code:
            break;
        }
        return std::error_condition(code, *this);
    }
};

// Constant-initialized: no guard at each use, and usable from other static initializers.
#if defined(__cpp_constinit)
constinit
#endif
    inline const handoff_error_category error_category_object;

/// Whether `category` is handoff's, made in this module or in another.
inline bool is_handoff_category(const std::error_category &category) noexcept
{
    return &category == &error_category_object || std::strcmp(category.name(), error_category_object.name()) == 0;
}
} // namespace detail

/// The category of `handoff::errc`; its name is "handoff". Every module that includes handoff
/// has its own object: compare codes with `handoff::errc` values (`ec == handoff::errc::empty_value`),
/// which works across modules, rather than categories by address.
inline const std::error_category &error_category() noexcept
{
    return detail::error_category_object;
}

/// Makes `std::error_code ec = handoff::errc::empty_value;` work.
inline std::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

/// True if `code` is `value` in handoff's category, whichever module made the code.
inline bool operator==(const std::error_code &code, errc value) noexcept
{
    return code.value() == static_cast<int>(value) && detail::is_handoff_category(code.category());
}
/// True if `code` is `value` in handoff's category, whichever module made the code.
inline bool operator==(errc value, const std::error_code &code) noexcept
{
    return code == value;
}
/// The negation of `code == value`.
inline bool operator!=(const std::error_code &code, errc value) noexcept
{
    return !(code == value);
}
/// The negation of `code == value`.
inline bool operator!=(errc value, const std::error_code &code) noexcept
{
    return !(code == value);
}

#if HANDOFF_WINDOWS
namespace detail
{
/// The `errno` the C runtime makes of a Win32 error (the table behind its `_dosmaperr`), so that
/// a CRT failure keeps comparing equal to the `std::errc` the CRT itself reported, whatever the
/// standard library's own mapping of Win32 errors (libstdc++'s and MSVC's differ).
constexpr int crt_errno_for(unsigned long os_error) noexcept
{
    switch (os_error)
    {
    case 2:   // ERROR_FILE_NOT_FOUND
    case 3:   // ERROR_PATH_NOT_FOUND
    case 15:  // ERROR_INVALID_DRIVE
    case 18:  // ERROR_NO_MORE_FILES
    case 53:  // ERROR_BAD_NETPATH
    case 67:  // ERROR_BAD_NET_NAME
    case 161: // ERROR_BAD_PATHNAME
    case 206: // ERROR_FILENAME_EXCED_RANGE
        return ENOENT;
    case 4: // ERROR_TOO_MANY_OPEN_FILES
        return EMFILE;
    case 5:   // ERROR_ACCESS_DENIED
    case 16:  // ERROR_CURRENT_DIRECTORY
    case 33:  // ERROR_LOCK_VIOLATION
    case 65:  // ERROR_NETWORK_ACCESS_DENIED
    case 82:  // ERROR_CANNOT_MAKE
    case 83:  // ERROR_FAIL_I24
    case 108: // ERROR_DRIVE_LOCKED
    case 132: // ERROR_SEEK_ON_DEVICE
    case 158: // ERROR_NOT_LOCKED
    case 167: // ERROR_LOCK_FAILED
        return EACCES;
    case 6:   // ERROR_INVALID_HANDLE
    case 114: // ERROR_INVALID_TARGET_HANDLE
    case 130: // ERROR_DIRECT_ACCESS_HANDLE
        return EBADF;
    case 7:    // ERROR_ARENA_TRASHED
    case 8:    // ERROR_NOT_ENOUGH_MEMORY
    case 9:    // ERROR_INVALID_BLOCK
    case 1816: // ERROR_NOT_ENOUGH_QUOTA
        return ENOMEM;
    case 10: // ERROR_BAD_ENVIRONMENT
        return E2BIG;
    case 11: // ERROR_BAD_FORMAT
        return ENOEXEC;
    case 17: // ERROR_NOT_SAME_DEVICE
        return EXDEV;
    case 80:  // ERROR_FILE_EXISTS
    case 183: // ERROR_ALREADY_EXISTS
        return EEXIST;
    case 89:  // ERROR_NO_PROC_SLOTS
    case 164: // ERROR_MAX_THRDS_REACHED
    case 215: // ERROR_NESTING_NOT_ALLOWED
        return EAGAIN;
    case 109: // ERROR_BROKEN_PIPE
        return EPIPE;
    case 112: // ERROR_DISK_FULL
        return ENOSPC;
    case 128: // ERROR_WAIT_NO_CHILDREN
    case 129: // ERROR_CHILD_NOT_COMPLETE
        return ECHILD;
    case 145: // ERROR_DIR_NOT_EMPTY
        return ENOTEMPTY;
    default:
        break;
    }
    if (os_error >= 19 && os_error <= 36) // ERROR_WRITE_PROTECT to ERROR_SHARING_BUFFER_EXCEEDED
        return EACCES;
    if (os_error >= 188 && os_error <= 202) // ERROR_INVALID_STARTING_CODESEG to ERROR_INFLOOP_IN_RELOC_CHAIN
        return ENOEXEC;
    return EINVAL;
}

/// The category of a Win32 error that a C-runtime call failed with.
class crt_error_category_type final : public named_error_category
{
  public:
    constexpr crt_error_category_type() noexcept : named_error_category(0x68616e67u)
    {
    }

    const char *name() const noexcept override
    {
        return "handoff.crt";
    }

    std::string message(int code) const override
    {
        return std::system_category().message(code);
    }

    std::error_condition default_error_condition(int code) const noexcept override
    {
        return std::error_condition(crt_errno_for(static_cast<unsigned long>(code)), std::generic_category());
    }
};

#if defined(__cpp_constinit)
constinit
#endif
    inline const crt_error_category_type crt_error_category_object;
} // namespace detail

/// The category of a Win32 error that a C-runtime call failed with (the `_doserrno` the CRT
/// kept, such as `ERROR_INVALID_HANDLE` from the `CloseHandle` under `_close`). Values are
/// `GetLastError()` codes, `message()` is the system's, and each compares equal to the
/// `std::errc` the CRT reported for it (`ERROR_INVALID_HANDLE` to `bad_file_descriptor`),
/// with every standard library. Named "handoff.crt".
inline const std::error_category &crt_error_category() noexcept
{
    return detail::crt_error_category_object;
}
#endif

namespace detail
{
/// An `errno` value as an error code; 0 becomes `errc::failure_without_code`, never "success".
HANDOFF_COLD inline std::error_code errno_error(int value = errno) noexcept
{
    if (value == 0)
        return make_error_code(errc::failure_without_code);
    return {value, std::generic_category()};
}

#if HANDOFF_WINDOWS
/// A `GetLastError()` value as an error code; 0 becomes `errc::failure_without_code`.
HANDOFF_COLD inline std::error_code win32_error(DWORD value = ::GetLastError()) noexcept
{
    if (value == 0)
        return make_error_code(errc::failure_without_code);
    return {static_cast<int>(value), std::system_category()};
}

/// The error of a failed C-runtime call: the Win32 error the CRT translated into `errno`,
/// which it keeps in `_doserrno`, in `crt_error_category()`, where it is the reason of that
/// `errno`; `errno` otherwise. The caller sets
/// `_doserrno` to 0 first, since the CRT leaves it alone on failures that are not the system's.
HANDOFF_COLD inline std::error_code crt_error() noexcept
{
    const unsigned long os_error = _doserrno;
    const int crt_errno = errno;
    // Only where the Win32 error is what the CRT made its errno of: some calls choose another
    // (_write reports ERROR_ACCESS_DENIED as EBADF, a stream in the wrong mode).
    if (os_error != 0 && detail::crt_errno_for(os_error) == crt_errno)
        return {static_cast<int>(os_error), crt_error_category()};
    return errno_error(crt_errno);
}
#endif

/// Clears `ec` where it holds an error: the common case, an `ec` that is clear already, then
/// costs a test instead of the call to `std::system_category()` that `clear()` makes.
HANDOFF_INLINE void clear(std::error_code &ec) noexcept
{
    if (ec)
        ec.clear();
}

/// Saves `errno` (and on Windows the thread's last-error value) and restores them when it
/// goes out of scope, so that cleanup does not overwrite the error a caller is about to read.
class error_state_guard
{
  public:
    error_state_guard() noexcept = default;
    error_state_guard(const error_state_guard &) = delete;
    error_state_guard &operator=(const error_state_guard &) = delete;
    ~error_state_guard()
    {
#if HANDOFF_WINDOWS
        ::SetLastError(last_error_);
#endif
        errno = errno_;
    }

  private:
    int errno_ = errno;
#if HANDOFF_WINDOWS
    DWORD last_error_ = ::GetLastError();
#endif
};

#if HANDOFF_EXCEPTIONS
[[noreturn]] inline void throw_error(const std::error_code &ec, const char *what)
{
    throw std::system_error(ec, what);
}

inline void throw_if_error(const std::error_code &ec, const char *what)
{
    if (ec)
        throw_error(ec, what);
}

/// The throwing form of an error-code call: runs `call(ec)`, throws `std::system_error` naming
/// `what` if it failed, and returns its result otherwise.
template <class Call> auto value_or_throw(const char *what, Call &&call)
{
    std::error_code ec;
    auto result = call(ec);
    throw_if_error(ec, what);
    return result;
}
#endif
} // namespace detail

HANDOFF_END_NAMESPACE

#endif // HANDOFF_ERROR_HPP_INCLUDED
