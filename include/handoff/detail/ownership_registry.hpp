// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// The ownership checks' registry (HANDOFF_CHECKS=1): every value an owner holds, with where it
// was adopted, in one table per process. Owners tell it when they adopt, release and close;
// it reports a second owner, a let-go of a value nobody holds, and a close that fails as a
// double close does.
//
// One table per process, even with several modules (an EXE and DLLs, each with its own copy
// of these headers): on Windows the table lives in the process heap and is found through a
// named page-sized mapping, "Local\handoff-checks-<pid>", whose first module to come fills it
// in; the others use it. Its layout has a version: a module of another layout reports
// check_problem::registry_mixed once and keeps a table of its own. Elsewhere the table is an
// inline variable of default visibility, which the dynamic linker makes one per process.
//
// Windows, second level (HANDOFF_CHECKS_PROTECT, 1 by default): a HANDLE a unique_handle owns
// is marked HANDLE_FLAG_PROTECT_FROM_CLOSE, so that a foreign CloseHandle or _close fails
// instead of closing it; the owner lifts the flag when it lets the handle go.

#ifndef HANDOFF_DETAIL_OWNERSHIP_REGISTRY_HPP_INCLUDED
#define HANDOFF_DETAIL_OWNERSHIP_REGISTRY_HPP_INCLUDED

#include <handoff/checks.hpp>
#include <handoff/config.hpp>
#include <handoff/error.hpp>
#if HANDOFF_WINDOWS
#include <handoff/detail/crt_calls.hpp>
#include <handoff/detail/windows.hpp>
#endif

#if HANDOFF_CHECKS
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <system_error>
#if !HANDOFF_WINDOWS
#include <mutex>
#include <stdio.h>
#endif

#if !defined(HANDOFF_CHECKS_REGISTRY_LAYOUT)
// The version of the registry's layout, which modules sharing it must agree on. A module built
// with another one stands for a handoff of another version (the tests build one).
#define HANDOFF_CHECKS_REGISTRY_LAYOUT 1
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
/// The namespaces of values: handles and sockets, descriptors, streams.
enum class key_space : std::uint8_t
{
    handle,
    descriptor,
    stream,
};

constexpr key_space space_of(value_kind kind) noexcept
{
    switch (kind)
    {
    case value_kind::kernel_handle:
    case value_kind::socket:
    case value_kind::table_handle:
        return key_space::handle;
    case value_kind::crt_fd:
    case value_kind::posix_fd:
    case value_kind::table_fd:
        return key_space::descriptor;
    case value_kind::stream:
    case value_kind::table_stream:
        break;
    }
    return key_space::stream;
}

/// How an owner holds a value: itself (depth 0), or through the value it holds (a descriptor's
/// handle: depth 1; a stream's descriptor: 1, and that descriptor's handle: 2).
inline const char *owner_name(value_kind kind, unsigned depth) noexcept
{
    switch (kind)
    {
    case value_kind::kernel_handle:
        return "unique_handle";
    case value_kind::socket:
        return "unique_socket";
    case value_kind::crt_fd:
    case value_kind::posix_fd:
        return depth == 0 ? "unique_fd" : "unique_fd (through its descriptor's handle)";
    case value_kind::stream:
        return depth == 0   ? "unique_file"
               : depth == 1 ? "unique_file (through its stream's descriptor)"
                            : "unique_file (through its stream's descriptor's handle)";
    case value_kind::table_handle:
        return "fd_table (a virtual descriptor's handle)";
    case value_kind::table_fd:
        return depth == 0 ? "fd_table (its descriptor)" : "fd_table (through its descriptor's handle)";
    case value_kind::table_stream:
        return depth == 0   ? "stream_lease"
               : depth == 1 ? "stream_lease (through its stream's descriptor)"
                            : "stream_lease (through its stream's descriptor's handle)";
    }
    return "an owner";
}

constexpr std::size_t file_name_size = 88;

