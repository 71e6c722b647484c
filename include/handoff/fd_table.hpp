// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief The virtual descriptor table: more descriptors than the C runtime allows.
///
/// The C runtime's descriptor table is small (2048 descriptors in msvcrt.dll, 8192 in the
/// UCRT); the kernel allows far more handles. An `fd_table` owns one kernel handle per
/// *virtual* descriptor and gives it a real CRT descriptor only while one is needed: a
/// `lease` pages a descriptor in (a non-inheritable duplicate of the handle, given to
/// `_open_osfhandle`), and when too many are resident the least recently used one that no
/// lease holds is paged out (`_close`, which closes only the duplicate). The file position
/// belongs to the kernel's file object, which every duplicate shares, so it survives.
///
/// ~~~cpp
/// handoff::fd_table table;                                     // resident limit from the CRT's own
/// handoff::unique_virtual_fd log = table.open(L"build.log", _O_WRONLY | _O_CREAT | _O_APPEND, _S_IWRITE);
/// handoff::write(log, "started\n", 8);                         // WriteFile on the owned handle: no paging
/// {
///     handoff::lease lease(log);                               // a real CRT descriptor, pinned
///     legacy_report(lease.fd().get());                         // code that wants an int fd
/// }                                                            // unpinned; paged out when room is needed
/// ~~~                                                          // log's destructor closes the handle
///
/// This header holds the table and its descriptors; `<handoff/lease.hpp>` the leases and
/// `<handoff/virtual_fd_io.hpp>` the one-call I/O (`<handoff/handoff.hpp>` includes all three).
///
/// On POSIX the table works the same way over real descriptors (each virtual descriptor holds
/// one, and a lease a duplicate of it), which saves no descriptor: there it offers only the
/// checked numbering and the resident limit.

#ifndef HANDOFF_FD_TABLE_HPP_INCLUDED
#define HANDOFF_FD_TABLE_HPP_INCLUDED

#include <handoff/borrowed_handle.hpp>
#include <handoff/config.hpp>
#include <handoff/detail/fd_pager.hpp>
#include <handoff/detail/table_lock.hpp>
#include <handoff/detail/vfd_slot.hpp>
#include <handoff/detail/wopen.hpp>
#include <handoff/error.hpp>
#include <handoff/fd.hpp>
#include <handoff/unique_handle.hpp>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <system_error>
#include <type_traits>
#include <utility>

#if HANDOFF_WINDOWS
#include <handoff/crt.hpp>
#include <handoff/win32.hpp>

#include <sys/stat.h>
#else
#include <sys/types.h>
#endif

HANDOFF_BEGIN_NAMESPACE

class fd_table;

/// Traits of the virtual descriptor family. A virtual descriptor is a positive `int` of
/// 2^27 or more, so it is never a real descriptor, in which the table, the slot and a
/// generation count are encoded; -1 is empty. Closing one asks its table.
struct virtual_fd_traits
{
    /// The raw value: a virtual descriptor number.
    using value_type = int;

    /// -1, the value of an empty owner or view.
    static constexpr value_type empty() noexcept
    {
        return -1;
    }

    /// True for a number a table could have made (2^27 or more).
    static constexpr bool can_own(value_type number) noexcept
    {
        return number >= (1 << 27);
    }

    /// Closes the descriptor through its table: its resident CRT descriptor, if any, then its
    /// handle. A descriptor that a lease holds is closed when the last lease ends (its number
    /// is refused at once). `errc::stale_descriptor` for a number no live table knows.
    static std::error_code close(value_type number) noexcept;

    /// `close(number)` without its error.
    static void close_quietly(value_type number) noexcept
    {
        (void)close(number);
    }
};

/// Owns a virtual descriptor of an `fd_table`; it must not outlive the table.
using unique_virtual_fd = basic_unique_handle<virtual_fd_traits>;

/// A virtual descriptor that somebody else closes.
using borrowed_virtual_fd = basic_borrowed_handle<virtual_fd_traits>;

/// Settings of an `fd_table`.
struct fd_table_options
{
    /// The most real descriptors the table keeps at once (leases and stream leases included).
    /// 0: the C runtime's own limit less a quarter (at least 64 kept back) for the program's other
    /// descriptors, found at run time: 1536 with msvcrt.dll, 6144 with the UCRT. On POSIX an
    /// eighth of the soft `RLIMIT_NOFILE`.
    std::size_t resident_limit = 0;
};

