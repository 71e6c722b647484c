#include "child_process.hpp"

#if defined(_WIN32)
#include <windows.h>

#include <vector>

namespace handoff_test
{
suspended_child::suspended_child()
{
    wchar_t exe[MAX_PATH] = {};
    ::GetModuleFileNameW(nullptr, exe, MAX_PATH);
    STARTUPINFOW startup = {};
    startup.cb = sizeof startup;
    PROCESS_INFORMATION process = {};
    if (::CreateProcessW(exe, nullptr, nullptr, nullptr, FALSE, CREATE_SUSPENDED | DETACHED_PROCESS, nullptr, nullptr,
                         &startup, &process))
    {
        process_ = process.hProcess;
        thread_ = process.hThread;
        id_ = process.dwProcessId;
    }
}

suspended_child::~suspended_child()
{
    if (process_ == nullptr)
        return;
    ::TerminateProcess(process_, 0);
    ::WaitForSingleObject(process_, INFINITE);
    ::CloseHandle(thread_);
    ::CloseHandle(process_);
}

unsigned long run_test_in_child_without_std_handles(const std::string &test_name)
{
    wchar_t exe[MAX_PATH] = {};
    ::GetModuleFileNameW(nullptr, exe, MAX_PATH);
    std::wstring command = L"\"" + std::wstring(exe) + L"\" \"";
    for (const char c : test_name)
        command.push_back(static_cast<wchar_t>(c));
    command += L"\" -w NoTests"; // a name that matches nothing must fail, not pass
    std::vector<wchar_t> writable(command.begin(), command.end());
    writable.push_back(L'\0');

    STARTUPINFOW startup = {};
    startup.cb = sizeof startup;
    startup.dwFlags = STARTF_USESTDHANDLES; // and every one of them NULL
    PROCESS_INFORMATION process = {};
    if (!::CreateProcessW(exe, writable.data(), nullptr, nullptr, FALSE, DETACHED_PROCESS, nullptr, nullptr, &startup,
                          &process))
        return 255;
    ::WaitForSingleObject(process.hProcess, INFINITE);
    DWORD code = 255;
    ::GetExitCodeProcess(process.hProcess, &code);
    ::CloseHandle(process.hThread);
    ::CloseHandle(process.hProcess);
    return code;
}
} // namespace handoff_test
#endif
