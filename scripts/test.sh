#!/usr/bin/env bash
# Builds and runs the whole test suite on every preset (native GCC, native clang with ASan +
# UBSan and with TSan, three 64-bit Windows builds and a 32-bit one, run under Wine, and the
# ownership checks on natively and for Windows), then prints each
# preset's CTest summary.
#
#   scripts/test.sh [preset...]      (default: every preset)
#
# Installs the Debian packages it needs, 32-bit Wine included, when run as root; otherwise says
# which are missing.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
handoff_require_packages "${HANDOFF_TEST_PACKAGES[@]}"

presets=("$@")
((${#presets[@]})) || presets=(linux-gcc linux-clang-asan linux-clang-tsan linux-clang-checks linux-gcc-tsan-checks windows-gcc-msvcrt windows-gcc-ucrt windows-clang
                               windows-gcc-i686 windows-gcc-checks)
[[ " ${presets[*]} " == *" windows-gcc-i686 "* ]] && handoff_require_wine32

# wine64 exits 0 on a 32-bit program without running it when 32-bit Wine is missing, which
# would pass every test unseen: the 32-bit preset runs its tests only after its canary, which
# must print its line and exit with 7, really ran. A prefix made before 32-bit Wine was
# installed cannot run it: the prefix is made anew once before the command gives up.
canary_runs() { # preset
    local output code
    output=$(cmake/wine-run.sh "build/$1/tests/handoff_canary.exe" 2>&1)
    code=$?
    [[ $code -eq 7 && $output == *"canary ran"* ]] && return 0
    echo "$1: the canary exited with $code, not 7: $output"
    return 1
}

run_workflow() { # preset
    if [[ $1 != windows-gcc-i686 ]]; then
        cmake --workflow --preset "$1"
        return
    fi
    cmake --preset "$1" && cmake --build --preset "$1" || return
    if ! canary_runs "$1"; then
        echo "$1: making the Wine prefix anew, with 32-bit support"
        cmake/wine-run.sh --stop
        rm -rf build/wineprefix
        if ! canary_runs "$1"; then
            echo "$1: FAILED: 32-bit Wine cannot run 32-bit programs here (is wine32:i386 installed?)"
            return 1
        fi
    fi
    ctest --preset "$1"
}

mkdir -p build/logs
trap 'cmake/wine-run.sh --stop' EXIT

declare -A summary failures
failed_presets=0 total_passed=0 total_failed=0
for preset in "${presets[@]}"; do
    echo "=== ${preset} ==="
    log="build/logs/${preset}.log"
    start=$SECONDS
    run_workflow "$preset" 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    line=$(grep -E "^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -1)
    if [[ -z $line ]]; then
        line=$(grep -E "^${preset}: FAILED" "$log" | tail -1)
        line=${line#"${preset}: "}
        [[ -n $line ]] || line="no test summary: configure or build failed (see $log)"
        status=1
    else
        read -r total failed < <(sed -E 's/^[0-9]+% tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2 \1/' <<<"$line")
        total_failed=$((total_failed + failed))
        total_passed=$((total_passed + total - failed))
    fi
    ((status == 0)) || failed_presets=$((failed_presets + 1))
    summary[$preset]="$line ($((SECONDS - start)) s)"
    # The log's tail may be all a reader of the run gets: name what failed where it is seen.
    failures[$preset]=$(sed -n '/^The following tests FAILED:/,/^Errors while running CTest/p' "$log" |
                        grep -E '^[[:space:]]+[0-9]+ - ' || true)
done

echo
echo "=== summary ==="
for preset in "${presets[@]}"; do
    printf '%-20s %s\n' "$preset:" "${summary[$preset]}"
    [[ -z ${failures[$preset]} ]] || printf '%s\n' "${failures[$preset]}"
done
echo "total: ${total_passed} passed, ${total_failed} failed"
((failed_presets == 0))
