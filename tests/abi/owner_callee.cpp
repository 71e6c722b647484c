// Half of a program built by two compilers: a function that takes an owner by value and
// closes it. Built by GCC; owner_caller.cpp, built by clang, calls it.

#include <handoff/fd.hpp>

int take_and_close(handoff::unique_fd fd)
{
    const int value = fd.get();
    fd.reset(); // the callee closes: the caller must not
    return value;
}