/// What an `fd_table` has done so far (`fd_table::statistics()`).
struct fd_table_statistics
{
    std::uint64_t hits = 0;        ///< leases that found their descriptor resident
    std::uint64_t misses = 0;      ///< page-ins: leases that had to page in, and stream leases
    std::uint64_t evictions = 0;   ///< page-outs to make room
    std::size_t resident = 0;      ///< real descriptors held now
    std::size_t resident_peak = 0; ///< the most held at once
    std::size_t open = 0;          ///< virtual descriptors open now
    std::uint64_t failed_all_leased = 0; ///< page-ins refused: every resident descriptor leased
    std::uint64_t failed_crt_full = 0;   ///< page-ins refused: the CRT's table full of others' descriptors
    std::uint64_t failed_page_in = 0;    ///< page-ins that failed for another reason
    std::uint64_t refused_stale = 0;     ///< stale, forged or other tables' numbers refused
    std::uint64_t failed_closes = 0;     ///< handles whose close failed (a deferred close has no caller to tell)
    std::size_t resident_unevictable = 0; ///< resident now and not pageable: stream leases' own, translated pipes and devices
};



/// A table of virtual descriptors: owns one kernel handle (POSIX: descriptor) per virtual
/// descriptor and pages real C-runtime descriptors in and out for them, least recently used
/// out first. Thread-safe: leases of resident descriptors take no lock; page-ins, page-outs,
/// opens and closes are serialized by the table's lock.
///
/// Every `lease`, `stream_lease` and `unique_virtual_fd` of a table must end before it; a
/// table destroyed while a lease is live ends the process with a message, and the table
/// closes every descriptor still open when it goes. A module holds at most 15 live tables.
class fd_table
{
  public:
    /// Makes an empty table; `ec` is `errc::too_many_tables` if 15 live in this module, or
    /// `std::errc::not_enough_memory`. A table that failed refuses every call.
    fd_table(fd_table_options options, std::error_code &ec) noexcept
    {
        failure_ = init(options);
        ec = failure_;
    }

#if HANDOFF_EXCEPTIONS
    /// Makes an empty table; throws `std::system_error` where the `ec` form reports an error.
    explicit fd_table(fd_table_options options = {})
    {
        failure_ = init(options);
        detail::throw_if_error(failure_, "handoff::fd_table");
    }
#endif

    fd_table(const fd_table &) = delete;
    fd_table &operator=(const fd_table &) = delete;

    /// Closes every virtual descriptor still open (its resident descriptor first, then its
    /// handle). Ends the process if a lease is live: its descriptor would be closed under it.
    ~fd_table()
    {
        const std::uint32_t count = slot_count_.load(std::memory_order_acquire);
        if (tag_ != 0)
        {
            // The tag's next table starts past every generation this one's numbers carried;
            // then the numbers stop resolving to this table, before anything is closed.
            detail::vfd_tag_seeds[tag_].store((generation_seed_ + generations_used(count)) & detail::vfd_generation_mask,
                                              std::memory_order_relaxed);
            detail::vfd_tables[tag_].store(nullptr, std::memory_order_release);
        }
        for (std::uint32_t index = 0; index < count; ++index)
        {
            detail::vfd_slot &slot = slot_at(index);
            const std::uint64_t state = slot.state.load(std::memory_order_acquire);
            if ((state & detail::vfd_open) == 0)
                continue;
            if (detail::vfd_state_pins(state) != 0)
            {
                std::fputs("handoff: an fd_table was destroyed while a lease of one of its descriptors was live; "
                           "end every lease before its table\n",
                           stderr);
                std::abort();
            }
            if (detail::vfd_state_fd(state) >= 0)
                detail::page_out(detail::vfd_state_fd(state));
            (void)detail::close_backing(slot.backing);
        }
        for (detail::vfd_slot *chunk : chunks_)
            delete[] chunk;
        delete[] ring_;
    }

    /// True unless the constructor failed.
    explicit operator bool() const noexcept
    {
        return tag_ != 0;
    }

    /// The most real descriptors the table holds at once.
    std::size_t resident_limit() const noexcept
    {
        return resident_limit_;
    }

