// Test support: a small third-party I/O library that lends its handle, as the double-close tests need.
//
// vendor_file owns a file handle (Windows) or descriptor (elsewhere), lends it through
// native_handle(), and closes it in its destructor; if that close fails, somebody else
// closed its handle first, and the failure is recorded, which fails the test.
// vendor_sink takes ownership of the handle it is given, writes through it, and closes it in
// its destructor, with the same check.

#ifndef HANDOFF_TESTS_SUPPORT_VENDOR_HPP
#define HANDOFF_TESTS_SUPPORT_VENDOR_HPP

#include <string>

#if defined(_WIN32)
#include <windows.h>
#endif

namespace handoff_test
{
#if defined(_WIN32)
using native_handle_type = HANDLE;
#else
using native_handle_type = int;
#endif

class vendor_file
{
  public:
    /// Opens an existing file for reading and writing.
    explicit vendor_file(const std::string &path);
    vendor_file(const vendor_file &) = delete;
    vendor_file &operator=(const vendor_file &) = delete;
    ~vendor_file();

    /// Lends the library's handle: the library still owns and closes it.
    native_handle_type native_handle() const
    {
        return handle_;
    }

    /// Everything in the file, read through the library's own handle.
    std::string read_all() const;

  private:
    native_handle_type handle_;
};

class vendor_sink
{
  public:
    /// Takes ownership of `handle`: the sink closes it.
    explicit vendor_sink(native_handle_type handle) : handle_(handle)
    {
    }
    vendor_sink(const vendor_sink &) = delete;
    vendor_sink &operator=(const vendor_sink &) = delete;
    ~vendor_sink();

    /// Appends `text` through the sink's handle; false if the write failed.
    bool write(const std::string &text);

  private:
    native_handle_type handle_;
};
} // namespace handoff_test

#endif
