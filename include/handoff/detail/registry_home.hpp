// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// Where the ownership checks' registry lives (HANDOFF_CHECKS=1): one per process, even with
// several modules (an EXE or executable and DLLs or shared objects, each with its own copy of
// these headers), found the same way by every module whatever it exports.
//
// Windows: the registry lives in a named page-sized mapping, "Local\handoff-checks-<pid>-<start>",
// which the first module to check anything creates and fills in; the others open it.
// POSIX: it lives in the heap, and the first module publishes its address in the environment
// variable HANDOFF_CHECKS_REGISTRY ("<image key>:<layout>:<address>") as it loads, under the
// dynamic linker's lock where glibc has one. The image key is a digest of the random bytes the
// kernel gives each exec: a program exec'd from this one (same pid or not) finds another key
// there and publishes its own, and a forked child, which keeps them, uses its copy of the
// registry, whose lock word names the holder's process so that the child can take it over.
// The layout has a version: a module of another layout reports check_problem::registry_mixed
// once and keeps a registry of its own.

// Before the guard: checks.hpp includes the checks' headers at its end, this one among them,
// and this header needs all of checks.hpp first.
#include <handoff/checks.hpp>

#ifndef HANDOFF_DETAIL_REGISTRY_HOME_HPP_INCLUDED
#define HANDOFF_DETAIL_REGISTRY_HOME_HPP_INCLUDED

#include <handoff/config.hpp>
#include <handoff/detail/registry_table.hpp>
#include <handoff/error.hpp>

#if HANDOFF_CHECKS
#include <atomic>
#include <cstdint>
#include <cstdio>
#if HANDOFF_WINDOWS
#include <cwchar>
#include <handoff/detail/windows.hpp>
#else
#include <cstring>
#include <new>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <link.h>
#endif
#if defined(__GLIBC__) || defined(__linux__)
#include <sys/auxv.h>
#endif
#endif