    /// A snapshot of the counters. Reads every slot (the hits not yet added up are kept in
    /// them), so it costs time in proportion to the descriptors the table has made. Exact once
    /// the leases in progress have ended; taken while other threads lease, the hits may lag by
    /// up to 64 for each lease in progress.
    fd_table_statistics statistics() const noexcept
    {
        const detail::table_lock_guard hold(lock_);
        fd_table_statistics result = counters_;
        result.hits = hits_.load(std::memory_order_relaxed);
        const std::uint32_t count = slot_count_.load(std::memory_order_acquire);
        for (std::uint32_t index = 0; index < count; ++index)
            result.hits += detail::vfd_state_hits(slot_at(index).state.load(std::memory_order_relaxed));
        result.refused_stale = refused_stale_.load(std::memory_order_relaxed);
        result.resident = resident_;
        result.resident_unevictable = resident_ - ring_size_;
        result.open = open_;
        return result;
    }

#if HANDOFF_WINDOWS
    /// Takes ownership of `h` as a new virtual descriptor served with the CRT flags `flags`:
    /// `_O_RDONLY`, `_O_WRONLY` or `_O_RDWR` (what the descriptor is used for), `_O_TEXT` or
    /// `_O_BINARY` (the default), or one of `_O_U8TEXT`, `_O_U16TEXT`, `_O_WTEXT`, and
    /// `_O_APPEND`; `_O_NOINHERIT` is implied. Every page-in gets these modes again. A pipe or
    /// device that can be read in a translated mode stays resident once paged in (the CRT's
    /// look-ahead cannot be restored); a file read in one is kept resident while a read has
    /// left the CRT at a Ctrl-Z (until a seek). The handle is made non-inheritable.
    ///
    /// On failure `h` still owns its handle and `ec` says why: `errc::unsupported_flags`,
    /// `empty_value`, `pseudo_handle`, `socket_handle`, `overlapped_handle`, the system's
    /// reason for a handle that is not a file, pipe or device, `errc::table_full`,
    /// `std::errc::not_enough_memory`, or the constructor's error for a table that failed.
    unique_virtual_fd adopt(unique_handle &&h, int flags, std::error_code &ec) noexcept
    {
        std::uint32_t mode = 0;
        if (!mode_for_flags(flags, mode))
        {
            ec = errc::unsupported_flags;
            return {};
        }
        if (h && is_pseudo_handle(h.get()))
        {
            ec = errc::pseudo_handle;
            return {};
        }
        if (!detail::check_handle_for_fd(h.get(), ec))
            return {};
        const DWORD type = ::GetFileType(h.get());
        if (type == FILE_TYPE_UNKNOWN)
        {
            const DWORD error = ::GetLastError();
            ec = error != 0 ? detail::win32_error(error) : make_error_code(errc::invalid_value);
            return {};
        }
        if ((mode & detail::vfd_probe_end) != 0 && type != FILE_TYPE_DISK)
            mode = (mode & ~detail::vfd_probe_end) | detail::vfd_stays_resident;
        unique_virtual_fd result = insert(h.get(), mode, ec);
        if (result)
        {
            (void)::SetHandleInformation(h.get(), HANDLE_FLAG_INHERIT, 0);
#if HANDOFF_CHECKS
            detail::note_backing(h.release(), true);
#else
            (void)h.release();
#endif
        }
        return result;
    }

    /// Opens `path` as `_wopen` would, as a new virtual descriptor. `oflag`: the access
    /// (`_O_RDONLY`, `_O_WRONLY`, `_O_RDWR`), the modes `adopt` takes, `_O_CREAT`, `_O_EXCL`,
    /// `_O_TRUNC`, `_O_TEMPORARY`, `_O_SHORT_LIVED`, `_O_SEQUENTIAL`, `_O_RANDOM`. `pmode`:
    /// without `_S_IWRITE`, a new file is read-only. `_O_APPEND` is the kernel's: the handle
    /// has `FILE_APPEND_DATA` and not `FILE_WRITE_DATA`, so every write through every
    /// duplicate lands at the end of the file, atomically. The handle is not inheritable and
    /// shares reading and writing with other opens, as `_wopen`'s does.
    ///
    /// On failure `ec` is the system's reason (in `crt_error_category()`, so that it compares
    /// equal to the `errno` `_wopen` would set), or `errc::unsupported_flags`.
    unique_virtual_fd open(const wchar_t *path, int oflag, int pmode, std::error_code &ec) noexcept
    {
        constexpr int open_flags = _O_CREAT | _O_EXCL | _O_TRUNC | _O_TEMPORARY | _O_SHORT_LIVED | _O_SEQUENTIAL |
                                   _O_RANDOM;
        std::uint32_t mode = 0;
        if (!mode_for_flags(oflag & ~open_flags, mode))
        {
            ec = errc::unsupported_flags;
            return {};
        }
        unique_handle h = detail::open_like_wopen(path, oflag, pmode, mode, ec);
        if (!h)
            return {};
        return insert_checked(std::move(h), mode, ec);
    }
#else
    /// Takes ownership of `fd` as a new virtual descriptor (made close-on-exec). On failure `fd`
    /// still owns its descriptor and `ec` is `errc::empty_value`, `fcntl`'s `errno`,
    /// `errc::table_full`, `std::errc::not_enough_memory`, or the constructor's error for a
    /// table that failed.
    unique_virtual_fd adopt(unique_fd &&fd, std::error_code &ec) noexcept
    {
        if (!fd)
        {
            ec = errc::empty_value;
            return {};
        }
        const int status = ::fcntl(fd.get(), F_GETFL);
        if (status < 0)
        {
            ec = detail::errno_error();
            return {};
        }
        const int access = status & O_ACCMODE;
        std::uint32_t mode = (access == O_RDONLY || access == O_RDWR ? detail::vfd_readable : 0u) |
                             (access == O_WRONLY || access == O_RDWR ? detail::vfd_writable : 0u) |
                             ((status & O_APPEND) != 0 ? detail::vfd_append : 0u);
        unique_virtual_fd result = insert(fd.get(), mode, ec);
        if (result)
        {
            (void)::fcntl(fd.get(), F_SETFD, FD_CLOEXEC);
#if HANDOFF_CHECKS
            detail::note_backing(fd.release(), true);
#else
            (void)fd.release();
#endif
        }
        return result;
    }

