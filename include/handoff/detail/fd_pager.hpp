// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// The platform half of the virtual descriptor table: what a virtual descriptor is backed by,
// how a real descriptor is paged in for it and out again, and the binary I/O that needs no
// real descriptor at all. The table's bookkeeping (fd_table.hpp) is the same everywhere.
//
// Windows: the backing is an owned kernel HANDLE; a page-in gives the CRT a non-inheritable
// duplicate with _open_osfhandle and restores the modes _open_osfhandle ignores; a page-out is
// _close, which closes only the duplicate. The file position belongs to the file object, which
// every duplicate shares, so it survives the cycle.
// POSIX: the backing is an owned descriptor and a page-in is an F_DUPFD_CLOEXEC duplicate.
// Nothing is saved there (the backing is itself a descriptor), but the numbering, the checks
// and the resident limit are the same, so the bookkeeping runs under TSan and ASan natively.

#ifndef HANDOFF_DETAIL_FD_PAGER_HPP_INCLUDED
#define HANDOFF_DETAIL_FD_PAGER_HPP_INCLUDED

#include <handoff/checks.hpp>
#include <handoff/config.hpp>
#include <handoff/error.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <system_error>

#if HANDOFF_WINDOWS
#include <handoff/detail/crt_calls.hpp>
#include <handoff/detail/windows.hpp>

#include <fcntl.h>
#else
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

HANDOFF_BEGIN_NAMESPACE
namespace detail
{
/// With the ownership checks on, tells the registry of a descriptor a table pages in, and of
/// one it pages out (docs/checks.md); nothing otherwise.
inline void note_paged_in([[maybe_unused]] int fd) noexcept
{
#if HANDOFF_CHECKS
    checks::adopted(value_kind::table_fd, static_cast<std::uintptr_t>(fd), call_site());
#endif
}
inline void note_paged_out([[maybe_unused]] int fd) noexcept
{
#if HANDOFF_CHECKS
    checks::let_go(value_kind::table_fd, static_cast<std::uintptr_t>(fd), call_site());
#endif
}

/// What a slot of the table keeps of its descriptor's modes.
enum vfd_mode_bits : std::uint32_t
{
    vfd_readable = 1u << 0,
    vfd_writable = 1u << 1,
    vfd_append = 1u << 2,
    vfd_text = 1u << 3,   // _O_TEXT: CRLF translation
    vfd_u8text = 1u << 4, // _O_U8TEXT
    vfd_u16text = 1u << 5,
    vfd_wtext = 1u << 6,
    // A pipe or device read with translation: the CRT keeps look-ahead that a page cycle would
    // lose, so once paged in, the descriptor stays resident until it is closed.
    vfd_stays_resident = 1u << 7,
    // A file read with translation: a read that met Ctrl-Z leaves the CRT at a sticky end of
    // file, which a page cycle would lose; the page-out asks first (`sticky_end_of_file`).
    vfd_probe_end = 1u << 8,
};

/// True for the modes in which the CRT translates what is read or written.
constexpr bool vfd_translated(std::uint32_t mode) noexcept
{
    return (mode & (vfd_text | vfd_u8text | vfd_u16text | vfd_wtext)) != 0;
}

/// True if the error is the C runtime's (or the system's) descriptor table being full.
inline bool is_descriptor_exhaustion(const std::error_code &ec) noexcept
{
    return ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system;
}

#if HANDOFF_WINDOWS
/// The object a virtual descriptor owns.
using vfd_backing = HANDLE;

/// The standard descriptor numbers (0-2) as `GetStdHandle` names them.
inline DWORD std_handle_id(int fd) noexcept
{
    return fd == 0 ? STD_INPUT_HANDLE : fd == 1 ? STD_OUTPUT_HANDLE : STD_ERROR_HANDLE;
}

/// While a page-in runs, the standard descriptors the program has closed hold the `NUL` device,
/// so that `_open_osfhandle` (which takes the lowest free number, and replaces the standard
/// handle of 0-2) cannot land there; afterwards they are closed again. Each open and close puts
/// back the standard handle the CRT replaced, so the process's standard handles never change.
class std_fd_fillers
{
  public:
    std_fd_fillers() noexcept = default;
    std_fd_fillers(const std_fd_fillers &) = delete;
    std_fd_fillers &operator=(const std_fd_fillers &) = delete;
    ~std_fd_fillers()
    {
        for (int fd = 0; fd < 3; ++fd)
        {
            // Another thread may have put its own descriptor on the number since (_dup2):
            // close only the filler. (A _dup2 whose new handle happens to reuse the filler's
            // value cannot be told apart; closing standard descriptors and _dup2-ing onto them
            // while another thread pages in is the one race left.)
            if (filled_[fd] == nullptr || crt_get_osfhandle(fd) != reinterpret_cast<std::intptr_t>(filled_[fd]))
                continue;
            const DWORD id = std_handle_id(fd);
            const HANDLE current = ::GetStdHandle(id);
            (void)crt_close(fd);
            (void)::SetStdHandle(id, current);
        }
    }

