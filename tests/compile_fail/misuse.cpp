// Misuse that must not compile. Each HANDOFF_MISUSE_* case is built by its own target, and
// CTest passes only when the compiler rejects it with the expected diagnostic; without a case
// the file is built normally, which proves that the correct forms next to each misuse compile.

#include <handoff/handoff.hpp>

#include <utility>

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

void sink_by_value(handoff::unique_fd owner)
{
    (void)owner;
}
void sink_by_rvalue(handoff::unique_fd &&owner)
{
    handoff::unique_fd taken = std::move(owner);
    (void)taken;
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
#elif defined(HANDOFF_MISUSE_IMPLICIT_VIEW)
    handoff::borrowed_fd view = 3; // a raw value is borrowed only explicitly
#elif defined(HANDOFF_MISUSE_DISCARDED_RELEASE)
    owner.release(); // dropping release()'s result leaks the value
#elif defined(HANDOFF_MISUSE_GIVE_FROM_LVALUE)
    const int given = owner.give(); // give() hands over an owner that is moved: std::move(owner).give()
#elif defined(HANDOFF_MISUSE_LVALUE_TO_HANDLE) && defined(_WIN32)
    handoff::unique_handle taken = handoff::to_handle(owner); // taking the handle consumes the fd
#elif defined(HANDOFF_MISUSE_INCOMPLETE_TRAITS)
    handoff::basic_unique_handle<traits_without_close> incomplete; // a family needs close()
#elif defined(HANDOFF_MISUSE_IMPLICIT_HANDLE_ADOPT) && defined(_WIN32)
    handoff::unique_handle event = ::CreateEventW(nullptr, TRUE, FALSE, nullptr);
#else
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
#endif
    return 0;
}
