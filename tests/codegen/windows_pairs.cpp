// The Windows conversions, each written twice. The raw form makes handoff's checks by hand,
// with the same probes (handoff::detail::is_socket, is_overlapped), the same silenced CRT calls
// (the invalid-parameter handler must not end the process on a bad descriptor) and the same
// error values, and cleans up on every failure as handoff does: what differs is only the
// abstraction, owners and views and error_code plumbing. `plain_*` is the raw code without the
// checks, for the record.

#include <handoff/handoff.hpp>

#include "pair_declarations.hpp"
#include "pairs.hpp"

#include <fcntl.h>
#include <io.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

using handoff::errc;
namespace detail = handoff::detail;

// The raw helpers are always inlined: the raw side is as tight as the compiler can make it.
#define RAW_HELPER [[gnu::always_inline]] inline

namespace
{
// GetCurrentProcess()'s documented value, without the call.
const HANDLE this_process = reinterpret_cast<HANDLE>(static_cast<std::intptr_t>(-1));

// The checks to_fd makes before the CRT may take a handle, by hand.
RAW_HELPER bool raw_check_for_fd(HANDLE h, std::error_code &ec) noexcept
{
    if (h == nullptr)
    {
        ec = errc::empty_value;
        return false;
    }
    const DWORD type = ::GetFileType(h);
    if (detail::is_socket(h, type))
    {
        ec = errc::socket_handle;
        return false;
    }
    if (detail::is_overlapped(h, type))
    {
        ec = errc::overlapped_handle;
        return false;
    }
    return true;
}

RAW_HELPER HANDLE raw_duplicate_checked(HANDLE h, std::error_code &ec) noexcept
{
    if (handoff::is_pseudo_handle(h))
    {
        ec = errc::pseudo_handle;
        return nullptr;
    }
    HANDLE copy = nullptr;
    const HANDLE self = this_process;
    if (!::DuplicateHandle(self, h, self, &copy, 0, FALSE, DUPLICATE_SAME_ACCESS))
    {
        ec = detail::win32_error();
        return nullptr;
    }
    return copy;
}

// _open_osfhandle for a handle that passed the checks; on failure the handle is not taken.
RAW_HELPER int raw_attach(HANDLE h, int flags, std::error_code &ec) noexcept
{
    _doserrno = 0;
    const int fd = detail::crt_open_osfhandle(reinterpret_cast<std::intptr_t>(h), flags);
    if (fd < 0)
        ec = detail::crt_error();
    return fd;
}
} // namespace

// to_fd of a lent handle: a duplicate goes to the CRT.

extern "C" CODEGEN_FUNCTION int plain_to_fd_borrowed(HANDLE lent, std::error_code &ec) noexcept
{
    HANDLE copy = nullptr;
    const HANDLE self = ::GetCurrentProcess();
    if (!::DuplicateHandle(self, lent, self, &copy, 0, FALSE, DUPLICATE_SAME_ACCESS))
    {
        ec.assign(static_cast<int>(::GetLastError()), std::system_category());
        return -1;
    }
    const int fd = ::_open_osfhandle(reinterpret_cast<std::intptr_t>(copy), _O_BINARY | _O_NOINHERIT);
    if (fd < 0)
    {
        ec.assign(errno, std::generic_category());
        ::CloseHandle(copy);
        return -1;
    }
    ec.clear();
    return fd;
}

namespace
{
RAW_HELPER int raw_to_fd_borrowed_inline(HANDLE lent, std::error_code &ec) noexcept
{
    if (!raw_check_for_fd(lent, ec))
        return -1;
    const HANDLE copy = raw_duplicate_checked(lent, ec);
    if (copy == nullptr)
        return -1;
    const int fd = raw_attach(copy, _O_BINARY | _O_NOINHERIT, ec);
    if (fd < 0)
    {
        ::CloseHandle(copy);
        return -1;
    }
    ec.clear();
    return fd;
}
} // namespace

