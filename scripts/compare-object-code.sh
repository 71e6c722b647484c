#!/usr/bin/env bash
# Compiles the code-generation pairs (tests/codegen) against the headers of a commit and
# against the working tree's, with each compiler of this machine, and prints how many
# instructions each object has and how many disassembly lines differ: 0 means the headers
# compile to the same code. docs/checks.md uses it to show that the ownership checks, off,
# change no instruction.
#
#   scripts/compare-object-code.sh <commit>
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: scripts/compare-object-code.sh <commit>}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/base"
git archive "$base" include | tar -x -C "$scratch/base"

compare() { # compiler unit [flags...]
    local compiler=$1 unit=$2
    shift 2
    local compiled=()
    for tree in "$scratch/base/include" include; do
        local object="$scratch/$(basename "$unit").${#compiled[@]}.o"
        $compiler -std=c++17 -O2 "$@" -c -I"$tree" -Itests/codegen "tests/codegen/$unit.cpp" -o "$object"
        objdump -d --no-show-raw-insn "$object" | tail -n +4 >"$object.txt"
        compiled+=("$object.txt")
    done
    printf '%-34s %-14s %6s instructions, %s lines differ\n' "$compiler" "$unit" \
        "$(grep -c '^ ' "${compiled[0]}")" "$(diff "${compiled[0]}" "${compiled[1]}" | grep -c '^[<>]' || true)"
}

for unit in posix_pairs common_pairs; do
    compare g++ "$unit"
    compare clang++-14 "$unit"
done
# clang for MinGW needs the sysroot the windows-clang preset makes (cmake --preset windows-clang).
sysroot=build/windows-clang/mingw-clang-sysroot
for unit in windows_pairs common_pairs; do
    compare x86_64-w64-mingw32-g++-posix "$unit"
    if [[ -d $sysroot ]]; then
        compare "clang++-14 --target=x86_64-w64-mingw32 --sysroot=$sysroot" "$unit"
    fi
done
[[ -d $sysroot ]] || echo "(no $sysroot: configure the windows-clang preset to compare clang for MinGW too)"
