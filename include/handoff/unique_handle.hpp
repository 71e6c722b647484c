// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
/// @file
/// @brief `basic_unique_handle<Traits>`: the owner that closes its value exactly once.

#ifndef HANDOFF_UNIQUE_HANDLE_HPP_INCLUDED
#define HANDOFF_UNIQUE_HANDLE_HPP_INCLUDED

#include <handoff/borrowed_handle.hpp>
#include <handoff/checks.hpp>
#include <handoff/config.hpp>
#include <handoff/detail/traits_check.hpp>
#include <handoff/error.hpp>

#include <cstddef>
#include <functional>
#include <system_error>
#include <type_traits>
#include <utility>

HANDOFF_BEGIN_NAMESPACE

namespace detail
{
/// The ownership checks' view of a family: whether its owners are checked, and as what kind
/// of value (its traits' `check_kind`). A family without one is never checked.
template <class Traits, class = void> struct checked_family
{
    static constexpr bool checked = false;
};
template <class Traits> struct checked_family<Traits, std::void_t<decltype(Traits::check_kind)>>
{
    static constexpr bool checked = HANDOFF_CHECKS != 0;
    static constexpr value_kind kind = Traits::check_kind;
};

/// A raw value as the checks' registry keys it.
template <class Value> std::uintptr_t check_key(Value value) noexcept
{
    if constexpr (std::is_pointer<Value>::value)
        return reinterpret_cast<std::uintptr_t>(value);
    else
        return static_cast<std::uintptr_t>(value);
}
} // namespace detail

/// @cond HANDOFF_INTERNAL
#if HANDOFF_CHECKS
// With checks on, the calls that take or let go of a value record where they were called.
#define HANDOFF_CALL_SITE_PARAMETER , call_site where = call_site::here()
#define HANDOFF_CALL_SITE_PARAMETER_FIRST call_site where = call_site::here()
#define HANDOFF_CALL_SITE_PARAMETER_NO_DEFAULT , call_site where
#define HANDOFF_CALL_SITE_ARGUMENT , where
#define HANDOFF_CALL_SITE_ARGUMENT_OF(site) , site
#else
#define HANDOFF_CALL_SITE_PARAMETER
#define HANDOFF_CALL_SITE_PARAMETER_FIRST
#define HANDOFF_CALL_SITE_PARAMETER_NO_DEFAULT
#define HANDOFF_CALL_SITE_ARGUMENT
#define HANDOFF_CALL_SITE_ARGUMENT_OF(site)
#endif
/// @endcond

/// The sole owner of a handle, descriptor or stream, which it closes when destroyed.
///
/// Mirrors `std::unique_ptr`: move-only, `get()`, `release()`, `reset()`, `swap()`. A family is
/// a traits struct (see docs/custom-families.md):
///
/// ~~~cpp
/// struct traits {
///     using value_type = ...;                             // the raw value, trivially copyable
///     static value_type empty() noexcept;                 // what an empty owner or view holds
///     static bool can_own(value_type) noexcept;           // false for failure values and pseudo-handles
///     static std::error_code close(value_type) noexcept;  // closes; {} on success
///     static void close_quietly(value_type) noexcept;     // optional: closes, for the destructor
/// };
/// ~~~
///
/// Ownership moves only visibly: an owner is never copied, a raw value becomes an owner only
/// through the explicit constructor or an `adopt_*` function, and leaves it only through
/// `release()`.
///
/// ~~~cpp
/// handoff::unique_handle a(::CreateEventW(nullptr, TRUE, FALSE, nullptr)); // a owns the event
/// handoff::unique_handle b = std::move(a);   // b owns it, a is empty: nothing is duplicated
/// b.reset();                                 // closed here, once
/// ~~~
template <class Traits>
class HANDOFF_OWNER_ABI basic_unique_handle : public detail::out_ptr_pointer<typename Traits::value_type>
{
  public:
    /// The family's traits struct.
    using traits_type = typename detail::checked_traits<Traits>::type;
    /// The raw value: `HANDLE`, `int` or `FILE*` for the built-in families.
    using value_type = typename Traits::value_type;
    /// The view of the same family, which `borrow()` returns and the owner converts to.
    using borrowed_type = basic_borrowed_handle<Traits>;