/// One value an owner holds. More than one owner only after a report of a second owner.
struct entry
{
    std::uintptr_t value;
    std::uintptr_t related[2]; // the values held through this one (depth 1 and 2)
    std::uint32_t line;
    std::uint8_t state; // empty, used, removed
    key_space space;
    value_kind owner_kind;
    std::uint8_t depth;
    std::uint8_t owners;
    std::uint8_t related_count;
    std::uint8_t protected_here; // the checks set HANDLE_FLAG_PROTECT_FROM_CLOSE, and lift it
    char file[file_name_size]; // the end of the adopting file's path
};

constexpr std::uint8_t slot_empty = 0;
constexpr std::uint8_t slot_used = 1;
constexpr std::uint8_t slot_removed = 2;

/// The registry's state, shared by every module of the process (Windows) or of one process.
struct registry
{
    static constexpr std::uint32_t layout_version = HANDOFF_CHECKS_REGISTRY_LAYOUT;
    std::uint32_t layout;
#if HANDOFF_WINDOWS
    SRWLOCK lock;
#endif
    check_handler handler; // null: the default
    entry *entries;
    std::size_t capacity; // a power of two, or 0
    std::size_t used;     // used and removed slots
};

inline void *allocate_entries(std::size_t count) noexcept
{
#if HANDOFF_WINDOWS
    return ::HeapAlloc(::GetProcessHeap(), HEAP_ZERO_MEMORY, count * sizeof(entry));
#else
    return std::calloc(count, sizeof(entry));
#endif
}

inline void free_entries(void *entries) noexcept
{
#if HANDOFF_WINDOWS
    if (entries != nullptr)
        (void)::HeapFree(::GetProcessHeap(), 0, entries);
#else
    std::free(entries);
#endif
}

inline std::size_t hash_of(key_space space, std::uintptr_t value) noexcept
{
    std::uint64_t x = static_cast<std::uint64_t>(value) * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(space);
    x ^= x >> 29;
    return static_cast<std::size_t>(x);
}

/// The slot of (`space`, `value`), or null.
inline entry *find(registry &r, key_space space, std::uintptr_t value) noexcept
{
    if (r.capacity == 0)
        return nullptr;
    for (std::size_t i = hash_of(space, value) & (r.capacity - 1);; i = (i + 1) & (r.capacity - 1))
    {
        entry &e = r.entries[i];
        if (e.state == slot_empty)
            return nullptr;
        if (e.state == slot_used && e.value == value && e.space == space)
            return &e;
    }
}

/// Makes room for one more slot: false if memory ran out (the value is then not tracked).
inline bool make_room(registry &r) noexcept
{
    if ((r.used + 1) * 2 <= r.capacity)
        return true;
    // Rehashed at the same size when most slots were let go (values that change all the time
    // would otherwise grow the table for ever), at twice the size when they are live.
    std::size_t live = 0;
    for (std::size_t j = 0; j < r.capacity; ++j)
        live += r.entries[j].state == slot_used ? 1 : 0;
    const std::size_t capacity = r.capacity == 0 ? 1024 : live * 4 < r.capacity ? r.capacity : r.capacity * 2;
    entry *const entries = static_cast<entry *>(allocate_entries(capacity));
    if (entries == nullptr)
        return false;
    std::size_t used = 0;
    for (std::size_t j = 0; j < r.capacity; ++j)
    {
        const entry &old = r.entries[j];
        if (old.state != slot_used)
            continue;
        std::size_t i = hash_of(old.space, old.value) & (capacity - 1);
        while (entries[i].state != slot_empty)
            i = (i + 1) & (capacity - 1);
        entries[i] = old;
        ++used;
    }
    free_entries(r.entries);
    r.entries = entries;
    r.capacity = capacity;
    r.used = used;
    return true;
}

/// A new slot for (`space`, `value`), which is not in the table; null if memory ran out.
inline entry *insert(registry &r, key_space space, std::uintptr_t value) noexcept
{
    if (!make_room(r))
        return nullptr;
    std::size_t i = hash_of(space, value) & (r.capacity - 1);
    while (r.entries[i].state == slot_used)
        i = (i + 1) & (r.capacity - 1);
    if (r.entries[i].state == slot_empty)
        ++r.used;
    entry &e = r.entries[i];
    e = entry{};
    e.state = slot_used;
    e.space = space;
    e.value = value;
    return &e;
}

