// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// Compile-time check of a family's traits, so that a wrong traits struct fails with one
// readable message instead of a page of template errors.

#ifndef HANDOFF_DETAIL_TRAITS_CHECK_HPP_INCLUDED
#define HANDOFF_DETAIL_TRAITS_CHECK_HPP_INCLUDED

#include <handoff/config.hpp>

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