extern "C" CODEGEN_FUNCTION int raw_to_fd_borrowed(HANDLE lent, std::error_code &ec) noexcept
{
    return raw_to_fd_borrowed_inline(lent, ec);
}

extern "C" CODEGEN_FUNCTION int handoff_to_fd_borrowed(HANDLE lent, std::error_code &ec) noexcept
{
    return handoff::to_fd(handoff::borrowed_handle(lent), ec).release();
}

// The same, and the descriptor closed: the body of the runtime benchmark.

extern "C" CODEGEN_FUNCTION int plain_to_fd_close(HANDLE lent) noexcept
{
    HANDLE copy = nullptr;
    const HANDLE self = ::GetCurrentProcess();
    if (!::DuplicateHandle(self, lent, self, &copy, 0, FALSE, DUPLICATE_SAME_ACCESS))
        return -1;
    const int fd = ::_open_osfhandle(reinterpret_cast<std::intptr_t>(copy), _O_BINARY | _O_NOINHERIT);
    if (fd < 0)
    {
        ::CloseHandle(copy);
        return -1;
    }
    return ::_close(fd);
}

extern "C" CODEGEN_FUNCTION int raw_to_fd_close(HANDLE lent) noexcept
{
    std::error_code ec;
    const int fd = raw_to_fd_borrowed_inline(lent, ec);
    if (fd < 0)
        return -1;
    _doserrno = 0;
    if (detail::crt_close(fd) != 0)
    {
        ec = detail::crt_error();
        return -1;
    }
    return 0;
}

extern "C" CODEGEN_FUNCTION int handoff_to_fd_close(HANDLE lent) noexcept
{
    std::error_code ec;
    handoff::unique_fd fd = handoff::to_fd(handoff::borrowed_handle(lent), ec);
    if (ec)
        return -1;
    fd.close(ec);
    return ec ? -1 : 0;
}

// to_fd of an owned handle: the CRT takes this very handle, or it stays with the caller.

extern "C" CODEGEN_FUNCTION int raw_to_fd_moved(HANDLE &owned, std::error_code &ec) noexcept
{
    if (!raw_check_for_fd(owned, ec))
        return -1;
    const int fd = raw_attach(owned, _O_BINARY | _O_NOINHERIT, ec);
    if (fd < 0)
        return -1;
    (void)::SetHandleInformation(owned, HANDLE_FLAG_INHERIT, 0);
    owned = nullptr;
    ec.clear();
    return fd;
}

extern "C" CODEGEN_FUNCTION int handoff_to_fd_moved(handoff::unique_handle &owned, std::error_code &ec) noexcept
{
    return handoff::to_fd(std::move(owned), ec).release();
}

// handle_of: the handle behind a descriptor, still the CRT's.

namespace
{
RAW_HELPER HANDLE raw_handle_of_inline(int fd, std::error_code &ec) noexcept
{
    if (fd < 0)
    {
        ec = errc::empty_value;
        return nullptr;
    }
    const std::intptr_t raw = detail::crt_get_osfhandle(fd);
    if (raw == -1)
    {
        ec = detail::errno_error();
        return nullptr;
    }
    ec.clear();
    return raw == -2 ? nullptr : reinterpret_cast<HANDLE>(raw);
}
} // namespace

extern "C" CODEGEN_FUNCTION HANDLE raw_handle_of(int fd, std::error_code &ec) noexcept
{
    return raw_handle_of_inline(fd, ec);
}

extern "C" CODEGEN_FUNCTION HANDLE handoff_handle_of(int fd, std::error_code &ec) noexcept
{
    return handoff::handle_of(handoff::borrowed_fd(fd), ec).get();
}

// duplicate of a lent handle.

namespace
{
RAW_HELPER HANDLE raw_duplicate_inline(HANDLE lent, std::error_code &ec) noexcept
{
    if (lent == nullptr)
    {
        ec = errc::empty_value;
        return nullptr;
    }
    if (detail::is_socket(lent))
    {
        ec = errc::socket_handle;
        return nullptr;
    }
    const HANDLE copy = raw_duplicate_checked(lent, ec);
    if (copy != nullptr)
        ec.clear();
    return copy;
}
} // namespace