    /// An empty owner.
    constexpr basic_unique_handle() noexcept : value_(Traits::empty())
    {
    }

    /// An empty owner, as `unique_handle h = nullptr;`. Only for families whose raw value is a
    /// pointer (`HANDLE`, `FILE*`), so that `unique_fd fd = 0;` still does not compile.
    template <class Null, std::enable_if_t<detail::is_null_for<Null, Traits>::value, int> = 0>
    constexpr basic_unique_handle(Null) noexcept : value_(Traits::empty())
    {
    }

    /// Takes ownership of `raw`. A value the family cannot own (a failure value such as
    /// `INVALID_HANDLE_VALUE`, or a pseudo-handle) leaves the owner empty and is not closed;
    /// to turn such a value into an error instead, use the family's `adopt_*` function.
    explicit basic_unique_handle(value_type raw HANDOFF_CALL_SITE_PARAMETER) noexcept
        : value_(Traits::can_own(raw) ? raw : Traits::empty())
    {
#if HANDOFF_CHECKS
        adopted(where);
#endif
    }

    // Compilers quote these lines under "use of deleted function": they name the fix.
    basic_unique_handle(const basic_unique_handle &) = delete; // one owner: std::move(h) hands over, h.borrow() lends
    basic_unique_handle &operator=(const basic_unique_handle &) = delete; // one owner: h = std::move(other)
    // A raw value or a view never becomes an owner implicitly. (A deleted converting
    // constructor still takes part in overload resolution: docs/reference.md says where.)
    template <class Raw, std::enable_if_t<std::is_same<Raw, value_type>::value, int> = 0>
    basic_unique_handle(Raw) = delete; // adopt visibly: T h(raw), h.reset(raw), or adopt_fd/_handle/_file(raw)
    explicit basic_unique_handle(borrowed_type) = delete; // a view never owns: duplicate(view) gives an owner

    /// Moves ownership; `other` is left empty. Nothing is duplicated or closed.
    basic_unique_handle(basic_unique_handle &&other) noexcept : value_(other.release_value())
    {
    }

    /// Closes the current value and takes ownership of `other`'s. Like the destructor, and
    /// unlike `reset()`, it ignores a close error without keeping `errno` and `GetLastError()`:
    /// read an error before assigning over an owner that holds a value.
    HANDOFF_INLINE basic_unique_handle &operator=(basic_unique_handle &&other) noexcept
    {
        const value_type old = value_;
        value_ = other.release_value();
        if (!is_empty(old) && !(old == value_)) // the same value: a self-move
#if HANDOFF_CHECKS
            close_for_owner(old, call_site());
#else
            detail::close_quietly<Traits>(old);
#endif
        return *this;
    }

    /// `h = nullptr` is `h.reset()` (pointer families only).
    template <class Null, std::enable_if_t<detail::is_null_for<Null, Traits>::value, int> = 0>
    basic_unique_handle &operator=(Null) noexcept
    {
        reset();
        return *this;
    }

    /// Closes the value, if any. A close error is ignored here; call `close()` to see it.
    HANDOFF_INLINE ~basic_unique_handle()
    {
        if (!is_empty(value_))
#if HANDOFF_CHECKS
            close_for_owner(value_, call_site());
#else
            detail::close_quietly<Traits>(value_);
#endif
    }

    /// The raw value, still owned by this object: never close it, nor keep it after the owner
    /// (`HANDLE h = duplicate(x).get();` names a closed handle at once, which clang reports).
    constexpr value_type get() const noexcept HANDOFF_LIFETIMEBOUND
    {
        return value_;
    }

