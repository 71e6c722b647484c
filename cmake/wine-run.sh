#!/bin/sh
# Runs a Windows program under wine64: wine-run.sh program.exe [args...]
# Stops the prefix's wineserver and its services: wine-run.sh --stop
#
# Every call shares one prefix and one persistent wineserver. The first call of a run starts
# the server and boots the prefix with their output detached, because Wine's background
# services inherit the stderr of whoever starts them, and CTest waits for that pipe to close.
#
# Environment: WINEPREFIX (default: build/wineprefix in this source tree), WINEDEBUG (default
# -all), HANDOFF_WINE_TMPDIR (default /tmp: wineserver's socket lives under TMPDIR, so every
# call must see the same one or a second server starts), HANDOFF_WINE, HANDOFF_WINESERVER.
# A program that crashes exits with its exception code: winedbg, which Wine would start to
# report the crash, is disabled, because it can hang on a process that crashed inside the
# loader and would turn a failing test into a stuck one.
set -u
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
WINEPREFIX=${WINEPREFIX:-$(dirname -- "$here")/build/wineprefix}
WINEDEBUG=${WINEDEBUG:--all}
TMPDIR=${HANDOFF_WINE_TMPDIR:-/tmp}
WINEDLLOVERRIDES="winedbg.exe=d${WINEDLLOVERRIDES:+;$WINEDLLOVERRIDES}"
export WINEPREFIX WINEDEBUG TMPDIR WINEDLLOVERRIDES
wine=${HANDOFF_WINE:-/usr/lib/wine/wine64}
wineserver=${HANDOFF_WINESERVER:-/usr/lib/wine/wineserver}

if [ ! -x "$wine" ]; then
    echo "wine-run.sh: $wine not found; install it with: apt-get install wine64" >&2
    exit 127
fi
if [ "${1-}" = "--stop" ]; then
    [ -d "$WINEPREFIX" ] && "$wineserver" -k </dev/null >/dev/null 2>&1
    exit 0
fi

mkdir -p "$WINEPREFIX" || exit 127

# The lock keeps parallel tests from racing to start the server; descriptor 9 is closed for
# the daemons so that they do not hold the lock forever.
(
    flock 9
    # -p: stay up until killed. Exit status 0 means this call started the server.
    if "$wineserver" -p </dev/null >/dev/null 2>&1 9>&-; then
        "$wine" wineboot </dev/null >/dev/null 2>&1 9>&-
    fi
) 9>"$WINEPREFIX.lock"

# The program's output goes through files, not straight to our stdout and stderr: a Wine
# service that a program happens to start inherits them, and a test runner that waits for its
# pipes to close would then wait for that service forever.
out=$(mktemp) && err=$(mktemp) || exit 127
"$wine" "$@" >"$out" 2>"$err"
status=$?
# Rarely, under many parallel starts, Wine ends a program within milliseconds with a failure
# status and not one byte of output, before the program ran. Every program run here prints
# something when it fails, so that one case is a failed start, and it is started once more. (A
# crash is silent too: a program whose crash must never pass on a second try prints a line
# before it can crash, as tests/late_winsock does.)
if [ "$status" -ne 0 ] && [ ! -s "$out" ] && [ ! -s "$err" ]; then
    "$wine" "$@" >"$out" 2>"$err"
    status=$?
fi
# A program that could not load a DLL exits silently, since WINEDEBUG=-all hides the loader's
# message: say what to look at.
if [ "$status" -eq 53 ] && [ ! -s "$out" ] && [ ! -s "$err" ]; then
    echo "wine-run.sh: $1 did not start (status 53): a DLL it needs was not found. Link it with -static," \
         "or run it with WINEDEBUG=err+module to see which DLL." >"$err"
fi
cat "$out"
cat "$err" >&2
rm -f "$out" "$err"
exit "$status"
