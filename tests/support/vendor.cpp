#include "vendor.hpp"

#include "test_bed.hpp"

#include <cstdio>
#include <cstdlib>

#if !defined(_WIN32)
#include <fcntl.h>
#include <unistd.h>
#endif

namespace handoff_test
{
#if defined(_WIN32)
vendor_file::vendor_file(const std::string &path)
    : handle_(::CreateFileA(path.c_str(), GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                            OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr))
{
    if (handle_ == INVALID_HANDLE_VALUE)
    {
        std::fprintf(stderr, "vendor_file: cannot open %s (error %lu)\n", path.c_str(), ::GetLastError());
        std::abort();
    }
}

vendor_file::~vendor_file()
{
    if (!::CloseHandle(handle_))
        record_failure("vendor library: closing its own handle failed (error " + std::to_string(::GetLastError()) +
                       "): somebody else closed it first");
}

std::string vendor_file::read_all() const
{
    LARGE_INTEGER start = {};
    ::SetFilePointerEx(handle_, start, nullptr, FILE_BEGIN);
    std::string text;
    char buffer[4096];
    DWORD count = 0;
    while (::ReadFile(handle_, buffer, sizeof buffer, &count, nullptr) && count > 0)
        text.append(buffer, count);
    return text;
}

vendor_sink::~vendor_sink()
{
    if (!::CloseHandle(handle_))
        record_failure("vendor sink: closing the handle it was given failed (error " +
                       std::to_string(::GetLastError()) + "): somebody else closed it first");
}

bool vendor_sink::write(const std::string &text)
{
    DWORD written = 0;
    return ::WriteFile(handle_, text.data(), static_cast<DWORD>(text.size()), &written, nullptr) &&
           written == text.size();
}
#else
vendor_file::vendor_file(const std::string &path) : handle_(::open(path.c_str(), O_RDWR | O_CLOEXEC))
{
    if (handle_ < 0)
    {
        std::perror("vendor_file: open");
        std::abort();
    }
}

vendor_file::~vendor_file()
{
    if (::close(handle_) != 0)
        record_failure("vendor library: closing its own descriptor failed: somebody else closed it first");
}

std::string vendor_file::read_all() const
{
    std::string text;
    char buffer[4096];
    ssize_t count = 0;
    off_t offset = 0;
    while ((count = ::pread(handle_, buffer, sizeof buffer, offset)) > 0)
    {
        text.append(buffer, static_cast<std::size_t>(count));
        offset += count;
    }
    return text;
}

vendor_sink::~vendor_sink()
{
    if (::close(handle_) != 0)
        record_failure("vendor sink: closing the descriptor it was given failed: somebody else closed it first");
}

bool vendor_sink::write(const std::string &text)
{
    return ::write(handle_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
}
#endif
} // namespace handoff_test
