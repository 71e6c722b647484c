// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief Ownership checks, for debug builds: `HANDOFF_CHECKS=1` reports a second owner of a
/// value, a close or release of a value no owner holds, and a close that fails as a double
/// close does, at the moment each happens (docs/checks.md).
///
/// With `HANDOFF_CHECKS` 0 (the default) this header only declares the types below; nothing
/// is registered, nothing is reported, and owners compile to what they compile to without it.

#ifndef HANDOFF_CHECKS_HPP_INCLUDED
#define HANDOFF_CHECKS_HPP_INCLUDED

#include <handoff/config.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>

#if !defined(HANDOFF_CHECKS)
/// 1 turns the ownership checks on (docs/checks.md); 0, the default, leaves them out.
#define HANDOFF_CHECKS 0
#endif

HANDOFF_BEGIN_NAMESPACE

/// Where an owner took or let go of a value: the caller's file, line and function where the
/// compiler records them (`__builtin_FILE()` and friends), else empty.
struct call_site
{
    /// The source file, or null.
    const char *file = nullptr;
    /// The line, or 0.
    unsigned line = 0;
    /// The function, or null.
    const char *function = nullptr;

#if defined(__GNUC__) || defined(__clang__) || (defined(_MSC_VER) && _MSC_VER >= 1926)
    /// The call site of the expression that calls `here()`; as a default argument, the caller's.
    static constexpr call_site here(const char *file = __builtin_FILE(), unsigned line = __builtin_LINE(),
                                    const char *function = __builtin_FUNCTION()) noexcept
    {
        return call_site{file, line, function};
    }
#else
    /// No call site where the compiler cannot say.
    static constexpr call_site here() noexcept
    {
        return call_site{};
    }
#endif
};

/// The kinds of value the checks keep apart. Kernel handles and sockets share one namespace of
/// values, descriptors and streams each have their own.
enum class value_kind : unsigned char
{
    kernel_handle, ///< a Windows HANDLE (`unique_handle`)
    socket,        ///< a Winsock SOCKET (`unique_socket`), a kernel handle too
    crt_fd,        ///< a C-runtime descriptor (`unique_fd` on Windows)
    posix_fd,      ///< a POSIX descriptor (`unique_fd` elsewhere)
    stream,        ///< a `FILE*` (`unique_file`)
    table_handle,  ///< a kernel handle owned by an `fd_table`
    table_fd,      ///< a CRT or POSIX descriptor an `fd_table` keeps resident (or, on POSIX, owns)
    table_stream,  ///< the `FILE*` of a `stream_lease`
};

/// What a check found.
enum class check_problem : unsigned char
{
    second_owner,   ///< a value already owned was adopted again: two owners would close it
    not_owned,      ///< an owner closed or released a value the registry does not hold for it
    failed_close,   ///< a close failed as a close of a value closed already does (`EBADF`, `ERROR_INVALID_HANDLE`)
    registry_mixed, ///< modules of this process use check registries of different layouts
};

/// One finding, as the report hook receives it.
struct check_report
{
    /// What was found.
    check_problem problem = check_problem::second_owner;
    /// The value's kind, as the owner at `where` sees it.
    value_kind kind = value_kind::kernel_handle;
    /// The raw value (a HANDLE, descriptor or `FILE*` as an integer).
    std::uintptr_t value = 0;
    /// The owner acting: `"unique_fd"`, or `"unique_file, through its descriptor"` for a value a
    /// stream holds through another.
    const char *owner = "";
    /// Where it acted.
    call_site where;
    /// For `second_owner`: the owner that holds the value already, and where it took it.
    const char *other_owner = "";
    /// Where the other owner took the value (its file name may be shortened).
    call_site other_where;
    /// For `failed_close`: the close's error.
    std::error_code error;
};

namespace detail
{
namespace checks
{
/// `value` as its kind is usually written: a descriptor in decimal, a handle or stream in hex.
inline void format_value(value_kind kind, std::uintptr_t value, char (&out)[32]) noexcept
{
    const bool descriptor = kind == value_kind::crt_fd || kind == value_kind::posix_fd || kind == value_kind::table_fd;
    (void)std::snprintf(out, sizeof out, descriptor ? "%llu" : "%#llx", static_cast<unsigned long long>(value));
}

inline const char *kind_name(value_kind kind) noexcept
{
    switch (kind)
    {
    case value_kind::kernel_handle:
    case value_kind::table_handle:
        return "kernel handle";
    case value_kind::socket:
        return "socket";
    case value_kind::crt_fd:
    case value_kind::posix_fd:
    case value_kind::table_fd:
        return "descriptor";
    case value_kind::stream:
    case value_kind::table_stream:
        return "stream";
    }
    return "value";
}
} // namespace checks
} // namespace detail