    /// True unless the owner is empty.
    constexpr explicit operator bool() const noexcept
    {
        return !is_empty(value_);
    }

    /// A view of the value; this owner keeps ownership and the view must not outlive it.
    /// Passing `h.borrow()` where a conversion could either consume or duplicate says
    /// "duplicate": `to_fd(h.borrow())`.
    constexpr borrowed_type borrow() const noexcept HANDOFF_LIFETIMEBOUND
    {
        return borrowed_type(value_);
    }

    /// Gives up ownership without closing: the caller now owns the returned value.
    HANDOFF_NODISCARD("release() hands the value to the caller, who closes it: keep it, or reset() to close it")
    value_type release(HANDOFF_CALL_SITE_PARAMETER_FIRST) noexcept
    {
#if HANDOFF_CHECKS
        let_go(value_, where);
#endif
        return release_value();
    }

    /// Hands the value to an API that will close it, on an owner that is being given away:
    /// `vendor_adopt(std::move(owner).give())`. Like `release()`, but callable only on an
    /// rvalue, so the hand-off is as visible at the call as any other move of ownership.
    HANDOFF_NODISCARD("give() hands the value over: pass it to the call that takes ownership")
    value_type give(HANDOFF_CALL_SITE_PARAMETER_FIRST) &&noexcept
    {
#if HANDOFF_CHECKS
        let_go(value_, where);
#endif
        return release_value();
    }

    /// Refuses `owner.give()` on an owner that is not being given away, with a message that
    /// names both spellings.
    template <class Owner = basic_unique_handle> value_type give() const &
    {
        static_assert(detail::dependent_false<Owner>::value,
                      "give() hands over an owner that is being given away: write std::move(owner).give(); to "
                      "keep the owner's variable, owner.release()");
        return value_;
    }

    /// Closes the current value and takes ownership of `raw` (or becomes empty). The close
    /// error, if any, is ignored, and `errno` and `GetLastError()` are left as they were, so
    /// `reset()` can run between a failing call and the read of its error. Resetting to the
    /// value already owned does nothing.
    void reset(value_type raw = Traits::empty() HANDOFF_CALL_SITE_PARAMETER) noexcept
    {
        if (!Traits::can_own(raw))
            raw = Traits::empty();
        const value_type old = value_;
#if HANDOFF_CHECKS
        if (old == raw)
            return;
        value_ = raw;
        if (!is_empty(old))
        {
            const detail::error_state_guard keep_errors;
            close_for_owner(old, where);
        }
        adopted(where);
#else
        value_ = raw;
        if (!is_empty(old) && !(old == raw))
        {
            const detail::error_state_guard keep_errors;
            detail::close_quietly<Traits>(old);
        }
#endif
    }

    /// What `put()` returns: the address an API writes its result through. When the full
    /// expression ends, the owner takes what was written, through `reset()`, so a failure value
    /// (`INVALID_HANDLE_VALUE`) or nothing at all leaves it empty.
    class out_param
    {
      public:
        /// Converts to the `value_type*` the API takes (`HANDLE*`, `PHANDLE`, `int*`, `FILE**`),
        /// valid until the end of the full expression: `HANDLE* p = h.put();` dangles (reported
        /// by clang through `HANDOFF_LIFETIMEBOUND`).
        operator value_type *() noexcept HANDOFF_LIFETIMEBOUND
        {
            return &value_;
        }

        out_param(const out_param &) = delete;
        out_param &operator=(const out_param &) = delete;

        /// Hands what the API wrote to the owner.
        ~out_param()
        {
            owner_.reset(value_ HANDOFF_CALL_SITE_ARGUMENT_OF(where_));
        }

