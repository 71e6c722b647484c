// The error model: handoff's own category and how its codes compare with std::errc.

#include <handoff/error.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <system_error>

TEST_CASE("error: handoff::errc codes have a named category and readable messages", "[error]")
{
    const std::error_code ec = handoff::errc::pseudo_handle;
    CHECK(std::string(ec.category().name()) == "handoff");
    CHECK(&ec.category() == &handoff::error_category());
    CHECK(ec.message().find("pseudo-handle") != std::string::npos);
    CHECK(std::error_code(handoff::errc::empty_value).message().find("empty") != std::string::npos);
    CHECK(std::error_code(handoff::errc::invalid_value).message().find("can be owned") != std::string::npos);
    CHECK(std::error_code(handoff::errc::failure_without_code).message().find("without an error code") !=
          std::string::npos);
}

TEST_CASE("error: handoff::errc codes compare equal to the matching std::errc", "[error]")
{
    CHECK(std::error_code(handoff::errc::empty_value) == std::errc::bad_file_descriptor);
    CHECK(std::error_code(handoff::errc::invalid_value) == std::errc::bad_file_descriptor);
    CHECK(std::error_code(handoff::errc::pseudo_handle) == std::errc::invalid_argument);
    CHECK(std::error_code(handoff::errc::failure_without_code) != std::errc::bad_file_descriptor);
}

TEST_CASE("error: a zero errno never becomes a success code", "[error]")
{
    CHECK(handoff::detail::errno_error(0) == handoff::errc::failure_without_code);
    CHECK(handoff::detail::errno_error(EBADF) == std::errc::bad_file_descriptor);
#if defined(_WIN32)
    CHECK(handoff::detail::win32_error(0) == handoff::errc::failure_without_code);
    CHECK(handoff::detail::win32_error(ERROR_ACCESS_DENIED).value() == ERROR_ACCESS_DENIED);
#endif
}

#if HANDOFF_EXCEPTIONS
TEST_CASE("error: the throwing forms throw std::system_error with the code and the call's name", "[error]")
{
    try
    {
        handoff::detail::throw_if_error(handoff::errc::empty_value, "handoff::example");
        FAIL("nothing was thrown");
    }
    catch (const std::system_error &error)
    {
        CHECK(error.code() == handoff::errc::empty_value);
        CHECK(std::string(error.what()).find("handoff::example") != std::string::npos);
    }
    CHECK_NOTHROW(handoff::detail::throw_if_error(std::error_code(), "handoff::example"));
}
#endif
