#!/usr/bin/env bash
# Builds the examples natively and for Windows, and runs each one (the Windows builds under
# Wine), printing what it shows.
#
# Installs the Debian packages it needs when run as root; otherwise says which are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
handoff_require_packages "${HANDOFF_DEMO_PACKAGES[@]}"
trap 'cmake/wine-run.sh --stop' EXIT

build_examples() { # name, extra cmake arguments...
    local dir="build/demo-$1"
    shift
    cmake -S . -B "$dir" -G Ninja -DHANDOFF_BUILD_TESTS=OFF -DHANDOFF_BUILD_EXAMPLES=ON "$@" >/dev/null
    cmake --build "$dir" >/dev/null
}

build_examples linux
build_examples windows -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake

for example in build/demo-linux/examples/example_*; do
    echo "=== $(basename "$example") (Linux) ==="
    "$example"
    echo
done
for example in build/demo-windows/examples/example_*.exe; do
    echo "=== $(basename "$example") (Windows, under Wine) ==="
    cmake/wine-run.sh "$example" | tr -d '\r'
    echo
done
