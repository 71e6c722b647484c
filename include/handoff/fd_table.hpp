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
/// On POSIX the table works the same way over real descriptors (each virtual descriptor holds
/// one, and a lease a duplicate of it), which saves no descriptor: there it offers only the
/// checked numbering and the resident limit.

#ifndef HANDOFF_FD_TABLE_HPP_INCLUDED
#define HANDOFF_FD_TABLE_HPP_INCLUDED

#include <handoff/borrowed_handle.hpp>
#include <handoff/config.hpp>
#include <handoff/detail/fd_pager.hpp>
#include <handoff/detail/table_lock.hpp>
#include <handoff/error.hpp>
#include <handoff/fd.hpp>
#include <handoff/stdio.hpp>
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
    /// 0: the C runtime's own limit less a quarter (at least 64) for the program's other
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
};

namespace detail
{
// A number: bit 31 clear; bits 27-30 the table's tag (1-15); bits 7-26 the slot; bits 0-6
// the slot's generation, advanced each time the slot is closed.
constexpr unsigned vfd_tag_shift = 27;
constexpr unsigned vfd_index_shift = 7;
constexpr std::uint32_t vfd_generation_mask = 0x7f;
constexpr std::uint32_t vfd_max_tables = 16;
constexpr std::uint32_t vfd_max_slots = 1u << 20;
constexpr unsigned vfd_chunk_shift = 12;
constexpr std::uint32_t vfd_chunk_size = 1u << vfd_chunk_shift;
constexpr std::uint32_t vfd_no_slot = 0xffffffffu;

/// The parts of a number.
struct vfd_number
{
    std::uint32_t tag;
    std::uint32_t index;
    std::uint32_t generation;
};

/// Splits a number; false for one no table makes (below 2^27, negative).
constexpr bool decode_vfd(int number, vfd_number &out) noexcept
{
    if (number < (1 << vfd_tag_shift))
        return false;
    const auto bits = static_cast<std::uint32_t>(number);
    out.tag = bits >> vfd_tag_shift;
    out.index = (bits >> vfd_index_shift) & (vfd_max_slots - 1);
    out.generation = bits & vfd_generation_mask;
    return true;
}

/// The number of slot `index` of the table tagged `tag`, at `generation`.
constexpr int encode_vfd(std::uint32_t tag, std::uint32_t index, std::uint32_t generation) noexcept
{
    return static_cast<int>((tag << vfd_tag_shift) | (index << vfd_index_shift) | generation);
}

/// The live tables of this module, by tag (0 is never a tag). Constant-initialized.
inline std::atomic<fd_table *> vfd_tables[vfd_max_tables];

// A slot's state word, changed only by compare-and-swap: the resident descriptor plus one
// (0: none), the pins (leases and calls in progress), the generation, and three flags.
constexpr std::uint64_t vfd_fd_field = 0xffffffffull;
constexpr std::uint64_t vfd_pin_one = 1ull << 32;
constexpr std::uint32_t vfd_max_pins = 0xffff;
constexpr unsigned vfd_generation_shift = 48;
constexpr std::uint64_t vfd_referenced = 1ull << 55; // leased since the clock hand last passed
constexpr std::uint64_t vfd_open = 1ull << 56;       // holds a descriptor
constexpr std::uint64_t vfd_closing = 1ull << 57;    // closed by its owner; goes when the last pin does

constexpr int vfd_state_fd(std::uint64_t state) noexcept
{
    return static_cast<int>(static_cast<std::uint32_t>(state & vfd_fd_field)) - 1;
}
constexpr std::uint32_t vfd_state_pins(std::uint64_t state) noexcept
{
    return static_cast<std::uint32_t>(state >> 32) & vfd_max_pins;
}
constexpr std::uint32_t vfd_state_generation(std::uint64_t state) noexcept
{
    return static_cast<std::uint32_t>(state >> vfd_generation_shift) & vfd_generation_mask;
}
/// True if the state is that of the open, not closing, descriptor of `generation`.
constexpr bool vfd_state_is(std::uint64_t state, std::uint32_t generation) noexcept
{
    return (state & (vfd_open | vfd_closing)) == vfd_open && vfd_state_generation(state) == generation;
}

/// One virtual descriptor's bookkeeping: 24 bytes with its handle on 64-bit Windows.
struct vfd_slot
{
    std::atomic<std::uint64_t> state{0};
    vfd_backing backing{};
    std::uint32_t mode = 0; // vfd_mode_bits; set while the slot is closed, read while pinned
    std::uint32_t link = 0; // the next free slot, or the slot's place in the clock ring
};

/// Where a pinned slot is, for the table to unpin.
struct vfd_pin
{
    vfd_slot *slot = nullptr;
    std::uint32_t index = 0;
};

class vfd_handle_pin;
} // namespace detail

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
        ec = init(options);
    }

