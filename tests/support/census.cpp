#include "census.hpp"

#include <algorithm>
#include <cstdio>
#include <iterator>

#if defined(_WIN32)
#include <windows.h>
#include <winternl.h>
#else
#include <dirent.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#endif

namespace handoff_test
{
#if defined(_WIN32)
namespace
{
constexpr ULONG object_type_information = 2;
using query_object_fn = LONG(WINAPI *)(HANDLE, ULONG, PVOID, ULONG, PULONG);

template <class Fn> Fn ntdll_function(const char *name)
{
    const FARPROC address = ::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), name);
    return reinterpret_cast<Fn>(reinterpret_cast<void (*)()>(address));
}
} // namespace

// Probes every handle value, a multiple of 4, until 1024 values in a row are unused. Wine and
// Windows hand out the lowest free value, so a process's handles sit below that gap.
// NtQuerySystemInformation(SystemExtendedHandleInformation) would list them in one call, but
// Wine 8's wineserver crashes when that query runs while other processes start or exit, as
// they do under a parallel ctest; GetProcessHandleCount only reports 0 there.
std::vector<std::uintptr_t> open_resources()
{
    constexpr int gap = 1024;
    std::vector<std::uintptr_t> values;
    int unused_in_a_row = 0;
    for (std::uintptr_t value = 4; unused_in_a_row < gap; value += 4)
    {
        DWORD flags = 0;
        if (::GetHandleInformation(reinterpret_cast<HANDLE>(value), &flags))
        {
            values.push_back(value);
            unused_in_a_row = 0;
        }
        else
        {
            ++unused_in_a_row;
        }
    }
    return values;
}

std::string describe_resource(std::uintptr_t value)
{
    static const auto query = ntdll_function<query_object_fn>("NtQueryObject");
    alignas(8) unsigned char buffer[1024] = {};
    ULONG needed = 0;
    if (query(reinterpret_cast<HANDLE>(value), object_type_information, buffer, sizeof buffer, &needed) < 0)
        return "unknown";
    // OBJECT_TYPE_INFORMATION starts with the type name as a UNICODE_STRING.
    const auto *name = reinterpret_cast<const UNICODE_STRING *>(buffer);
    std::string text;
    for (USHORT i = 0; i < name->Length / sizeof(WCHAR); ++i)
        text.push_back(static_cast<char>(name->Buffer[i] < 128 ? name->Buffer[i] : '?'));
    return text;
}

std::string format_resource(std::uintptr_t value)
{
    char text[32];
    std::snprintf(text, sizeof text, "handle 0x%llx", static_cast<unsigned long long>(value));
    return text;
}
#else
std::vector<std::uintptr_t> open_resources()
{
    std::vector<std::uintptr_t> values;
    DIR *dir = ::opendir("/proc/self/fd");
    if (dir == nullptr)
    {
        std::perror("fd census: opendir(/proc/self/fd)");
        std::abort();
    }
    const int own = ::dirfd(dir);
    while (const dirent *entry = ::readdir(dir))
    {
        char *end = nullptr;
        const long fd = std::strtol(entry->d_name, &end, 10);
        if (*end == '\0' && end != entry->d_name && fd != own)
            values.push_back(static_cast<std::uintptr_t>(fd));
    }
    ::closedir(dir);
    std::sort(values.begin(), values.end());
    return values;
}

std::string describe_resource(std::uintptr_t value)
{
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%llu", static_cast<unsigned long long>(value));
    char target[PATH_MAX] = {};
    const ssize_t length = ::readlink(link, target, sizeof target - 1);
    return length > 0 ? std::string(target, static_cast<std::size_t>(length)) : std::string("unknown");
}

std::string format_resource(std::uintptr_t value)
{
    return "fd " + std::to_string(value);
}
#endif

std::vector<std::uintptr_t> difference(const std::vector<std::uintptr_t> &after,
                                       const std::vector<std::uintptr_t> &before)
{
    std::vector<std::uintptr_t> result;
    std::set_difference(after.begin(), after.end(), before.begin(), before.end(), std::back_inserter(result));
    return result;
}
} // namespace handoff_test
