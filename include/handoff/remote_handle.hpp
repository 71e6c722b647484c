// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief Handles in other processes (Windows): `remote_handle` and `duplicate_into()` place a
/// handle in another process's table, owned from this one until that process takes it over;
/// `duplicate_from()` and `take_from()` bring one from another process into an owner here.
///
/// On other platforms this header declares nothing.

#ifndef HANDOFF_REMOTE_HANDLE_HPP_INCLUDED
#define HANDOFF_REMOTE_HANDLE_HPP_INCLUDED

#include <handoff/config.hpp>
#include <handoff/error.hpp>
#include <handoff/win32.hpp>

#if HANDOFF_WINDOWS

#include <handoff/detail/windows.hpp>

#include <system_error>
#include <utility>

HANDOFF_BEGIN_NAMESPACE

/// Owns a handle that lives in another process. Its value means nothing in this process: it is
/// for sending to the other one. Until that process has it, this object closes it, inside the
/// other process, with `DuplicateHandle(..., DUPLICATE_CLOSE_SOURCE)`; once the other process
/// has taken it over, `release()` lets go.
///
/// ~~~cpp
/// handoff::remote_handle remote = handoff::duplicate_into(event, child_process);
/// if (send_to_child(remote.get()))   // the child will close it from now on
///     (void)remote.release();
/// // otherwise remote closes it in the child when it goes out of scope
/// ~~~
///
/// Release as soon as the other process may own the value. A remote close after the other
/// process has already taken the value over and closed it would close whatever that process has
/// since opened under the same value: the cross-process double close. A protocol where the
/// other process acknowledges receipt, and the owner releases on the acknowledgement, avoids it.
class remote_handle
{
  public:
    /// Empty: owns nothing.
    remote_handle() noexcept = default;

    /// Takes ownership of `value`, a handle in `process`; `process` is the owner's own handle
    /// to that process (it needs `PROCESS_DUP_HANDLE` access for the remote close). Explicit:
    /// a raw value becomes an owner only where the code says so.
    explicit remote_handle(unique_handle process, HANDLE value) noexcept : process_(std::move(process)), value_(value)
    {
    }

    remote_handle(const remote_handle &) = delete;
    remote_handle &operator=(const remote_handle &) = delete;

    /// Moves ownership of the remote handle; `other` is left empty.
    remote_handle(remote_handle &&other) noexcept
        : process_(std::move(other.process_)), value_(std::exchange(other.value_, nullptr))
    {
    }

    /// Closes the remote handle held (ignoring errors), then takes `other`'s.
    remote_handle &operator=(remote_handle &&other) noexcept
    {
        if (this != &other)
        {
            std::error_code ignored;
            close(ignored);
            process_ = std::move(other.process_);
            value_ = std::exchange(other.value_, nullptr);
        }
        return *this;
    }

    /// Closes the remote handle, ignoring errors (the other process may have exited).
    ~remote_handle()
    {
        std::error_code ignored;
        close(ignored);
    }

    /// The handle's value in the other process, still owned by this object: send it, never
    /// close or use it here.
    HANDLE get() const noexcept
    {
        return value_;
    }

    /// This owner's handle to the other process.
    borrowed_handle process() const noexcept HANDOFF_LIFETIMEBOUND
    {
        return process_;
    }

    /// True while a remote handle is owned.
    explicit operator bool() const noexcept
    {
        return value_ != nullptr;
    }

    /// Lets go of the remote handle without closing it: the other process owns it now.
    HANDOFF_NODISCARD("release() hands the remote value to the caller, who closes it in the other process")
    HANDLE release() noexcept
    {
        process_.reset();
        return std::exchange(value_, nullptr);
    }

    /// Closes the remote handle now and reports the result; empty afterwards in every case.
    /// `DUPLICATE_CLOSE_SOURCE` closes the remote handle whatever `DuplicateHandle` returns, so
    /// an error does not mean the handle is still open there; it is never retried.
    void close(std::error_code &ec) noexcept
    {
        ec.clear();
        if (value_ == nullptr)
            return;
        const HANDLE value = std::exchange(value_, nullptr);
        // DUPLICATE_CLOSE_SOURCE closes the remote handle whatever else happens. The copy it
        // makes here is closed at once: Windows accepts a NULL target instead, Wine 8 does not.
        HANDLE local = nullptr;
        if (::DuplicateHandle(process_.get(), value, detail::this_process(), &local, 0, FALSE,
                              DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS))
            ::CloseHandle(local);
        else
            ec = detail::win32_error();
        process_.reset();
    }

#if HANDOFF_EXCEPTIONS
    /// Closes the remote handle now; throws `std::system_error` if that fails.
    void close()
    {
        std::error_code ec;
        close(ec);
        detail::throw_if_error(ec, "handoff::remote_handle::close");
    }
#endif

  private:
    unique_handle process_;
    HANDLE value_ = nullptr;
};