#if HANDOFF_EXCEPTIONS
    /// Makes an empty table; throws `std::system_error` where the `ec` form reports an error.
    explicit fd_table(fd_table_options options = {})
    {
        detail::throw_if_error(init(options), "handoff::fd_table");
    }
#endif

    fd_table(const fd_table &) = delete;
    fd_table &operator=(const fd_table &) = delete;

    /// Closes every virtual descriptor still open (its resident descriptor first, then its
    /// handle). Ends the process if a lease is live: its descriptor would be closed under it.
    ~fd_table()
    {
        if (tag_ != 0)
            detail::vfd_tables[tag_].store(nullptr, std::memory_order_release);
        const std::uint32_t count = slot_count_.load(std::memory_order_acquire);
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

    /// A snapshot of the counters.
    fd_table_statistics statistics() const noexcept
    {
        const detail::table_lock_guard hold(lock_);
        fd_table_statistics result = counters_;
        result.hits = hits_.load(std::memory_order_relaxed);
        result.refused_stale = refused_stale_.load(std::memory_order_relaxed);
        result.resident = resident_;
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
    /// reason for a handle that is not a file, pipe or device, or `errc::table_full`.
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
            (void)h.release();
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
        DWORD access = 0;
        if ((mode & detail::vfd_readable) != 0)
            access |= GENERIC_READ;
        if ((mode & detail::vfd_writable) != 0)
            access |= (mode & detail::vfd_append) != 0 ? (FILE_GENERIC_WRITE & ~FILE_WRITE_DATA) : GENERIC_WRITE;
        DWORD share = FILE_SHARE_READ | FILE_SHARE_WRITE;
        DWORD attributes = FILE_ATTRIBUTE_NORMAL;
        if ((oflag & _O_TEMPORARY) != 0)
        {
            attributes |= FILE_FLAG_DELETE_ON_CLOSE;
            access |= DELETE;
            share |= FILE_SHARE_DELETE;
        }
        if ((oflag & _O_SHORT_LIVED) != 0)
            attributes |= FILE_ATTRIBUTE_TEMPORARY;
        if ((oflag & _O_SEQUENTIAL) != 0)
            attributes |= FILE_FLAG_SEQUENTIAL_SCAN;
        if ((oflag & _O_RANDOM) != 0)
            attributes |= FILE_FLAG_RANDOM_ACCESS;
        if ((oflag & _O_CREAT) != 0 && (pmode & _S_IWRITE) == 0)
            attributes |= FILE_ATTRIBUTE_READONLY;
        const bool create = (oflag & _O_CREAT) != 0;
        const bool truncate = (oflag & _O_TRUNC) != 0;
        const bool exclusive = (oflag & _O_EXCL) != 0 && create;
        // An appending handle cannot truncate (that needs FILE_WRITE_DATA): it opens without
        // truncating, and a second handle truncates the file before anything is written.
        const bool truncate_apart = truncate && !exclusive && (mode & detail::vfd_append) != 0;
        DWORD disposition = exclusive                  ? CREATE_NEW
                            : create && truncate_apart ? OPEN_ALWAYS
                            : create && truncate       ? CREATE_ALWAYS
                            : create                   ? OPEN_ALWAYS
                            : truncate && !truncate_apart ? TRUNCATE_EXISTING
                                                          : OPEN_EXISTING;
        unique_handle h(::CreateFileW(path, access, share, nullptr, disposition, attributes, nullptr));
        if (!h)
        {
            ec = detail::vfd_io_error();
            return {};
        }
        if (truncate_apart)
        {
            const unique_handle writer(::CreateFileW(path, GENERIC_WRITE, share | FILE_SHARE_DELETE, nullptr,
                                                     OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
            if (!writer || !::SetEndOfFile(writer.get()))
            {
                ec = detail::vfd_io_error();
                return {};
            }
        }
        return insert_checked(std::move(h), mode, ec);
    }
#else
    /// Takes ownership of `fd` as a new virtual descriptor (made close-on-exec). On failure `fd`
    /// still owns its descriptor and `ec` is `errc::empty_value` or `errc::table_full`.
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
            (void)fd.release();
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
    friend class detail::vfd_handle_pin;
    friend class lease;
    friend class stream_lease;

    /// Claims a tag and the clock ring; on failure holds nothing.
    std::error_code init(fd_table_options options) noexcept
    {
        resident_limit_ = options.resident_limit != 0 ? options.resident_limit : detail::default_resident_limit();
        ring_ = new (std::nothrow) std::uint32_t[resident_limit_];
        if (ring_ == nullptr)
            return std::make_error_code(std::errc::not_enough_memory);
        // Tags are handed out in turn and each table starts its slots at the next of 128
        // generations, so that a number kept from an earlier table is refused by a later one
        // until 15 x 128 = 1920 tables have been made since.
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
        generation_seed_ = (made / (detail::vfd_max_tables - 1)) & detail::vfd_generation_mask;
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
            (void)h.release();
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
            if (slot->state.compare_exchange_weak(state, (state + detail::vfd_pin_one) | detail::vfd_referenced,
                                                  std::memory_order_acq_rel, std::memory_order_acquire))
            {
                hits_.fetch_add(1, std::memory_order_relaxed);
                pin = {slot, index};
                detail::clear(ec);
                return detail::vfd_state_fd(state);
            }
        }
        return acquire_fd_slowly(slot, index, generation, pin, ec);
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
            if (slot->state.compare_exchange_weak(state, (state + detail::vfd_pin_one) | detail::vfd_referenced,
                                                  std::memory_order_acq_rel, std::memory_order_acquire))
            {
                hits_.fetch_add(1, std::memory_order_relaxed);
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
            // Taking the descriptor out fails if a lease pinned it meanwhile: look again.
            if (!slot.state.compare_exchange_strong(state, state & ~detail::vfd_fd_field, std::memory_order_acq_rel))
                continue;
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
                ++hand_;
                continue;
            }
            ring_remove(hand_);
            --resident_;
            ++counters_.evictions;
            detail::page_out(detail::vfd_state_fd(state));
            return true;
        }
        return false;
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

    /// Ends a pin; the last pin of a closed descriptor closes it.
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
            ec = errc::too_many_tables;
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
                        static_cast<std::uint64_t>((generation_seed_ + (index + i) * 37u) & detail::vfd_generation_mask)
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

/// A pin on a virtual descriptor with a real CRT descriptor: while the lease lives the
/// descriptor stays resident and `fd()` is valid. Two leases of one descriptor share its real
/// descriptor. Paging in can fail: the resident limit reached with every resident descriptor
/// leased (`errc::all_leased`), or the CRT's table full of the program's own descriptors (the
/// CRT's `too_many_files_open`); neither waits. Closing a leased virtual descriptor is
/// deferred: its number is refused at once, and its handle closes when the last lease ends.
///
/// ~~~cpp
/// handoff::lease lease(vfd);                       // pages in if needed
/// _write(lease.fd().get(), "x", 1);                // a real CRT descriptor, for as long as the lease
/// ~~~
class lease
{
  public:
    /// No lease.
    lease() noexcept = default;

    /// Leases `vfd`; on failure the lease is empty and `ec` says why (`errc::stale_descriptor`
    /// for a number no live table knows, `errc::all_leased`, the CRT's error).
    lease(borrowed_virtual_fd vfd, std::error_code &ec) noexcept
    {
        fd_table *table = fd_table::table_of(vfd.get());
        if (table == nullptr)
        {
            ec = vfd ? errc::stale_descriptor : errc::empty_value;
            return;
        }
        fd_ = table->acquire_fd(vfd.get(), pin_, ec);
        if (fd_ >= 0)
            table_ = table;
    }

#if HANDOFF_EXCEPTIONS
    /// Leases `vfd`; throws `std::system_error` where the `ec` form reports an error.
    explicit lease(borrowed_virtual_fd vfd)
    {
        std::error_code ec;
        lease attempt(vfd, ec);
        detail::throw_if_error(ec, "handoff::lease");
        swap(attempt);
    }
#endif

    lease(const lease &) = delete;
    lease &operator=(const lease &) = delete;

    /// Takes over `other`'s pin.
    lease(lease &&other) noexcept
    {
        swap(other);
    }

    /// Ends this lease and takes over `other`'s.
    lease &operator=(lease &&other) noexcept
    {
        lease(std::move(other)).swap(*this);
        return *this;
    }

    /// Ends the lease.
    ~lease()
    {
        reset();
    }

    /// The real descriptor, valid while the lease lives; never close it.
    borrowed_fd fd() const noexcept HANDOFF_LIFETIMEBOUND
    {
        return borrowed_fd(fd_);
    }

    /// True for a lease that holds a descriptor.
    explicit operator bool() const noexcept
    {
        return table_ != nullptr;
    }

    /// Ends the lease now.
    void reset() noexcept
    {
        if (table_ != nullptr)
            table_->unpin(pin_);
        table_ = nullptr;
        fd_ = -1;
    }

    /// Exchanges two leases.
    void swap(lease &other) noexcept
    {
        std::swap(table_, other.table_);
        std::swap(pin_, other.pin_);
        std::swap(fd_, other.fd_);
    }

  private:
    fd_table *table_ = nullptr;
    detail::vfd_pin pin_;
    int fd_ = -1;
};

/// A `FILE*` on a virtual descriptor, pinned while it lives. The stream has a real descriptor of
/// its own (counted against the resident limit, never paged out). When the lease ends the
/// stream is flushed, its logical position (`_ftelli64`, not the system's, which runs ahead
/// after a buffered read) is set on the descriptor's handle, and the stream is closed, so the
/// next use of the descriptor continues where the stream stopped.
///
/// ~~~cpp
/// {
///     handoff::stream_lease stream(vfd, "r+b");
///     std::fgets(line, sizeof line, stream.get());
/// }                                                 // the descriptor's position: after the line
/// ~~~
class stream_lease
{
  public:
    /// No stream.
    stream_lease() noexcept = default;

    /// Opens a stream in `mode` (a mode `_fdopen` accepts; "w" does not truncate) on `vfd`.
    /// On failure nothing is held and `ec` says why. An "a" mode is refused unless the
    /// descriptor appends already (Windows: `errc::invalid_mode`, as `_fdopen` would write at
    /// the position; POSIX: `errc::would_change_lender`, as `fdopen` would make the open file
    /// description, which the descriptor shares, append for good). Streams count against the
    /// CRT's stdio limit too (`_getmaxstdio()`, 512 by default): past it, `too_many_files_open`.
    stream_lease(borrowed_virtual_fd vfd, const char *mode, std::error_code &ec) noexcept
    {
        if (!detail::check_stream_mode(mode, ec))
            return;
        fd_table *table = fd_table::table_of(vfd.get());
        if (table == nullptr)
        {
            ec = vfd ? errc::stale_descriptor : errc::empty_value;
            return;
        }
        detail::vfd_slot *slot = table->pin_only(vfd.get(), pin_.index, ec);
        if (slot == nullptr)
            return;
        pin_.slot = slot;
        // An "a" stream on a descriptor that does not append: POSIX fdopen would make the open
        // file description, which the descriptor shares, append for good; the CRT's _fdopen
        // would not append at all and write at the position.
        if (mode[0] == 'a' && (slot->mode & detail::vfd_append) == 0)
        {
            table->unpin(pin_);
#if HANDOFF_WINDOWS
            ec = errc::invalid_mode;
#else
            ec = errc::would_change_lender;
#endif
            return;
        }
        const int fd = table->acquire_stream_fd(*slot, ec);
        if (fd >= 0)
        {
#if HANDOFF_WINDOWS
            _doserrno = 0;
            errno = 0;
            stream_ = detail::crt_fdopen(fd, mode);
#else
            errno = 0;
            stream_ = ::fdopen(fd, mode);
#endif
            if (stream_ == nullptr)
            {
                // Every stream slot in use (_getmaxstdio, 512 by default) leaves errno 0.
                ec = errno != 0 ? detail::errno_error() : std::make_error_code(std::errc::too_many_files_open);
                detail::page_out(fd);
                table->release_stream_fd();
            }
        }
        if (stream_ == nullptr)
        {
            table->unpin(pin_);
            return;
        }
        table_ = table;
        detail::clear(ec);
    }

#if HANDOFF_EXCEPTIONS
    /// Opens a stream; throws `std::system_error` where the `ec` form reports an error.
    stream_lease(borrowed_virtual_fd vfd, const char *mode)
    {
        std::error_code ec;
        stream_lease attempt(vfd, mode, ec);
        detail::throw_if_error(ec, "handoff::stream_lease");
        swap(attempt);
    }
#endif

    stream_lease(const stream_lease &) = delete;
    stream_lease &operator=(const stream_lease &) = delete;

    /// Takes over `other`'s stream.
    stream_lease(stream_lease &&other) noexcept
    {
        swap(other);
    }

    /// Ends this stream lease and takes over `other`'s.
    stream_lease &operator=(stream_lease &&other) noexcept
    {
        stream_lease(std::move(other)).swap(*this);
        return *this;
    }

    /// Ends the lease as `finish` does, without its error.
    ~stream_lease()
    {
        std::error_code ignored;
        finish(ignored);
    }

    /// The stream, valid while the lease lives; never `fclose` it.
    std::FILE *get() const noexcept HANDOFF_LIFETIMEBOUND
    {
        return stream_;
    }

    /// True for a lease that holds a stream.
    explicit operator bool() const noexcept
    {
        return stream_ != nullptr;
    }

    /// Flushes the stream, sets its logical position on the handle, closes it and unpins the
    /// descriptor; `ec` is the first failure (a flush that could not write is one: the bytes
    /// it held are lost, as with `fclose`). Nothing is held afterwards in every case.
    void finish(std::error_code &ec) noexcept
    {
        detail::clear(ec);
        if (stream_ == nullptr)
            return;
        // The position first: flushing a stream that was reading drops its buffer, and the
        // position it implied with it. -1 on a pipe: nothing to set.
#if HANDOFF_WINDOWS
        const long long position = detail::crt_ftelli64(stream_);
        if (detail::crt_fflush(stream_) != 0)
            ec = detail::errno_error();
        if (detail::crt_fclose(stream_) != 0 && !ec)
            ec = detail::errno_error();
#else
        const long long position = ::ftello(stream_);
        if (std::fflush(stream_) != 0)
            ec = detail::errno_error();
        if (std::fclose(stream_) != 0 && !ec)
            ec = detail::errno_error();
#endif
        stream_ = nullptr;
        if (position >= 0)
        {
            std::error_code seek_error;
            (void)detail::backing_seek(pin_.slot->backing, position, SEEK_SET, seek_error);
            if (seek_error && !ec)
                ec = seek_error;
        }
        table_->release_stream_fd();
        table_->unpin(pin_);
        table_ = nullptr;
    }

    /// Exchanges two stream leases.
    void swap(stream_lease &other) noexcept
    {
        std::swap(table_, other.table_);
        std::swap(pin_, other.pin_);
        std::swap(stream_, other.stream_);
    }

  private:
    fd_table *table_ = nullptr;
    detail::vfd_pin pin_;
    std::FILE *stream_ = nullptr;
};

namespace detail
{
/// A pin without a real descriptor, for I/O on the backing handle.
class vfd_handle_pin
{
  public:
    vfd_handle_pin(int number, std::error_code &ec) noexcept : table_(fd_table::table_of(number))
    {
        if (table_ == nullptr)
        {
            ec = number == -1 ? make_error_code(errc::empty_value) : make_error_code(errc::stale_descriptor);
            return;
        }
        pin_.slot = table_->pin_only(number, pin_.index, ec);
        if (pin_.slot == nullptr)
            table_ = nullptr;
    }
    vfd_handle_pin(const vfd_handle_pin &) = delete;
    vfd_handle_pin &operator=(const vfd_handle_pin &) = delete;
    ~vfd_handle_pin()
    {
        if (table_ != nullptr)
            table_->unpin(pin_);
    }

    explicit operator bool() const noexcept
    {
        return table_ != nullptr;
    }
    vfd_backing backing() const noexcept
    {
        return pin_.slot->backing;
    }
    std::uint32_t mode() const noexcept
    {
        return pin_.slot->mode;
    }

  private:
    fd_table *table_;
    vfd_pin pin_;
};

/// The count a CRT call takes.
constexpr unsigned crt_count(std::size_t count) noexcept
{
    return count > 0x7fffffffu ? 0x7fffffffu : static_cast<unsigned>(count);
}
} // namespace detail

/// Reads up to `count` bytes of `vfd` at its position, as `_read` would, and returns how many
/// (0 at the end). In binary mode this is `ReadFile` on the handle, without paging; in a
/// translated mode it leases the descriptor and calls `_read`.
inline std::size_t read(borrowed_virtual_fd vfd, void *buffer, std::size_t count, std::error_code &ec) noexcept
{
    const detail::vfd_handle_pin pin(vfd.get(), ec);
    if (!pin)
        return 0;
#if HANDOFF_WINDOWS
    if (detail::vfd_translated(pin.mode()))
    {
        const lease leased(vfd, ec);
        if (!leased)
            return 0;
        _doserrno = 0;
        const int done = detail::crt_read(leased.fd().get(), buffer, detail::crt_count(count));
        if (done < 0)
        {
            ec = detail::crt_error();
            return 0;
        }
        return static_cast<std::size_t>(done);
    }
#endif
    return detail::backing_read(pin.backing(), buffer, count, ec);
}

/// Writes up to `count` bytes to `vfd`, as `_write` would, and returns how many. In binary mode
/// this is `WriteFile` on the handle (at the end of the file, atomically, for an appending
/// descriptor), without paging; in a translated mode it leases the descriptor and calls `_write`.
inline std::size_t write(borrowed_virtual_fd vfd, const void *buffer, std::size_t count, std::error_code &ec) noexcept
{
    const detail::vfd_handle_pin pin(vfd.get(), ec);
    if (!pin)
        return 0;
#if HANDOFF_WINDOWS
    if (detail::vfd_translated(pin.mode()))
    {
        const lease leased(vfd, ec);
        if (!leased)
            return 0;
        _doserrno = 0;
        const int done = detail::crt_write(leased.fd().get(), buffer, detail::crt_count(count));
        if (done < 0)
        {
            ec = detail::crt_error();
            return 0;
        }
        return static_cast<std::size_t>(done);
    }
#endif
    return detail::backing_write(pin.backing(), buffer, count, (pin.mode() & detail::vfd_append) != 0, ec);
}

/// Moves the position of `vfd` as `_lseeki64` would (`origin`: `SEEK_SET`, `SEEK_CUR`,
/// `SEEK_END`) and returns the new position, or -1.
inline std::int64_t seek(borrowed_virtual_fd vfd, std::int64_t offset, int origin, std::error_code &ec) noexcept
{
    const detail::vfd_handle_pin pin(vfd.get(), ec);
    if (!pin)
        return -1;
#if HANDOFF_WINDOWS
    // A translated descriptor that reads has CRT state that only the CRT's seek clears.
    if ((pin.mode() & (detail::vfd_stays_resident | detail::vfd_probe_end)) != 0)
    {
        const lease leased(vfd, ec);
        if (!leased)
            return -1;
        _doserrno = 0;
        const long long position = detail::crt_lseeki64(leased.fd().get(), offset, origin);
        if (position < 0)
            ec = detail::crt_error();
        return position;
    }
#endif
    return detail::backing_seek(pin.backing(), offset, origin, ec);
}

/// The size of the file behind `vfd`, or -1.
inline std::int64_t size(borrowed_virtual_fd vfd, std::error_code &ec) noexcept
{
    const detail::vfd_handle_pin pin(vfd.get(), ec);
    if (!pin)
        return -1;
    return detail::backing_size(pin.backing(), ec);
}

/// Leases `vfd` for one call: returns `function(fd)` with its real descriptor, or, if the
/// lease fails, a value-initialized result with `ec` set.
template <class Function>
auto with_fd(borrowed_virtual_fd vfd, Function &&function, std::error_code &ec)
    -> decltype(std::forward<Function>(function)(borrowed_fd()))
{
    using result_type = decltype(std::forward<Function>(function)(borrowed_fd()));
    const lease leased(vfd, ec);
    if (!leased)
        return result_type();
    return std::forward<Function>(function)(leased.fd());
}

/// The CRT-shaped forms, for code that keeps virtual descriptors as `int`s: each returns what
/// the CRT function it is named after returns (-1 on failure, with `errno` set), so that
/// `_read(fd, buffer, n)` becomes `handoff::vfd::read(fd, buffer, n)`.
namespace vfd
{
/// The `errno` of an error: its generic condition, or `EINVAL`.
inline int errno_for(const std::error_code &ec) noexcept
{
    const std::error_condition condition = ec.default_error_condition();
    return condition.category() == std::generic_category() ? condition.value() : EINVAL;
}

/// `_read` on a virtual descriptor: bytes read, 0 at the end, -1 with `errno`.
inline int read(int number, void *buffer, unsigned count) noexcept
{
    std::error_code ec;
    const std::size_t done = handoff::read(borrowed_virtual_fd(number), buffer, count, ec);
    if (ec)
    {
        errno = errno_for(ec);
        return -1;
    }
    return static_cast<int>(done);
}

/// `_write` on a virtual descriptor: bytes written, -1 with `errno`.
inline int write(int number, const void *buffer, unsigned count) noexcept
{
    std::error_code ec;
    const std::size_t done = handoff::write(borrowed_virtual_fd(number), buffer, count, ec);
    if (ec)
    {
        errno = errno_for(ec);
        return -1;
    }
    return static_cast<int>(done);
}

/// `_lseeki64` on a virtual descriptor (named `seek`, as `_lseeki64` is a macro in some CRTs): the new
/// position, -1 with `errno`.
inline long long seek(int number, long long offset, int origin) noexcept
{
    std::error_code ec;
    const std::int64_t position = handoff::seek(borrowed_virtual_fd(number), offset, origin, ec);
    if (ec)
    {
        errno = errno_for(ec);
        return -1;
    }
    return position;
}

/// `_filelengthi64` on a virtual descriptor: the size, -1 with `errno`.
inline long long filelength(int number) noexcept
{
    std::error_code ec;
    const std::int64_t result = handoff::size(borrowed_virtual_fd(number), ec);
    if (ec)
    {
        errno = errno_for(ec);
        return -1;
    }
    return result;
}

/// `_close` on a virtual descriptor that the caller owns as an `int` (after `release()`): 0, or
/// -1 with `errno` (`EBADF` for a stale number).
inline int close(int number) noexcept
{
    const std::error_code ec = virtual_fd_traits::close(number);
    if (ec)
    {
        errno = errno_for(ec);
        return -1;
    }
    return 0;
}
} // namespace vfd

HANDOFF_END_NAMESPACE

#endif // HANDOFF_FD_TABLE_HPP_INCLUDED