extern "C" CODEGEN_FUNCTION HANDLE plain_duplicate(HANDLE lent) noexcept
{
    HANDLE copy = nullptr;
    const HANDLE self = ::GetCurrentProcess();
    return ::DuplicateHandle(self, lent, self, &copy, 0, FALSE, DUPLICATE_SAME_ACCESS) ? copy : nullptr;
}

extern "C" CODEGEN_FUNCTION HANDLE raw_duplicate(HANDLE lent, std::error_code &ec) noexcept
{
    return raw_duplicate_inline(lent, ec);
}

extern "C" CODEGEN_FUNCTION HANDLE handoff_duplicate(HANDLE lent, std::error_code &ec) noexcept
{
    return handoff::duplicate(handoff::borrowed_handle(lent), ec).release();
}

// duplicate of a lent descriptor: a descriptor of its own on a duplicate of its handle.

extern "C" CODEGEN_FUNCTION int raw_duplicate_fd(int lent, std::error_code &ec) noexcept
{
    const HANDLE inner = raw_handle_of_inline(lent, ec);
    if (ec)
        return -1;
    if (inner == nullptr)
    {
        ec = errc::no_handle;
        return -1;
    }
    return raw_to_fd_borrowed_inline(inner, ec);
}

extern "C" CODEGEN_FUNCTION int handoff_duplicate_fd(int lent, std::error_code &ec) noexcept
{
    return handoff::duplicate(handoff::borrowed_fd(lent), ec).release();
}

// to_handle: a handle of its own for an owned descriptor, which is closed.

extern "C" CODEGEN_FUNCTION HANDLE raw_to_handle(int &owned, std::error_code &ec) noexcept
{
    const HANDLE inner = raw_handle_of_inline(owned, ec);
    if (ec)
        return nullptr;
    if (inner == nullptr)
    {
        ec = errc::no_handle;
        return nullptr;
    }
    const HANDLE copy = raw_duplicate_inline(inner, ec);
    if (copy == nullptr)
        return nullptr;
    const int fd = owned;
    owned = -1;
    _doserrno = 0;
    if (detail::crt_close(fd) != 0)
    {
        ec = detail::crt_error();
        ::CloseHandle(copy);
        return nullptr;
    }
    ec.clear();
    return copy;
}

extern "C" CODEGEN_FUNCTION HANDLE handoff_to_handle(handoff::unique_fd &owned, std::error_code &ec) noexcept
{
    return handoff::to_handle(std::move(owned), ec).release();
}

// to_file of an owned handle: a stream on this very handle, or the handle stays the caller's.

extern "C" CODEGEN_FUNCTION std::FILE *raw_to_file_moved(HANDLE &owned, const char *mode, std::error_code &ec) noexcept
{
    if (!detail::is_valid_stream_mode(mode))
    {
        ec = errc::invalid_mode;
        return nullptr;
    }
    if (!raw_check_for_fd(owned, ec))
        return nullptr;
    const int fd = raw_attach(owned, detail::fd_flags_for_mode(mode), ec);
    if (fd < 0)
        return nullptr;
    errno = 0;
    _doserrno = 0;
    std::FILE *const stream = detail::crt_fdopen(fd, mode);
    if (stream == nullptr)
    {
        ec = detail::crt_error();
        if (!detail::detach_from_fd(fd, owned))
        {
            HANDLE copy = nullptr;
            const HANDLE self = this_process;
            (void)::DuplicateHandle(self, owned, self, &copy, 0, FALSE, DUPLICATE_SAME_ACCESS);
            (void)detail::crt_close(fd);
            owned = copy;
        }
        return nullptr;
    }
    (void)::SetHandleInformation(owned, HANDLE_FLAG_INHERIT, 0);
    owned = nullptr;
    ec.clear();
    return stream;
}

