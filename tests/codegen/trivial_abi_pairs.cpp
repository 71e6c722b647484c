// The move chain with HANDOFF_TRIVIAL_ABI=1 (clang only): owners passed in registers, as raw
// values are. The owners of this file carry the ABI tag, so they are a different type from
// common_pairs.cpp's, and both can live in one program.

#define HANDOFF_TRIVIAL_ABI 1

#include <handoff/unique_handle.hpp>

#include "pair_declarations.hpp"
#include "pairs.hpp"

#include <utility>

using trivial_counted = handoff::basic_unique_handle<counted_traits>;

extern "C" CODEGEN_FUNCTION void trivial_move_chain3(trivial_counted owner) noexcept
{
    (void)owner;
}
extern "C" CODEGEN_FUNCTION void trivial_move_chain2(trivial_counted owner) noexcept
{
    trivial_move_chain3(std::move(owner));
}
extern "C" CODEGEN_FUNCTION void trivial_move_chain1(trivial_counted owner) noexcept
{
    trivial_move_chain2(std::move(owner));
}
extern "C" CODEGEN_FUNCTION void trivial_move_chain(void *value) noexcept
{
    trivial_move_chain1(trivial_counted(value));
}