    /// Opens `path` with `open(path, flags | O_CLOEXEC, mode)` as a new virtual descriptor.
    unique_virtual_fd open(const char *path, int flags, mode_t mode, std::error_code &ec) noexcept
    {
        unique_fd fd(::open(path, flags | O_CLOEXEC, mode));
        if (!fd)
        {
            ec = detail::errno_error();
            return {};
        }
        return adopt(std::move(fd), ec);
    }
#endif

#if HANDOFF_EXCEPTIONS
#if HANDOFF_WINDOWS
    /// Throwing form of `adopt(h, flags, ec)`; on failure `h` still owns its handle.
    unique_virtual_fd adopt(unique_handle &&h, int flags = 0)
    {
        return detail::value_or_throw("handoff::fd_table::adopt",
                                      [&](std::error_code &ec) { return adopt(std::move(h), flags, ec); });
    }
    /// Throwing form of `open(path, oflag, pmode, ec)`.
    unique_virtual_fd open(const wchar_t *path, int oflag, int pmode = _S_IREAD | _S_IWRITE)
    {
        return detail::value_or_throw("handoff::fd_table::open",
                                      [&](std::error_code &ec) { return open(path, oflag, pmode, ec); });
    }
#else
    /// Throwing form of `adopt(fd, ec)`; on failure `fd` still owns its descriptor.
    unique_virtual_fd adopt(unique_fd &&fd)
    {
        return detail::value_or_throw("handoff::fd_table::adopt",
                                      [&](std::error_code &ec) { return adopt(std::move(fd), ec); });
    }
    /// Throwing form of `open(path, flags, mode, ec)`.
    unique_virtual_fd open(const char *path, int flags, mode_t mode = 0666)
    {
        return detail::value_or_throw("handoff::fd_table::open",
                                      [&](std::error_code &ec) { return open(path, flags, mode, ec); });
    }
#endif
#endif

  private:
    friend struct virtual_fd_traits;
    friend class detail::vfd_pinned;

    /// How many generations the busiest of the first `count` slots has given its numbers (at
    /// most 127, so that the tag's next table never starts where this one did).
    std::uint32_t generations_used(std::uint32_t count) const noexcept
    {
        std::uint32_t most = 0;
        for (std::uint32_t index = 0; index < count; ++index)
        {
            const std::uint64_t state = slot_at(index).state.load(std::memory_order_acquire);
            // A closed slot has given every generation before its current one; an open slot
            // its current one too.
            const std::uint32_t used = ((detail::vfd_state_generation(state) -
                                         detail::vfd_first_generation(generation_seed_, index)) &
                                        detail::vfd_generation_mask) +
                                       ((state & detail::vfd_open) != 0 ? 1u : 0u);
            if (used > most)
                most = used;
        }
        return most < detail::vfd_generation_mask ? most : detail::vfd_generation_mask;
    }

