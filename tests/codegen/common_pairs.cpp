// The jobs that are the same on every platform: moving owners through calls, and containers
// of owners. Values are closed through codegen_count_close, so only the code that moves and
// tests them is measured.

#include <handoff/unique_handle.hpp>

#include "pair_declarations.hpp"
#include "pairs.hpp"

#include <memory>
#include <utility>
#include <vector>

using counted = handoff::basic_unique_handle<counted_traits>;
using counted_ptr = std::unique_ptr<void, counted_deleter>;

// Adopt, three moves by value, close. The raw chain checks for an empty value before it
// closes, as the owner's destructor does.

extern "C" CODEGEN_FUNCTION void raw_move_chain3(void *value) noexcept
{
    if (value != nullptr)
        codegen_count_close(value);
}
extern "C" CODEGEN_FUNCTION void raw_move_chain2(void *value) noexcept
{
    raw_move_chain3(value);
}
extern "C" CODEGEN_FUNCTION void raw_move_chain1(void *value) noexcept
{
    raw_move_chain2(value);
}
extern "C" CODEGEN_FUNCTION void raw_move_chain(void *value) noexcept
{
    raw_move_chain1(value);
}

extern "C" CODEGEN_FUNCTION void handoff_move_chain3(counted owner) noexcept
{
    (void)owner;
}
extern "C" CODEGEN_FUNCTION void handoff_move_chain2(counted owner) noexcept
{
    handoff_move_chain3(std::move(owner));
}
extern "C" CODEGEN_FUNCTION void handoff_move_chain1(counted owner) noexcept
{
    handoff_move_chain2(std::move(owner));
}
extern "C" CODEGEN_FUNCTION void handoff_move_chain(void *value) noexcept
{
    handoff_move_chain1(counted(value));
}

extern "C" CODEGEN_FUNCTION void uptr_move_chain3(counted_ptr owner) noexcept
{
    (void)owner;
}
extern "C" CODEGEN_FUNCTION void uptr_move_chain2(counted_ptr owner) noexcept
{
    uptr_move_chain3(std::move(owner));
}
extern "C" CODEGEN_FUNCTION void uptr_move_chain1(counted_ptr owner) noexcept
{
    uptr_move_chain2(std::move(owner));
}
extern "C" CODEGEN_FUNCTION void uptr_move_chain(void *value) noexcept
{
    uptr_move_chain1(counted_ptr(value));
}

// Containers: push every value, take half of them out, destroy the rest. Three ways of taking
// out: from the back (pop_back), from scattered places (erase shifts the tail), from the front
// (erase shifts everything: std::vector moves a raw value with memmove and an owner one move
// assignment at a time, whichever owner it is).

namespace
{
template <class Loop> void for_each_scattered(int count, Loop &&take_out)
{
    for (int i = 0; i < count / 2; ++i)
        take_out(static_cast<std::size_t>((i * 37) % (count - i)));
}
} // namespace

extern "C" CODEGEN_FUNCTION void raw_vector_pop(void *const *values) noexcept
{
    std::vector<void *> table;
    for (int i = 0; i < codegen_loop_size; ++i)
        table.push_back(values[i]);
    for (int i = 0; i < codegen_loop_size / 2; ++i)
    {
        if (table.back() != nullptr)
            codegen_count_close(table.back());
        table.pop_back();
    }
    for (void *value : table)
        if (value != nullptr)
            codegen_count_close(value);
}

extern "C" CODEGEN_FUNCTION void handoff_vector_pop(void *const *values) noexcept
{
    std::vector<counted> table;
    for (int i = 0; i < codegen_loop_size; ++i)
        table.push_back(counted(values[i]));
    for (int i = 0; i < codegen_loop_size / 2; ++i)
        table.pop_back();
}

extern "C" CODEGEN_FUNCTION void uptr_vector_pop(void *const *values) noexcept
{
    std::vector<counted_ptr> table;
    for (int i = 0; i < codegen_loop_size; ++i)
        table.push_back(counted_ptr(values[i]));
    for (int i = 0; i < codegen_loop_size / 2; ++i)
        table.pop_back();
}

extern "C" CODEGEN_FUNCTION void raw_vector_scattered(void *const *values) noexcept
{
    std::vector<void *> table;
    for (int i = 0; i < codegen_loop_size; ++i)
        table.push_back(values[i]);
    for_each_scattered(codegen_loop_size, [&](std::size_t at) {
        if (table[at] != nullptr)
            codegen_count_close(table[at]);
        table.erase(table.begin() + static_cast<std::ptrdiff_t>(at));
    });
    for (void *value : table)
        if (value != nullptr)
            codegen_count_close(value);
}

extern "C" CODEGEN_FUNCTION void handoff_vector_scattered(void *const *values) noexcept
{
    std::vector<counted> table;
    for (int i = 0; i < codegen_loop_size; ++i)
        table.push_back(counted(values[i]));
    for_each_scattered(codegen_loop_size,
                       [&](std::size_t at) { table.erase(table.begin() + static_cast<std::ptrdiff_t>(at)); });
}

extern "C" CODEGEN_FUNCTION void uptr_vector_scattered(void *const *values) noexcept
{
    std::vector<counted_ptr> table;
    for (int i = 0; i < codegen_loop_size; ++i)
        table.push_back(counted_ptr(values[i]));
    for_each_scattered(codegen_loop_size,
                       [&](std::size_t at) { table.erase(table.begin() + static_cast<std::ptrdiff_t>(at)); });
}

extern "C" CODEGEN_FUNCTION void raw_vector_front(void *const *values) noexcept
{
    std::vector<void *> table;
    for (int i = 0; i < codegen_loop_size; ++i)
        table.push_back(values[i]);
    for (int i = 0; i < codegen_loop_size / 2; ++i)
    {
        if (table.front() != nullptr)
            codegen_count_close(table.front());
        table.erase(table.begin());
    }
    for (void *value : table)
        if (value != nullptr)
            codegen_count_close(value);
}

extern "C" CODEGEN_FUNCTION void handoff_vector_front(void *const *values) noexcept
{
    std::vector<counted> table;
    for (int i = 0; i < codegen_loop_size; ++i)
        table.push_back(counted(values[i]));
    for (int i = 0; i < codegen_loop_size / 2; ++i)
        table.erase(table.begin());
}

extern "C" CODEGEN_FUNCTION void uptr_vector_front(void *const *values) noexcept
{
    std::vector<counted_ptr> table;
    for (int i = 0; i < codegen_loop_size; ++i)
        table.push_back(counted_ptr(values[i]));
    for (int i = 0; i < codegen_loop_size / 2; ++i)
        table.erase(table.begin());
}
