#!/usr/bin/env python3
# Mutation run: plants each mutant of scripts/mutation/mutants.txt, one at a time, in a scratch
# copy of the repository, rebuilds the test executable and runs it, and reports which mutants the
# suite killed. Opt-in and slow: see docs/testing.md, "Mutation testing".
#
#   scripts/mutation/run.sh [--builds linux-gcc,windows-gcc-msvcrt] [--ids U01,T02] [--scratch DIR]
#                           [--jobs N] [--timeout SECONDS] [--report FILE] [--fresh] [--list]
#
# --builds    which builds to run (default: every build some mutant names); a mutant runs on each
#             of its builds that is selected
# --ids       run only these mutants (comma-separated), in that order
# --scratch   the scratch directory (default handoff-mutation in the temporary directory): the copy is in DIR/src, its
#             builds in DIR/src/build/<build>, the Wine prefix in DIR/wineprefix
# --fresh     copy the repository anew (otherwise only files that differ are copied again, so the
#             configured builds stay warm)
# --jobs      build parallelism (default 2); everything runs under nice -n 10
# --timeout   seconds a build or a test run may take (default 1200)
# --report    where the Markdown report goes (default DIR/report.md); rewritten after each mutant
# --list      check every mutant's snippet against the repository and list them; run nothing
#
# Each build is configured once, and only the main test executable (handoff_tests) and what it
# needs are built (the build also lists its tests, which runs it). Native builds run every test
# case in one process; Windows builds run under cmake/wine-run.sh with the mutant's Catch2
# filter; the build and the run use a Wine prefix of the scratch copy's own (its own wineserver,
# stopped at the end). The unmutated suite must build and pass with each filter first. Results:
# "killed" (the run failed: the report names its first failed assertion), "timeout" (the run
# took longer than --timeout, which the unmutated one did not: counted as killed), "survived",
# and "invalid" for a mutant that does not build or whose snippet does not occur exactly once
# (not counted: a defect the compiler rejects tests nothing of the suite).
import argparse
import os
import shutil
import signal
import subprocess
import tempfile
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TARGET = "handoff_tests"
LOG_LIMIT = 4 << 20
OFF = ["-DHANDOFF_MSVC_MODE_CHECK=OFF", "-DHANDOFF_DOCS_CHECK=OFF", "-DHANDOFF_VALGRIND_CHECK=OFF",
       "-DHANDOFF_BUILD_EXAMPLES=OFF"]
# build name -> (CMake preset, extra cache arguments, runs under Wine)
BUILDS = {
    "linux-gcc": ("linux-gcc", OFF, False),
    "linux-gcc-checks": ("linux-gcc", OFF + ["-DHANDOFF_CHECKS=ON"], False),
    "windows-gcc-msvcrt": ("windows-gcc-msvcrt", OFF, True),
    "windows-gcc-ucrt": ("windows-gcc-ucrt", OFF, True),
}


def parse_mutants(path):
    mutants, current, section = [], None, None
    with open(path, encoding="utf-8") as f:
        for raw in f.read().split("\n"):
            if raw.startswith("=== "):
                current = {"id": raw[4:].strip(), "file": "", "presets": [], "filter": "", "what": "",
                           "original": [], "replacement": []}
                mutants.append(current)
                section = None
            elif current is None:
                continue
            elif raw == "--- original":
                section = "original"
            elif raw == "--- replacement":
                section = "replacement"
            elif section is not None:
                current[section].append(raw)
            elif raw.startswith("#") or not raw.strip():
                continue
            else:
                key, _, value = raw.partition(":")
                value = value.strip()
                if key == "presets":
                    current["presets"] = value.split()
                elif key in ("file", "filter", "what"):
                    current[key] = value
                else:
                    sys.exit("mutants.txt: unknown field %r in %s" % (key, current["id"]))
    for m in mutants:
        for section in ("original", "replacement"):
            lines = m[section]
            # A snippet ends before the blank lines and "# " comments that follow it (a
            # directive such as "#endif" has no space, and stays).
            while lines and (not lines[-1].strip() or lines[-1].startswith("# ")):
                lines.pop()
            m[section] = "\n".join(lines)
    return mutants


def count_in(path, snippet):
    with open(path, encoding="utf-8") as f:
        return f.read().count(snippet)


def log(message):
    print(message, flush=True)