extern "C" CODEGEN_FUNCTION std::FILE *handoff_to_file_moved(handoff::unique_handle &owned, const char *mode,
                                                             std::error_code &ec) noexcept
{
    return handoff::to_file(std::move(owned), mode, ec).release();
}

// A library lends its handle; write through a descriptor of our own.

extern "C" CODEGEN_FUNCTION int plain_lent_write(HANDLE lent, const char *text, unsigned length) noexcept
{
    std::error_code ec;
    const int fd = plain_to_fd_borrowed(lent, ec);
    if (fd < 0)
        return -1;
    const int written = ::_write(fd, text, length);
    ::_close(fd);
    return written;
}

extern "C" CODEGEN_FUNCTION int raw_lent_write(HANDLE lent, const char *text, unsigned length) noexcept
{
    std::error_code ec;
    const int fd = raw_to_fd_borrowed_inline(lent, ec);
    if (fd < 0)
        return -1;
    const int written = ::_write(fd, text, length);
    (void)detail::crt_close(fd);
    return written;
}

extern "C" CODEGEN_FUNCTION int handoff_lent_write(HANDLE lent, const char *text, unsigned length) noexcept
{
    std::error_code ec;
    const handoff::unique_fd fd = handoff::to_fd(handoff::borrowed_handle(lent), ec);
    if (ec)
        return -1;
    return ::_write(fd.get(), text, length);
}

// Round trips the benchmark times: each leaves nothing open.

extern "C" CODEGEN_FUNCTION int plain_duplicate_close(HANDLE lent) noexcept
{
    HANDLE copy = nullptr;
    const HANDLE self = ::GetCurrentProcess();
    if (!::DuplicateHandle(self, lent, self, &copy, 0, FALSE, DUPLICATE_SAME_ACCESS))
        return -1;
    return ::CloseHandle(copy) ? 0 : -1;
}

extern "C" CODEGEN_FUNCTION int raw_duplicate_close(HANDLE lent) noexcept
{
    std::error_code ec;
    const HANDLE copy = raw_duplicate_inline(lent, ec);
    if (copy == nullptr)
        return -1;
    return ::CloseHandle(copy) ? 0 : -1;
}

extern "C" CODEGEN_FUNCTION int handoff_duplicate_close(HANDLE lent) noexcept
{
    std::error_code ec;
    handoff::unique_handle copy = handoff::duplicate(handoff::borrowed_handle(lent), ec);
    if (ec)
        return -1;
    copy.close(ec);
    return ec ? -1 : 0;
}

extern "C" CODEGEN_FUNCTION HANDLE plain_handle_of(int fd) noexcept
{
    const std::intptr_t raw = ::_get_osfhandle(fd);
    return raw == -1 || raw == -2 ? nullptr : reinterpret_cast<HANDLE>(raw);
}

extern "C" CODEGEN_FUNCTION int plain_duplicate_fd_close(int lent) noexcept
{
    const std::intptr_t inner = ::_get_osfhandle(lent);
    if (inner == -1 || inner == -2)
        return -1;
    std::error_code ec;
    const int fd = plain_to_fd_borrowed(reinterpret_cast<HANDLE>(inner), ec);
    if (fd < 0)
        return -1;
    return ::_close(fd);
}

extern "C" CODEGEN_FUNCTION int handoff_duplicate_fd_close(int lent) noexcept
{
    std::error_code ec;
    handoff::unique_fd copy = handoff::duplicate(handoff::borrowed_fd(lent), ec);
    if (ec)
        return -1;
    copy.close(ec);
    return ec ? -1 : 0;
}

extern "C" CODEGEN_FUNCTION int plain_to_file_close(HANDLE lent) noexcept
{
    std::error_code ec;
    const int fd = plain_to_fd_borrowed(lent, ec);
    if (fd < 0)
        return -1;
    std::FILE *const stream = ::_fdopen(fd, "wb");
    if (stream == nullptr)
    {
        ::_close(fd);
        return -1;
    }
    return std::fclose(stream);
}

