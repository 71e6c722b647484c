// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief The `FILE*` family (every platform): `unique_file`, `borrowed_file`, `adopt_file()`.
///
/// A stream owns the descriptor it was opened on (and on Windows the HANDLE behind that), so
/// `fclose` closes all of them: never close a stream's descriptor separately.

#ifndef HANDOFF_STDIO_HPP_INCLUDED
#define HANDOFF_STDIO_HPP_INCLUDED

#include <handoff/borrowed_handle.hpp>
#include <handoff/config.hpp>
#include <handoff/error.hpp>
#include <handoff/unique_handle.hpp>

#include <cstdio>
#include <system_error>

HANDOFF_BEGIN_NAMESPACE

/// Traits of the stream family: empty is `nullptr`; closed with `fclose`, which flushes first
/// and reports a failed flush or close.
struct file_traits
{
    using value_type = std::FILE *;

    static constexpr value_type empty() noexcept
    {
        return nullptr;
    }

    static constexpr bool can_own(value_type stream) noexcept
    {
        return stream != nullptr;
    }

    static std::error_code close(value_type stream) noexcept
    {
        if (std::fclose(stream) == 0)
            return {};
        return detail::errno_error();
    }
};

/// Owns a `FILE*` and closes it with `fclose`.
using unique_file = basic_unique_handle<file_traits>;

/// A `FILE*` that somebody else closes.
using borrowed_file = basic_borrowed_handle<file_traits>;

/// Adopts the result of a call that returns `NULL` and sets `errno` on failure (`fopen`,
/// `_wfopen`, `fdopen`, `tmpfile`, ...). On failure `ec` is that `errno` value.
///
/// ~~~cpp
/// std::error_code ec;
/// handoff::unique_file log = handoff::adopt_file(std::fopen("log.txt", "a"), ec);
/// ~~~
inline unique_file adopt_file(std::FILE *stream, std::error_code &ec) noexcept
{
    return detail::adopt_result<unique_file>(
        stream, nullptr, [] { return detail::errno_error(); }, errc::invalid_value, ec);
}

#if HANDOFF_EXCEPTIONS
/// Throwing form of `adopt_file(stream, ec)`: throws `std::system_error` carrying `errno`.
inline unique_file adopt_file(std::FILE *stream)
{
    return detail::value_or_throw("handoff::adopt_file", [&](std::error_code &ec) { return adopt_file(stream, ec); });
}
#endif

HANDOFF_END_NAMESPACE

#endif // HANDOFF_STDIO_HPP_INCLUDED