/// Writes the one-paragraph message the default hook prints for `report` into `buffer` (cut to
/// `size`, terminated); returns the length of the whole message.
inline std::size_t format_check_report(const check_report &report, char *buffer, std::size_t size) noexcept
{
    using detail::checks::kind_name;
    char value[32];
    detail::checks::format_value(report.kind, report.value, value);
    // " at file:line (function)", or nothing where the place is not known (a destructor).
    const auto place = [](const call_site &site, char(&out)[160]) -> const char * {
        out[0] = '\0';
        if (site.file != nullptr)
            (void)std::snprintf(out, sizeof out, site.function != nullptr ? " at %s:%u (%s)" : " at %s:%u", site.file,
                                site.line, site.function);
        return out;
    };
    char where[160];
    char other[160];
    (void)place(report.where, where);
    (void)place(report.other_where, other);
    // The error's text allocates; a report is made even when that fails.
    std::string reason;
#if HANDOFF_EXCEPTIONS
    try
    {
        reason = report.error.message();
    }
    catch (...)
    {
        reason = "(no text for the error)";
    }
#else
    reason = report.error.message();
#endif
    int length = 0;
    switch (report.problem)
    {
    case check_problem::second_owner:
        length = std::snprintf(
            buffer, size,
            "handoff: a second owner: the %s %s is adopted by %s%s, but %s already owns it (adopted%s). Both "
            "would close it, and the second close would hit whatever reuses the value. Lend it instead (a view, "
#if HANDOFF_WINDOWS
            "or h.borrow()), give each owner its own duplicate (to_fd(h.borrow()), duplicate(h)), or move the one "
#else
            "or fd.borrow()), give each owner its own duplicate (duplicate(fd.borrow()), to_file(fd.borrow(), mode)), "
            "or move the one "
#endif
            "owner (std::move).",
            kind_name(report.kind), value, report.owner, where, report.other_owner, other);
        break;
    case check_problem::not_owned:
        length = std::snprintf(
            buffer, size,
            "handoff: %s lets go of the %s %s%s, which no owner holds: something else closed it and the value "
            "was taken over, or it was adopted where checks are off. Find the other close (a raw CloseHandle, "
            "_close or fclose of a value an owner holds) and lend the value instead.",
            report.owner, kind_name(report.kind), value, where);
        break;
    case check_problem::failed_close:
        length = std::snprintf(
            buffer, size,
            "handoff: %s failed to close the %s %s%s (adopted%s): %s. That is what closing a value closed "
            "already looks like: another owner, or a raw close, closed it first, and may have closed another "
            "handle by the same value. Make one owner close it, and lend it to everything else.",
            report.owner, kind_name(report.kind), value, where, other[0] != '\0' ? other : " where it is not known",
            reason.c_str());
        break;
    case check_problem::registry_mixed:
        length = std::snprintf(buffer, size,
                               "handoff: modules of this process use ownership-check registries of different "
                               "layouts (different handoff versions); values are checked only within this module. "
                               "Build every module with the same handoff.");
        break;
    }
    return length < 0 ? 0 : static_cast<std::size_t>(length);
}

/// A report hook: called, on the thread that did it, for each finding. It may return (the
/// operation then goes on as it would without checks) or end the program.
using check_handler = void (*)(const check_report &report) noexcept;

/// The hook in place by default: prints the report's paragraph on stderr and aborts.
inline void default_check_handler(const check_report &report) noexcept
{
    char message[1024];
    (void)format_check_report(report, message, sizeof message);
    std::fprintf(stderr, "%s\n", message); // stderr is unbuffered: written before the abort
    std::abort();
}

#if !HANDOFF_CHECKS
/// With checks off nothing is reported: installs nothing and returns null, so that code which
/// installs a hook builds either way.
inline check_handler set_check_handler(check_handler) noexcept
{
    return nullptr;
}
#endif

HANDOFF_END_NAMESPACE

// Unconditionally, so that the single header inlines what the registry includes where every
// build sees it; the registry's own code is there only with checks on.
#include <handoff/detail/ownership_registry.hpp>

#endif // HANDOFF_CHECKS_HPP_INCLUDED