    /// Claims a tag and the clock ring; on failure holds nothing.
    std::error_code init(fd_table_options options) noexcept
    {
        resident_limit_ = options.resident_limit != 0 ? options.resident_limit : detail::default_resident_limit();
        ring_ = new (std::nothrow) std::uint32_t[resident_limit_];
        if (ring_ == nullptr)
            return std::make_error_code(std::errc::not_enough_memory);
        // Tags are handed out in turn, and a table starts its slots past the generations the
        // tag's earlier tables used, so that a number kept from one of them is refused.
        static std::atomic<std::uint32_t> tables_made{0};
        const std::uint32_t made = tables_made.fetch_add(1, std::memory_order_relaxed);
        for (std::uint32_t step = 0; step < detail::vfd_max_tables - 1; ++step)
        {
            const std::uint32_t tag = 1 + (made + step) % (detail::vfd_max_tables - 1);
            fd_table *expected = nullptr;
            if (detail::vfd_tables[tag].compare_exchange_strong(expected, this, std::memory_order_acq_rel))
            {
                tag_ = tag;
                break;
            }
        }
        if (tag_ == 0)
        {
            delete[] ring_;
            ring_ = nullptr;
            return errc::too_many_tables;
        }
        generation_seed_ = detail::vfd_tag_seeds[tag_].load(std::memory_order_relaxed);
        return {};
    }

#if HANDOFF_WINDOWS
    /// The mode bits of CRT flags; false for flags the table does not take.
    static bool mode_for_flags(int flags, std::uint32_t &mode) noexcept
    {
        constexpr int translations = _O_TEXT | _O_BINARY | _O_U8TEXT | _O_U16TEXT | _O_WTEXT;
        constexpr int accepted = _O_WRONLY | _O_RDWR | _O_APPEND | _O_NOINHERIT | translations;
        const int translation = flags & translations;
        if ((flags & ~accepted) != 0 || (flags & (_O_WRONLY | _O_RDWR)) == (_O_WRONLY | _O_RDWR) ||
            (translation & (translation - 1)) != 0)
            return false;
        mode = ((flags & _O_WRONLY) != 0 ? 0u : detail::vfd_readable) |
               ((flags & (_O_WRONLY | _O_RDWR)) != 0 ? detail::vfd_writable : 0u) |
               ((flags & _O_APPEND) != 0 ? detail::vfd_append : 0u) |
               ((flags & _O_TEXT) != 0 ? detail::vfd_text : 0u) | ((flags & _O_U8TEXT) != 0 ? detail::vfd_u8text : 0u) |
               ((flags & _O_U16TEXT) != 0 ? detail::vfd_u16text : 0u) |
               ((flags & _O_WTEXT) != 0 ? detail::vfd_wtext : 0u);
        if ((mode & detail::vfd_readable) != 0 && detail::vfd_translated(mode))
            mode |= detail::vfd_probe_end;
        return true;
    }

    /// Inserts a handle the table opened itself (checked by its opening).
    unique_virtual_fd insert_checked(unique_handle &&h, std::uint32_t mode, std::error_code &ec) noexcept
    {
        unique_virtual_fd result = insert(h.get(), mode, ec);
        if (result)
#if HANDOFF_CHECKS
            detail::note_backing(h.release(), true);
#else
            (void)h.release();
#endif
        return result;
    }
#endif

    detail::vfd_slot &slot_at(std::uint32_t index) const noexcept
    {
        return chunks_[index >> detail::vfd_chunk_shift].load(std::memory_order_acquire)[index &
                                                                                         (detail::vfd_chunk_size - 1)];
    }

    /// The table that made `number`, or null.
    static fd_table *table_of(int number) noexcept
    {
        detail::vfd_number parts{};
        if (!detail::decode_vfd(number, parts))
            return nullptr;
        return detail::vfd_tables[parts.tag].load(std::memory_order_acquire);
    }

    /// The slot of `number` and its generation, or null if this table never made it.
    detail::vfd_slot *find(int number, std::uint32_t &index, std::uint32_t &generation) const noexcept
    {
        detail::vfd_number parts{};
        if (!detail::decode_vfd(number, parts) || parts.tag != tag_ ||
            parts.index >= slot_count_.load(std::memory_order_acquire))
            return nullptr;
        index = parts.index;
        generation = parts.generation;
        return &slot_at(parts.index);
    }

    HANDOFF_COLD std::error_code refuse_stale() noexcept
    {
        refused_stale_.fetch_add(1, std::memory_order_relaxed);
        return errc::stale_descriptor;
    }

    /// Pins `number` and returns its resident descriptor, paging it in if needed.
    int acquire_fd(int number, detail::vfd_pin &pin, std::error_code &ec) noexcept
    {
        std::uint32_t index = 0;
        std::uint32_t generation = 0;
        detail::vfd_slot *slot = find(number, index, generation);
        if (slot == nullptr)
        {
            ec = refuse_stale();
            return -1;
        }
        std::uint64_t state = slot->state.load(std::memory_order_acquire);
        while (detail::vfd_state_is(state, generation) && detail::vfd_state_fd(state) >= 0 &&
               detail::vfd_state_pins(state) < detail::vfd_max_pins)
        {
            if (pin_resident(*slot, state))
            {
                pin = {slot, index};
                detail::clear(ec);
                return detail::vfd_state_fd(state);
            }
        }
        return acquire_fd_slowly(slot, index, generation, pin, ec);
    }

    /// One attempt to pin the resident descriptor of `slot` at `state`, counting a hit; false,
    /// with `state` reloaded, if the state word changed meanwhile.
    bool pin_resident(detail::vfd_slot &slot, std::uint64_t &state) noexcept
    {
        if (!slot.state.compare_exchange_weak(state,
                                              (state + detail::vfd_pin_one + detail::vfd_hit_one) |
                                                  detail::vfd_referenced,
                                              std::memory_order_acq_rel, std::memory_order_acquire))
            return false;
        if (detail::vfd_state_hits(state) == detail::vfd_hits_mask) // the slot's count wrapped to 0
            hits_.fetch_add(detail::vfd_hits_mask + 1, std::memory_order_relaxed);
        return true;
    }

