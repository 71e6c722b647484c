// A family the library does not ship, defined by the user with nothing but a traits struct:
// registry keys on Windows (RegCloseKey, and predefined keys that must never be closed),
// directory streams elsewhere (closedir).

#include <handoff/borrowed_handle.hpp>
#include <handoff/unique_handle.hpp>

#include "support/census.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <system_error>

#if defined(_WIN32)
#include <windows.h>

namespace
{
struct registry_key_traits
{
    using value_type = HKEY;
    static constexpr value_type empty() noexcept
    {
        return nullptr;
    }
    // HKEY_CURRENT_USER and the other predefined keys have negative values: usable, never owned.
    static bool can_own(value_type key) noexcept
    {
        return key != nullptr && reinterpret_cast<std::intptr_t>(key) > 0;
    }
    static std::error_code close(value_type key) noexcept
    {
        const LSTATUS status = ::RegCloseKey(key);
        return status == ERROR_SUCCESS ? std::error_code() : std::error_code(status, std::system_category());
    }
};
using unique_registry_key = handoff::basic_unique_handle<registry_key_traits>;
using borrowed_registry_key = handoff::basic_borrowed_handle<registry_key_traits>;

unique_registry_key open_key(borrowed_registry_key parent, const wchar_t *path)
{
    HKEY key = nullptr;
    if (::RegOpenKeyExW(parent.get(), path, 0, KEY_READ, &key) != ERROR_SUCCESS)
        return {};
    return unique_registry_key(key);
}
} // namespace

static_assert(sizeof(unique_registry_key) == sizeof(HKEY), "a user family is as small as the built-in ones");

TEST_CASE("custom family: registry keys are opened, viewed and closed through user traits", "[custom]")
{
    const auto before = handoff_test::open_resources();
    {
        const borrowed_registry_key machine(HKEY_LOCAL_MACHINE); // predefined: borrowed, never owned
        const unique_registry_key software = open_key(machine, L"Software");
        REQUIRE(software);
        const unique_registry_key microsoft = open_key(software, L"Microsoft");
        REQUIRE(microsoft);
        CHECK(handoff_test::open_resources().size() == before.size() + 2);
    }
    CHECK(handoff_test::open_resources() == before);
}

TEST_CASE("custom family: a predefined key is never adopted", "[custom]")
{
    const unique_registry_key refused(HKEY_CURRENT_USER);
    CHECK_FALSE(refused);
}

#else
#include <dirent.h>

#include <cerrno>

namespace
{
struct directory_traits
{
    using value_type = DIR *;
    static constexpr value_type empty() noexcept
    {
        return nullptr;
    }
    static constexpr bool can_own(value_type dir) noexcept
    {
        return dir != nullptr;
    }
    static std::error_code close(value_type dir) noexcept
    {
        return ::closedir(dir) == 0 ? std::error_code() : std::error_code(errno, std::generic_category());
    }
};
using unique_directory = handoff::basic_unique_handle<directory_traits>;
using borrowed_directory = handoff::basic_borrowed_handle<directory_traits>;

int count_entries(borrowed_directory dir)
{
    int count = 0;
    while (::readdir(dir.get()) != nullptr)
        ++count;
    return count;
}
} // namespace

static_assert(sizeof(unique_directory) == sizeof(DIR *), "a user family is as small as the built-in ones");

TEST_CASE("custom family: directory streams are opened, viewed and closed through user traits", "[custom]")
{
    const auto before = handoff_test::open_resources();
    {
        unique_directory root(::opendir("/"));
        REQUIRE(root);
        CHECK(count_entries(root) > 2);
        CHECK(handoff_test::open_resources().size() == before.size() + 1);
        unique_directory moved = std::move(root);
        CHECK(moved);
    }
    CHECK(handoff_test::open_resources() == before);
}
#endif