    /// Fills every free standard descriptor; false if one could not be filled.
    bool fill() noexcept
    {
        for (;;)
        {
            int free_fd = -1;
            for (int fd = 0; fd < 3 && free_fd < 0; ++fd)
                if (crt_get_osfhandle(fd) == -1)
                    free_fd = fd;
            if (free_fd < 0)
                return true;
            const HANDLE before[3] = {::GetStdHandle(STD_INPUT_HANDLE), ::GetStdHandle(STD_OUTPUT_HANDLE),
                                      ::GetStdHandle(STD_ERROR_HANDLE)};
            const HANDLE nul = ::CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                             nullptr, OPEN_EXISTING, 0, nullptr);
            if (nul == INVALID_HANDLE_VALUE)
                return false;
            const int fd = crt_open_osfhandle(reinterpret_cast<std::intptr_t>(nul), _O_BINARY | _O_NOINHERIT);
            if (fd < 0)
            {
                (void)::CloseHandle(nul);
                return false;
            }
            if (fd > 2) // filled by another thread meanwhile
            {
                (void)crt_close(fd);
                continue;
            }
            (void)::SetStdHandle(std_handle_id(fd), before[fd]);
            filled_[fd] = nul;
        }
    }

  private:
    HANDLE filled_[3] = {nullptr, nullptr, nullptr}; // the NUL handle on each filled number
};

/// Pages a descriptor in for `backing`: a non-inheritable duplicate given to `_open_osfhandle`
/// with the recorded text and append modes, then the wide mode `_open_osfhandle` ignores. Never
/// returns 0, 1 or 2, and leaves the standard handles as they were. -1 with `ec` set on failure,
/// with nothing left open.
HANDOFF_COLD inline int page_in(vfd_backing backing, std::uint32_t mode, std::error_code &ec) noexcept
{
    const HANDLE self = ::GetCurrentProcess();
    // Three table lookups; only a program that closed a standard descriptor pays more.
    const bool std_fds_open = crt_get_osfhandle(0) != -1 && crt_get_osfhandle(1) != -1 && crt_get_osfhandle(2) != -1;
    std_fd_fillers fillers;
    if (!std_fds_open && !fillers.fill())
    {
        ec = win32_error();
        return -1;
    }
    HANDLE copy = nullptr;
    if (!::DuplicateHandle(self, backing, self, &copy, 0, FALSE, DUPLICATE_SAME_ACCESS))
    {
        ec = win32_error();
        return -1;
    }
    const int flags = _O_NOINHERIT | ((mode & vfd_text) != 0 ? _O_TEXT : _O_BINARY) |
                      ((mode & vfd_append) != 0 ? _O_APPEND : 0);
    // _open_osfhandle on 0-2 replaces the standard handle: keep them to put back.
    const HANDLE standard[3] = {::GetStdHandle(STD_INPUT_HANDLE), ::GetStdHandle(STD_OUTPUT_HANDLE),
                                ::GetStdHandle(STD_ERROR_HANDLE)};
    _doserrno = 0;
    const int fd = crt_open_osfhandle(reinterpret_cast<std::intptr_t>(copy), flags);
    if (fd < 0)
    {
        ec = crt_error();
        (void)::CloseHandle(copy);
        return -1;
    }
    if (fd <= 2)
    {
        // A standard descriptor closed by another thread since the fill: give it back.
        (void)crt_close(fd); // closes the duplicate with it
        (void)::SetStdHandle(std_handle_id(fd), standard[fd]);
        ec = std::make_error_code(std::errc::resource_unavailable_try_again);
        return -1;
    }
    const int wide = (mode & vfd_u8text) != 0    ? _O_U8TEXT
                     : (mode & vfd_u16text) != 0 ? _O_U16TEXT
                     : (mode & vfd_wtext) != 0   ? _O_WTEXT
                                                 : 0;
    if (wide != 0 && crt_setmode(fd, wide) == -1)
    {
        ec = errno_error();
        (void)crt_close(fd);
        return -1;
    }
#if HANDOFF_CHECKS
    note_paged_in(fd);
#endif
    detail::clear(ec);
    return fd;
}