    HANDOFF_COLD int acquire_fd_slowly(detail::vfd_slot *slot, std::uint32_t index, std::uint32_t generation,
                                       detail::vfd_pin &pin, std::error_code &ec) noexcept
    {
        const detail::table_lock_guard hold(lock_);
        std::uint64_t state = slot->state.load(std::memory_order_acquire);
        for (;;)
        {
            if (!detail::vfd_state_is(state, generation))
            {
                ec = refuse_stale();
                return -1;
            }
            if (detail::vfd_state_pins(state) >= detail::vfd_max_pins)
            {
                ec = std::make_error_code(std::errc::resource_unavailable_try_again);
                return -1;
            }
            if (detail::vfd_state_fd(state) < 0)
                break;
            // Paged in by another thread since the first look.
            if (pin_resident(*slot, state))
            {
                pin = {slot, index};
                detail::clear(ec);
                return detail::vfd_state_fd(state);
            }
        }
        const int fd = page_in_locked(*slot, ec);
        if (fd < 0)
            return -1;
        // Only this lock changes the descriptor and the flags; pins may change meanwhile.
        state = slot->state.load(std::memory_order_acquire);
        while (!slot->state.compare_exchange_weak(
            state,
            ((state & ~detail::vfd_fd_field) | static_cast<std::uint64_t>(static_cast<std::uint32_t>(fd) + 1u) |
             detail::vfd_referenced) +
                detail::vfd_pin_one,
            std::memory_order_acq_rel, std::memory_order_acquire))
        {
        }
        if ((slot->mode & detail::vfd_stays_resident) == 0)
            ring_push(index);
        note_resident();
        pin = {slot, index};
        return fd;
    }

    /// A new real descriptor for `slot`, after making room if the limit is reached or the
    /// CRT's table is full. Holds the lock.
    int page_in_locked(detail::vfd_slot &slot, std::error_code &ec) noexcept
    {
        if (resident_ >= resident_limit_ && !evict_one_locked())
        {
            ++counters_.failed_all_leased;
            ec = errc::all_leased;
            return -1;
        }
        for (;;)
        {
            const int fd = detail::page_in(slot.backing, slot.mode, ec);
            if (fd >= 0)
            {
                ++counters_.misses;
                return fd;
            }
            if (!detail::is_descriptor_exhaustion(ec))
            {
                ++counters_.failed_page_in;
                return -1;
            }
            if (!evict_one_locked())
            {
                ++counters_.failed_crt_full;
                return -1; // the CRT's own "too many open files"
            }
        }
    }

    void note_resident() noexcept
    {
        if (++resident_ > counters_.resident_peak)
            counters_.resident_peak = resident_;
    }

    void ring_push(std::uint32_t index) noexcept
    {
        slot_at(index).link = static_cast<std::uint32_t>(ring_size_);
        ring_[ring_size_++] = index;
    }

    void ring_remove(std::size_t position) noexcept
    {
        const std::uint32_t last = ring_[--ring_size_];
        if (position != ring_size_)
        {
            ring_[position] = last;
            slot_at(last).link = static_cast<std::uint32_t>(position);
        }
    }

    /// Pages out the resident descriptor the clock hand finds first that no lease holds and
    /// that was not leased since the hand last passed it. False if every one is leased.
    bool evict_one_locked() noexcept
    {
        std::size_t steps = 2 * ring_size_ + 2;
        while (ring_size_ != 0 && steps-- != 0)
        {
            if (hand_ >= ring_size_)
                hand_ = 0;
            detail::vfd_slot &slot = slot_at(ring_[hand_]);
            std::uint64_t state = slot.state.load(std::memory_order_acquire);
            if (detail::vfd_state_pins(state) != 0)
            {
                ++hand_;
                continue;
            }
            if ((state & detail::vfd_referenced) != 0)
            {
                (void)slot.state.compare_exchange_strong(state, state & ~detail::vfd_referenced,
                                                         std::memory_order_acq_rel);
                ++hand_;
                continue;
            }
            const page_out_result result = page_out_locked(hand_, 0);
            if (result == page_out_result::done)
                return true;
            if (result == page_out_result::kept)
                ++hand_;
            // changed: a lease pinned it meanwhile; look again
        }
        return false;
    }

    enum class page_out_result
    {
        done,
        changed, // pinned or unpinned meanwhile
        kept,    // stays resident: a read stopped at Ctrl-Z
    };

