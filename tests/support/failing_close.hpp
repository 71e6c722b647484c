// Test support: a real descriptor whose close will really fail, to test error reporting.
//
// Windows: the HANDLE behind the CRT fd is marked HANDLE_FLAG_PROTECT_FROM_CLOSE, so _close
// frees the fd slot but CloseHandle fails with ERROR_INVALID_HANDLE (errno EBADF); the handle
// is unprotected and closed when this object goes away.
// POSIX: nothing makes close fail on a local file, so arm() closes the descriptor behind its
// owner's back just before the owner's close, which then fails with EBADF. The test is single
// threaded, so nothing can take the number in between.

#ifndef HANDOFF_TESTS_SUPPORT_FAILING_CLOSE_HPP
#define HANDOFF_TESTS_SUPPORT_FAILING_CLOSE_HPP

#include "platform.hpp"
#include "temp_file.hpp"

#include <catch2/catch.hpp>

#if defined(_WIN32)
#include <windows.h>
#endif

namespace handoff_test
{
class fd_whose_close_fails
{
  public:
    explicit fd_whose_close_fails(const temp_file &file) : fd_(open_raw_fd(file.path()))
    {
        REQUIRE(fd_ >= 0);
#if defined(_WIN32)
        handle_ = reinterpret_cast<HANDLE>(::_get_osfhandle(fd_));
        REQUIRE(::SetHandleInformation(handle_, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE));
#endif
    }
    fd_whose_close_fails(const fd_whose_close_fails &) = delete;
    fd_whose_close_fails &operator=(const fd_whose_close_fails &) = delete;

    ~fd_whose_close_fails()
    {
#if defined(_WIN32)
        ::SetHandleInformation(handle_, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0);
        ::CloseHandle(handle_);
#endif
    }

    int fd() const
    {
        return fd_;
    }

    /// Call right before the close that must fail.
    void arm()
    {
#if !defined(_WIN32)
        REQUIRE(close_raw_fd(fd_) == 0);
#endif
    }

  private:
    int fd_;
#if defined(_WIN32)
    HANDLE handle_ = nullptr;
#endif
};
} // namespace handoff_test

#endif