def run(command, cwd, timeout=None, env=None, output=None):
    """Runs a command under nice; returns (status or 'timeout', seconds)."""
    start = time.time()
    sink = open(output, "w") if output else subprocess.DEVNULL
    try:
        process = subprocess.Popen(["nice", "-n", "10"] + command, cwd=cwd, env=env, stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            status = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)  # the group this run started
            process.wait()
            status = "timeout"
        except KeyboardInterrupt:
            # Its own session does not get the terminal's signal: stop it before the header is
            # restored, so that no mutated object is written after.
            os.killpg(process.pid, 9)
            process.wait()
            raise
    finally:
        if output:
            sink.close()
    return status, time.time() - start


def first_failure(output):
    """The first line of a test log that says what failed, for the report; trims a huge log."""
    found = ""
    try:
        with open(output, encoding="utf-8", errors="replace") as f:
            for line in f:
                if ": FAILED:" in line or line.startswith("test bed:") or "No test cases matched" in line:
                    found = line.strip()
                    break
        if os.path.getsize(output) > LOG_LIMIT:  # a failing loop can print hundreds of megabytes
            with open(output, "rb") as f:
                f.seek(-LOG_LIMIT // 2, os.SEEK_END)
                tail = f.read()
            with open(output, "wb") as f:
                f.write(b"[log trimmed to its last %d bytes]\n" % len(tail) + tail)
    except OSError:
        pass
    return found.replace("|", "/")


def copy_repository(src, fresh):
    if fresh and os.path.isdir(src):
        shutil.rmtree(src)
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, check=True, capture_output=True).stdout
    for name in files.decode().split("\0"):
        if not name or not os.path.isfile(os.path.join(REPO, name)):
            continue
        source, target = os.path.join(REPO, name), os.path.join(src, name)
        if os.path.exists(target):
            with open(source, "rb") as a, open(target, "rb") as b:
                if a.read() == b.read():
                    continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(source, target)
        os.utime(target)  # newer than the objects built from an older copy


def stop_on_term(signum, frame):
    raise KeyboardInterrupt  # so that the planted header is restored on a kill too