      private:
        friend class basic_unique_handle;
        explicit out_param(basic_unique_handle &owner HANDOFF_CALL_SITE_PARAMETER_NO_DEFAULT) noexcept
            : owner_(owner)
#if HANDOFF_CHECKS
              ,
              where_(where)
#endif
        {
        }

        basic_unique_handle &owner_;
        value_type value_ = Traits::empty();
#if HANDOFF_CHECKS
        call_site where_;
#endif
    };

    /// Closes the current value, then returns an out-parameter for an API that returns a new
    /// value through a pointer; the owner takes it when the statement ends:
    ///
    /// ~~~cpp
    /// handoff::unique_handle read, write;
    /// if (!::CreatePipe(read.put(), write.put(), nullptr, 0))   // each owner closes its end
    ///     throw std::system_error(static_cast<int>(::GetLastError()), std::system_category(), "CreatePipe");
    /// ~~~
    ///
    /// `std::out_ptr<HANDLE>(h)` (C++23) works the same way, through `reset()`.
    HANDOFF_NODISCARD("put() is the out-parameter: pass h.put() to the call that fills it")
    out_param put(HANDOFF_CALL_SITE_PARAMETER_FIRST) noexcept
    {
        reset();
        return out_param(*this HANDOFF_CALL_SITE_ARGUMENT);
    }

    /// Closes the value now and reports the result; the owner is empty afterwards in every
    /// case, because a failed close cannot be retried safely (the value may already be reused).
    HANDOFF_INLINE void close(std::error_code &ec) noexcept
    {
        ec.clear();
#if HANDOFF_CHECKS
        if (is_empty(value_))
            return;
        let_go(value_, call_site());
        ec = Traits::close(release_value());
#else
        if (!is_empty(value_))
            ec = Traits::close(release_value());
#endif
    }

#if HANDOFF_EXCEPTIONS
    /// Closes the value now; throws `std::system_error` if the close fails. The owner is empty
    /// afterwards in every case.
    void close()
    {
        std::error_code ec;
        close(ec);
        detail::throw_if_error(ec, "handoff: close failed");
    }
#endif

    /// Exchanges the values of two owners; nothing is closed.
    void swap(basic_unique_handle &other) noexcept
    {
        std::swap(value_, other.value_);
    }
    /// Exchanges the values of two owners; nothing is closed.
    friend void swap(basic_unique_handle &a, basic_unique_handle &b) noexcept
    {
        a.swap(b);
    }

    /// Owners are equal when they hold the same raw value (two empty owners, in practice).
    friend bool operator==(const basic_unique_handle &a, const basic_unique_handle &b) noexcept
    {
        return a.value_ == b.value_;
    }
    /// Owners differ when they hold different raw values.
    friend bool operator!=(const basic_unique_handle &a, const basic_unique_handle &b) noexcept
    {
        return !(a == b);
    }
    /// Orders owners by raw value (`std::less`), for ordered containers.
    friend bool operator<(const basic_unique_handle &a, const basic_unique_handle &b) noexcept
    {
        return std::less<value_type>()(a.value_, b.value_);
    }

    /// `h == nullptr`: true when empty (pointer families only).
    template <class Null, std::enable_if_t<detail::is_null_for<Null, Traits>::value, int> = 0>
    friend constexpr bool operator==(const basic_unique_handle &a, Null) noexcept
    {
        return !a;
    }
    /// `nullptr == h`: true when empty (pointer families only).
    template <class Null, std::enable_if_t<detail::is_null_for<Null, Traits>::value, int> = 0>
    friend constexpr bool operator==(Null, const basic_unique_handle &a) noexcept
    {
        return !a;
    }
    /// `h != nullptr`: true unless empty (pointer families only).
    template <class Null, std::enable_if_t<detail::is_null_for<Null, Traits>::value, int> = 0>
    friend constexpr bool operator!=(const basic_unique_handle &a, Null) noexcept
    {
        return static_cast<bool>(a);
    }
    /// `nullptr != h`: true unless empty (pointer families only).
    template <class Null, std::enable_if_t<detail::is_null_for<Null, Traits>::value, int> = 0>
    friend constexpr bool operator!=(Null, const basic_unique_handle &a) noexcept
    {
        return static_cast<bool>(a);
    }