    /// Pages out the resident descriptor at `position` of the clock ring if exactly `pins` pins
    /// hold it (pins that do not use the descriptor, such as the caller's own). Holds the lock.
    page_out_result page_out_locked(std::size_t position, std::uint32_t pins) noexcept
    {
        detail::vfd_slot &slot = slot_at(ring_[position]);
        std::uint64_t state = slot.state.load(std::memory_order_acquire);
        // Taking the descriptor out fails if a lease pinned it meanwhile; the clock's choice
        // (no pin) also if one was leased since the hand looked.
        if (detail::vfd_state_pins(state) != pins || (pins == 0 && (state & detail::vfd_referenced) != 0) ||
            !slot.state.compare_exchange_strong(state, state & ~detail::vfd_fd_field, std::memory_order_acq_rel))
            return page_out_result::changed;
        // A file read up to a Ctrl-Z stays, until a seek clears the CRT's end of file. Only
        // the lock's holder puts a descriptor in, so it goes back as it was.
        if ((slot.mode & detail::vfd_probe_end) != 0 &&
            detail::sticky_end_of_file(detail::vfd_state_fd(state), slot.backing))
        {
            std::uint64_t now = slot.state.load(std::memory_order_acquire);
            while (!slot.state.compare_exchange_weak(now, now | (state & detail::vfd_fd_field) | detail::vfd_referenced,
                                                     std::memory_order_acq_rel, std::memory_order_acquire))
            {
            }
            return page_out_result::kept;
        }
        ring_remove(position);
        --resident_;
        ++counters_.evictions;
        detail::page_out(detail::vfd_state_fd(state));
        return page_out_result::done;
    }

    /// Pins `number` without paging it in (I/O on the backing handle, stream leases).
    detail::vfd_slot *pin_only(int number, std::uint32_t &index, std::error_code &ec) noexcept
    {
        std::uint32_t generation = 0;
        detail::vfd_slot *slot = find(number, index, generation);
        if (slot != nullptr)
        {
            std::uint64_t state = slot->state.load(std::memory_order_acquire);
            while (detail::vfd_state_is(state, generation) && detail::vfd_state_pins(state) < detail::vfd_max_pins)
            {
                if (slot->state.compare_exchange_weak(state, state + detail::vfd_pin_one, std::memory_order_acq_rel,
                                                      std::memory_order_acquire))
                {
                    detail::clear(ec);
                    return slot;
                }
            }
            if (detail::vfd_state_is(state, generation))
            {
                ec = std::make_error_code(std::errc::resource_unavailable_try_again);
                return nullptr;
            }
        }
        ec = refuse_stale();
        return nullptr;
    }

    /// Ends a pin; the last pin of a closed descriptor closes it (a failure is counted in
    /// `failed_closes`: nobody is left to tell).
    void unpin(const detail::vfd_pin &pin) noexcept
    {
        const std::uint64_t before = pin.slot->state.fetch_sub(detail::vfd_pin_one, std::memory_order_acq_rel);
        if (detail::vfd_state_pins(before) == 1 && (before & detail::vfd_closing) != 0)
        {
            const detail::table_lock_guard hold(lock_);
            (void)finish_close_locked(*pin.slot, pin.index);
        }
    }

    /// A real descriptor of its own for a stream lease of a pinned slot.
    int acquire_stream_fd(detail::vfd_slot &slot, std::error_code &ec) noexcept
    {
        const detail::table_lock_guard hold(lock_);
        // At the limit, the slot's own resident descriptor is the first to go if only the
        // caller's pin holds it: the stream will not use it.
        if (resident_ >= resident_limit_ && (slot.mode & detail::vfd_stays_resident) == 0 &&
            detail::vfd_state_fd(slot.state.load(std::memory_order_acquire)) >= 0)
            (void)page_out_locked(slot.link, 1);
        const int fd = page_in_locked(slot, ec);
        if (fd >= 0)
            note_resident();
        return fd;
    }

    /// Accounts for a stream lease's descriptor, closed by `fclose`.
    void release_stream_fd() noexcept
    {
        const detail::table_lock_guard hold(lock_);
        --resident_;
    }

