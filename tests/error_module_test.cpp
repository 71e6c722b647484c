// handoff's error codes across a module boundary: a DLL built with handoff returns a code, and
// this executable, with its own copy of handoff's error category, compares it.

#include <handoff/error.hpp>

#if defined(_WIN32)

#include <catch2/catch.hpp>

#include <windows.h>

#include <system_error>

namespace
{
using module_error_fn = void (*)(std::error_code *, int);

// The DLL built from support/error_module.cpp, loaded for one test and unloaded after it.
class error_module
{
  public:
    error_module() : module_(::LoadLibraryW(L"handoff_error_module.dll"))
    {
        REQUIRE(module_ != nullptr);
        make_ = reinterpret_cast<module_error_fn>(
            reinterpret_cast<void (*)()>(::GetProcAddress(module_, "handoff_test_module_error")));
        REQUIRE(make_ != nullptr);
        make_crt_ = reinterpret_cast<module_error_fn>(
            reinterpret_cast<void (*)()>(::GetProcAddress(module_, "handoff_test_module_crt_error")));
        REQUIRE(make_crt_ != nullptr);
    }
    error_module(const error_module &) = delete;
    error_module &operator=(const error_module &) = delete;
    ~error_module()
    {
        ::FreeLibrary(module_);
    }

    std::error_code make(handoff::errc value) const
    {
        std::error_code ec;
        make_(&ec, static_cast<int>(value));
        return ec;
    }

    std::error_code make_crt(int win32_error) const
    {
        std::error_code ec;
        make_crt_(&ec, win32_error);
        return ec;
    }

  private:
    HMODULE module_;
    module_error_fn make_ = nullptr;
    module_error_fn make_crt_ = nullptr;
};
} // namespace

TEST_CASE("error: a handoff code made in another module compares equal to handoff::errc", "[error][module]")
{
    const error_module dll;
    const std::error_code ec = dll.make(handoff::errc::empty_value);
    // Two modules, two category objects: what makes this test meaningful.
    REQUIRE(&ec.category() != &handoff::error_category());
    CHECK(ec == handoff::errc::empty_value);
    CHECK(handoff::errc::empty_value == ec);
    CHECK_FALSE(ec != handoff::errc::empty_value);
    CHECK(ec != handoff::errc::pseudo_handle);
    CHECK(handoff::errc::pseudo_handle != ec);
}

TEST_CASE("error: a handoff code made in another module matches its std::errc condition", "[error][module]")
{
    const error_module dll;
    CHECK(dll.make(handoff::errc::empty_value) == std::errc::bad_file_descriptor);
    CHECK(dll.make(handoff::errc::pseudo_handle) == std::errc::invalid_argument);
    CHECK(dll.make(handoff::errc::socket_handle) == std::errc::not_supported);
    CHECK(dll.make(handoff::errc::pseudo_handle) != std::errc::bad_file_descriptor);
    // A C-runtime failure the DLL reports matches its condition here too.
    const std::error_code crt = dll.make_crt(ERROR_INVALID_HANDLE);
    REQUIRE(&crt.category() != &handoff::crt_error_category());
    CHECK(crt == std::errc::bad_file_descriptor);
}

#endif // _WIN32
