// Runs every Windows pair function and prints what one call executed, counted by single
// steps (single_step_counter.hpp): the program's own instructions and those of memmove and
// memcpy; other DLL calls run at full speed and are counted as calls.

#include <handoff/handoff.hpp>

#include "common_runner.hpp"
#include "single_step_counter.hpp"

#include <fcntl.h>
#include <io.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <system_error>


namespace
{
codegen::single_step_counter *counter = nullptr;

// Calls `job` calls_per_function times, with `before` and `after` around each call outside the
// count, and counts the last call.
template <class Before, class Job, class After>
void measure(const char *name, Before &&before, Job &&job, After &&after)
{
    for (int i = 0; i < codegen::calls_per_function; ++i)
    {
        before();
        if (i + 1 == codegen::calls_per_function)
        {
            const codegen::single_step_counter::result counted = counter->count(job);
            codegen::print(name, counted.instructions, counted.dll_calls);
        }
        else
            job();
        after();
    }
}

template <class Job> void measure(const char *name, Job &&job)
{
    measure(name, [] {}, job, [] {});
}

void must_work(const char *name, bool worked)
{
    if (!worked)
        codegen::fail(name, "failed");
}

HANDLE copy_of(HANDLE h)
{
    HANDLE copy = nullptr;
    must_work("DuplicateHandle", ::DuplicateHandle(::GetCurrentProcess(), h, ::GetCurrentProcess(), &copy, 0, FALSE,
                                                   DUPLICATE_SAME_ACCESS) != 0);
    return copy;
}

int fd_of_copy(HANDLE h)
{
    const int fd = ::_open_osfhandle(reinterpret_cast<std::intptr_t>(copy_of(h)), _O_BINARY);
    must_work("_open_osfhandle", fd >= 0);
    return fd;
}

// The C runtime the program uses: the module of _errno.
const wchar_t *crt_module_name()
{
    HMODULE crt = nullptr;
    must_work("GetModuleHandleExW",
              ::GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                                   reinterpret_cast<LPCWSTR>(reinterpret_cast<const void *>(&::_errno)), &crt) != 0);
    static wchar_t name[MAX_PATH];
    must_work("GetModuleFileNameW", ::GetModuleFileNameW(crt, name, MAX_PATH) != 0);
    return name;
}
} // namespace

