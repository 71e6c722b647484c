#include "child_process.hpp"

#if defined(_WIN32)
#include <process.h>
#include <windows.h>

#include <cstdlib>
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

namespace
{
std::wstring this_executable()
{
    wchar_t exe[MAX_PATH] = {};
    ::GetModuleFileNameW(nullptr, exe, MAX_PATH);
    return exe;
}

// Sets (or, with an empty value, removes) a variable in both the CRT's environment and the
// process's, which _spawnv and CreateProcessW pass on respectively.
void set_environment(const std::string &name, const std::string &value)
{
    const std::string assignment = name + "=" + value;
    ::_putenv(assignment.c_str());
}
} // namespace

unsigned long long child_argument(const char *name)
{
    const char *text = std::getenv(name);
    return text != nullptr ? std::strtoull(text, nullptr, 0) : 0;
}

unsigned long run_test_in_child(const std::string &test_name, start_child how,
                                const std::vector<std::pair<std::string, std::string>> &environment)
{
    for (const auto &variable : environment)
        set_environment(variable.first, variable.second);
    unsigned long code = 255;
    const std::wstring exe = this_executable();
    std::string exe_narrow;
    char buffer[MAX_PATH * 3] = {};
    if (::WideCharToMultiByte(CP_ACP, 0, exe.c_str(), -1, buffer, sizeof buffer, nullptr, nullptr) > 0)
        exe_narrow = buffer;
    if (how == start_child::through_spawn)
    {
        // _spawnv joins its arguments with spaces: quote each one.
        const std::string quoted_exe = "\"" + exe_narrow + "\"";
        const std::string quoted_test = "\"" + test_name + "\"";
        const char *const arguments[] = {quoted_exe.c_str(), quoted_test.c_str(), "-w", "NoTests", nullptr};
        const intptr_t result = ::_spawnv(_P_WAIT, exe_narrow.c_str(), arguments);
        if (result >= 0)
            code = static_cast<unsigned long>(result);
    }
    else
    {
        std::wstring command = L"\"" + exe + L"\" \"";
        for (const char c : test_name)
            command.push_back(static_cast<wchar_t>(c));
        command += L"\" -w NoTests";
        std::vector<wchar_t> writable(command.begin(), command.end());
        writable.push_back(L'\0');
        STARTUPINFOW startup = {};
        startup.cb = sizeof startup;
        PROCESS_INFORMATION process = {};
        if (::CreateProcessW(exe.c_str(), writable.data(), nullptr, nullptr, TRUE, 0, nullptr, nullptr, &startup,
                             &process))
        {
            ::WaitForSingleObject(process.hProcess, INFINITE);
            DWORD exit_code = 255;
            ::GetExitCodeProcess(process.hProcess, &exit_code);
            code = exit_code;
            ::CloseHandle(process.hThread);
            ::CloseHandle(process.hProcess);
        }
    }
    for (const auto &variable : environment)
        set_environment(variable.first, "");
    return code;
}

unsigned long run_test_in_child_without_std_handles(const std::string &test_name)
{
    const std::wstring exe_path = this_executable();
    const wchar_t *const exe = exe_path.c_str();
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