/// Makes a handle to `source`'s object inside `target_process`, owned by the returned
/// `remote_handle` until that process takes it over. The options are those of `duplicate`
/// (access, inheritance, pseudo-handles); `target_process` must allow `PROCESS_DUP_HANDLE`,
/// else `ec` is `ERROR_ACCESS_DENIED`. The remote handle keeps its own handle to the process.
inline remote_handle duplicate_into(borrowed_handle source, borrowed_handle target_process,
                                    const duplicate_options &options, std::error_code &ec) noexcept
{
    if (!target_process)
    {
        ec = errc::empty_value;
        return {};
    }
    // Our own handle to the target, so the remote handle can be closed however long it lives.
    unique_handle process = duplicate(target_process, duplicate_options().allow_pseudo_handle(), ec);
    if (ec)
        return {};
    const HANDLE remote = detail::duplicate_into_process(source, process.get(), options, ec);
    if (ec)
        return {};
    return remote_handle(std::move(process), remote);
}

/// `duplicate_into(source, target_process, duplicate_options(), ec)`.
inline remote_handle duplicate_into(borrowed_handle source, borrowed_handle target_process,
                                    std::error_code &ec) noexcept
{
    return duplicate_into(source, target_process, duplicate_options(), ec);
}

namespace detail
{
/// Refuses what the pulling side must not take: no process or value (`errc::empty_value`), and
/// a pseudo-handle value unless the options allow it (`errc::pseudo_handle`): in the other
/// process `INVALID_HANDLE_VALUE` is that process itself, with every right.
inline std::error_code check_remote_value(borrowed_handle source_process, HANDLE remote_value,
                                          const duplicate_options &options) noexcept
{
    if (!source_process || remote_value == nullptr)
        return errc::empty_value;
    if (is_pseudo_handle(remote_value) && !options.pseudo_handle_allowed())
        return errc::pseudo_handle;
    // Only in this very process can the value be asked whether it is a socket.
    if (::GetProcessId(source_process.get()) == ::GetCurrentProcessId() && is_socket(remote_value))
        return errc::socket_handle;
    return {};
}
} // namespace detail

/// Makes a handle of this process, owned by the caller, to the object that `remote_value`
/// names inside `source_process`; the other process keeps its own handle and closes it as
/// before. This is how a broker takes a handle a child tells it about. The options are those
/// of `duplicate` (access, inheritance, pseudo-handles: a pseudo-handle value, such as a failure
/// value the other process sent, is refused with `errc::pseudo_handle` unless allowed);
/// `source_process` must allow `PROCESS_DUP_HANDLE`, else `ec` is `ERROR_ACCESS_DENIED`. A value that is a socket in
/// the other process must not be copied this way (Winsock would not know the copy): `WSADuplicateSocketW` there is the
/// way.
inline unique_handle duplicate_from(borrowed_handle source_process, HANDLE remote_value,
                                    const duplicate_options &options, std::error_code &ec) noexcept
{
    ec = detail::check_remote_value(source_process, remote_value, options);
    if (ec)
        return {};
    return unique_handle(
        detail::duplicate_raw(source_process.get(), remote_value, detail::this_process(), options, 0, ec));
}

/// `duplicate_from(source_process, remote_value, duplicate_options(), ec)`.
inline unique_handle duplicate_from(borrowed_handle source_process, HANDLE remote_value, std::error_code &ec) noexcept
{
    return duplicate_from(source_process, remote_value, duplicate_options(), ec);
}

/// Takes ownership of the handle `remote_value` in `source_process`: the caller gets a handle
/// of this process to the same object, and the other process's handle is closed there
/// (`DUPLICATE_CLOSE_SOURCE`). Once Windows has reached that process's handle table it closes the
/// remote handle even if the duplicate fails, so
/// after a failure it is gone too and must not be closed there again.
inline unique_handle take_from(borrowed_handle source_process, HANDLE remote_value, const duplicate_options &options,
                               std::error_code &ec) noexcept
{
    ec = detail::check_remote_value(source_process, remote_value, options);
    if (ec)
        return {};
    return unique_handle(detail::duplicate_raw(source_process.get(), remote_value, detail::this_process(), options,
                                               DUPLICATE_CLOSE_SOURCE, ec));
}

/// `take_from(source_process, remote_value, duplicate_options(), ec)`.
inline unique_handle take_from(borrowed_handle source_process, HANDLE remote_value, std::error_code &ec) noexcept
{
    return take_from(source_process, remote_value, duplicate_options(), ec);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `duplicate_into(source, target_process, options, ec)`.
inline remote_handle duplicate_into(borrowed_handle source, borrowed_handle target_process,
                                    const duplicate_options &options = duplicate_options())
{
    return detail::value_or_throw("handoff::duplicate_into", [&](std::error_code &ec) {
        return duplicate_into(source, target_process, options, ec);
    });
}

/// Throwing form of `duplicate_from(source_process, remote_value, options, ec)`.
inline unique_handle duplicate_from(borrowed_handle source_process, HANDLE remote_value,
                                    const duplicate_options &options = duplicate_options())
{
    return detail::value_or_throw("handoff::duplicate_from", [&](std::error_code &ec) {
        return duplicate_from(source_process, remote_value, options, ec);
    });
}

/// Throwing form of `take_from(source_process, remote_value, options, ec)`.
inline unique_handle take_from(borrowed_handle source_process, HANDLE remote_value,
                               const duplicate_options &options = duplicate_options())
{
    return detail::value_or_throw("handoff::take_from", [&](std::error_code &ec) {
        return take_from(source_process, remote_value, options, ec);
    });
}
#endif

HANDOFF_END_NAMESPACE

#endif // HANDOFF_WINDOWS

#endif // HANDOFF_REMOTE_HANDLE_HPP_INCLUDED
