# Sourced by the other scripts: makes sure the Debian packages they need are installed.
#
#   handoff_require_packages package...
#
# As root, installs what is missing with apt-get. Otherwise prints the exact command to run
# and exits, because a script that half-works without its tools would only mislead.

handoff_require_packages() {
    local missing=() package
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    ((${#missing[@]} == 0)) && return 0

    if [[ $(id -u) -ne 0 ]]; then
        echo "Missing Debian packages: ${missing[*]}" >&2
        echo "Install them as root, then run this again:" >&2
        echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
    echo "Installing missing Debian packages: ${missing[*]}"
    # An unrelated broken index must not stop the install of packages the other indexes have.
    apt-get update -qq || echo "apt-get update reported errors; trying the install anyway" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# 32-bit Windows programs run under the 32-bit half of Wine, wine32:i386, which needs Debian's
# i386 architecture. As root, adds it and installs the package; otherwise prints the commands.
handoff_require_wine32() {
    if dpkg-query -W -f='${Status}' wine32:i386 2>/dev/null | grep -q "install ok installed"; then
        return 0
    fi
    if [[ $(id -u) -ne 0 ]]; then
        echo "Missing: 32-bit Wine (wine32:i386). Install it as root, then run this again:" >&2
        echo "  dpkg --add-architecture i386 && apt-get update && apt-get install -y wine32:i386" >&2
        exit 1
    fi
    echo "Installing 32-bit Wine (wine32:i386)"
    dpkg --add-architecture i386
    apt-get update -qq || echo "apt-get update reported errors; trying the install anyway" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wine32:i386 >/dev/null
}

# Every package the native and Windows builds, their tests and the examples use.
HANDOFF_TEST_PACKAGES=(cmake ninja-build g++ clang-14 lld-14 libclang-rt-14-dev
                       g++-mingw-w64-x86-64-posix g++-mingw-w64-i686-posix wine64 catch2
                       clang-tools-14 libwine-dev libc++-14-dev doxygen graphviz fonts-dejavu-core meson binutils valgrind python3)
HANDOFF_DEMO_PACKAGES=(cmake ninja-build g++ g++-mingw-w64-x86-64-posix wine64)
# What bench/run.sh builds and runs with: both compilers natively, both for Windows, Wine, gnuplot.
HANDOFF_BENCH_PACKAGES=(cmake ninja-build g++ clang-14 lld-14 libclang-rt-14-dev g++-mingw-w64-x86-64-posix
                        wine64 gnuplot-nox python3)
