// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief Leases of virtual descriptors: `lease` (a real CRT descriptor, pinned while it lives)
/// and `stream_lease` (a `FILE*` on one, its position handed back to the descriptor at its end).
///
/// ~~~cpp
/// handoff::unique_virtual_fd data = table.open(L"data.bin", _O_RDWR | _O_CREAT, _S_IREAD | _S_IWRITE);
/// {
///     handoff::lease lease(data);           // pages a real descriptor in, pinned
///     _write(lease.fd().get(), "x", 1);     // the table's descriptor: never _close it
/// }                                         // unpinned; the table may page it out
/// ~~~

#ifndef HANDOFF_LEASE_HPP_INCLUDED
#define HANDOFF_LEASE_HPP_INCLUDED

#include <handoff/config.hpp>
#include <handoff/detail/vfd_pinned.hpp>
#include <handoff/error.hpp>
#include <handoff/fd.hpp>
#include <handoff/fd_table.hpp>
#include <handoff/stdio.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>
#include <utility>

#if HANDOFF_WINDOWS
#include <handoff/detail/crt_calls.hpp>
#endif

HANDOFF_BEGIN_NAMESPACE
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
    lease(borrowed_virtual_fd vfd, std::error_code &ec) noexcept : fd_(pinned_.pin_resident(vfd.get(), ec))
    {
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
        return static_cast<bool>(pinned_);
    }

    /// Ends the lease now.
    void reset() noexcept
    {
        pinned_.reset();
        fd_ = -1;
    }

    /// Exchanges two leases.
    void swap(lease &other) noexcept
    {
        pinned_.swap(other.pinned_);
        std::swap(fd_, other.fd_);
    }

  private:
    detail::vfd_pinned pinned_; // declared first: the constructor pins before it stores the fd
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
    /// On failure nothing is held and `ec` says why. Refused with `errc::would_change_lender`:
    /// an "a" mode unless the descriptor appends already (POSIX `fdopen` would make the open
    /// file description, which the descriptor shares, append for good; the CRT's `_fdopen`
    /// would write at the position), and a mode that reads on a pipe or device (the stream's
    /// read-ahead would take bytes from the pipe that no position can give back). Streams count
    /// against the CRT's stdio limit too (`_getmaxstdio()`, 512 by default): past it,
    /// `too_many_files_open`.
    stream_lease(borrowed_virtual_fd vfd, const char *mode, std::error_code &ec) noexcept
    {
        if (!detail::check_stream_mode(mode, ec) || !pinned_.pin(vfd.get(), ec))
            return;
        const bool appends = mode[0] == 'a';
        const bool reads = mode[0] == 'r' || std::strchr(mode, '+') != nullptr;
        if ((appends && (pinned_.mode() & detail::vfd_append) == 0) ||
            (reads && !detail::backing_has_position(pinned_.backing())))
        {
            pinned_.reset();
            ec = errc::would_change_lender;
            return;
        }
        const int fd = pinned_.own_fd(ec);
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
                pinned_.release_own_fd();
            }
#if HANDOFF_CHECKS
            else
                note_stream(true, fd);
#endif
        }
        if (stream_ == nullptr)
        {
            pinned_.reset();
            return;
        }
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
#if HANDOFF_CHECKS
        note_stream(false, -1);
#endif
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
            (void)detail::backing_seek(pinned_.backing(), position, SEEK_SET, seek_error);
            if (seek_error && !ec)
                ec = seek_error;
        }
        pinned_.release_own_fd();
        pinned_.reset();
    }

    /// Exchanges two stream leases.
    void swap(stream_lease &other) noexcept
    {
        pinned_.swap(other.pinned_);
        std::swap(stream_, other.stream_);
    }

  private:
    /// With the ownership checks on: the stream takes the descriptor the table paged in for it
    /// (`taken`, with that `fd`), or lets its stream go before closing it.
    void note_stream([[maybe_unused]] bool taken, [[maybe_unused]] int fd) const noexcept
    {
#if HANDOFF_CHECKS
        if (taken)
        {
            detail::checks::let_go(value_kind::table_fd, static_cast<std::uintptr_t>(fd), call_site());
            detail::checks::adopted(value_kind::table_stream, reinterpret_cast<std::uintptr_t>(stream_), call_site());
        }
        else
            detail::checks::let_go(value_kind::table_stream, reinterpret_cast<std::uintptr_t>(stream_), call_site());
#endif
    }

    detail::vfd_pinned pinned_;
    std::FILE *stream_ = nullptr;
};

HANDOFF_END_NAMESPACE

#endif // HANDOFF_LEASE_HPP_INCLUDED