    // An owner is not its raw value; the fix is on the line compilers quote.
    friend bool operator==(const basic_unique_handle &, value_type) = delete; // not a value: !h, or h.get() == raw
    friend bool operator==(value_type, const basic_unique_handle &) = delete; // not a value: !h, or raw == h.get()
    friend bool operator!=(const basic_unique_handle &, value_type) = delete; // not a value: bool(h), h.get() != raw
    friend bool operator!=(value_type, const basic_unique_handle &) = delete; // not a value: bool(h), raw != h.get()

  private:
    static constexpr bool is_empty(value_type value) noexcept
    {
        return value == Traits::empty();
    }

    value_type release_value() noexcept
    {
        const value_type value = value_;
        value_ = Traits::empty();
        return value;
    }

#if HANDOFF_CHECKS
    /// Closes `value` for the destructor, a move assignment or `reset()`, which have nowhere
    /// to report the result: the registry hears of it first, and of a close that fails as a
    /// double close does.
    HANDOFF_INLINE static void close_for_owner(value_type value, call_site where) noexcept
    {
        if constexpr (detail::checked_family<Traits>::checked)
        {
            detail::checks::adoption adopted_at;
            if (!is_empty(value))
                detail::checks::let_go(detail::checked_family<Traits>::kind, detail::check_key(value), where,
                                       &adopted_at);
            const std::error_code error = Traits::close(value);
            if (error)
                detail::checks::close_failed(detail::checked_family<Traits>::kind, detail::check_key(value), error,
                                             where, adopted_at);
        }
        else
            detail::close_quietly<Traits>(value);
    }

    void adopted(call_site where) const noexcept
    {
        if constexpr (detail::checked_family<Traits>::checked)
            if (!is_empty(value_))
                detail::checks::adopted(detail::checked_family<Traits>::kind, detail::check_key(value_), where);
    }
    static void let_go([[maybe_unused]] value_type value, [[maybe_unused]] call_site where) noexcept
    {
        if constexpr (detail::checked_family<Traits>::checked)
            if (!is_empty(value))
                detail::checks::let_go(detail::checked_family<Traits>::kind, detail::check_key(value), where);
    }
#endif

    value_type value_;
};

namespace detail
{
/// Adopts the result of an API whose failure value is `failure`. On failure the error is read
/// by `error_now` before anything else runs, so it is the API's own; nothing is closed.
/// Any other value the family cannot own is refused: the empty value with `errc::empty_value`,
/// anything else (a pseudo-handle) with `not_ownable`.
template <class Owner, class ErrorSource>
Owner adopt_result(typename Owner::value_type raw, typename Owner::value_type failure, ErrorSource error_now,
                   errc not_ownable, std::error_code &ec HANDOFF_CALL_SITE_PARAMETER) noexcept
{
    if (raw == failure)
    {
        ec = error_now();
        return Owner();
    }
    if (!Owner::traits_type::can_own(raw))
    {
        ec = make_error_code(raw == Owner::traits_type::empty() ? errc::empty_value : not_ownable);
        return Owner();
    }
    ec.clear();
    return Owner(raw HANDOFF_CALL_SITE_ARGUMENT);
}
} // namespace detail

HANDOFF_END_NAMESPACE

namespace std
{
/// Owners hash like their raw values.
template <class Traits> struct hash<handoff::basic_unique_handle<Traits>>
{
    size_t operator()(const handoff::basic_unique_handle<Traits> &owner) const noexcept
    {
        return hash<typename Traits::value_type>()(owner.get());
    }
};
} // namespace std

#endif // HANDOFF_UNIQUE_HANDLE_HPP_INCLUDED
