// The socket family against Wine's Winsock: a loopback connection whose sockets are owned,
// copied the way Winsock allows, and closed with closesocket; and the refusals that keep
// sockets away from DuplicateHandle and the C runtime.

#if defined(_WIN32)
#include <winsock2.h> // before <windows.h>, which would bring the old winsock.h
#include <ws2tcpip.h>
#endif

#include <handoff/crt.hpp>
#include <handoff/socket.hpp>

#if defined(_WIN32)

#include "support/census.hpp"
#include "support/crt_routing.hpp"
#include "support/test_bed.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <io.h>

#include <string>
#include <system_error>
#include <type_traits>

using handoff::borrowed_socket;
using handoff::unique_socket;

static_assert(sizeof(unique_socket) == sizeof(SOCKET), "an owner is exactly a SOCKET");
static_assert(sizeof(borrowed_socket) == sizeof(SOCKET), "a view is exactly a SOCKET");
static_assert(!std::is_convertible<SOCKET, unique_socket>::value, "a raw SOCKET is adopted only explicitly");

namespace
{
// A connected TCP pair on the loopback interface.
struct loopback_pair
{
    loopback_pair()
    {
        std::error_code ec;
        unique_socket listener = handoff::adopt_socket(::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), ec);
        REQUIRE_FALSE(ec);
        sockaddr_in address = {};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(listener.get(), reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0);
        REQUIRE(::listen(listener.get(), 1) == 0);
        int length = sizeof address;
        REQUIRE(::getsockname(listener.get(), reinterpret_cast<sockaddr *>(&address), &length) == 0);
        client = handoff::adopt_socket(::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), ec);
        REQUIRE_FALSE(ec);
        REQUIRE(::connect(client.get(), reinterpret_cast<const sockaddr *>(&address), sizeof address) == 0);
        server = handoff::adopt_socket(::accept(listener.get(), nullptr, nullptr), ec);
        REQUIRE_FALSE(ec);
    }

    unique_socket client;
    unique_socket server;
};

bool send_text(borrowed_socket s, const std::string &text)
{
    return ::send(s.get(), text.data(), static_cast<int>(text.size()), 0) == static_cast<int>(text.size());
}

std::string receive(borrowed_socket s, std::size_t count)
{
    std::string text(count, '\0');
    std::size_t got = 0;
    while (got < count)
    {
        const int n = ::recv(s.get(), &text[got], static_cast<int>(count - got), 0);
        if (n <= 0)
            break;
        got += static_cast<std::size_t>(n);
    }
    text.resize(got);
    return text;
}
} // namespace

TEST_CASE("socket: owners close their sockets with closesocket, once", "[socket]")
{
    const auto before = handoff_test::open_resources();
    {
        loopback_pair pair;
        CHECK(send_text(pair.client, "ping"));
        CHECK(receive(pair.server, 4) == "ping");
        const handoff_test::crt_call_log log;
        pair.client.reset();
        pair.server.reset();
        int closes = 0;
        for (const handoff_test::crt_call &call : log.calls())
            closes += call.function == "closesocket" ? 1 : 0;
        CHECK(closes == 2); // Winsock's close, which CloseHandle is not
    }
    CHECK(handoff_test::open_resources() == before);
}

TEST_CASE("socket: duplicate gives a socket of one's own for the same connection", "[socket][duplicate]")
{
    const auto before = handoff_test::open_resources();
    {
        loopback_pair pair;
        std::error_code ec;
        const handoff_test::crt_call_log log;
        unique_socket copy = handoff::duplicate(pair.client, ec);
        REQUIRE_FALSE(ec);
        CHECK(log.saw("WSADuplicateSocketW")); // the copy Winsock knows, not a DuplicateHandle one
        CHECK(copy.get() != pair.client.get());
        CHECK(send_text(copy, "through the copy"));
        CHECK(receive(pair.server, 16) == "through the copy");
        pair.client.reset(); // the original's close leaves the copy connected
        CHECK(send_text(copy, "still"));
        CHECK(receive(pair.server, 5) == "still");
        DWORD flags = 0;
        REQUIRE(::GetHandleInformation(reinterpret_cast<HANDLE>(copy.get()), &flags));
        CHECK((flags & HANDLE_FLAG_INHERIT) == 0);
    }
    CHECK(handoff_test::open_resources() == before);
}

