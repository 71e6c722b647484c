// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// `_wopen`'s semantics on `CreateFileW`, for the virtual descriptor table: the CRT's open flags
// become access, sharing, disposition and attributes, and `_O_APPEND` becomes an append-only
// handle (FILE_APPEND_DATA without FILE_WRITE_DATA), which a second handle truncates when
// `_O_TRUNC` is asked for too. Windows only.

#ifndef HANDOFF_DETAIL_WOPEN_HPP_INCLUDED
#define HANDOFF_DETAIL_WOPEN_HPP_INCLUDED

#include <handoff/config.hpp>

#if HANDOFF_WINDOWS
#include <handoff/detail/fd_pager.hpp>
#include <handoff/detail/windows.hpp>
#include <handoff/error.hpp>
#include <handoff/win32.hpp>

#include <cstdint>
#include <system_error>

#include <fcntl.h>
#include <sys/stat.h>

HANDOFF_BEGIN_NAMESPACE
namespace detail
{
/// Opens `path` for a descriptor served with the table's `mode` bits, as `_wopen(path, oflag,
/// pmode)` would; an empty owner with `ec` (in `crt_error_category()`) on failure.
inline unique_handle open_like_wopen(const wchar_t *path, int oflag, int pmode, std::uint32_t mode,
                                     std::error_code &ec) noexcept
{
    DWORD access = 0;
    if ((mode & vfd_readable) != 0)
        access |= GENERIC_READ;
    if ((mode & vfd_writable) != 0)
        access |= (mode & vfd_append) != 0 ? (FILE_GENERIC_WRITE & ~FILE_WRITE_DATA) : GENERIC_WRITE;
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
    const bool truncate_apart = truncate && !exclusive && (mode & vfd_append) != 0;
    DWORD disposition = exclusive                  ? CREATE_NEW
                        : create && truncate_apart ? OPEN_ALWAYS
                        : create && truncate       ? CREATE_ALWAYS
                        : create                   ? OPEN_ALWAYS
                        : truncate && !truncate_apart ? TRUNCATE_EXISTING
                                                      : OPEN_EXISTING;
    unique_handle h(::CreateFileW(path, access, share, nullptr, disposition, attributes, nullptr));
    if (!h)
    {
        ec = vfd_io_error();
        return {};
    }
    if (truncate_apart)
    {
        const unique_handle writer(::CreateFileW(path, GENERIC_WRITE, share | FILE_SHARE_DELETE, nullptr,
                                                 OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr));
        if (!writer || !::SetEndOfFile(writer.get()))
        {
            ec = vfd_io_error();
            return {};
        }
    }
    clear(ec);
    return h;
}
} // namespace detail
HANDOFF_END_NAMESPACE
#endif

#endif // HANDOFF_DETAIL_WOPEN_HPP_INCLUDED
