#!/usr/bin/env bash
# Builds and runs the whole test suite on every preset (native GCC, native clang with
# sanitizers, and three Windows builds run under Wine), then prints each preset's CTest summary.
#
#   scripts/test.sh [preset...]      (default: every preset)
#
# Installs the Debian packages it needs when run as root; otherwise says which are missing.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
handoff_require_packages "${HANDOFF_TEST_PACKAGES[@]}"

presets=("$@")
((${#presets[@]})) || presets=(linux-gcc linux-clang-asan windows-gcc-msvcrt windows-gcc-ucrt windows-clang)

mkdir -p build/logs
trap 'cmake/wine-run.sh --stop' EXIT

declare -A summary
failed_presets=0 total_passed=0 total_failed=0
for preset in "${presets[@]}"; do
    echo "=== ${preset} ==="
    log="build/logs/${preset}.log"
    start=$SECONDS
    cmake --workflow --preset "$preset" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    line=$(grep -E "^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -1)
    if [[ -z $line ]]; then
        line="no test summary: configure or build failed (see $log)"
        status=1
    else
        read -r total failed < <(sed -E 's/^[0-9]+% tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2 \1/' <<<"$line")
        total_failed=$((total_failed + failed))
        total_passed=$((total_passed + total - failed))
    fi
    ((status == 0)) || failed_presets=$((failed_presets + 1))
    summary[$preset]="$line ($((SECONDS - start)) s)"
done

echo
echo "=== summary ==="
for preset in "${presets[@]}"; do
    printf '%-20s %s\n' "$preset:" "${summary[$preset]}"
done
echo "total: ${total_passed} passed, ${total_failed} failed"
((failed_presets == 0))
