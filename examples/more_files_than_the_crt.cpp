// More descriptors than the CRT allows: a program keeps 9,000 files open (the CRT's table holds
// 2048 descriptors in msvcrt.dll, 8192 in the UCRT) and writes each through a real CRT descriptor, in a shuffled order.
// The table pages descriptors in and out of the handles it owns; every file is then checked.
// Windows only.

#include <handoff/handoff.hpp>

#include <fcntl.h>
#include <io.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <system_error>
#include <vector>

#include <windows.h>

namespace
{
// Code that wants a CRT descriptor, as legacy code does.
bool legacy_write(int fd, const std::string &text)
{
    return ::_write(fd, text.data(), static_cast<unsigned>(text.size())) == static_cast<int>(text.size());
}

std::wstring file_name(const std::wstring &directory, int i)
{
    return directory + L"\\file-" + std::to_wstring(i) + L".txt";
}
} // namespace

int main()
{
    constexpr int count = 9000;
    wchar_t temp[MAX_PATH];
    if (::GetTempPathW(MAX_PATH, temp) == 0)
        return 1;
    const std::wstring directory = std::wstring(temp) + L"handoff-more-files-" + std::to_wstring(::GetCurrentProcessId());
    if (!::CreateDirectoryW(directory.c_str(), nullptr))
        return 1;

    std::error_code ec;
    handoff::fd_table table(handoff::fd_table_options{}, ec); // the limit comes from the CRT's own table
    if (ec)
    {
        std::printf("FAILED: fd_table: %s\n", ec.message().c_str());
        return 1;
    }
    std::printf("resident limit: %zu real descriptors at once\n", table.resident_limit());

    // The table owns each file's handle; the owners below close them.
    std::vector<handoff::unique_virtual_fd> files;
    for (int i = 0; i < count; ++i)
    {
        files.push_back(table.open(file_name(directory, i).c_str(), _O_RDWR | _O_CREAT | _O_TRUNC | _O_BINARY,
                                   _S_IREAD | _S_IWRITE, ec));
        if (!files.back())
        {
            std::printf("FAILED: open file %d: %s\n", i, ec.message().c_str());
            return 1;
        }
    }
    std::printf("open: %d files, more than the CRT's table holds (2048 in msvcrt.dll, 8192 in the UCRT)\n", count);

    std::vector<int> order(count);
    for (int i = 0; i < count; ++i)
        order[static_cast<std::size_t>(i)] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937(7));
    for (const int i : order)
    {
        // A lease pins a real CRT descriptor (paging it in if it is not resident) until it ends.
        const handoff::lease lease(files[static_cast<std::size_t>(i)], ec);
        if (!lease || !legacy_write(lease.fd().get(), "file " + std::to_string(i) + "\n"))
        {
            std::printf("FAILED: write file %d: %s\n", i, ec.message().c_str());
            return 1;
        }
    }

    int good = 0;
    for (int i = 0; i < count; ++i)
    {
        char buffer[64] = {};
        const handoff::borrowed_virtual_fd file = files[static_cast<std::size_t>(i)];
        handoff::seek(file, 0, SEEK_SET, ec);
        const std::size_t got = handoff::read(file, buffer, sizeof buffer - 1, ec); // on the handle: no paging
        good += std::string(buffer, got) == "file " + std::to_string(i) + "\n" ? 1 : 0;
    }
    const handoff::fd_table_statistics statistics = table.statistics();
    std::printf("checked: %d of %d files hold what was written\n", good, count);
    std::printf("page-ins: %llu, page-outs: %llu, most resident at once: %zu\n",
                static_cast<unsigned long long>(statistics.misses),
                static_cast<unsigned long long>(statistics.evictions), statistics.resident_peak);

    files.clear(); // each owner closes its handle (and its resident descriptor, if any)
    std::printf("closed: %zu virtual descriptors left open\n", table.statistics().open);
    for (int i = 0; i < count; ++i)
        ::DeleteFileW(file_name(directory, i).c_str());
    ::RemoveDirectoryW(directory.c_str());
    return good == count ? 0 : 1;
}
