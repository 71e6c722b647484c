// The test runner: Catch2's session plus the per-test checks of the test bed.
//
// After every test case the listener compares what the process has open (handles on Windows,
// descriptors elsewhere) with what it had before the test, and collects the failures the
// canaries recorded. Anything found is printed and makes the run exit non-zero, so a leak or
// a double close fails the test even when no assertion noticed it.

#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "census.hpp"
#include "test_bed.hpp"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#if defined(_WIN32)
#include <windows.h>

#include <fcntl.h>
#include <io.h>
#include <winsock2.h>
#if defined(__MINGW32__)
#include <pthread.h>
#endif
#else
#include <dlfcn.h>
#endif

namespace
{
int tests_failed_by_checks = 0;

class test_bed_listener : public Catch::TestEventListenerBase
{
  public:
    using TestEventListenerBase::TestEventListenerBase;

    void testCaseStarting(const Catch::TestCaseInfo &) override
    {
        (void)handoff_test::take_failures();
        (void)handoff_test::take_check_reports();
        before_ = handoff_test::open_resources();
    }

    void testCaseEnded(const Catch::TestCaseStats &stats) override
    {
        const std::vector<std::uintptr_t> after = handoff_test::open_resources();
        std::vector<std::string> problems = handoff_test::take_failures();
        for (const handoff_test::check_report_seen &report : handoff_test::take_check_reports())
            problems.push_back("ownership check: " + report.message);
        for (const std::uintptr_t value : handoff_test::difference(after, before_))
            problems.push_back("leak: " + handoff_test::format_resource(value) + " (" +
                               handoff_test::describe_resource(value) + ") was opened and not closed");
        for (const std::uintptr_t value : handoff_test::difference(before_, after))
            problems.push_back("foreign close: " + handoff_test::format_resource(value) +
                               ", open before the test, was closed by it");
        if (problems.empty())
            return;
        ++tests_failed_by_checks;
        std::fprintf(stderr, "\ntest bed: \"%s\" failed its resource checks:\n", stats.testInfo.name.c_str());
        for (const std::string &problem : problems)
            std::fprintf(stderr, "  %s\n", problem.c_str());
        std::fflush(stderr);
    }

  private:
    std::vector<std::uintptr_t> before_;
};
} // namespace

CATCH_REGISTER_LISTENER(test_bed_listener)

