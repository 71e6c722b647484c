// handoff — explicit ownership of kernel handles, CRT descriptors and FILE streams.
// SPDX-License-Identifier: MIT
//
// The bookkeeping of one virtual descriptor, shared by the table and its leases: how a number
// encodes its table, slot and generation, the slot's state word (changed only by
// compare-and-swap, so that a lease of a resident descriptor takes no lock), and the registry
// of live tables that turns a number into its table without a lookup.

#ifndef HANDOFF_DETAIL_VFD_SLOT_HPP_INCLUDED
#define HANDOFF_DETAIL_VFD_SLOT_HPP_INCLUDED

#include <handoff/config.hpp>
#include <handoff/detail/fd_pager.hpp>

#include <atomic>
#include <cstdint>

HANDOFF_BEGIN_NAMESPACE

class fd_table;

namespace detail
{
// A number: bit 31 clear; bits 27-30 the table's tag (1-15); bits 7-26 the slot; bits 0-6
// the slot's generation, advanced each time the slot is closed.
constexpr unsigned vfd_tag_shift = 27;
constexpr unsigned vfd_index_shift = 7;
constexpr std::uint32_t vfd_generation_mask = 0x7f;
constexpr std::uint32_t vfd_max_tables = 16;
constexpr std::uint32_t vfd_max_slots = 1u << 20;
constexpr unsigned vfd_chunk_shift = 12;
constexpr std::uint32_t vfd_chunk_size = 1u << vfd_chunk_shift;
constexpr std::uint32_t vfd_no_slot = 0xffffffffu;

/// The parts of a number.
struct vfd_number
{
    std::uint32_t tag;
    std::uint32_t index;
    std::uint32_t generation;
};

/// Splits a number; false for one no table makes (below 2^27, negative).
constexpr bool decode_vfd(int number, vfd_number &out) noexcept
{
    if (number < (1 << vfd_tag_shift))
        return false;
    const auto bits = static_cast<std::uint32_t>(number);
    out.tag = bits >> vfd_tag_shift;
    out.index = (bits >> vfd_index_shift) & (vfd_max_slots - 1);
    out.generation = bits & vfd_generation_mask;
    return true;
}

/// The number of slot `index` of the table tagged `tag`, at `generation`.
constexpr int encode_vfd(std::uint32_t tag, std::uint32_t index, std::uint32_t generation) noexcept
{
    return static_cast<int>((tag << vfd_tag_shift) | (index << vfd_index_shift) | generation);
}

/// The live tables of this module, by tag (0 is never a tag). Constant-initialized.
inline std::atomic<fd_table *> vfd_tables[vfd_max_tables];

/// The generation at which the next table of each tag starts its slots: past every generation
/// the tag's earlier tables used, so that a number kept from one of them is refused.
inline std::atomic<std::uint32_t> vfd_tag_seeds[vfd_max_tables];

/// The generation a table seeded with `seed` gives slot `index` first.
constexpr std::uint32_t vfd_first_generation(std::uint32_t seed, std::uint32_t index) noexcept
{
    return (seed + index * 37u) & vfd_generation_mask;
}

// A slot's state word, changed only by compare-and-swap: the resident descriptor plus one
// (0: none), the pins (leases and calls in progress), the generation, and three flags.
constexpr std::uint64_t vfd_fd_field = 0xffffffffull;
constexpr std::uint64_t vfd_pin_one = 1ull << 32;
constexpr std::uint32_t vfd_max_pins = 0xffff;
constexpr unsigned vfd_generation_shift = 48;
constexpr std::uint64_t vfd_referenced = 1ull << 55; // leased since the clock hand last passed
constexpr std::uint64_t vfd_open = 1ull << 56;       // holds a descriptor
constexpr std::uint64_t vfd_closing = 1ull << 57;    // closed by its owner; goes when the last pin does
// Bits 58-63: hits not yet added to the table's count. The pin's compare-and-swap counts them
// for free; every 64th adds 64 to the table's count (the field wraps to 0), so a hit costs one
// shared read-modify-write less.
constexpr unsigned vfd_hits_shift = 58;
constexpr std::uint64_t vfd_hit_one = 1ull << vfd_hits_shift;
constexpr std::uint32_t vfd_hits_mask = 0x3f;

constexpr int vfd_state_fd(std::uint64_t state) noexcept
{
    return static_cast<int>(static_cast<std::uint32_t>(state & vfd_fd_field)) - 1;
}
constexpr std::uint32_t vfd_state_pins(std::uint64_t state) noexcept
{
    return static_cast<std::uint32_t>(state >> 32) & vfd_max_pins;
}
constexpr std::uint32_t vfd_state_generation(std::uint64_t state) noexcept
{
    return static_cast<std::uint32_t>(state >> vfd_generation_shift) & vfd_generation_mask;
}
constexpr std::uint32_t vfd_state_hits(std::uint64_t state) noexcept
{
    return static_cast<std::uint32_t>(state >> vfd_hits_shift);
}
/// True if the state is that of the open, not closing, descriptor of `generation`.
constexpr bool vfd_state_is(std::uint64_t state, std::uint32_t generation) noexcept
{
    return (state & (vfd_open | vfd_closing)) == vfd_open && vfd_state_generation(state) == generation;
}

/// One virtual descriptor's bookkeeping: 24 bytes with its handle on 64-bit Windows.
struct vfd_slot
{
    std::atomic<std::uint64_t> state{0};
    vfd_backing backing{};
    std::uint32_t mode = 0; // vfd_mode_bits; set while the slot is closed, read while pinned
    std::uint32_t link = 0; // the next free slot, or the slot's place in the clock ring
};

/// Where a pinned slot is, for the table to unpin.
struct vfd_pin
{
    vfd_slot *slot = nullptr;
    std::uint32_t index = 0;
};

class vfd_pinned;
} // namespace detail
HANDOFF_END_NAMESPACE

#endif // HANDOFF_DETAIL_VFD_SLOT_HPP_INCLUDED
