// Times pairs of jobs in one process: each job runs in blocks calibrated to a fixed duration,
// the two jobs of a pair alternate block by block (starting with a different one each round),
// and the result is the median over rounds of the handoff job's time over the baseline's. A
// ratio measured that way holds up on a loaded machine, where the absolute times do not.

#ifndef HANDOFF_BENCH_HARNESS_HPP_INCLUDED
#define HANDOFF_BENCH_HARNESS_HPP_INCLUDED

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace bench
{
/// Runs a job `count` times.
using block = std::function<void(long count)>;

/// One line of the results: a handoff job against its baseline.
struct pair
{
    std::string name;     // what is measured
    std::string baseline; // what it is measured against
    block baseline_job;
    block handoff_job;
    double target = 0; // the ratio the design promises, 0 where none is promised
};

struct settings
{
    int rounds = 15;
    double block_ms = 20;
    std::string label;    // the platform, for the CSV
    std::string csv_path; // where to append the results; none if empty
};

struct result
{
    double baseline_ns = 0; // median time per call
    double handoff_ns = 0;
    double ratio = 0; // median of the per-round ratios
    double ratio_low = 0;
    double ratio_high = 0; // the lowest and highest per-round ratio
};

/// A mkstemp template in $TMPDIR (else /tmp) for a scratch file named after `name`.
inline std::string scratch_template(const char *name)
{
    const char *folder = std::getenv("TMPDIR");
    return std::string(folder != nullptr && *folder != '\0' ? folder : "/tmp") + "/" + name + "-XXXXXX";
}

inline double seconds(std::chrono::steady_clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

/// Seconds one block of `count` calls takes.
inline double time_block(const block &job, long count)
{
    const auto start = std::chrono::steady_clock::now();
    job(count);
    return seconds(std::chrono::steady_clock::now() - start);
}

/// How many calls fill a block of about `block_ms`.
inline long calibrate(const block &job, double block_ms)
{
    long count = 1;
    for (;;)
    {
        const double taken = time_block(job, count);
        if (taken * 1000 >= block_ms / 4 || count > (1L << 30))
            return std::max(1L, static_cast<long>(static_cast<double>(count) * block_ms / (taken * 1000)));
        count *= 2;
    }
}

inline double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    const std::size_t middle = values.size() / 2;
    return values.size() % 2 != 0 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

inline result measure(const pair &p, const settings &how)
{
    const long baseline_count = calibrate(p.baseline_job, how.block_ms);
    const long handoff_count = calibrate(p.handoff_job, how.block_ms);
    std::vector<double> baseline_ns, handoff_ns, ratios;
    for (int round = 0; round < how.rounds; ++round)
    {
        double b = 0;
        double h = 0;
        if (round % 2 == 0)
        {
            b = time_block(p.baseline_job, baseline_count);
            h = time_block(p.handoff_job, handoff_count);
        }
        else
        {
            h = time_block(p.handoff_job, handoff_count);
            b = time_block(p.baseline_job, baseline_count);
        }
        baseline_ns.push_back(b * 1e9 / static_cast<double>(baseline_count));
        handoff_ns.push_back(h * 1e9 / static_cast<double>(handoff_count));
        ratios.push_back(handoff_ns.back() / baseline_ns.back());
    }
    result r;
    r.baseline_ns = median(baseline_ns);
    r.handoff_ns = median(handoff_ns);
    r.ratio = median(ratios);
    r.ratio_low = *std::min_element(ratios.begin(), ratios.end());
    r.ratio_high = *std::max_element(ratios.begin(), ratios.end());
    return r;
}

inline std::string format_time(double ns)
{
    char text[32];
    if (ns >= 1e6)
        std::snprintf(text, sizeof text, "%.2f ms", ns / 1e6);
    else if (ns >= 1e3)
        std::snprintf(text, sizeof text, "%.1f us", ns / 1e3);
    else
        std::snprintf(text, sizeof text, "%.1f ns", ns);
    return text;
}

/// Reads --rounds N, --block-ms N, --label TEXT and --csv PATH.
inline settings parse(int argc, char **argv)
{
    settings how;
    for (int i = 1; i + 1 < argc; i += 2)
    {
        const std::string option = argv[i];
        if (option == "--rounds")
            how.rounds = std::max(1, std::atoi(argv[i + 1]));
        else if (option == "--block-ms")
            how.block_ms = std::max(1.0, std::atof(argv[i + 1]));
        else if (option == "--label")
            how.label = argv[i + 1];
        else if (option == "--csv")
            how.csv_path = argv[i + 1];
        else
        {
            std::fprintf(stderr, "unknown option %s (--rounds N, --block-ms N, --label TEXT, --csv PATH)\n",
                         option.c_str());
            std::exit(2);
        }
    }
    return how;
}

/// Measures every pair, prints a table, appends the CSV rows; returns how many pairs missed
/// their target.
inline int run(const std::vector<pair> &pairs, const settings &how)
{
    std::FILE *csv = how.csv_path.empty() ? nullptr : std::fopen(how.csv_path.c_str(), "a");
    if (!how.csv_path.empty() && csv == nullptr)
    {
        std::fprintf(stderr, "cannot append to %s\n", how.csv_path.c_str());
        std::exit(2);
    }
    std::printf("%s: %d interleaved rounds of %.0f ms blocks; ratio = handoff / baseline, median (lowest-highest)\n\n",
                how.label.c_str(), how.rounds, how.block_ms);
    std::printf("%-38s %-42s %11s %11s  %-22s %s\n", "job", "baseline", "baseline", "handoff", "ratio", "target");
    int missed = 0;
    for (const pair &p : pairs)
    {
        const result r = measure(p, how);
        char ratio[64];
        std::snprintf(ratio, sizeof ratio, "%.3f (%.2f-%.2f)", r.ratio, r.ratio_low, r.ratio_high);
        char target[32] = "-";
        if (p.target > 0)
        {
            const bool met = r.ratio <= p.target;
            missed += met ? 0 : 1;
            std::snprintf(target, sizeof target, "<= %.2f %s", p.target, met ? "met" : "MISSED");
        }
        std::printf("%-38s %-42s %11s %11s  %-22s %s\n", p.name.c_str(), p.baseline.c_str(),
                    format_time(r.baseline_ns).c_str(), format_time(r.handoff_ns).c_str(), ratio, target);
        std::fflush(stdout);
        if (csv != nullptr)
            // Names hold commas: text fields are quoted (RFC 4180; no name holds a quote).
            std::fprintf(csv, "\"%s\",\"%s\",\"%s\",%.3f,%.3f,%.4f,%.4f,%.4f,%.2f\n", how.label.c_str(), p.name.c_str(),
                         p.baseline.c_str(), r.baseline_ns, r.handoff_ns, r.ratio, r.ratio_low, r.ratio_high, p.target);
    }
    if (csv != nullptr)
        std::fclose(csv);
    std::printf("\n%d of the promised ratios missed\n", missed);
    return missed;
}
} // namespace bench

#endif // HANDOFF_BENCH_HARNESS_HPP_INCLUDED