extern "C" CODEGEN_FUNCTION int handoff_to_file_close(HANDLE lent) noexcept
{
    std::error_code ec;
    handoff::unique_file stream = handoff::to_file(handoff::borrowed_handle(lent), "wb", ec);
    if (ec)
        return -1;
    stream.close(ec);
    return ec ? -1 : 0;
}

// The consuming conversions, timed by the benchmark: each job first makes the handle or
// descriptor it consumes (the same calls on both sides), then converts it and closes the result.

namespace
{
HANDLE plain_copy_of(HANDLE lent) noexcept
{
    HANDLE copy = nullptr;
    const HANDLE self = ::GetCurrentProcess();
    return ::DuplicateHandle(self, lent, self, &copy, 0, FALSE, DUPLICATE_SAME_ACCESS) ? copy : nullptr;
}

int plain_fd_of_copy(HANDLE lent) noexcept
{
    const HANDLE copy = plain_copy_of(lent);
    if (copy == nullptr)
        return -1;
    const int fd = ::_open_osfhandle(reinterpret_cast<std::intptr_t>(copy), _O_BINARY | _O_NOINHERIT);
    if (fd < 0)
        ::CloseHandle(copy);
    return fd;
}
} // namespace

extern "C" CODEGEN_FUNCTION int plain_to_fd_moved_close(HANDLE lent) noexcept
{
    const int fd = plain_fd_of_copy(lent);
    return fd < 0 ? -1 : ::_close(fd);
}

extern "C" CODEGEN_FUNCTION int handoff_to_fd_moved_close(HANDLE lent) noexcept
{
    std::error_code ec;
    handoff::unique_fd fd = handoff::to_fd(handoff::unique_handle(plain_copy_of(lent)), ec);
    if (ec)
        return -1;
    fd.close(ec);
    return ec ? -1 : 0;
}

extern "C" CODEGEN_FUNCTION int plain_to_handle_close(HANDLE lent) noexcept
{
    const int fd = plain_fd_of_copy(lent);
    if (fd < 0)
        return -1;
    const HANDLE copy = plain_copy_of(reinterpret_cast<HANDLE>(::_get_osfhandle(fd)));
    if (copy == nullptr || ::_close(fd) != 0)
        return -1;
    return ::CloseHandle(copy) ? 0 : -1;
}

extern "C" CODEGEN_FUNCTION int handoff_to_handle_close(HANDLE lent) noexcept
{
    std::error_code ec;
    handoff::unique_handle h = handoff::to_handle(handoff::unique_fd(plain_fd_of_copy(lent)), ec);
    if (ec)
        return -1;
    h.close(ec);
    return ec ? -1 : 0;
}

extern "C" CODEGEN_FUNCTION int plain_to_file_moved_close(HANDLE lent) noexcept
{
    const int fd = plain_fd_of_copy(lent);
    if (fd < 0)
        return -1;
    std::FILE *const stream = ::_fdopen(fd, "wb");
    if (stream == nullptr)
    {
        ::_close(fd);
        return -1;
    }
    return std::fclose(stream);
}

extern "C" CODEGEN_FUNCTION int handoff_to_file_moved_close(HANDLE lent) noexcept
{
    std::error_code ec;
    handoff::unique_file stream = handoff::to_file(handoff::unique_handle(plain_copy_of(lent)), "wb", ec);
    if (ec)
        return -1;
    stream.close(ec);
    return ec ? -1 : 0;
}

extern "C" CODEGEN_FUNCTION int handoff_fd_to_file_close(HANDLE lent) noexcept
{
    std::error_code ec;
    handoff::unique_file stream = handoff::to_file(handoff::unique_fd(plain_fd_of_copy(lent)), "wb", ec);
    if (ec)
        return -1;
    stream.close(ec);
    return ec ? -1 : 0;
}
