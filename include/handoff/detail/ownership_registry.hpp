// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// The ownership checks' hooks (HANDOFF_CHECKS=1): owners call them when they adopt, release
// and close a value. They record the value, and the values held through it, in the process's
// registry (detail/registry_home.hpp), and report a second owner, a let-go of a value nobody
// holds, and a close that fails as a double close does.
//
// Windows, second level (HANDOFF_CHECKS_PROTECT, 1 by default): a HANDLE a unique_handle owns
// is marked HANDLE_FLAG_PROTECT_FROM_CLOSE, so that a foreign CloseHandle or _close fails
// instead of closing it; the owner lifts the flag when it lets the handle go.

#ifndef HANDOFF_DETAIL_OWNERSHIP_REGISTRY_HPP_INCLUDED
#define HANDOFF_DETAIL_OWNERSHIP_REGISTRY_HPP_INCLUDED

#include <handoff/checks.hpp>
#include <handoff/config.hpp>
#include <handoff/detail/registry_home.hpp>
#include <handoff/detail/registry_table.hpp>
#include <handoff/error.hpp>
#if HANDOFF_WINDOWS
#include <handoff/detail/crt_calls.hpp>
#include <handoff/detail/windows.hpp>
#endif

#if HANDOFF_CHECKS
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <system_error>
#if !HANDOFF_WINDOWS
#include <stdio.h>
#endif

#if !defined(HANDOFF_CHECKS_PROTECT)
/// 1 (the default with checks on): a HANDLE a unique_handle owns is protected from foreign closes.
#define HANDOFF_CHECKS_PROTECT 1
#endif