int main()
{
    codegen::single_step_counter single_steps;
    counter = &single_steps;
    const wchar_t *const crt = crt_module_name();
    single_steps.step_into(crt, "memmove");
    single_steps.step_into(crt, "memcpy");

    codegen::run_common_jobs([](const char *name, auto &&job) { measure(name, job); });

    // A scratch file on disk, the kind of handle a library most often lends.
    wchar_t directory[MAX_PATH];
    wchar_t path[MAX_PATH];
    must_work("GetTempPathW", ::GetTempPathW(MAX_PATH, directory) != 0);
    must_work("GetTempFileNameW", ::GetTempFileNameW(directory, L"cg", 0, path) != 0);
    const HANDLE lent = ::CreateFileW(path, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr,
                                      CREATE_ALWAYS, FILE_ATTRIBUTE_TEMPORARY | FILE_FLAG_DELETE_ON_CLOSE, nullptr);
    must_work("CreateFileW", lent != INVALID_HANDLE_VALUE);
    std::error_code ec;

    int fd = -1;
    const auto close_fd = [&] { ::_close(fd); };
    measure("plain_to_fd_borrowed", [] {}, [&] { fd = plain_to_fd_borrowed(lent, ec); must_work("plain_to_fd_borrowed", fd >= 0); }, close_fd);
    measure("raw_to_fd_borrowed", [] {}, [&] { fd = raw_to_fd_borrowed(lent, ec); must_work("raw_to_fd_borrowed", fd >= 0); }, close_fd);
    measure("handoff_to_fd_borrowed", [] {}, [&] { fd = handoff_to_fd_borrowed(lent, ec); must_work("handoff_to_fd_borrowed", fd >= 0); }, close_fd);
    measure("plain_to_fd_close", [&] { must_work("plain_to_fd_close", plain_to_fd_close(lent) == 0); });
    measure("raw_to_fd_close", [&] { must_work("raw_to_fd_close", raw_to_fd_close(lent) == 0); });
    measure("handoff_to_fd_close", [&] { must_work("handoff_to_fd_close", handoff_to_fd_close(lent) == 0); });

    // A pipe: the probes' other path (type and mode asked of the server under Wine).
    handoff::unique_handle pipe_read, pipe_write;
    must_work("CreatePipe", ::CreatePipe(pipe_read.put(), pipe_write.put(), nullptr, 0) != 0);
    const HANDLE pipe = pipe_write.get();
    measure("plain_to_fd_borrowed@pipe", [] {}, [&] { fd = plain_to_fd_borrowed(pipe, ec); must_work("plain_to_fd_borrowed@pipe", fd >= 0); }, close_fd);
    measure("handoff_to_fd_borrowed@pipe", [] {}, [&] { fd = handoff_to_fd_borrowed(pipe, ec); must_work("handoff_to_fd_borrowed@pipe", fd >= 0); }, close_fd);

        HANDLE raw_owned = nullptr;
    measure("raw_to_fd_moved", [&] { raw_owned = copy_of(lent); }, [&] { fd = raw_to_fd_moved(raw_owned, ec); must_work("raw_to_fd_moved", fd >= 0); }, close_fd);
    handoff::unique_handle owned;
    measure("handoff_to_fd_moved", [&] { owned.reset(copy_of(lent)); }, [&] { fd = handoff_to_fd_moved(owned, ec); must_work("handoff_to_fd_moved", fd >= 0); }, close_fd);

    const int lent_fd = fd_of_copy(lent);
    HANDLE h = nullptr;
    measure("raw_handle_of", [&] { h = raw_handle_of(lent_fd, ec); must_work("raw_handle_of", h != nullptr); });
    measure("handoff_handle_of", [&] { h = handoff_handle_of(lent_fd, ec); must_work("handoff_handle_of", h != nullptr); });

    const auto close_h = [&] { ::CloseHandle(h); };
    measure("plain_duplicate", [] {}, [&] { h = plain_duplicate(lent); must_work("plain_duplicate", h != nullptr); }, close_h);
    measure("raw_duplicate", [] {}, [&] { h = raw_duplicate(lent, ec); must_work("raw_duplicate", h != nullptr); }, close_h);
    measure("handoff_duplicate", [] {}, [&] { h = handoff_duplicate(lent, ec); must_work("handoff_duplicate", h != nullptr); }, close_h);
    measure("raw_duplicate_close", [&] { must_work("raw_duplicate_close", raw_duplicate_close(lent) == 0); });
    measure("handoff_duplicate_close", [&] { must_work("handoff_duplicate_close", handoff_duplicate_close(lent) == 0); });
    measure("raw_duplicate_fd", [] {}, [&] { fd = raw_duplicate_fd(lent_fd, ec); must_work("raw_duplicate_fd", fd >= 0); }, close_fd);
    measure("handoff_duplicate_fd", [] {}, [&] { fd = handoff_duplicate_fd(lent_fd, ec); must_work("handoff_duplicate_fd", fd >= 0); }, close_fd);

    int raw_fd = -1;
    measure("raw_to_handle", [&] { raw_fd = fd_of_copy(lent); }, [&] { h = raw_to_handle(raw_fd, ec); must_work("raw_to_handle", h != nullptr); }, close_h);
    handoff::unique_fd owned_fd;
    measure("handoff_to_handle", [&] { owned_fd.reset(fd_of_copy(lent)); }, [&] { h = handoff_to_handle(owned_fd, ec); must_work("handoff_to_handle", h != nullptr); }, close_h);

    std::FILE *stream = nullptr;
    const auto close_stream = [&] { std::fclose(stream); };
    measure("raw_to_file_moved", [&] { raw_owned = copy_of(lent); }, [&] { stream = raw_to_file_moved(raw_owned, "wb", ec); must_work("raw_to_file_moved", stream != nullptr); }, close_stream);
    measure("handoff_to_file_moved", [&] { owned.reset(copy_of(lent)); }, [&] { stream = handoff_to_file_moved(owned, "wb", ec); must_work("handoff_to_file_moved", stream != nullptr); }, close_stream);

    static const char text[] = "lent\n";
    measure("plain_lent_write", [&] { must_work("plain_lent_write", plain_lent_write(lent, text, sizeof text - 1) == 5); });
    measure("raw_lent_write", [&] { must_work("raw_lent_write", raw_lent_write(lent, text, sizeof text - 1) == 5); });
    measure("handoff_lent_write", [&] { must_work("handoff_lent_write", handoff_lent_write(lent, text, sizeof text - 1) == 5); });

    ::_close(lent_fd);
    ::CloseHandle(lent);
    return 0;
}
