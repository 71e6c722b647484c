// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// The pin that leases and one-call I/O share: it holds one virtual descriptor of a table so that
// it is neither closed nor paged out while it lives, and can ask the table for its resident
// descriptor or one of its own.

#ifndef HANDOFF_DETAIL_VFD_PINNED_HPP_INCLUDED
#define HANDOFF_DETAIL_VFD_PINNED_HPP_INCLUDED

#include <handoff/config.hpp>
#include <handoff/detail/fd_pager.hpp>
#include <handoff/detail/vfd_slot.hpp>
#include <handoff/error.hpp>
#include <handoff/fd_table.hpp>

#include <cstdint>
#include <system_error>
#include <utility>

HANDOFF_BEGIN_NAMESPACE

namespace detail
{
/// A pin on one virtual descriptor: while it lives the descriptor is neither closed nor
/// paged out. What leases and one-call I/O share; movable, ended by `reset()`.
class vfd_pinned
{
  public:
    vfd_pinned() noexcept = default;
    vfd_pinned(const vfd_pinned &) = delete;
    vfd_pinned &operator=(const vfd_pinned &) = delete;
    vfd_pinned(vfd_pinned &&other) noexcept
    {
        swap(other);
    }
    vfd_pinned &operator=(vfd_pinned &&other) noexcept
    {
        vfd_pinned(std::move(other)).swap(*this);
        return *this;
    }
    ~vfd_pinned()
    {
        reset();
    }

    /// Pins `number` without paging it in; false, with `ec` set, on failure.
    bool pin(int number, std::error_code &ec) noexcept
    {
        fd_table *table = table_for(number, ec);
        if (table == nullptr)
            return false;
        pin_.slot = table->pin_only(number, pin_.index, ec);
        if (pin_.slot == nullptr)
            return false;
        table_ = table;
        return true;
    }

    /// Pins `number` and returns its resident descriptor, paging it in if needed; -1, with
    /// `ec` set, on failure.
    int pin_resident(int number, std::error_code &ec) noexcept
    {
        fd_table *table = table_for(number, ec);
        if (table == nullptr)
            return -1;
        const int fd = table->acquire_fd(number, pin_, ec);
        if (fd >= 0)
            table_ = table;
        return fd;
    }

    /// A real descriptor of the pinned slot's own, counted against the resident limit; -1 with `ec`.
    int own_fd(std::error_code &ec) noexcept
    {
        return table_->acquire_stream_fd(*pin_.slot, ec);
    }

    /// Accounts for an `own_fd()` descriptor that has been closed.
    void release_own_fd() noexcept
    {
        table_->release_stream_fd();
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

    void reset() noexcept
    {
        if (table_ != nullptr)
            table_->unpin(pin_);
        table_ = nullptr;
    }

    void swap(vfd_pinned &other) noexcept
    {
        std::swap(table_, other.table_);
        std::swap(pin_, other.pin_);
    }

  private:
    /// The table of `number`, or null with `ec` saying why.
    static fd_table *table_for(int number, std::error_code &ec) noexcept
    {
        fd_table *table = fd_table::table_of(number);
        if (table == nullptr)
            ec = number == -1 ? errc::empty_value : errc::stale_descriptor;
        return table;
    }

    fd_table *table_ = nullptr;
    vfd_pin pin_;
};
} // namespace detail

HANDOFF_END_NAMESPACE

#endif // HANDOFF_DETAIL_VFD_PINNED_HPP_INCLUDED
