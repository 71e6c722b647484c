// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief The error model: `std::error_code` forms everywhere, throwing forms when exceptions exist.
///
/// Operating-system failures are reported in `std::system_category()` (Windows: the
/// `GetLastError()` value) or `std::generic_category()` (an `errno` value). Misuse that handoff
/// detects before any system call, such as duplicating an empty handle, is reported in
/// `handoff::error_category()` with the codes of `handoff::errc`.

#ifndef HANDOFF_ERROR_HPP_INCLUDED
#define HANDOFF_ERROR_HPP_INCLUDED

#include <handoff/config.hpp>

#include <cerrno>
#include <string>
#include <system_error>
#include <utility>

#if HANDOFF_WINDOWS
#include <windows.h>
#endif

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
    socket_handle,        ///< a socket where only a file, pipe or device handle works
    overlapped_handle,    ///< a handle opened for overlapped I/O, which CRT descriptors cannot read or write
    no_handle,            ///< a standard stream that has no handle (a process without a console)
};

namespace detail
{
class handoff_error_category final : public std::error_category
{
  public:
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
            return "a socket cannot become a C-runtime descriptor: its close would skip closesocket";
        case errc::overlapped_handle:
            return "a handle opened for overlapped I/O cannot become a C-runtime descriptor";
        case errc::no_handle:
            return "the standard stream has no handle";
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
            return std::errc::bad_file_descriptor;
        case errc::pseudo_handle:
        case errc::unsupported_flags:
        case errc::invalid_mode:
        case errc::overlapped_handle:
            return std::errc::invalid_argument;
        case errc::socket_handle:
            return std::errc::not_supported;
        case errc::failure_without_code:
            break;
        }
        return std::error_condition(code, *this);
    }
};
} // namespace detail

/// The category of `handoff::errc`; its name is "handoff".
inline const std::error_category &error_category() noexcept
{
    static const detail::handoff_error_category category;
    return category;
}

/// Makes `std::error_code ec = handoff::errc::empty_value;` work.
inline std::error_code make_error_code(errc e) noexcept
{
    return {static_cast<int>(e), error_category()};
}

namespace detail
{
/// An `errno` value as an error code; 0 becomes `errc::failure_without_code`, never "success".
inline std::error_code errno_error(int value = errno) noexcept
{
    if (value == 0)
        return make_error_code(errc::failure_without_code);
    return {value, std::generic_category()};
}

#if HANDOFF_WINDOWS
/// A `GetLastError()` value as an error code; 0 becomes `errc::failure_without_code`.
inline std::error_code win32_error(DWORD value = ::GetLastError()) noexcept
{
    if (value == 0)
        return make_error_code(errc::failure_without_code);
    return {static_cast<int>(value), std::system_category()};
}
#endif

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

namespace std
{
template <> struct is_error_code_enum<handoff::errc> : true_type
{
};
} // namespace std

#endif // HANDOFF_ERROR_HPP_INCLUDED