def main():
    signal.signal(signal.SIGTERM, stop_on_term)
    parser = argparse.ArgumentParser(description="handoff's mutation run")
    parser.add_argument("--builds", default="")
    parser.add_argument("--ids", default="")
    parser.add_argument("--scratch", default=os.path.join(tempfile.gettempdir(), "handoff-mutation"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=1200)
    parser.add_argument("--report", default="")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()

    mutants = parse_mutants(os.path.join(HERE, "mutants.txt"))
    ids = [i for i in args.ids.split(",") if i]
    unknown = [i for i in ids if i not in {m["id"] for m in mutants}]
    if unknown:
        sys.exit("unknown mutant ids: " + ", ".join(unknown))
    if ids:
        by_id = {m["id"]: m for m in mutants}
        mutants = [by_id[i] for i in ids]  # in the order given
    for m in mutants:
        bad = [p for p in m["presets"] if p not in BUILDS]
        if bad or not m["presets"]:
            sys.exit("%s: unknown or missing presets %s" % (m["id"], bad))
    if args.list:
        for m in mutants:
            n = count_in(os.path.join(REPO, m["file"]), m["original"])
            log("%-4s %-40s %-30s %s%s" % (m["id"], m["file"][len("include/"):], ",".join(m["presets"]), m["what"],
                                           "" if n == 1 else "  [INVALID: the snippet occurs %d times]" % n))
        return 0
    builds = [b for b in args.builds.split(",") if b] or sorted({p for m in mutants for p in m["presets"]})
    for b in builds:
        if b not in BUILDS:
            sys.exit("unknown build %s (known: %s)" % (b, ", ".join(BUILDS)))

    scratch = os.path.abspath(args.scratch)
    src = os.path.join(scratch, "src")
    report_path = args.report or os.path.join(scratch, "report.md")
    logs = os.path.join(scratch, "logs")
    os.makedirs(logs, exist_ok=True)
    log("copying the repository to %s" % src)
    copy_repository(src, args.fresh)
    env = dict(os.environ, WINEPREFIX=os.path.join(scratch, "wineprefix"))

    results = []  # (mutant, build, outcome, seconds)
    timings = {}
    for build in builds:
        preset, extra, wine = BUILDS[build]
        chosen = [m for m in mutants if build in m["presets"]]
        if not chosen:
            continue
        binary = os.path.join(src, "build", build)
        started = time.time()
        if not os.path.exists(os.path.join(binary, "CMakeCache.txt")):
            log("[%s] configuring" % build)
            status, _ = run(["cmake", "--preset", preset, "-B", binary] + extra, src,
                            output=os.path.join(logs, build + "-configure.log"))
            if status != 0:
                sys.exit("[%s] configure failed: %s" % (build, os.path.join(logs, build + "-configure.log")))
        exe = os.path.join(binary, "tests", TARGET + (".exe" if wine else ""))

        def build_it(tag):
            # The build lists the tests (Catch2's discovery runs the executable, under Wine for a
            # Windows build): it gets the scratch prefix too.
            return run(["cmake", "--build", binary, "--target", TARGET, "-j", str(args.jobs)], src,
                       timeout=args.timeout, env=env, output=os.path.join(logs, "%s-%s-build.log" % (build, tag)))

        def test_it(tag, spec):
            if wine:
                command = [os.path.join(src, "cmake", "wine-run.sh"), exe, "-w", "NoTests"] + ([spec] if spec else [])
            else:
                command = [exe, "-w", "NoTests"]
            return run(command, os.path.dirname(exe), timeout=args.timeout, env=env,
                       output=os.path.join(logs, "%s-%s-test.log" % (build, tag)))

        log("[%s] building the unmutated suite" % build)
        status, seconds = build_it("baseline")
        if status != 0:
            sys.exit("[%s] the unmutated build failed (%s)" % (build, status))
        for spec in sorted({m["filter"] if wine else "" for m in chosen}):
            status, seconds = test_it("baseline", spec)
            if status != 0:
                sys.exit("[%s] the unmutated suite fails (filter %r): %s" % (build, spec,
                         os.path.join(logs, build + "-baseline-test.log")))
        log("[%s] baseline passes" % build)

        for m in chosen:
            path = os.path.join(src, m["file"])
            with open(path, encoding="utf-8") as f:
                pristine = f.read()
            occurrences = pristine.count(m["original"])
            if occurrences != 1:
                results.append((m, build, "invalid (snippet occurs %d times)" % occurrences, 0.0, ""))
                log("[%s] %s invalid" % (build, m["id"]))
                continue
            begun = time.time()
            try:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(pristine.replace(m["original"], m["replacement"]))
                status, _ = build_it(m["id"])
                evidence = ""
                if status != 0:
                    # A mutant that does not build tests nothing of the suite: not counted.
                    outcome = "invalid (build timeout)" if status == "timeout" else "invalid (does not compile)"
                else:
                    output = os.path.join(logs, "%s-%s-test.log" % (build, m["id"]))
                    status, _ = test_it(m["id"], m["filter"] if wine else "")
                    outcome = "timeout" if status == "timeout" else "killed" if status != 0 else "survived"
                    evidence = first_failure(output) if outcome == "killed" else ""
            finally:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(pristine)
            seconds = time.time() - begun
            results.append((m, build, outcome, seconds, evidence))
            log("[%s] %-4s %-17s %5.0f s  %s" % (build, m["id"], outcome, seconds, m["what"]))
            timings[build] = time.time() - started
            write_report(report_path, results, timings)  # kept current: an interrupted run still has one
        timings[build] = time.time() - started
        if wine:
            subprocess.run([os.path.join(src, "cmake", "wine-run.sh"), "--stop"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # this run's own server (its own prefix)

    survivors = write_report(report_path, results, timings)
    log(open(report_path, encoding="utf-8").read())
    log("\nreport: %s" % report_path)
    return 0 if not survivors else 1


def write_report(report_path, results, timings):
    """Writes the Markdown report of the results so far; returns the survivors."""
    counted = [r for r in results if not r[2].startswith("invalid")]
    killed = [r for r in counted if r[2] != "survived"]
    score = 100.0 * len(killed) / len(counted) if counted else 0.0
    lines = ["# handoff mutation run", "", "| id | header | build | result | seconds | defect | first failure |",
             "|---|---|---|---|---|---|---|"]
    for m, build, outcome, seconds, evidence in results:
        lines.append("| %s | %s | %s | %s | %.0f | %s | %s |" % (m["id"], m["file"][len("include/"):], build,
                                                               outcome, seconds, m["what"], evidence))
    lines += ["", "Time per build: " + ", ".join("%s %.0f s" % (b, t) for b, t in timings.items()),
              "", "Score: %d of %d killed (%.1f %%)." % (len(killed), len(counted), score)]
    survivors = [r for r in results if r[2] == "survived"]
    if survivors:
        lines += ["", "Survivors: " + ", ".join("%s (%s)" % (r[0]["id"], r[1]) for r in survivors)]
    with open(report_path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return survivors


if __name__ == "__main__":
    sys.exit(main())
