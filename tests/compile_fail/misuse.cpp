// Misuse that must not compile. Each HANDOFF_MISUSE_* case is built by its own target, and
// CTest passes only when the compiler rejects it and its first error says the expected words
// (the fix, where the mistake is in the use of handoff); without a case
// the file is built normally, which proves that the correct forms next to each misuse compile.

#if defined(HANDOFF_MISUSE_TRIVIAL_ABI_WITHOUT_CLANG)
#define HANDOFF_TRIVIAL_ABI 1 // only clang has [[clang::trivial_abi]]
#endif

#include <handoff/handoff.hpp>

#include <cstdio>
#include <optional>
#include <system_error>
#include <utility>

#if defined(_WIN32)
#include <fcntl.h>
#endif

namespace
{
struct traits_without_close
{
    using value_type = int;
    static constexpr int empty() noexcept
    {
        return -1;
    }
    static constexpr bool can_own(int value) noexcept
    {
        return value >= 0;
    }
};

struct traits_with_throwing_close_quietly
{
    using value_type = int;
    static constexpr int empty() noexcept
    {
        return -1;
    }
    static constexpr bool can_own(int value) noexcept
    {
        return value >= 0;
    }
    static std::error_code close(int) noexcept
    {
        return {};
    }
    static void close_quietly(int) // not noexcept: a destructor must not throw
    {
    }
};

void sink_by_value(handoff::unique_fd owner)
{
    (void)owner;
}
void sink_by_rvalue(handoff::unique_fd &&owner)
{
    handoff::unique_fd taken = std::move(owner);
    (void)taken;
}

// Overload sets with an owner beside another type (docs/reference.md): a standard conversion
// of the raw value still wins; a type that converts from it makes the call ambiguous.
[[maybe_unused]] int beside_long(handoff::unique_fd)
{
    return 1;
}
int beside_long(long)
{
    return 2;
}
[[maybe_unused]] void ambiguous_with_optional(handoff::unique_fd)
{
}
[[maybe_unused]] void ambiguous_with_optional(std::optional<int>)
{
}
} // namespace

