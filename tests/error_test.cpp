// The error model: handoff's own category and how its codes compare with std::errc.

#include <handoff/error.hpp>

#include <catch2/catch.hpp>

#if defined(_WIN32)
#include <windows.h>
#endif

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

#if defined(_WIN32)
TEST_CASE("error: a Win32 error a CRT call failed with compares equal to the errno the CRT made of it", "[error][crt]")
{
    // The same condition with every standard library (MSVC's maps ERROR_INVALID_HANDLE to
    // invalid_argument, libstdc++'s to bad_file_descriptor; the CRT says EBADF).
    const std::error_code invalid_handle(ERROR_INVALID_HANDLE, handoff::crt_error_category());
    CHECK(invalid_handle == std::errc::bad_file_descriptor);
    CHECK(invalid_handle != std::errc::invalid_argument);
    CHECK(std::string(invalid_handle.category().name()) == "handoff.crt");
    CHECK(invalid_handle.message() == std::error_code(ERROR_INVALID_HANDLE, std::system_category()).message());
    CHECK(std::error_code(ERROR_ACCESS_DENIED, handoff::crt_error_category()) == std::errc::permission_denied);
    CHECK(std::error_code(ERROR_BROKEN_PIPE, handoff::crt_error_category()) == std::errc::broken_pipe);
    CHECK(std::error_code(ERROR_SHARING_VIOLATION, handoff::crt_error_category()) == std::errc::permission_denied);
    CHECK(std::error_code(ERROR_FILE_NOT_FOUND, handoff::crt_error_category()) == std::errc::no_such_file_or_directory);
    CHECK(std::error_code(ERROR_CALL_NOT_IMPLEMENTED, handoff::crt_error_category()) == std::errc::invalid_argument);
}
#endif

TEST_CASE("error: every handoff::errc has its documented std::errc equivalent", "[error]")
{
    using handoff::errc;
    const struct
    {
        errc code;
        std::errc equivalent;
    } table[] = {
        {errc::empty_value, std::errc::bad_file_descriptor},
        {errc::invalid_value, std::errc::bad_file_descriptor},
        {errc::no_handle, std::errc::bad_file_descriptor},
        {errc::stale_descriptor, std::errc::bad_file_descriptor},
        {errc::all_leased, std::errc::too_many_files_open},
        {errc::table_full, std::errc::too_many_files_open},
        {errc::too_many_tables, std::errc::resource_unavailable_try_again},
        {errc::pseudo_handle, std::errc::invalid_argument},
        {errc::unsupported_flags, std::errc::invalid_argument},
        {errc::invalid_mode, std::errc::invalid_argument},
        {errc::overlapped_handle, std::errc::invalid_argument},
        {errc::would_change_lender, std::errc::invalid_argument},
        {errc::socket_handle, std::errc::not_supported},
    };
    for (const auto &row : table)
    {
        CAPTURE(static_cast<int>(row.code));
        const std::error_code ec = row.code;
        CHECK(ec == row.equivalent);
        CHECK(ec.default_error_condition() == std::make_error_condition(row.equivalent));
    }
    // failure_without_code has no equivalent: it is equal to no std::errc.
    const std::error_code none = errc::failure_without_code;
    CHECK(none.default_error_condition().category() == handoff::error_category());
}

TEST_CASE("error: a handoff::errc is equal only to codes of its own category", "[error]")
{
    // The same numbers in other categories are other errors.
    for (int value = 1; value <= static_cast<int>(handoff::errc::too_many_tables); ++value)
    {
        CAPTURE(value);
        const auto code = static_cast<handoff::errc>(value);
        CHECK_FALSE(std::error_code(value, std::generic_category()) == code);
        CHECK_FALSE(std::error_code(value, std::system_category()) == code);
        CHECK(std::error_code(value, handoff::error_category()) == code);
    }
}