#if defined(_WIN32)
namespace
{
// A loopback connection with one byte sent through it, then closed.
void warm_up_sockets()
{
    const SOCKET listener = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const SOCKET client = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    sockaddr_in address = {};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int length = sizeof address;
    if (::bind(listener, reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0 &&
        ::listen(listener, 1) == 0 && ::getsockname(listener, reinterpret_cast<sockaddr *>(&address), &length) == 0 &&
        ::connect(client, reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0)
    {
        const SOCKET server = ::accept(listener, nullptr, nullptr);
        char byte = 'x';
        (void)::send(client, &byte, 1, 0);
        (void)::recv(server, &byte, 1, 0);
        ::closesocket(server);
    }
    ::closesocket(client);
    ::closesocket(listener);
}
} // namespace
#endif

int main(int argc, char *argv[])
{
    // Open once what the runtime creates lazily on first use and keeps, so that it is not
    // mistaken for a leak of the first test that happens to trigger it.
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
    try
    {
        throw std::system_error(std::error_code(2, std::system_category()), "warm-up"); // unwinder locks
    }
    catch (const std::system_error &error)
    {
        (void)error.what();
    }
#endif
#if defined(_WIN32)
    wchar_t path[MAX_PATH];
    ::GetTempPathW(MAX_PATH, path);
    // Winsock keeps what WSAStartup opens; the socket tests need it started. A thread's first
    // blocking socket call opens an event that Winsock keeps for it: one connection, made and
    // closed here, opens it before the tests count handles.
    WSADATA winsock = {};
    ::WSAStartup(MAKEWORD(2, 2), &winsock);
    warm_up_sockets();
    // The threads runtime keeps an event for each thread structure it reuses: four threads
    // alive at once (as many as a test runs) fill its cache before the tests count handles.
    {
        std::atomic<int> started{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i)
            threads.emplace_back([&started] {
                ++started;
                while (started.load() < 4)
                    std::this_thread::yield();
            });
        for (std::thread &thread : threads)
            thread.join();
    }
    // The threads runtime's lock on its list of threads opens an event the first time two threads
    // contend for it, and keeps it: a thread that ends holds that lock while its thread-local
    // destructors run, so one that waits in a destructor makes the next thread's start contend.
#if defined(__MINGW32__)
    {
        static std::atomic<bool> in_destructor{false};
        pthread_key_t key{};
        if (::pthread_key_create(&key, [](void *) {
                in_destructor = true;
                ::Sleep(50);
            }) == 0)
        {
            std::thread ending([key] { (void)::pthread_setspecific(key, &in_destructor); });
            while (!in_destructor.load())
                std::this_thread::yield();
            std::thread starting([] {});
            starting.join();
            ending.join();
            (void)::pthread_key_delete(key);
        }
    }
#endif
    // The C runtime's descriptor locks open an event the first time two threads contend for one
    // and keep it (tests/fd_table_test.cpp's threads page in while others write): two threads
    // contend for them here.
    {
        std::atomic<bool> stop{false};
        const auto churn = [&stop] {
            while (!stop.load())
            {
                const HANDLE nul = ::CreateFileW(L"NUL", GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                                                 OPEN_EXISTING, 0, nullptr);
                const int fd = ::_open_osfhandle(reinterpret_cast<std::intptr_t>(nul), _O_BINARY);
                (void)::_write(fd, "x", 1);
                (void)::_close(fd);
            }
        };
        std::thread first(churn);
        std::thread second(churn);
        ::Sleep(100);
        stop = true;
        first.join();
        second.join();
    }
    // The first lookup of a named object opens the session's object directory for good.
    if (const HANDLE none = ::OpenEventW(SYNCHRONIZE, FALSE, L"handoff-test-warm-up"))
        ::CloseHandle(none);
    // The DLL error_module_test loads links its own static copy of the threads runtime, which
    // opens a thread handle and an event for each thread that first calls into it and never
    // closes them: it is loaded, and called, once for the whole run.
    if (const HMODULE module = ::LoadLibraryW(L"handoff_error_module.dll"))
    {
        using module_error_fn = void (*)(std::error_code *, int);
        if (const auto make = reinterpret_cast<module_error_fn>(
                reinterpret_cast<void (*)()>(::GetProcAddress(module, "handoff_test_module_error"))))
        {
            std::error_code ec;
            make(&ec, 1);
        }
    }
#endif
    // With checks on, the registry opens what it keeps (on Windows, its shared block) here; so
    // do the DLLs with their own copies of it (the one of another layout with its own hook).
    handoff_test::install_check_hook();
#if defined(_WIN32)
    for (const wchar_t *name : {L"handoff_checks_module.dll", L"handoff_checks_module_other_layout.dll"})
        if (const HMODULE module = ::LoadLibraryW(name))
        {
            const char *const warm_up = std::wcscmp(name, L"handoff_checks_module.dll") == 0
                                            ? "handoff_test_module_touch"
                                            : "handoff_test_module_listen";
            if (const auto call = reinterpret_cast<void (*)()>(::GetProcAddress(module, warm_up)))
                call();
        }
#elif defined(HANDOFF_TEST_MODULE_DIR)
    // The same modules as plugins, loaded for the whole run; checks_test.cpp finds them.
    for (const char *name : {"handoff_checks_module.so", "handoff_checks_module_other_layout.so"})
    {
        const std::string path = std::string(HANDOFF_TEST_MODULE_DIR) + "/" + name;
        if (void *const module = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL))
        {
            const char *const warm_up = std::strstr(name, "other_layout") == nullptr ? "handoff_test_module_touch"
                                                                                     : "handoff_test_module_listen";
            if (void *const call = ::dlsym(module, warm_up))
                reinterpret_cast<void (*)()>(call)();
        }
        else
            std::fprintf(stderr, "test bed: %s\n", ::dlerror());
    }
#endif
    (void)handoff_test::open_resources();

    const int result = Catch::Session().run(argc, argv);
    if (tests_failed_by_checks != 0)
    {
        std::fprintf(stderr, "test bed: %d test case(s) failed the leak and double-close checks\n",
                     tests_failed_by_checks);
        return result != 0 ? result : 1;
    }
    return result;
}