int main()
{
    handoff::unique_fd owner;
#if defined(HANDOFF_MISUSE_COPY_CONSTRUCT)
    handoff::unique_fd copy = owner; // an owner cannot be copied
#elif defined(HANDOFF_MISUSE_COPY_ASSIGN)
    handoff::unique_fd other;
    other = owner; // nor copy-assigned
#elif defined(HANDOFF_MISUSE_IMPLICIT_ADOPT)
    handoff::unique_fd adopted = 3; // a raw value does not become an owner implicitly
#elif defined(HANDOFF_MISUSE_IMPLICIT_ADOPT_ARGUMENT)
    sink_by_value(3); // not even as an argument
#elif defined(HANDOFF_MISUSE_LVALUE_TO_RVALUE_SINK)
    sink_by_rvalue(owner); // a consuming parameter takes std::move(owner) only
#elif defined(HANDOFF_MISUSE_LVALUE_TO_VALUE_SINK)
    sink_by_value(owner); // the same for a by-value sink
#elif defined(HANDOFF_MISUSE_VIEW_TO_OWNER)
    handoff::unique_fd stolen(handoff::borrowed_fd(3)); // a view never becomes an owner
#elif defined(HANDOFF_MISUSE_FIX_ONLY_IN_SECOND_ERROR)
    static_assert(sizeof(int) == 0, "a first error that names nothing");
    static_assert(sizeof(char) == 0, "the fix, named second");
#elif defined(HANDOFF_MISUSE_OVERLOAD_WITH_CONVERTIBLE)
    ambiguous_with_optional(3); // the deleted converting constructor takes part (docs/reference.md)
#elif defined(HANDOFF_MISUSE_IMPLICIT_VIEW)
    handoff::borrowed_fd view = 3; // a raw value is borrowed only explicitly
#elif defined(HANDOFF_MISUSE_DISCARDED_RELEASE)
    owner.release(); // dropping release()'s result leaks the value
#elif defined(HANDOFF_MISUSE_GIVE_FROM_LVALUE)
    const int given = owner.give(); // give() hands over an owner that is moved: std::move(owner).give()
    (void)given;
#elif defined(HANDOFF_MISUSE_LVALUE_TO_HANDLE) && defined(_WIN32)
    handoff::unique_handle taken = handoff::to_handle(owner); // taking the handle consumes the fd
#elif defined(HANDOFF_MISUSE_CONST_MOVE_TO_HANDLE) && defined(_WIN32)
    const handoff::unique_fd fixed;
    handoff::unique_handle taken = handoff::to_handle(std::move(fixed)); // a const owner cannot be consumed
#elif defined(HANDOFF_MISUSE_CONST_MOVE_GIVE)
    const handoff::unique_fd fixed;
    const int given = std::move(fixed).give(); // a const owner cannot be given away
    (void)given;
#elif defined(HANDOFF_MISUSE_DERIVED_OWNER_TO_FILE)
    struct derived_owner : handoff::unique_fd
    {
    };
    derived_owner derived;
    handoff::unique_file stream = handoff::to_file(derived, "r"); // an owner of a derived type too
#elif defined(HANDOFF_MISUSE_REMOTE_IMPLICIT) && defined(_WIN32)
    handoff::remote_handle remote = {handoff::unique_handle(), nullptr}; // a raw value is owned only explicitly
#elif defined(HANDOFF_MISUSE_TO_FD_LVALUE) && defined(_WIN32)
    handoff::unique_handle h;
    handoff::unique_fd fd = handoff::to_fd(h); // neither moved nor lent: say which
#elif defined(HANDOFF_MISUSE_TO_FD_LVALUE_EC) && defined(_WIN32)
    handoff::unique_handle h;
    std::error_code ec;
    handoff::unique_fd fd = handoff::to_fd(h, _O_TEXT, ec); // the error_code forms too
#elif defined(HANDOFF_MISUSE_TO_FD_CONST_MOVE) && defined(_WIN32)
    const handoff::unique_handle h;
    handoff::unique_fd fd = handoff::to_fd(std::move(h)); // std::move of a const owner moves nothing
#elif defined(HANDOFF_MISUSE_TO_FILE_HANDLE_LVALUE) && defined(_WIN32)
    handoff::unique_handle h;
    handoff::unique_file stream = handoff::to_file(h, "w");
#elif defined(HANDOFF_MISUSE_TO_FILE_HANDLE_CONST_MOVE) && defined(_WIN32)
    const handoff::unique_handle h;
    handoff::unique_file stream = handoff::to_file(std::move(h), "w");
#elif defined(HANDOFF_MISUSE_TO_FILE_FD_LVALUE)
    handoff::unique_file stream = handoff::to_file(owner, "w"); // neither moved nor lent: say which
#elif defined(HANDOFF_MISUSE_TO_FILE_FD_CONST_MOVE)
    const handoff::unique_fd fixed;
    handoff::unique_file stream = handoff::to_file(std::move(fixed), "w");
#elif defined(HANDOFF_MISUSE_FD_FROM_NULLPTR)
    handoff::unique_fd none = nullptr; // nullptr means empty only where the raw value is a pointer
#elif defined(HANDOFF_MISUSE_FD_EQUALS_ZERO)
    const bool zero = owner == 0; // an owner is not its number: owner.get() == 0
    (void)zero;
#elif defined(HANDOFF_MISUSE_DANGLING_VIEW)
    handoff::borrowed_fd view = handoff::unique_fd(3); // the owner is gone at the semicolon
    (void)view;
#elif defined(HANDOFF_MISUSE_DANGLING_BORROW)
    handoff::borrowed_fd view = handoff::unique_fd(3).borrow();
    (void)view;
#elif defined(HANDOFF_MISUSE_DANGLING_PUT)
    int *const out = owner.put(); // the out-parameter is gone at the semicolon
    (void)out;
#elif defined(HANDOFF_MISUSE_DANGLING_GET)
    std::FILE *const raw = handoff::unique_file(std::tmpfile()).get(); // closed at the semicolon
    (void)raw;
#elif defined(HANDOFF_MISUSE_DANGLING_FD_OF)
    handoff::borrowed_fd view = handoff::fd_of(handoff::unique_file(std::tmpfile()));
    (void)view;
#elif defined(HANDOFF_MISUSE_DANGLING_DUPLICATE) && defined(_WIN32)
    handoff::borrowed_handle view =
        handoff::duplicate(handoff::current_process(), handoff::duplicate_options().allow_pseudo_handle());
    (void)view;
#elif defined(HANDOFF_MISUSE_DANGLING_HANDLE_OF) && defined(_WIN32)
    std::error_code ec;
    const handoff::borrowed_handle view = handoff::handle_of(handoff::unique_fd(3), ec);
    (void)view;
#elif defined(HANDOFF_MISUSE_THROWING_CLOSE_QUIETLY)
    handoff::basic_unique_handle<traits_with_throwing_close_quietly> quiet(3); // its destructor needs close_quietly
#elif defined(HANDOFF_MISUSE_INCOMPLETE_TRAITS)
    handoff::basic_unique_handle<traits_without_close> incomplete; // a family needs close()
#elif defined(HANDOFF_MISUSE_IMPLICIT_HANDLE_ADOPT) && defined(_WIN32)
    handoff::unique_handle event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
#else
#if defined(_WIN32)
    // Moved or lent, said at the call: both compile.
    {
        handoff::unique_handle h;
        std::error_code ec;
        handoff::unique_fd lent = handoff::to_fd(h.borrow(), ec);
        handoff::unique_fd moved = handoff::to_fd(std::move(h), ec);
        handoff::unique_file stream = handoff::to_file(handoff::unique_handle().borrow(), "w", ec);
        handoff::unique_handle taken = handoff::to_handle(std::move(moved), ec);
        const handoff::borrowed_handle inner = handoff::handle_of(lent, ec);
        handoff::unique_handle null_owner = nullptr;
        null_owner = nullptr;
        (void)inner;
        (void)(null_owner == nullptr);
        (void)stream;
        (void)taken;
    }
#endif
    {
        std::error_code ec;
        handoff::unique_file stream = handoff::to_file(owner.borrow(), "r", ec);
        handoff::unique_file moved = handoff::to_file(std::move(owner), "r", ec);
        (void)(stream == nullptr);
        (void)moved;
    }
    handoff::unique_fd adopted(3);
    handoff::unique_fd moved = std::move(adopted);
    owner = std::move(moved);
    const handoff::borrowed_fd view = owner;
    const handoff::borrowed_fd explicit_view(3);
    (void)view;
    (void)explicit_view;
    sink_by_rvalue(std::move(owner));
    sink_by_value(handoff::unique_fd());
    const int released = handoff::unique_fd().release();
    (void)released;
    const int given = handoff::unique_fd().give();
    (void)given;
    const int chosen = beside_long(3);
    (void)chosen;
#endif
    return 0;
}
