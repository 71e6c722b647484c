// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief `basic_borrowed_handle<Traits>`: a view of a value that somebody else closes.

#ifndef HANDOFF_BORROWED_HANDLE_HPP_INCLUDED
#define HANDOFF_BORROWED_HANDLE_HPP_INCLUDED

#include <handoff/config.hpp>
#include <handoff/detail/traits_check.hpp>

#include <cstddef>
#include <functional>
#include <type_traits>

HANDOFF_BEGIN_NAMESPACE

template <class Traits> class HANDOFF_OWNER_ABI_TAG basic_unique_handle;

/// A non-owning view of a handle, descriptor or stream: it never closes what it refers to.
///
/// A view is what a function takes when it only uses a value (like `std::string_view` for
/// strings). It converts implicitly from an owner, and explicitly from a raw value, because a
/// raw value says nothing about who closes it. It must not outlive the owner it came from.
///
/// A view may hold any value, including pseudo-handles such as `GetCurrentProcess()`, which
/// are usable but cannot be owned. It is empty when it holds `Traits::empty()`.
///
/// ~~~cpp
/// void log_size(handoff::borrowed_handle file);   // uses the handle, never closes it
/// handoff::unique_handle owner = ...;
/// log_size(owner);                               // owner keeps its handle and closes it later
/// ~~~
template <class Traits> class basic_borrowed_handle
{
  public:
    /// The family's traits struct.
    using traits_type = typename detail::checked_traits<Traits>::type;
    /// The raw value: `HANDLE`, `int` or `FILE*` for the built-in families.
    using value_type = typename Traits::value_type;
    /// The owner of the same family, from which a view converts implicitly.
    using owner_type = basic_unique_handle<Traits>;

    /// An empty view.
    constexpr basic_borrowed_handle() noexcept : value_(Traits::empty())
    {
    }

    /// An empty view, as `borrowed_handle v = nullptr;` (pointer families only).
    template <class Null, std::enable_if_t<detail::is_null_for<Null, Traits>::value, int> = 0>
    constexpr basic_borrowed_handle(Null) noexcept : value_(Traits::empty())
    {
    }

    /// Views a raw value that somebody else owns and will close.
    constexpr explicit basic_borrowed_handle(value_type raw) noexcept : value_(raw)
    {
    }
    // Refused with the fix on the line compilers quote: a raw value is lent only visibly.
    template <class Raw, std::enable_if_t<std::is_same<Raw, value_type>::value, int> = 0>
    basic_borrowed_handle(Raw) = delete; // lend visibly: an explicit view(raw), or owner.borrow()

    /// Views the value of an owner, which keeps ownership. The view must not outlive the
    /// owner: `borrowed_fd v = unique_fd(3);` names a closed descriptor at once, which clang
    /// reports (`HANDOFF_LIFETIMEBOUND`).
    constexpr basic_borrowed_handle(const owner_type &owner HANDOFF_LIFETIMEBOUND) noexcept : value_(owner.get())
    {
    }

    /// The raw value, still owned by somebody else: never close it.
    constexpr value_type get() const noexcept
    {
        return value_;
    }

    /// True unless the view is empty.
    constexpr explicit operator bool() const noexcept
    {
        return !(value_ == Traits::empty());
    }

    /// Views are equal when they hold the same raw value.
    friend bool operator==(basic_borrowed_handle a, basic_borrowed_handle b) noexcept
    {
        return a.value_ == b.value_;
    }
    /// Views differ when they hold different raw values.
    friend bool operator!=(basic_borrowed_handle a, basic_borrowed_handle b) noexcept
    {
        return !(a == b);
    }
    /// Orders views by raw value (`std::less`), for ordered containers.
    friend bool operator<(basic_borrowed_handle a, basic_borrowed_handle b) noexcept
    {
        return std::less<value_type>()(a.value_, b.value_);
    }

    /// `v == nullptr`: true when empty (pointer families only).
    template <class Null, std::enable_if_t<detail::is_null_for<Null, Traits>::value, int> = 0>
    friend constexpr bool operator==(basic_borrowed_handle a, Null) noexcept
    {
        return !a;
    }
    /// `nullptr == v`: true when empty (pointer families only).
    template <class Null, std::enable_if_t<detail::is_null_for<Null, Traits>::value, int> = 0>
    friend constexpr bool operator==(Null, basic_borrowed_handle a) noexcept
    {
        return !a;
    }
    /// `v != nullptr`: true unless empty (pointer families only).
    template <class Null, std::enable_if_t<detail::is_null_for<Null, Traits>::value, int> = 0>
    friend constexpr bool operator!=(basic_borrowed_handle a, Null) noexcept
    {
        return static_cast<bool>(a);
    }
    /// `nullptr != v`: true unless empty (pointer families only).
    template <class Null, std::enable_if_t<detail::is_null_for<Null, Traits>::value, int> = 0>
    friend constexpr bool operator!=(Null, basic_borrowed_handle a) noexcept
    {
        return static_cast<bool>(a);
    }

  private:
    value_type value_;
};

HANDOFF_END_NAMESPACE

namespace std
{
/// Views hash like their raw values.
template <class Traits> struct hash<handoff::basic_borrowed_handle<Traits>>
{
    size_t operator()(handoff::basic_borrowed_handle<Traits> view) const noexcept
    {
        return hash<typename Traits::value_type>()(view.get());
    }
};
} // namespace std

#endif // HANDOFF_BORROWED_HANDLE_HPP_INCLUDED
