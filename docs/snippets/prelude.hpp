// What the documentation's code blocks use without defining it: the library that lends a
// handle, paths, the caller's own functions, and the few members of third-party types (WIL,
// C++/WinRT, Boost.Asio, Qt, libuv) that docs/interop.md calls. Declared here, never defined or
// run, so that scripts/snippets.py can compile every block as the page shows it: what is
// checked is handoff's side of each block.
#pragma once

#include <handoff/handoff.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#if defined(_WIN32)
#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>
#else
#include <fcntl.h>
#include <unistd.h>
#endif

// The caller's own names.
extern const char *path;
void legacy_code(int fd);
void code_under_test();
extern char line[256];
extern handoff::unique_fd fd, fd2;
extern int raw_fd;

#if defined(_WIN32)
extern const wchar_t *wpath;
extern const wchar_t *exe;
extern wchar_t command[];
extern STARTUPINFOW startup;
extern HANDLE raw;
extern HANDLE overlapped_handle;
extern handoff::unique_handle h, file, event, owned_handle, child_process;
bool read_header(HANDLE file);
bool read_header(handoff::borrowed_handle file);
void vendor_adopt(HANDLE h);                  // a library that closes what it is given
void hand_to_library_that_closes(HANDLE h);
bool tell_child(HANDLE remote_value);
#endif

// A library that owns its handle (POSIX: descriptor) and lends it.
struct vendor_library
{
#if defined(_WIN32)
    HANDLE native_handle() const;
#else
    int native_handle() const;
#endif
};
extern vendor_library library;

#if defined(_WIN32)
namespace vendor
{
struct io_file
{
    HANDLE native_handle() const;
};
} // namespace vendor

namespace wil
{
class unique_hfile
{
  public:
    explicit unique_hfile(HANDLE h = INVALID_HANDLE_VALUE) noexcept;
    HANDLE get() const noexcept;
    HANDLE release() noexcept;
};
} // namespace wil

namespace winrt
{
struct file_handle
{
    file_handle() noexcept;
    explicit file_handle(HANDLE h) noexcept;
    HANDLE get() const noexcept;
    HANDLE detach() noexcept;
    void attach(HANDLE h) noexcept;
};
} // namespace winrt

namespace boost::asio
{
class io_context;
namespace windows
{
struct random_access_handle
{
    random_access_handle(io_context &io, HANDLE h);
    HANDLE native_handle();
};
struct stream_handle
{
    stream_handle(io_context &io, HANDLE h);
};
} // namespace windows
} // namespace boost::asio
extern boost::asio::io_context io;

struct uv_loop_t;
struct uv_fs_t
{
    std::intptr_t result;
};
int uv_fs_close(uv_loop_t *loop, uv_fs_t *req, int file, void (*callback)(uv_fs_t *));
extern uv_fs_t req;
extern uv_loop_t *loop;
#endif

struct QString
{
};
#define QStringLiteral(text) QString{}
struct QIODevice
{
    enum OpenModeFlag
    {
        ReadOnly = 1,
        WriteOnly = 2
    };
};
struct QFileDevice : QIODevice
{
    enum FileHandleFlag
    {
        DontCloseHandle = 0,
        AutoCloseHandle = 1
    };
};
class QFile : public QFileDevice
{
  public:
    QFile();
    explicit QFile(const QString &name);
    bool open(OpenModeFlag mode);
    bool open(int fd, OpenModeFlag mode, FileHandleFlag flags = DontCloseHandle);
    int handle() const;
};
