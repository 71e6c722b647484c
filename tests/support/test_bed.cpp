#include "test_bed.hpp"

#include "kernel_object.hpp"

#include <handoff/detail/table_lock.hpp>

#include <utility>
#include <vector>

#if defined(_WIN32)
#include <vector>
#else
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace handoff_test
{
namespace
{
std::vector<std::string> &failures()
{
    static std::vector<std::string> list;
    return list;
}

#if defined(_WIN32)
std::string hex(std::uintptr_t value)
{
    static const char digits[] = "0123456789abcdef";
    std::string text;
    do
    {
        text.insert(text.begin(), digits[value % 16]);
        value /= 16;
    } while (value != 0);
    return "0x" + text;
}
#endif
} // namespace

namespace
{
// An SRWLOCK on Windows (see crt_routing.cpp): hooks run on several threads at once.
handoff::detail::table_lock &reports_lock()
{
    static handoff::detail::table_lock lock;
    return lock;
}
std::vector<check_report_seen> &reports()
{
    static std::vector<check_report_seen> heard;
    return heard;
}
} // namespace

void install_check_hook()
{
#if HANDOFF_CHECKS
    (void)handoff::set_check_handler([](const handoff::check_report &report) noexcept {
        char message[1024];
        (void)handoff::format_check_report(report, message, sizeof message);
        const handoff::detail::table_lock_guard hold(reports_lock());
        reports().push_back({report.problem, message});
    });
#endif
}

std::vector<check_report_seen> take_check_reports()
{
    const handoff::detail::table_lock_guard hold(reports_lock());
    return std::exchange(reports(), {});
}

bool checks_reported([[maybe_unused]] handoff::check_problem problem, [[maybe_unused]] std::size_t count)
{
    const std::vector<check_report_seen> heard = take_check_reports();
#if HANDOFF_CHECKS
    if (heard.size() != count)
        return false;
    for (const check_report_seen &report : heard)
        if (report.problem != problem)
            return false;
    return true;
#else
    return heard.empty();
#endif
}

void record_failure(std::string message)
{
    failures().push_back(std::move(message));
}

std::vector<std::string> take_failures()
{
    return std::exchange(failures(), {});
}

#if defined(_WIN32)
close_canary::close_canary(HANDLE freed, canary_mode mode)
    : value_(reinterpret_cast<std::uintptr_t>(freed)), mode_(mode)
{
    // New handles take the lowest free value, which may lie below the freed one: fill the
    // holes with placeholder events until an event lands on the freed value.
    std::vector<HANDLE> fillers;
    for (int attempt = 0; attempt < 4096 && !planted_; ++attempt)
    {
        const HANDLE event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
        if (event == nullptr)
            break;
        if (event == freed)
            planted_ = true;
        else
            fillers.push_back(event);
    }
    for (const HANDLE filler : fillers)
        ::CloseHandle(filler);
    if (!planted_)
        return;
    const HANDLE self = ::GetCurrentProcess();
    ::DuplicateHandle(self, freed, self, &twin_, 0, FALSE, DUPLICATE_SAME_ACCESS);
    if (mode_ == canary_mode::protect)
        ::SetHandleInformation(freed, HANDLE_FLAG_PROTECT_FROM_CLOSE, HANDLE_FLAG_PROTECT_FROM_CLOSE);
}

bool close_canary::intact() const
{
    if (!planted_)
        return false;
    const HANDLE canary = reinterpret_cast<HANDLE>(value_);
    DWORD flags = 0;
    if (!::GetHandleInformation(canary, &flags))
        return false;
    if (mode_ == canary_mode::protect && (flags & HANDLE_FLAG_PROTECT_FROM_CLOSE) == 0)
        return false;
    return same_kernel_object(canary, twin_);
}

close_canary::~close_canary()
{
    if (!planted_)
        return;
    if (intact())
    {
        const HANDLE canary = reinterpret_cast<HANDLE>(value_);
        ::SetHandleInformation(canary, HANDLE_FLAG_PROTECT_FROM_CLOSE, 0);
        if (!::CloseHandle(canary))
            record_failure("could not close the canary at " + hex(value_));
    }
    else
    {
        // The value now belongs to somebody else, or to nobody: leave it alone.
        record_failure("double close: the canary on handle " + hex(value_) +
                       " was closed by code that no longer owned that value");
    }
    ::CloseHandle(twin_);
}
#else
close_canary::close_canary(int freed, canary_mode mode) : value_(static_cast<std::uintptr_t>(freed)), mode_(mode)
{
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0)
        return;
    // The pipe itself may take the freed value (it is the lowest free one); otherwise
    // F_DUPFD gives the lowest free descriptor >= freed, which is freed only if it is free.
    int canary = -1;
    for (int end = 0; end < 2; ++end)
        if (ends[end] == freed)
            canary = ends[end];
    if (canary < 0)
        canary = ::fcntl(ends[0], F_DUPFD_CLOEXEC, freed);
    for (const int end : ends)
        if (end != canary)
            ::close(end);
    if (canary < 0)
        return;
    if (canary != freed)
    {
        ::close(canary);
        return;
    }
    struct stat info = {};
    if (::fstat(canary, &info) != 0)
    {
        ::close(canary);
        return;
    }
    device_ = info.st_dev;
    inode_ = info.st_ino;
    planted_ = true;
}

bool close_canary::intact() const
{
    if (!planted_)
        return false;
    struct stat info = {};
    if (::fstat(static_cast<int>(value_), &info) != 0)
        return false;
    return info.st_dev == device_ && info.st_ino == inode_;
}

close_canary::~close_canary()
{
    if (!planted_)
        return;
    if (intact())
    {
        if (::close(static_cast<int>(value_)) != 0)
            record_failure("could not close the canary at fd " + std::to_string(value_));
    }
    else
    {
        record_failure("double close: the canary on fd " + std::to_string(value_) +
                       " was closed by code that no longer owned that descriptor");
    }
}
#endif
} // namespace handoff_test