HANDOFF_BEGIN_NAMESPACE
namespace detail
{
namespace checks
{
inline namespace HANDOFF_CHECKS_LAYOUT_NAMESPACE
{
/// The values `value` holds, which its owner holds through it: a stream's descriptor, and on
/// Windows that descriptor's handle; a CRT descriptor's handle.
inline unsigned related_values(value_kind kind, std::uintptr_t value, std::uintptr_t (&out)[2]) noexcept
{
    unsigned count = 0;
    int fd = -1;
    if (kind == value_kind::stream || kind == value_kind::table_stream)
    {
#if HANDOFF_WINDOWS
        fd = crt_fileno(reinterpret_cast<std::FILE *>(value));
#else
        fd = ::fileno(reinterpret_cast<std::FILE *>(value));
#endif
        if (fd < 0)
            return 0;
        out[count++] = static_cast<std::uintptr_t>(fd);
    }
#if HANDOFF_WINDOWS
    if (kind == value_kind::crt_fd || kind == value_kind::table_fd)
        fd = static_cast<int>(value);
    if (fd >= 0)
    {
        const std::intptr_t handle = crt_get_osfhandle(fd);
        if (handle != -1 && handle != -2)
            out[count++] = static_cast<std::uintptr_t>(handle);
    }
#endif
    return count;
}

#if HANDOFF_WINDOWS
constexpr value_kind descriptor_kind = value_kind::crt_fd;
#else
constexpr value_kind descriptor_kind = value_kind::posix_fd;
#endif

inline key_space related_space(value_kind kind, unsigned index) noexcept
{
    return (kind == value_kind::stream || kind == value_kind::table_stream) && index == 0 ? key_space::descriptor
                                                                                        : key_space::handle;
}

/// The registry's key of (`space`, `value`). Every C runtime of a Windows process numbers its
/// descriptors from 0 (msvcrt.dll and ucrtbase.dll keep separate tables), so a descriptor's
/// key adds the base of this module's C runtime, which is 64 KiB aligned, to its number.
inline std::uintptr_t key_of([[maybe_unused]] key_space space, std::uintptr_t value) noexcept
{
#if HANDOFF_WINDOWS
    if (space == key_space::descriptor)
        return value + crt_module_base();
#endif
    return value;
}

/// The value of this module's key `key`, for a report.
inline std::uintptr_t value_of_key([[maybe_unused]] key_space space, std::uintptr_t key) noexcept
{
#if HANDOFF_WINDOWS
    if (space == key_space::descriptor)
        return key - crt_module_base();
#endif
    return key;
}

#if HANDOFF_WINDOWS && HANDOFF_CHECKS_PROTECT
/// Protects `value` from close unless it is protected already (by its owner's own code, which
/// then decides when to lift it); true if this call set the flag.
inline bool protect_from_close(std::uintptr_t value) noexcept
{
    const HANDLE handle = reinterpret_cast<HANDLE>(value);
    DWORD flags = 0;
    // An inheritable handle is left alone: a child process would inherit the flag with it, and
    // could not close its copy.
    if (!::GetHandleInformation(handle, &flags) ||
        (flags & (HANDLE_FLAG_PROTECT_FROM_CLOSE | HANDLE_FLAG_INHERIT)) != 0)
        return false;
    return ::SetHandleInformation(handle, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE) != FALSE;
}

inline void lift_protection(std::uintptr_t value) noexcept
{
    (void)::SetHandleInformation(reinterpret_cast<HANDLE>(value), HANDLE_FLAG_PROTECT_FROM_CLOSE, 0);
}
#endif

/// Records that an owner of `kind` took `value` at `where`; reports a second owner.
inline void adopted(value_kind kind, std::uintptr_t value, call_site where) noexcept
{
    const error_state_guard keep_errors;
    report_mixed_once();
    std::uintptr_t related[2] = {};
    const unsigned related_count = related_values(kind, value, related);
    for (unsigned i = 0; i < related_count; ++i)
        related[i] = key_of(related_space(kind, i), related[i]);
    const key_space primary_space = space_of(kind);
    const std::uintptr_t primary_key = key_of(primary_space, value);
    check_report report;
    bool conflict = false;
    [[maybe_unused]] bool tracked = false; // read by the protection (Windows)
    char other_file[file_name_size] = {}; // the other owner's, copied while the table is held
    {
        registry &r = the_registry();
        const registry_guard hold(r);
        const auto take = [&](key_space space, std::uintptr_t key, unsigned depth) -> entry * {
            if (entry *held = find(r, space, key))
            {
                if (!conflict)
                {
                    conflict = true;
                    report.problem = check_problem::second_owner;
                    report.kind = kind;
                    report.value = value;
                    report.owner = owner_name(kind, depth);
                    report.where = where;
                    report.other_owner = owner_name(held->owner_kind, held->depth);
                    copy_file_name(other_file, held->file);
                    report.other_where = call_site{other_file, held->line, nullptr};
                    if (depth != 0)
                    {
                        report.kind = space == key_space::descriptor ? descriptor_kind : value_kind::kernel_handle;
                        report.value = value_of_key(space, key);
                    }
                }
                if (held->owners < 255)
                    ++held->owners;
                return nullptr;
            }
            entry *made = insert(r, space, key);
            if (made == nullptr)
            {
                // Out of memory: this value is not tracked, so a let-go may find nothing. The
                // values held through it are never let go on their own.
                if (depth == 0)
                    r.lost = true;
            }
            else
            {
                made->owner_kind = kind;
                made->depth = static_cast<std::uint8_t>(depth);
                made->owners = 1;
                made->line = where.line;
                copy_file_name(made->file, where.file);
            }
            return made;
        };
        // A value owned already keeps the values its first owner holds through it: the
        // second owner takes only the value itself, and lets only it go.
        if (take(primary_space, primary_key, 0) != nullptr)
        {
            tracked = true;
            for (unsigned i = 0; i < related_count; ++i)
                (void)take(related_space(kind, i), related[i], i + 1);
            // Looked up again: taking the related values may have moved it.
            if (entry *primary = find(r, primary_space, primary_key))
            {
                primary->related_count = static_cast<std::uint8_t>(related_count);
                primary->related[0] = related[0];
                primary->related[1] = related[1];
            }
        }
    }
#if HANDOFF_WINDOWS && HANDOFF_CHECKS_PROTECT
    // Outside the lock: the flag is the handle's, and only its one owner touches it.
    // Only a tracked handle: the flag is lifted when the registry says the checks set it.
    if (kind == value_kind::kernel_handle && tracked && protect_from_close(value))
    {
        registry &r = the_registry();
        const registry_guard hold(r);
        if (entry *primary = find(r, primary_space, primary_key))
            primary->protected_here = 1;
        else
            lift_protection(value);
    }
#endif
    if (conflict)
        send(report);
}

#if HANDOFF_WINDOWS
/// A handle an owner holds is about to be made inheritable: the protection the checks gave it
/// goes, since a child would inherit it and could not close its copy.
inline void made_inheritable([[maybe_unused]] std::uintptr_t value) noexcept
{
#if HANDOFF_CHECKS_PROTECT
    const error_state_guard keep_errors;
    bool lift = false;
    {
        registry &r = the_registry();
        const registry_guard hold(r);
        if (entry *held = find(r, key_space::handle, value))
        {
            lift = held->protected_here != 0;
            held->protected_here = 0;
        }
    }
    if (lift)
        lift_protection(value);
#endif
}
#endif

/// Where an owner adopted a value, as the registry kept it.
struct adoption
{
    char file[file_name_size] = {};
    unsigned line = 0;
};

/// Records that an owner of `kind` lets `value` go at `where` (it closes it, or hands it on);
/// reports a value no owner held.
inline void let_go(value_kind kind, std::uintptr_t value, call_site where, adoption *adopted_at = nullptr) noexcept
{
    const error_state_guard keep_errors;
    bool held = false;
    bool lost = false;
    [[maybe_unused]] bool lift = false;
    {
        registry &r = the_registry();
        const registry_guard hold(r);
        lost = r.lost;
        entry *primary = find(r, space_of(kind), key_of(space_of(kind), value));
        if (primary != nullptr)
        {
            held = true;
            lift = primary->protected_here != 0 && primary->owners == 1;
            if (adopted_at != nullptr)
            {
                copy_file_name(adopted_at->file, primary->file);
                adopted_at->line = primary->line;
            }
            const unsigned count = primary->related_count;
            const std::uintptr_t related[2] = {primary->related[0], primary->related[1]};
            (void)drop(r, space_of(kind), key_of(space_of(kind), value));
            for (unsigned i = 0; i < count; ++i)
                (void)drop(r, related_space(kind, i), related[i]);
        }
    }
#if HANDOFF_WINDOWS && HANDOFF_CHECKS_PROTECT
    if (lift)
        lift_protection(value);
#endif
    if (held || lost)
        return;
    check_report report;
    report.problem = check_problem::not_owned;
    report.kind = kind;
    report.value = value;
    report.owner = owner_name(kind, 0);
    report.where = where;
    send(report);
}

/// True for the errors a close of a value that is not open gives.
inline bool is_double_close_error(const std::error_code &error) noexcept
{
#if HANDOFF_WINDOWS
    if (error.value() == ERROR_INVALID_HANDLE &&
        (error.category() == std::system_category() || error.category() == crt_error_category()))
        return true;
#endif
    return error == std::errc::bad_file_descriptor;
}

/// Reports a close by an owner of `kind` that failed as a double close does.
inline void close_failed(value_kind kind, std::uintptr_t value, const std::error_code &error, call_site where,
                         const adoption &adopted_at) noexcept
{
    if (!is_double_close_error(error))
        return;
    check_report report;
    report.problem = check_problem::failed_close;
    report.kind = kind;
    report.value = value;
    report.owner = owner_name(kind, 0);
    report.where = where;
    if (adopted_at.line != 0)
        report.other_where = call_site{adopted_at.file, adopted_at.line, nullptr};
    report.error = error;
    send(report);
}
} // namespace HANDOFF_CHECKS_LAYOUT_NAMESPACE
} // namespace checks
} // namespace detail

HANDOFF_END_NAMESPACE

#endif // HANDOFF_CHECKS

#endif // HANDOFF_DETAIL_OWNERSHIP_REGISTRY_HPP_INCLUDED