    /// A new virtual descriptor for `backing`, which the caller gives up on success.
    unique_virtual_fd insert(detail::vfd_backing backing, std::uint32_t mode, std::error_code &ec) noexcept
    {
        if (tag_ == 0)
        {
            ec = failure_; // the constructor's
            return {};
        }
        const detail::table_lock_guard hold(lock_);
        std::uint32_t index = free_head_;
        if (index != detail::vfd_no_slot)
        {
            free_head_ = slot_at(index).link;
            if (free_head_ == detail::vfd_no_slot)
                free_tail_ = detail::vfd_no_slot;
        }
        else
        {
            index = slot_count_.load(std::memory_order_relaxed);
            if (index >= detail::vfd_max_slots)
            {
                ec = errc::table_full;
                return {};
            }
            std::atomic<detail::vfd_slot *> &chunk = chunks_[index >> detail::vfd_chunk_shift];
            if (chunk.load(std::memory_order_relaxed) == nullptr)
            {
                detail::vfd_slot *fresh = new (std::nothrow) detail::vfd_slot[detail::vfd_chunk_size];
                if (fresh == nullptr)
                {
                    ec = std::make_error_code(std::errc::not_enough_memory);
                    return {};
                }
                for (std::uint32_t i = 0; i < detail::vfd_chunk_size; ++i)
                    fresh[i].state.store(
                        static_cast<std::uint64_t>(detail::vfd_first_generation(generation_seed_, index + i))
                            << detail::vfd_generation_shift,
                        std::memory_order_relaxed);
                chunk.store(fresh, std::memory_order_release);
            }
            slot_count_.store(index + 1, std::memory_order_release);
        }
        detail::vfd_slot &slot = slot_at(index);
        slot.backing = backing;
        slot.mode = mode;
        const std::uint64_t state = slot.state.load(std::memory_order_relaxed);
        slot.state.store(state | detail::vfd_open, std::memory_order_release);
        ++open_;
        detail::clear(ec);
        return unique_virtual_fd(detail::encode_vfd(tag_, index, detail::vfd_state_generation(state)));
    }

    /// Closes `number` now, or when its last lease ends.
    std::error_code close(int number) noexcept
    {
        std::uint32_t index = 0;
        std::uint32_t generation = 0;
        detail::vfd_slot *slot = find(number, index, generation);
        if (slot == nullptr)
            return refuse_stale();
        const detail::table_lock_guard hold(lock_);
        std::uint64_t state = slot->state.load(std::memory_order_acquire);
        do
        {
            if (!detail::vfd_state_is(state, generation))
                return refuse_stale();
        } while (!slot->state.compare_exchange_weak(state, state | detail::vfd_closing, std::memory_order_acq_rel,
                                                    std::memory_order_acquire));
        if (detail::vfd_state_pins(state) != 0)
            return {}; // the last unpin closes it
        return finish_close_locked(*slot, index);
    }

    /// Closes a slot that is closing and no longer pinned, and frees it. Holds the lock.
    std::error_code finish_close_locked(detail::vfd_slot &slot, std::uint32_t index) noexcept
    {
        const std::uint64_t state = slot.state.load(std::memory_order_acquire);
        if ((state & (detail::vfd_open | detail::vfd_closing)) != (detail::vfd_open | detail::vfd_closing) ||
            detail::vfd_state_pins(state) != 0)
            return {};
        // Closing, the slot takes no more pins, so its uncounted hits are final.
        hits_.fetch_add(detail::vfd_state_hits(state), std::memory_order_relaxed);
        const std::uint32_t next = (detail::vfd_state_generation(state) + 1) & detail::vfd_generation_mask;
        slot.state.store(static_cast<std::uint64_t>(next) << detail::vfd_generation_shift, std::memory_order_release);
        const int fd = detail::vfd_state_fd(state);
        if (fd >= 0)
        {
            if ((slot.mode & detail::vfd_stays_resident) == 0)
                ring_remove(slot.link);
            --resident_;
            detail::page_out(fd);
        }
        const std::error_code result = detail::close_backing(slot.backing);
        if (result)
            ++counters_.failed_closes;
        slot.backing = detail::vfd_backing{};
        slot.mode = 0;
        slot.link = detail::vfd_no_slot;
        if (free_tail_ == detail::vfd_no_slot)
            free_head_ = index;
        else
            slot_at(free_tail_).link = index;
        free_tail_ = index;
        --open_;
        return result;
    }

    std::uint32_t tag_ = 0;
    std::uint32_t generation_seed_ = 0;
    std::error_code failure_; // why the constructor failed, for every later call
    std::size_t resident_limit_ = 0;
    mutable detail::table_lock lock_;
    std::atomic<detail::vfd_slot *> chunks_[detail::vfd_max_slots / detail::vfd_chunk_size] = {};
    std::atomic<std::uint32_t> slot_count_{0};
    // Guarded by lock_:
    std::uint32_t free_head_ = detail::vfd_no_slot;
    std::uint32_t free_tail_ = detail::vfd_no_slot;
    std::uint32_t *ring_ = nullptr; // the resident slots that may be paged out, resident_limit_ of room
    std::size_t ring_size_ = 0;
    std::size_t hand_ = 0;
    std::size_t resident_ = 0;
    std::size_t open_ = 0;
    fd_table_statistics counters_;
    // Counted without the lock:
    std::atomic<std::uint64_t> hits_{0};
    std::atomic<std::uint64_t> refused_stale_{0};
};


inline std::error_code virtual_fd_traits::close(value_type number) noexcept
{
    fd_table *table = fd_table::table_of(number);
    if (table == nullptr)
        return errc::stale_descriptor;
    return table->close(number);
}

HANDOFF_END_NAMESPACE

#endif // HANDOFF_FD_TABLE_HPP_INCLUDED
