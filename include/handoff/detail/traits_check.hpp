// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// Compile-time checks: of a family's traits, so that a wrong traits struct fails with one
// readable message instead of a page of template errors, and the pieces the overloads that
// refuse misuse are built from.

#ifndef HANDOFF_DETAIL_TRAITS_CHECK_HPP_INCLUDED
#define HANDOFF_DETAIL_TRAITS_CHECK_HPP_INCLUDED

#include <handoff/config.hpp>

#include <cstddef>
#include <system_error>
#include <type_traits>
#include <utility>

HANDOFF_BEGIN_NAMESPACE
namespace detail
{
template <class Traits, class = void> struct is_handle_traits : std::false_type
{
};

template <class Traits>
struct is_handle_traits<Traits, std::void_t<typename Traits::value_type, decltype(Traits::empty()),
                                            decltype(Traits::can_own(std::declval<typename Traits::value_type>())),
                                            decltype(Traits::close(std::declval<typename Traits::value_type>()))>>
    : std::bool_constant<
          std::is_trivially_copyable<typename Traits::value_type>::value &&
          std::is_same<decltype(Traits::empty()), typename Traits::value_type>::value &&
          std::is_same<decltype(Traits::can_own(std::declval<typename Traits::value_type>())), bool>::value &&
          std::is_same<decltype(Traits::close(std::declval<typename Traits::value_type>())), std::error_code>::value
              &&noexcept(Traits::close(std::declval<typename Traits::value_type>()))>
{
};

template <class Traits, class = void> struct has_close_quietly : std::false_type
{
};
template <class Traits>
struct has_close_quietly<Traits, std::void_t<decltype(Traits::close_quietly(std::declval<typename Traits::value_type>()))>>
    : std::true_type
{
    static_assert(noexcept(Traits::close_quietly(std::declval<typename Traits::value_type>())),
                  "Traits::close_quietly(value) must be noexcept: destructors call it (see docs/custom-families.md)");
};

/// Closes `value` for an owner that has nowhere to report the result (a destructor, a move
/// assignment): through the family's optional `close_quietly`, which skips building an error
/// nobody reads, else through `close`.
template <class Traits> HANDOFF_INLINE void close_quietly(typename Traits::value_type value) noexcept
{
    if constexpr (has_close_quietly<Traits>::value)
        Traits::close_quietly(value);
    else
        (void)Traits::close(value);
}

/// True when `Null` is `std::nullptr_t` and the family's raw value is a pointer, where `nullptr`
/// means "empty" as it does for `std::unique_ptr`; descriptor families (-1 empty) have no such
/// spelling, so `fd == 0` keeps its meaning.
template <class Null, class Traits>
struct is_null_for : std::bool_constant<std::is_same<Null, std::nullptr_t>::value &&
                                        std::is_pointer<typename Traits::value_type>::value>
{
};

/// False, but only once `Ts` are known: a `static_assert` on it fires only when the template it
/// sits in is used, which is how an overload that exists to refuse a call explains the fix.
template <class... Ts> struct dependent_false : std::false_type
{
};

/// True when a forwarding reference `Owner&&` binds an `Expected` owner (or one derived from it)
/// that is not a plain rvalue: an lvalue, or a `const` one (`std::move` of a `const` owner).
/// The overloads that refuse such arguments use it, so that a moved owner never reaches them.
template <class Owner, class Expected>
struct is_unmoved_owner
    : std::bool_constant<std::is_base_of<Expected, std::remove_cv_t<std::remove_reference_t<Owner>>>::value &&
                         (std::is_lvalue_reference<Owner>::value || std::is_const<Owner>::value)>
{
};

/// Gives an owner whose raw value is a pointer (`HANDLE`, `FILE*`) the member `pointer`, the
/// name `std::out_ptr` and `std::inout_ptr` (C++23) look for; a descriptor owner has none,
/// because those adapters treat 0 as "nothing written", and descriptor 0 is a value.
template <class Value, bool = std::is_pointer<Value>::value> struct out_ptr_pointer
{
};
template <class Value> struct out_ptr_pointer<Value, true>
{
    /// The raw value, for `std::out_ptr(owner)`.
    using pointer = Value;
};

/// Names `Traits` after checking it: a wrong traits struct stops here with one readable message.
template <class Traits> struct checked_traits
{
    static_assert(is_handle_traits<Traits>::value,
                  "Traits must provide value_type, empty(), can_own(value) and a noexcept close(value) "
                  "that returns std::error_code (see docs/custom-families.md)");
    using type = Traits;
};
} // namespace detail
HANDOFF_END_NAMESPACE

#endif // HANDOFF_DETAIL_TRAITS_CHECK_HPP_INCLUDED
