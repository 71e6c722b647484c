#!/usr/bin/env bash
# Builds the benchmark for every platform it runs on here, runs it (natively, and under Wine with
# msvcrt.dll and with the UCRT), and plots the ratios. Not part of the test run: the figures are
# the result, and a loaded machine moves them.
#
#   bench/run.sh [--quick] [--docs] [--plot-only] [preset...]
#
#     --plot-only  no runs: plot build/bench/results.csv as a previous run left it
#     --quick   5 rounds of 10 ms blocks instead of 15 rounds of 20 ms (a look, not a figure)
#     --docs    also copy the plot to docs/images/benchmarks.png
#     preset    bench-linux-gcc bench-linux-clang bench-windows-gcc-msvcrt
#               bench-windows-gcc-ucrt bench-windows-clang (default: all five)
#
# Runs handoff_bench (conversions and owners), handoff_fd_table_bench (the virtual descriptor
# table) and handoff_checks_bench (the ownership checks). Writes build/bench/results.csv
# (label,job,baseline,baseline_ns,handoff_ns,ratio,lo,hi,target;
# target 0 where none is promised), build/bench/results-fd_table-scale.csv (the table's cost per
# operation at each size, and its bytes per idle descriptor), build/bench/plot.dat (what gnuplot
# reads) and build/bench/benchmarks.png. Installs the Debian packages it needs when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
handoff_require_packages "${HANDOFF_BENCH_PACKAGES[@]}"

options=() copy_to_docs=0 plot_only=0 presets=()
for argument in "$@"; do
    case $argument in
    --quick) options=(--rounds 5 --block-ms 10) ;;
    --docs) copy_to_docs=1 ;;
    --plot-only) plot_only=1 ;;
    bench-*) presets+=("$argument") ;;
    *) echo "unknown argument: $argument (see the top of $0)" >&2; exit 2 ;;
    esac
done
((${#presets[@]})) || presets=(bench-linux-gcc bench-linux-clang bench-windows-gcc-msvcrt bench-windows-gcc-ucrt
                               bench-windows-clang)

out=build/bench
mkdir -p "$out"
csv="$out/results.csv"
if ((!plot_only)); then
    echo "label,job,baseline,baseline_ns,handoff_ns,ratio,lo,hi,target" > "$csv"
    echo "label,n,adopt_ns,lease_hit_ns,lease_miss_ns,seek_ns,close_ns,raw_close_ns,bytes_per_idle" > "$out/results-fd_table-scale.csv"
    trap 'cmake/wine-run.sh --stop' EXIT

    for preset in "${presets[@]}"; do
        label=${preset#bench-}
        echo "=== $label ==="
        cmake --preset "$preset" > /dev/null
        cmake --build --preset "$preset" > /dev/null
        for program in handoff_bench handoff_fd_table_bench handoff_checks_bench; do
            if [[ $preset == bench-windows-* ]]; then
                cmake/wine-run.sh "build/$preset/bench/$program.exe" "${options[@]}" --label "$label" --csv "$csv" |
                    tr -d '\r'
            else
                "build/$preset/bench/$program" "${options[@]}" --label "$label" --csv "$csv"
            fi
            echo
        done
        echo
    done
fi

# One cluster per job and baseline, one bar per platform, a circle at the promised ratio where
# the job has one, and a dashed line at 1.
plot_data="$out/plot.dat"
python3 - "$csv" "$plot_data" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
labels = list(dict.fromkeys(r["label"] for r in rows))
jobs = list(dict.fromkeys((r["job"], r["baseline"]) for r in rows))
with open(sys.argv[2], "w") as out:
    out.write('"job" ' + " ".join('"%s"' % l for l in labels) + ' "target"\n')
    for job, baseline in jobs:
        ratios = {r["label"]: r["ratio"] for r in rows if (r["job"], r["baseline"]) == (job, baseline)}
        targets = [float(r["target"]) for r in rows if (r["job"], r["baseline"]) == (job, baseline)]
        target = max(targets) if targets and max(targets) > 0 else "NaN"
        name = ("%s vs %s" % (job, baseline)).replace('"', "'")
        out.write('"%s" ' % name + " ".join(ratios.get(l, "NaN") for l in labels) + " %s\n" % target)
EOF
columns=$(( $(head -1 "$plot_data" | wc -w) - 2 ))
gnuplot <<EOF
set terminal pngcairo size 1400,1150 font ",10"
set output "$out/benchmarks.png"
set title "handoff / baseline, time per job (median of interleaved rounds; 1.0 = as fast as the baseline)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set ylabel "ratio"
set yrange [0:*]
set grid ytics
set key top left
set xtics rotate by -35 left noenhanced
set rmargin 30
set bmargin 26
plot for [i=2:$((columns + 1))] "$plot_data" using i:xtic(1) title columnheader(i) noenhanced, \
     "$plot_data" using 0:$((columns + 2)) with points pt 6 ps 1.5 lc rgb "black" title columnheader($((columns + 2))), \
     1 with lines dt 2 lc rgb "gray" notitle
EOF
echo "results: $csv"
echo "plot:    $out/benchmarks.png"
python3 - "$csv" <<'EOF'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    if float(r["target"]) > 0 and float(r["ratio"]) > float(r["target"]):
        print("over target: %s: %s vs %s: %.3f > %.2f" % (r["label"], r["job"], r["baseline"], float(r["ratio"]),
                                                          float(r["target"])))
EOF
if ((copy_to_docs)); then
    mkdir -p docs/images
    cp "$out/benchmarks.png" docs/images/benchmarks.png
    echo "copied to docs/images/benchmarks.png"
fi