/// The end of `path`, as much as fits.
inline void copy_file_name(char (&out)[file_name_size], const char *path) noexcept
{
    if (path == nullptr)
        path = "";
    std::size_t length = std::strlen(path);
    if (length >= file_name_size)
    {
        path += length - (file_name_size - 1);
        length = file_name_size - 1;
    }
    std::memcpy(out, path, length);
    out[length] = '\0';
}

#if HANDOFF_WINDOWS
/// The registry of this module's process: the shared one, or this module's own when another
/// module's layout differs (`mixed` is then set, once).
struct registry_home
{
    registry *shared = nullptr;
    registry own{};
    std::atomic<bool> mixed{false}; // to be reported, once, by whichever thread sees it first
};

/// Opens or makes the process's registry block. Runs once per module.
inline registry *open_shared_registry() noexcept
{
    wchar_t name[64];
    (void)std::swprintf(name, sizeof name / sizeof name[0], L"Local\\handoff-checks-%lu",
                        static_cast<unsigned long>(::GetCurrentProcessId()));
    // Kept open for the life of the process: the block is the registry.
    const HANDLE mapping = ::CreateFileMappingW(INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, 0, 4096, name);
    if (mapping == nullptr)
        return nullptr;
    void *const view = ::MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, 4096);
    if (view == nullptr)
        return nullptr;
    // The first word: 0 untouched, 1 being filled in, 2 ready.
    auto *const state = static_cast<volatile LONG *>(view);
    auto *const shared = reinterpret_cast<registry *>(static_cast<char *>(view) + 64);
    if (::InterlockedCompareExchange(state, 1, 0) == 0)
    {
        shared->layout = registry::layout_version;
        ::InitializeSRWLock(&shared->lock);
        shared->handler = nullptr;
        shared->entries = nullptr;
        shared->capacity = 0;
        shared->used = 0;
        ::InterlockedExchange(state, 2);
    }
    else
    {
        while (*state != 2)
            ::Sleep(0);
    }
    return shared;
}

inline registry_home &home() noexcept
{
    static registry_home instance;
    static const bool opened = [] {
        ::InitializeSRWLock(&instance.own.lock);
        instance.own.layout = registry::layout_version;
        const error_state_guard keep_errors;
        registry *const shared = open_shared_registry();
        if (shared != nullptr && shared->layout != registry::layout_version)
            instance.mixed.store(true);
        else
            instance.shared = shared;
        return true;
    }();
    (void)opened;
    return instance;
}

inline registry &the_registry() noexcept
{
    registry_home &h = home();
    return h.shared != nullptr ? *h.shared : h.own;
}

/// Holds the registry's lock.
class registry_guard
{
  public:
    explicit registry_guard(registry &r) noexcept : r_(r)
    {
        ::AcquireSRWLockExclusive(&r_.lock);
    }
    registry_guard(const registry_guard &) = delete;
    registry_guard &operator=(const registry_guard &) = delete;
    ~registry_guard()
    {
        ::ReleaseSRWLockExclusive(&r_.lock);
    }

  private:
    registry &r_;
};
#else
/// The process's registry and its lock; default visibility, so that shared objects with their
/// own copies of the headers share them.
struct HANDOFF_VISIBLE_DEFAULT registry_home
{
    registry table{registry::layout_version, nullptr, nullptr, 0, 0};
    std::mutex lock;
};

HANDOFF_VISIBLE_DEFAULT inline registry_home the_home;

inline registry &the_registry() noexcept
{
    return the_home.table;
}

/// Holds the registry's lock.
class registry_guard
{
  public:
    explicit registry_guard(registry &) noexcept
    {
        the_home.lock.lock();
    }
    registry_guard(const registry_guard &) = delete;
    registry_guard &operator=(const registry_guard &) = delete;
    ~registry_guard()
    {
        the_home.lock.unlock();
    }
};
#endif

} // namespace checks
} // namespace detail