HANDOFF_BEGIN_NAMESPACE
namespace detail
{
namespace checks
{
inline namespace HANDOFF_CHECKS_LAYOUT_NAMESPACE
{
/// The registry of this module's process: the shared one, or this module's own when another
/// module's layout differs (`mixed` is then set, once).
struct registry_home
{
    registry *shared = nullptr;
    registry own{};
    std::atomic<bool> mixed{false}; // to be reported, once, by whichever thread sees it first
};

#if HANDOFF_WINDOWS
/// Opens or makes the process's registry block; null if it cannot, or if its layout is another
/// (`other_layout` is then set). Runs once per module.
inline registry *open_shared_registry(bool &other_layout) noexcept
{
    // Named by the process's id and start time: a block an earlier process of the same id left
    // (kept open by somebody else) has another name.
    FILETIME started{}, exited{}, kernel{}, user{};
    (void)::GetProcessTimes(::GetCurrentProcess(), &started, &exited, &kernel, &user);
    wchar_t name[96];
    (void)std::swprintf(name, sizeof name / sizeof name[0], L"Local\\handoff-checks-%lu-%08lx%08lx",
                        static_cast<unsigned long>(::GetCurrentProcessId()),
                        static_cast<unsigned long>(started.dwHighDateTime),
                        static_cast<unsigned long>(started.dwLowDateTime));
    // Kept open for the life of the process: the block is the registry.
    const HANDLE mapping = ::CreateFileMappingW(INVALID_HANDLE_VALUE, nullptr, PAGE_READWRITE, 0, 4096, name);
    if (mapping == nullptr)
        return nullptr;
    void *const view = ::MapViewOfFile(mapping, FILE_MAP_ALL_ACCESS, 0, 0, 4096);
    if (view == nullptr)
    {
        (void)::CloseHandle(mapping);
        return nullptr;
    }
    // The block also names the process that filled it in, checked once it is ready.
    struct block_header
    {
        volatile LONG state; // 0 untouched, 1 being filled in, 2 ready
        DWORD process;
        FILETIME started;
    };
    static_assert(sizeof(block_header) <= 64, "the registry starts at offset 64");
    auto *const header = static_cast<block_header *>(view);
    auto *const shared = reinterpret_cast<registry *>(static_cast<char *>(view) + 64);
    if (::InterlockedCompareExchange(&header->state, 1, 0) == 0)
    {
        header->process = ::GetCurrentProcessId();
        header->started = started;
        shared->layout = registry::layout_version;
        ::InitializeSRWLock(&shared->lock);
        shared->handler = nullptr;
        shared->entries = nullptr;
        shared->capacity = 0;
        shared->used = 0;
        shared->lost = false;
        ::InterlockedExchange(&header->state, 2);
    }
    else
    {
        while (header->state != 2)
            ::Sleep(0);
    }
    if (header->process != ::GetCurrentProcessId() || header->started.dwLowDateTime != started.dwLowDateTime ||
        header->started.dwHighDateTime != started.dwHighDateTime)
    {
        (void)::UnmapViewOfFile(view);
        (void)::CloseHandle(mapping);
        return nullptr;
    }
    if (shared->layout != registry::layout_version)
    {
        other_layout = true;
        return nullptr;
    }
    return shared;
}
#else
constexpr const char *registry_variable = "HANDOFF_CHECKS_REGISTRY";

/// SipHash-2-4 of `bytes` under a fixed key: a one-way digest, so that the variable does not
/// give away the bytes it is made from.
inline unsigned long long sip_hash(const unsigned char (&bytes)[16]) noexcept
{
    using u64 = std::uint64_t;
    const auto rotate = [](u64 x, int b) { return (x << b) | (x >> (64 - b)); };
    const u64 k0 = 0x68616e646f666621ull, k1 = 0x636865636b732131ull;
    u64 v0 = k0 ^ 0x736f6d6570736575ull, v1 = k1 ^ 0x646f72616e646f6dull;
    u64 v2 = k0 ^ 0x6c7967656e657261ull, v3 = k1 ^ 0x7465646279746573ull;
    const auto round = [&] {
        v0 += v1, v1 = rotate(v1, 13), v1 ^= v0, v0 = rotate(v0, 32);
        v2 += v3, v3 = rotate(v3, 16), v3 ^= v2;
        v0 += v3, v3 = rotate(v3, 21), v3 ^= v0;
        v2 += v1, v1 = rotate(v1, 17), v1 ^= v2, v2 = rotate(v2, 32);
    };
    const auto word = [&](int at) {
        u64 m = 0;
        for (int i = 7; i >= 0; --i)
            m = (m << 8) | bytes[at + i];
        return m;
    };
    for (const int at : {0, 8})
    {
        const u64 m = word(at);
        v3 ^= m, round(), round(), v0 ^= m;
    }
    const u64 last = u64{16} << 56;
    v3 ^= last, round(), round(), v0 ^= last;
    v2 ^= 0xff, round(), round(), round(), round();
    return v0 ^ v1 ^ v2 ^ v3;
}

/// What names this program image: a digest of the 16 random bytes the kernel gives every exec
/// (a forked child keeps them, with its copy of the registry; an exec, even one that keeps the
/// pid, gets new ones; they also seed the stack protector, hence the digest), or the pid where
/// there is no auxiliary vector.
inline unsigned long long image_key() noexcept
{
#if defined(__GLIBC__) || defined(__linux__)
    if (const auto *const random = reinterpret_cast<const unsigned char *>(::getauxval(AT_RANDOM)))
    {
        unsigned char bytes[16];
        std::memcpy(bytes, random, sizeof bytes);
        return sip_hash(bytes);
    }
#endif
    return static_cast<unsigned long long>(::getpid());
}

/// The registry another module of this image published, or `made`, which this module then
/// publishes (null if it cannot); null too if the published one has another layout
/// (`other_layout` is then set). Its caller holds the dynamic linker's lock where there is one.
inline registry *find_or_publish_registry(registry *made, bool &published, bool &other_layout) noexcept
{
    const unsigned long long key = image_key();
    if (const char *text = ::getenv(registry_variable))
    {
        unsigned long long their_key = 0;
        unsigned long layout = 0;
        unsigned long long address = 0;
        // Another key: the variable came from the program that started this one.
        if (std::sscanf(text, "%llx:%lu:%llx", &their_key, &layout, &address) == 3 && their_key == key &&
            address != 0)
        {
            if (layout == registry::layout_version)
                return reinterpret_cast<registry *>(static_cast<std::uintptr_t>(address));
            other_layout = true;
            return nullptr;
        }
    }
    if (made == nullptr)
        return nullptr;
    char text[80];
    (void)std::snprintf(text, sizeof text, "%llx:%lu:%llx", key, static_cast<unsigned long>(registry::layout_version),
                        static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(made)));
    if (::setenv(registry_variable, text, 1) != 0)
        return nullptr;
    published = true;
    return made;
}

/// Finds or publishes the process's registry. Runs once per module.
inline registry *open_shared_registry(bool &other_layout) noexcept
{
    struct rendezvous
    {
        registry *made;
        registry *found;
        bool published;
        bool *other_layout;
    } meeting{new (std::nothrow) registry{}, nullptr, false, &other_layout};
    if (meeting.made != nullptr)
        meeting.made->layout = registry::layout_version;
#if defined(__GLIBC__)
    // glibc holds its loader's list lock while it calls the callback: two modules starting on
    // two threads cannot both publish. Only the environment is touched under it.
    (void)::dl_iterate_phdr(
        [](dl_phdr_info *, std::size_t, void *data) -> int {
            auto *const m = static_cast<rendezvous *>(data);
            m->found = find_or_publish_registry(m->made, m->published, *m->other_layout);
            return 1; // once
        },
        &meeting);
#else
    meeting.found = find_or_publish_registry(meeting.made, meeting.published, other_layout);
#endif
    if (!meeting.published)
    {
        delete meeting.made;
        return meeting.found;
    }
    // Never freed: other modules use it after this one is unloaded.
    return meeting.made;
}
#endif

/// This module's view of the process's registry, found on first use.
inline registry_home &home() noexcept
{
    static registry_home instance;
    static const bool opened = [] {
#if HANDOFF_WINDOWS
        ::InitializeSRWLock(&instance.own.lock);
#endif
        instance.own.layout = registry::layout_version;
        const error_state_guard keep_errors;
        bool other_layout = false;
        instance.shared = open_shared_registry(other_layout);
        if (other_layout)
            instance.mixed.store(true);
        return true;
    }();
    (void)opened;
    return instance;
}

#if !HANDOFF_WINDOWS
/// The registry is found, or published, while the module starts (before main, or in dlopen),
/// on the thread that loads it, rather than at its first check on whatever thread makes it:
/// the environment is written once, before the program's own threads are likely to read it.
inline const bool registry_found_at_load = (static_cast<void>(home()), true);
#endif

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
#if HANDOFF_WINDOWS
        ::AcquireSRWLockExclusive(&r_.lock);
#else
        // A word that holds the holder's process id: a thread of this process waits for it; a
        // forked child, whose copy says a parent's thread held it at the fork, takes it over,
        // and with it a table that thread may have left half changed: it starts a new one.
        const long self = static_cast<long>(::getpid());
        for (;;)
        {
            long holder = 0;
            if (r_.locked_by.compare_exchange_weak(holder, self, std::memory_order_acquire))
                break;
            if (holder != 0 && holder != self &&
                r_.locked_by.compare_exchange_strong(holder, self, std::memory_order_acquire))
            {
                r_.entries = nullptr; // the parent's, perhaps mid-rehash: left alone
                r_.capacity = 0;
                r_.used = 0;
                r_.lost = true;
                break;
            }
            ::sched_yield();
        }
#endif
    }
    registry_guard(const registry_guard &) = delete;
    registry_guard &operator=(const registry_guard &) = delete;
    ~registry_guard()
    {
#if HANDOFF_WINDOWS
        ::ReleaseSRWLockExclusive(&r_.lock);
#else
        r_.locked_by.store(0, std::memory_order_release);
#endif
    }

  private:
    registry &r_;
};
} // namespace HANDOFF_CHECKS_LAYOUT_NAMESPACE
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
inline namespace HANDOFF_CHECKS_LAYOUT_NAMESPACE
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
} // namespace HANDOFF_CHECKS_LAYOUT_NAMESPACE
} // namespace checks
} // namespace detail
HANDOFF_END_NAMESPACE

#endif // HANDOFF_CHECKS

#endif // HANDOFF_DETAIL_REGISTRY_HOME_HPP_INCLUDED