/// True if a text-mode read of `fd` met Ctrl-Z before the end of the file, so that the CRT
/// now reads nothing until a seek: a read that returns nothing short of the end. The position
/// is put back on the handle; the descriptor is about to be closed or kept as it is.
HANDOFF_COLD inline bool sticky_end_of_file(int fd, vfd_backing backing) noexcept
{
    const error_state_guard keep_errors;
    LARGE_INTEGER zero{};
    LARGE_INTEGER position{};
    LARGE_INTEGER size{};
    if (!::SetFilePointerEx(backing, zero, &position, FILE_CURRENT) || !::GetFileSizeEx(backing, &size) ||
        position.QuadPart >= size.QuadPart)
        return false;
    char probe[2];
    const int got = crt_read(fd, probe, sizeof probe); // wide modes read an even count
    (void)::SetFilePointerEx(backing, position, nullptr, FILE_BEGIN);
    return got == 0;
}

/// Pages a descriptor out: `_close` closes the duplicate, never the backing handle.
inline void page_out(int fd) noexcept
{
#if HANDOFF_CHECKS
    note_paged_out(fd);
#endif
    (void)crt_close(fd);
}

/// With the ownership checks on, tells the registry of a backing handle a table takes or
/// lets go of.
inline void note_backing([[maybe_unused]] vfd_backing backing, [[maybe_unused]] bool taken) noexcept
{
#if HANDOFF_CHECKS
    const std::uintptr_t value = reinterpret_cast<std::uintptr_t>(backing);
    if (taken)
        checks::adopted(value_kind::table_handle, value, call_site());
    else
        checks::let_go(value_kind::table_handle, value, call_site());
#endif
}

/// Closes the backing handle.
inline std::error_code close_backing(vfd_backing backing) noexcept
{
#if HANDOFF_CHECKS
    note_backing(backing, false);
#endif
    if (::CloseHandle(backing))
        return {};
    return win32_error();
}

/// How many descriptors the C runtime's table holds: its `_setmaxstdio` ceiling, found by
/// halving from 65536 until a call succeeds (the ceiling is the descriptor table's size,
/// 2048 in msvcrt.dll, 8192 in the UCRT), then the previous setting is put back.
HANDOFF_COLD inline std::size_t crt_descriptor_limit() noexcept
{
    static const std::size_t limit = [] {
        const int previous = ::_getmaxstdio();
        int bound = 1 << 16;
        while (bound > 512 && crt_setmaxstdio(bound) == -1)
            bound /= 2;
        (void)crt_setmaxstdio(previous);
        return static_cast<std::size_t>(bound);
    }();
    return limit;
}

