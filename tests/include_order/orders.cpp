// The orders in which programs include handoff and the Windows headers. HANDOFF_ORDER picks one;
// each is built for every Windows preset with warnings as errors, and parsed in MSVC mode.
//
//   1  handoff, then <winsock2.h>                      (handoff keeps <winsock.h> out)
//   2  <windows.h>, then handoff                       (the program's choice stands)
//   3  <winsock2.h>, <windows.h>, then handoff with the socket family
//   4  WIN32_LEAN_AND_MEAN <windows.h>, then <handoff/socket.hpp>, then <winsock2.h>
//   5  <windows.h> with its min and max macros (the SDK's, in MSVC mode), then every header,
//      templates instantiated
//   6  <windows.h>, then <handoff/socket.hpp>: must fail, with a message that says what to do

#if !defined(HANDOFF_ORDER)
#define HANDOFF_ORDER 1
#endif

// The order of the includes is what is tested:
// clang-format off
#if HANDOFF_ORDER == 1
#include <handoff/handoff.hpp>
#include <winsock2.h>
#include <ws2tcpip.h>
#elif HANDOFF_ORDER == 2
#include <windows.h>
#include <handoff/handoff.hpp>
#elif HANDOFF_ORDER == 3
#include <winsock2.h>
#include <windows.h>
#include <handoff/handoff.hpp>
#include <handoff/socket.hpp>
#elif HANDOFF_ORDER == 4
#define WIN32_LEAN_AND_MEAN
#include <windows.h>
#include <handoff/socket.hpp>
#include <winsock2.h>
#include <handoff/handoff.hpp>
#elif HANDOFF_ORDER == 5
#include <windows.h>
#if defined(_MSC_VER) && (!defined(max) || !defined(min)) // MinGW's <windows.h> has none in C++
#error "this order needs <windows.h>'s min and max macros"
#endif
#include "../matrix/all_headers.cpp"
#elif HANDOFF_ORDER == 6
#include <windows.h>
#include <handoff/socket.hpp>
#endif
// clang-format on

#include <system_error>

int handoff_include_order_uses_both()
{
    std::error_code ec;
    const handoff::unique_handle event = handoff::adopt_handle(::CreateEventW(nullptr, TRUE, FALSE, nullptr), ec);
#if defined(_WINSOCK2API_)
    const handoff::unique_socket socket = handoff::adopt_socket(::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), ec);
    return event && socket ? 0 : 1;
#else
    return event ? 0 : 1;
#endif
}
