// A DLL with its own copy of handoff, which probes a pipe (and so starts watching DLL loads)
// and is then unloaded: the loader must not call into it when ws2_32.dll arrives later.

#include <handoff/crt.hpp>
#include <handoff/win32.hpp>

#include <windows.h>

#include <system_error>

extern "C" __declspec(dllexport) int probe_a_pipe()
{
    handoff::unique_handle read_end, write_end;
    if (!::CreatePipe(read_end.put(), write_end.put(), nullptr, 0))
        return 0;
    std::error_code ec;
    const handoff::unique_fd reader = handoff::to_fd(std::move(read_end), ec);
    return !ec && reader ? 1 : 0;
}