TEST_CASE("socket: failures report Winsock's error", "[socket][failure]")
{
    std::error_code ec;
    CHECK_FALSE(handoff::duplicate(borrowed_socket(), ec));
    CHECK(ec == handoff::errc::empty_value);
    CHECK_FALSE(handoff::adopt_socket(::socket(12345, SOCK_STREAM, 0), ec)); // no such address family
    CHECK(ec == std::error_code(WSAEAFNOSUPPORT, std::system_category()));
    unique_socket closed = handoff::adopt_socket(::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP), ec);
    REQUIRE_FALSE(ec);
    const SOCKET stale = closed.get();
    closed.reset();
    CHECK_FALSE(handoff::duplicate(borrowed_socket(stale), ec));
    CHECK(ec == std::error_code(WSAENOTSOCK, std::system_category()));
}

TEST_CASE("socket: a socket's handle is refused by the HANDLE family and the CRT", "[socket][failure]")
{
    loopback_pair pair;
    const handoff::borrowed_handle as_handle(reinterpret_cast<HANDLE>(pair.client.get()));
    std::error_code ec;
    CHECK_FALSE(handoff::duplicate(as_handle, ec));
    CHECK(ec == handoff::errc::socket_handle);
    CHECK_FALSE(handoff::to_fd(as_handle, ec));
    CHECK(ec == handoff::errc::socket_handle);
    CHECK(send_text(pair.client, "ok")); // untouched
    CHECK(receive(pair.server, 2) == "ok");
}

TEST_CASE("socket: a descriptor that holds a socket does not give it out as a handle", "[socket][failure]")
{
    // A raw _open_osfhandle accepts a socket (it reports FILE_TYPE_PIPE); to_handle then
    // refuses it, as duplicate does, and the descriptor keeps it.
    loopback_pair pair;
    const int fd = ::_open_osfhandle(static_cast<intptr_t>(pair.client.release()), _O_BINARY);
    REQUIRE(fd >= 0);
    handoff::unique_fd holder(fd);
    std::error_code ec;
    CHECK_FALSE(handoff::to_handle(std::move(holder), ec));
    CHECK(ec == handoff::errc::socket_handle);
    CHECK(holder.get() == fd);
    CHECK_FALSE(handoff::duplicate(holder.borrow(), ec));
    CHECK(ec == handoff::errc::socket_handle);
    // Closed the Winsock way: the descriptor's slot goes with a _close whose CloseHandle is
    // refused, and the socket with closesocket.
    const SOCKET socket = static_cast<SOCKET>(::_get_osfhandle(holder.get()));
    REQUIRE(::SetHandleInformation(reinterpret_cast<HANDLE>(socket), HANDLE_FLAG_PROTECT_FROM_CLOSE,
                                   HANDLE_FLAG_PROTECT_FROM_CLOSE));
    holder.reset();
    CHECK(handoff_test::checks_reported(handoff::check_problem::failed_close)); // the refused CloseHandle
    REQUIRE(::SetHandleInformation(reinterpret_cast<HANDLE>(socket), HANDLE_FLAG_PROTECT_FROM_CLOSE, 0));
    CHECK(::closesocket(socket) == 0);
}

#if HANDOFF_EXCEPTIONS
TEST_CASE("socket: the throwing forms throw Winsock's error", "[socket][failure]")
{
    CHECK_THROWS_AS(handoff::adopt_socket(INVALID_SOCKET), std::system_error);
    CHECK_THROWS_AS(handoff::duplicate(borrowed_socket()), std::system_error);
}
#endif

#endif // _WIN32
