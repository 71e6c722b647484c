// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// The lock of a virtual descriptor table: a Win32 SRWLOCK on Windows, so that the headers work
// with every MinGW thread model (GCC's win32 model has no std::mutex) and with MSVC, and a
// std::mutex elsewhere. Both are constant-initialized and never fail to lock.

#ifndef HANDOFF_DETAIL_TABLE_LOCK_HPP_INCLUDED
#define HANDOFF_DETAIL_TABLE_LOCK_HPP_INCLUDED

#include <handoff/config.hpp>

#if HANDOFF_WINDOWS
#include <handoff/detail/windows.hpp>
#else
#include <mutex>
#endif

HANDOFF_BEGIN_NAMESPACE
namespace detail
{
/// An exclusive lock with `lock()` and `unlock()`, usable with `std::lock_guard`.
class table_lock
{
  public:
    table_lock() noexcept = default;
    table_lock(const table_lock &) = delete;
    table_lock &operator=(const table_lock &) = delete;

#if HANDOFF_WINDOWS
    /// Takes the lock, waiting for another holder to leave it.
    void lock() noexcept
    {
        ::AcquireSRWLockExclusive(&lock_);
    }
    /// Leaves the lock.
    void unlock() noexcept
    {
        ::ReleaseSRWLockExclusive(&lock_);
    }

  private:
    SRWLOCK lock_ = SRWLOCK_INIT;
#else
    /// Takes the lock, waiting for another holder to leave it.
    void lock() noexcept
    {
        lock_.lock(); // std::mutex::lock throws only for a deadlock or missing threads
    }
    /// Leaves the lock.
    void unlock() noexcept
    {
        lock_.unlock();
    }

  private:
    std::mutex lock_;
#endif
};

/// Holds a `table_lock` for its lifetime.
class table_lock_guard
{
  public:
    explicit table_lock_guard(table_lock &lock) noexcept : lock_(lock)
    {
        lock_.lock();
    }
    table_lock_guard(const table_lock_guard &) = delete;
    table_lock_guard &operator=(const table_lock_guard &) = delete;
    ~table_lock_guard()
    {
        lock_.unlock();
    }

  private:
    table_lock &lock_;
};
} // namespace detail
HANDOFF_END_NAMESPACE

#endif // HANDOFF_DETAIL_TABLE_LOCK_HPP_INCLUDED
