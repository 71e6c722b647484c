// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// The ownership checks' table (HANDOFF_CHECKS=1): every value an owner holds, keyed by its
// namespace and value, with the owner's family and where it adopted it. An open-addressing
// hash table in memory of its own (the process heap on Windows), so that modules with
// different C++ runtimes can share it; its callers hold the registry's lock.

// Before the guard: checks.hpp includes the checks' headers at its end, this one among them,
// and this header needs all of checks.hpp first.
#include <handoff/checks.hpp>

#ifndef HANDOFF_DETAIL_REGISTRY_TABLE_HPP_INCLUDED
#define HANDOFF_DETAIL_REGISTRY_TABLE_HPP_INCLUDED

#include <handoff/config.hpp>

#if HANDOFF_CHECKS
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#if HANDOFF_WINDOWS
#include <handoff/detail/windows.hpp>
#else
#include <atomic>
#endif

#if !defined(HANDOFF_CHECKS_REGISTRY_LAYOUT)
// The version of the registry's layout, which modules sharing it must agree on. A module built
// with another one stands for a handoff of another version (the tests build one).
#define HANDOFF_CHECKS_REGISTRY_LAYOUT 1
#endif
// The registry's code lives in a namespace of its layout: GCC makes the statics of inline
// functions one per process across shared objects (STB_GNU_UNIQUE), and those of two layouts
// must stay two.
#define HANDOFF_CHECKS_LAYOUT_NAMESPACE_NAME(layout) layout_##layout
#define HANDOFF_CHECKS_LAYOUT_NAMESPACE_EXPAND(layout) HANDOFF_CHECKS_LAYOUT_NAMESPACE_NAME(layout)
#define HANDOFF_CHECKS_LAYOUT_NAMESPACE HANDOFF_CHECKS_LAYOUT_NAMESPACE_EXPAND(HANDOFF_CHECKS_REGISTRY_LAYOUT)

HANDOFF_BEGIN_NAMESPACE
namespace detail
{
namespace checks
{
inline namespace HANDOFF_CHECKS_LAYOUT_NAMESPACE
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
#else
    // The id of the process whose thread holds it, or 0: a forked child finds its parent's id
    // in a lock that a thread it does not have was holding, and takes it over.
    std::atomic<long> locked_by;
#endif
    check_handler handler; // null: the default
    entry *entries;
    std::size_t capacity; // a power of two, or 0
    std::size_t used;     // used and removed slots
    bool lost;            // an insert ran out of memory: some values are not tracked
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
} // namespace HANDOFF_CHECKS_LAYOUT_NAMESPACE
} // namespace checks
} // namespace detail
HANDOFF_END_NAMESPACE

#endif // HANDOFF_CHECKS

#endif // HANDOFF_DETAIL_REGISTRY_TABLE_HPP_INCLUDED