/// A Win32 error as the C runtime reports it (`crt_error_category()`), or `errc` for none.
HANDOFF_COLD inline std::error_code vfd_io_error() noexcept
{
    const DWORD error = ::GetLastError();
    if (error == 0)
        return make_error_code(errc::failure_without_code);
    return {static_cast<int>(error), crt_error_category()};
}

/// `ReadFile` on the backing: the bytes read, 0 at the end (a pipe whose writer is gone too).
inline std::size_t backing_read(vfd_backing backing, void *buffer, std::size_t count, std::error_code &ec) noexcept
{
    DWORD done = 0;
    const DWORD ask = count > 0x7fffffffu ? 0x7fffffffu : static_cast<DWORD>(count);
    if (!::ReadFile(backing, buffer, ask, &done, nullptr))
    {
        if (::GetLastError() == ERROR_BROKEN_PIPE)
        {
            detail::clear(ec);
            return 0;
        }
        ec = vfd_io_error();
        return 0;
    }
    detail::clear(ec);
    return done;
}

/// `WriteFile` on the backing; for an appending descriptor at the end of the file, atomically
/// (`FILE_WRITE_TO_END_OF_FILE`), whatever access the handle has.
inline std::size_t backing_write(vfd_backing backing, const void *buffer, std::size_t count, bool append,
                                 std::error_code &ec) noexcept
{
    DWORD done = 0;
    const DWORD ask = count > 0x7fffffffu ? 0x7fffffffu : static_cast<DWORD>(count);
    OVERLAPPED at_end{};
    at_end.Offset = 0xffffffffu;
    at_end.OffsetHigh = 0xffffffffu;
    if (!::WriteFile(backing, buffer, ask, &done, append ? &at_end : nullptr))
    {
        ec = vfd_io_error();
        return 0;
    }
    detail::clear(ec);
    return done;
}

/// `SetFilePointerEx` on the backing; `origin` is `SEEK_SET`, `SEEK_CUR` or `SEEK_END`.
inline std::int64_t backing_seek(vfd_backing backing, std::int64_t offset, int origin, std::error_code &ec) noexcept
{
    if (origin != SEEK_SET && origin != SEEK_CUR && origin != SEEK_END)
    {
        ec = std::make_error_code(std::errc::invalid_argument);
        return -1;
    }
    LARGE_INTEGER distance;
    distance.QuadPart = offset;
    LARGE_INTEGER position;
    // SEEK_SET, SEEK_CUR and SEEK_END are FILE_BEGIN, FILE_CURRENT and FILE_END.
    if (!::SetFilePointerEx(backing, distance, &position, static_cast<DWORD>(origin)))
    {
        ec = vfd_io_error();
        return -1;
    }
    detail::clear(ec);
    return position.QuadPart;
}

/// `GetFileSizeEx` on the backing.
inline std::int64_t backing_size(vfd_backing backing, std::error_code &ec) noexcept
{
    LARGE_INTEGER size;
    if (!::GetFileSizeEx(backing, &size))
    {
        ec = vfd_io_error();
        return -1;
    }
    detail::clear(ec);
    return size.QuadPart;
}

/// True for a file with a position to hand back: a disk file, not a pipe or a device.
inline bool backing_has_position(vfd_backing backing) noexcept
{
    return ::GetFileType(backing) == FILE_TYPE_DISK;
}
#else
/// The object a virtual descriptor owns.
using vfd_backing = int;

/// Pages a descriptor in for `backing`: a close-on-exec duplicate numbered 3 or more.
HANDOFF_COLD inline int page_in(vfd_backing backing, std::uint32_t, std::error_code &ec) noexcept
{
    const int fd = ::fcntl(backing, F_DUPFD_CLOEXEC, 3);
    if (fd < 0)
    {
        ec = errno_error();
        return -1;
    }
#if HANDOFF_CHECKS
    note_paged_in(fd);
#endif
    detail::clear(ec);
    return fd;
}

/// No translated modes on POSIX: never.
inline bool sticky_end_of_file(int, vfd_backing) noexcept
{
    return false;
}