/// Installs the process's report hook (for every module that shares the registry) and returns
/// the one it replaces; null restores the default, which prints and aborts.
inline check_handler set_check_handler(check_handler handler) noexcept
{
    detail::checks::registry &r = detail::checks::the_registry();
    const detail::checks::registry_guard hold(r);
    const check_handler previous = r.handler;
    r.handler = handler;
    return previous;
}

namespace detail
{
namespace checks
{
/// Sends `report` to the process's hook, with the registry's lock not held.
inline void send(const check_report &report) noexcept
{
    registry &r = the_registry();
    check_handler handler = nullptr;
    {
        const registry_guard hold(r);
        handler = r.handler;
    }
    const error_state_guard keep_errors;
    (handler != nullptr ? handler : default_check_handler)(report);
}

#if HANDOFF_WINDOWS
/// Reports, once, that another module's registry has another layout.
inline void report_mixed_once() noexcept
{
    registry_home &h = home();
    if (!h.mixed.load(std::memory_order_relaxed) || !h.mixed.exchange(false))
        return;
    check_report report;
    report.problem = check_problem::registry_mixed;
    send(report);
}
#endif

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
#if HANDOFF_WINDOWS
    report_mixed_once();
#endif
    std::uintptr_t related[2] = {};
    const unsigned related_count = related_values(kind, value, related);
    check_report report;
    bool conflict = false;
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
                        report.value = key;
                    }
                }
                if (held->owners < 255)
                    ++held->owners;
                return nullptr;
            }
            entry *made = insert(r, space, key);
            if (made != nullptr)
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
        if (take(space_of(kind), value, 0) != nullptr)
        {
            for (unsigned i = 0; i < related_count; ++i)
                (void)take(related_space(kind, i), related[i], i + 1);
            // Looked up again: taking the related values may have moved it.
            if (entry *primary = find(r, space_of(kind), value))
            {
                primary->related_count = static_cast<std::uint8_t>(related_count);
                primary->related[0] = related[0];
                primary->related[1] = related[1];
            }
        }
    }
#if HANDOFF_WINDOWS && HANDOFF_CHECKS_PROTECT
    // Outside the lock: the flag is the handle's, and only its one owner touches it.
    if (kind == value_kind::kernel_handle && !conflict && protect_from_close(value))
    {
        registry &r = the_registry();
        const registry_guard hold(r);
        if (entry *primary = find(r, space_of(kind), value))
            primary->protected_here = 1;
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

/// Drops one owner of (`space`, `value`); false if none held it.
inline bool drop(registry &r, key_space space, std::uintptr_t value) noexcept
{
    entry *held = find(r, space, value);
    if (held == nullptr)
        return false;
    if (--held->owners == 0)
        held->state = slot_removed;
    return true;
}

/// Records that an owner of `kind` lets `value` go at `where` (it closes it, or hands it on);
/// reports a value no owner held.
/// Where an owner adopted a value, as the registry kept it.
struct adoption
{
    char file[file_name_size] = {};
    unsigned line = 0;
};

inline void let_go(value_kind kind, std::uintptr_t value, call_site where, adoption *adopted_at = nullptr) noexcept
{
    const error_state_guard keep_errors;
    bool held = false;
    [[maybe_unused]] bool lift = false;
    {
        registry &r = the_registry();
        const registry_guard hold(r);
        entry *primary = find(r, space_of(kind), value);
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
            (void)drop(r, space_of(kind), value);
            for (unsigned i = 0; i < count; ++i)
                (void)drop(r, related_space(kind, i), related[i]);
        }
    }
#if HANDOFF_WINDOWS && HANDOFF_CHECKS_PROTECT
    if (lift)
        lift_protection(value);
#endif
    if (held)
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
} // namespace checks
} // namespace detail

HANDOFF_END_NAMESPACE

#endif // HANDOFF_CHECKS

#endif // HANDOFF_DETAIL_OWNERSHIP_REGISTRY_HPP_INCLUDED