/// Pages a descriptor out: closes the duplicate.
inline void page_out(int fd) noexcept
{
#if HANDOFF_CHECKS
    note_paged_out(fd);
#endif
    (void)::close(fd);
}

/// With the ownership checks on, tells the registry of a backing descriptor a table takes or
/// lets go of.
inline void note_backing([[maybe_unused]] vfd_backing backing, [[maybe_unused]] bool taken) noexcept
{
#if HANDOFF_CHECKS
    const std::uintptr_t value = static_cast<std::uintptr_t>(backing);
    if (taken)
        checks::adopted(value_kind::table_fd, value, call_site());
    else
        checks::let_go(value_kind::table_fd, value, call_site());
#endif
}

/// Closes the backing descriptor.
inline std::error_code close_backing(vfd_backing backing) noexcept
{
#if HANDOFF_CHECKS
    note_backing(backing, false);
#endif
    if (::close(backing) == 0)
        return {};
    return errno_error();
}

/// The process's soft descriptor limit.
HANDOFF_COLD inline std::size_t crt_descriptor_limit() noexcept
{
    struct rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > (1u << 20))
        return 1u << 20;
    return static_cast<std::size_t>(limit.rlim_cur);
}

/// `read` on the backing.
inline std::size_t backing_read(vfd_backing backing, void *buffer, std::size_t count, std::error_code &ec) noexcept
{
    const ssize_t done = ::read(backing, buffer, count);
    if (done < 0)
    {
        ec = errno_error();
        return 0;
    }
    detail::clear(ec);
    return static_cast<std::size_t>(done);
}

/// `write` on the backing (which appends by itself when opened with `O_APPEND`).
inline std::size_t backing_write(vfd_backing backing, const void *buffer, std::size_t count, bool,
                                 std::error_code &ec) noexcept
{
    const ssize_t done = ::write(backing, buffer, count);
    if (done < 0)
    {
        ec = errno_error();
        return 0;
    }
    detail::clear(ec);
    return static_cast<std::size_t>(done);
}

/// `lseek` on the backing.
inline std::int64_t backing_seek(vfd_backing backing, std::int64_t offset, int origin, std::error_code &ec) noexcept
{
    const off_t position = ::lseek(backing, static_cast<off_t>(offset), origin);
    if (position < 0)
    {
        ec = errno_error();
        return -1;
    }
    detail::clear(ec);
    return static_cast<std::int64_t>(position);
}

/// `fstat` size of the backing.
inline std::int64_t backing_size(vfd_backing backing, std::error_code &ec) noexcept
{
    struct stat status{};
    if (::fstat(backing, &status) != 0)
    {
        ec = errno_error();
        return -1;
    }
    detail::clear(ec);
    return static_cast<std::int64_t>(status.st_size);
}

/// True for a file with a position to hand back: a regular file or a block device, not a
/// pipe, socket or terminal (some systems let `lseek` succeed on a terminal).
inline bool backing_has_position(vfd_backing backing) noexcept
{
    struct stat status{};
    return ::fstat(backing, &status) == 0 && (S_ISREG(status.st_mode) || S_ISBLK(status.st_mode));
}
#endif

/// The default resident limit: the C runtime's descriptor table less headroom for the
/// program's own descriptors (a quarter, at least 64). On POSIX, where every virtual
/// descriptor already holds a real one, an eighth of the soft limit.
inline std::size_t default_resident_limit() noexcept
{
    const std::size_t limit = crt_descriptor_limit();
#if HANDOFF_WINDOWS
    const std::size_t headroom = limit / 4 > 64 ? limit / 4 : 64;
    return limit > headroom + 16 ? limit - headroom : 16;
#else
    return limit / 8 > 16 ? limit / 8 : 16;
#endif
}
} // namespace detail
HANDOFF_END_NAMESPACE

#endif // HANDOFF_DETAIL_FD_PAGER_HPP_INCLUDED
