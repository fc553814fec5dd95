#!/usr/bin/python3
"""lbsim's report: runs every scenario of docs/BALANCER.md under the four policies, and
rewrites that file's results (between its lbsim-report markers) with tables and PNG plots
in docs/balancer/. Run by `make lbsim-report`; uses Debian's python3-matplotlib."""
import argparse
import concurrent.futures
import csv
import datetime
import io
import os
import platform
import statistics
import subprocess
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

POLICIES = ["static", "steal", "netpopcorn", "flotilla"]
SEEDS = [1, 2, 3]
# (kernels, groups): RSS's 128 buckets cannot spread past 128 kernels, so only the Flow
# Director scheme runs at 256 and 1,024.
SIZES = [(16, 128), (64, 128), (16, 4096), (64, 4096), (256, 4096), (1024, 4096)]
LOADS = {"skewed": ["--zipf", "1"], "uniform": ["--zipf", "0"]}
SCENARIO_BASE = ["--kernels", "64", "--groups", "4096", "--zipf", "1"]
SCENARIOS = {
    "plain": [],
    "hog on kernel 1 (6-14 s)": ["--hog", "1"],
    "kernel 1 dies (10 s)": ["--die", "1"],
    "bursty arrivals": ["--arrivals", "bursty"],
    "bimodal service": ["--service", "bimodal"],
    "short connections only": ["--long-frac", "0"],
    "long-lived only": ["--long-frac", "1"],
}
HOG_TRACE = ["--kernels", "16", "--groups", "128", "--zipf", "1", "--hog", "1", "--seed", "1"]
BEGIN = "<!-- lbsim-report: begin (tools/lbsim/report.py rewrites what follows) -->"
END = "<!-- lbsim-report: end -->"


def run(lbsim, label, args):
    out = subprocess.run([lbsim, "--csv", "--label", label] + args, check=True,
                         capture_output=True, text=True).stdout
    return list(csv.DictReader(io.StringIO(out)))


def run_all(lbsim, jobs):
    """Every run: (table, key) -> rows, keys ("size", kernels, groups, load, seed) and
    ("scenario", name, seed)."""
    work = []
    for kernels, groups in SIZES:
        for load, largs in LOADS.items():
            for seed in SEEDS:
                args = ["--kernels", str(kernels), "--groups", str(groups), "--seed",
                        str(seed)] + largs
                work.append((("size", kernels, groups, load, seed), args))
    for name, sargs in SCENARIOS.items():
        for seed in SEEDS:
            work.append((("scenario", name, seed), SCENARIO_BASE + sargs + ["--seed", str(seed)]))
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futs = {pool.submit(run, lbsim, f"run{i}", args): key
                for i, (key, args) in enumerate(work)}
        for f in concurrent.futures.as_completed(futs):
            results[futs[f]] = f.result()
            print("lbsim-report: done", futs[f], file=sys.stderr, flush=True)
    return results


def save(results, path):
    """Every row, with its run's key, so the tables and plots can be redrawn (--from)."""
    with open(path, "w", newline="") as f:
        w = None
        for key, rows in sorted(results.items(), key=lambda kv: str(kv[0])):
            for r in rows:
                row = {"key": "|".join(map(str, key))}
                row.update(r)
                if w is None:
                    w = csv.DictWriter(f, fieldnames=list(row))
                    w.writeheader()
                w.writerow(row)


def load(path):
    results = {}
    with open(path) as f:
        for r in csv.DictReader(f):
            parts = r.pop("key").split("|")
            key = (parts[0], int(parts[1]), int(parts[2]), parts[3], int(parts[4])) \
                if parts[0] == "size" else (parts[0], parts[1], int(parts[2]))
            results.setdefault(key, []).append(r)
    return results


def by_policy(rows_list):
    """Rows of several seeds -> policy -> list of rows."""
    out = {p: [] for p in POLICIES}
    for rows in rows_list:
        for r in rows:
            out[r["policy"]].append(r)
    return out


def med(rows, field):
    vals = [float(r[field]) for r in rows]
    return statistics.median(vals), min(vals), max(vals)


def fmt_spread(rows, field, digits=1):
    m, lo, hi = med(rows, field)
    return f"{m:.{digits}f} ({lo:.{digits}f}-{hi:.{digits}f})"


def size_table(results):
    lines = ["| kernels | groups | load | policy | p50 ms | p99 ms (min-max) | p99.9 ms | "
             "req/s | moves/s | broken | lost | dropped | imbalance |",
             "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for kernels, groups in SIZES:
        for load in LOADS:
            pol = by_policy([results[("size", kernels, groups, load, s)] for s in SEEDS])
            for p in POLICIES:
                rows = pol[p]
                lines.append(
                    f"| {kernels} | {groups} | {load} | {p} | "
                    f"{med(rows, 'accept_p50_ms')[0]:.2f} | "
                    f"{fmt_spread(rows, 'accept_p99_ms')} | "
                    f"{med(rows, 'accept_p999_ms')[0]:.1f} | "
                    f"{med(rows, 'requests_per_s')[0]:.0f} | "
                    f"{med(rows, 'moves_per_s')[0]:.1f} | "
                    f"{sum(int(r['broken']) for r in rows)} | "
                    f"{sum(int(r['lost']) for r in rows)} | "
                    f"{sum(int(r['dropped']) for r in rows)} | "
                    f"{med(rows, 'imbalance')[0]:.3f} |")
    return "\n".join(lines)


def scenario_table(results):
    lines = ["| scenario (64 kernels, 4,096 groups, skewed) | policy | p50 ms | "
             "p99 ms (min-max) | p99.9 ms | req/s | moves/s | forwarded | broken | lost | "
             "dropped |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in SCENARIOS:
        pol = by_policy([results[("scenario", name, s)] for s in SEEDS])
        for p in POLICIES:
            rows = pol[p]
            lines.append(
                f"| {name} | {p} | {med(rows, 'accept_p50_ms')[0]:.2f} | "
                f"{fmt_spread(rows, 'accept_p99_ms')} | "
                f"{med(rows, 'accept_p999_ms')[0]:.1f} | "
                f"{med(rows, 'requests_per_s')[0]:.0f} | "
                f"{med(rows, 'moves_per_s')[0]:.1f} | "
                f"{med(rows, 'forwarded')[0]:.0f} | "
                f"{sum(int(r['broken']) for r in rows)} | "
                f"{sum(int(r['lost']) for r in rows)} | "
                f"{sum(int(r['dropped']) for r in rows)} |")
    return "\n".join(lines)


def plot_sizes(results, outdir, field, ylabel, name, policies=POLICIES, logy=True):
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    kernels = [k for k, g in SIZES if g == 4096]
    for ax, load in zip(axes, LOADS):
        for p in policies:
            ys, lo, hi = [], [], []
            for k in kernels:
                rows = by_policy([results[("size", k, 4096, load, s)] for s in SEEDS])[p]
                m, a, b = med(rows, field)
                ys.append(m)
                lo.append(m - a)
                hi.append(b - m)
            ax.errorbar(kernels, ys, yerr=[lo, hi], marker="o", capsize=3, label=p)
        ax.set_xscale("log", base=2)
        if logy:
            ax.set_yscale("log")
        ax.set_xticks(kernels)
        ax.set_xticklabels([str(k) for k in kernels])
        ax.set_xlabel("kernels (Flow Director, 4,096 groups)")
        ax.set_title(f"{load} clients")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel(ylabel)
    axes[1].legend()
    fig.suptitle(f"lbsim: {ylabel}; median of seeds {SEEDS}, bars min-max")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, name), dpi=90)
    plt.close(fig)


def plot_scenarios(results, outdir):
    fig, ax = plt.subplots(figsize=(11, 4))
    names = list(SCENARIOS)
    width = 0.2
    for i, p in enumerate(POLICIES):
        ys = [med(by_policy([results[("scenario", n, s)] for s in SEEDS])[p],
                  "accept_p99_ms")[0] for n in names]
        ax.bar([x + (i - 1.5) * width for x in range(len(names))], ys, width, label=p)
    ax.set_yscale("log")
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=15, fontsize=8)
    ax.set_ylabel("p99 accept-to-service delay, ms")
    ax.set_title("lbsim at 64 kernels (4,096 groups, skewed clients), median of 3 seeds")
    ax.legend()
    ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "scenarios.png"), dpi=90)
    plt.close(fig)


def hog_trace(lbsim, outdir):
    """The hog scenario period by period, each policy: p99 and the hogged kernel's load."""
    fig, (a1, a2) = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    for p in POLICIES:
        path = os.path.join(outdir, f"hog-{p}.csv")
        subprocess.run([lbsim, "--policy", p, "--trace", path] + HOG_TRACE, check=True,
                       capture_output=True)
        with open(path) as f:
            rows = list(csv.DictReader(f))
        os.remove(path)
        t = [float(r["t"]) for r in rows]
        a1.plot(t, [max(float(r["accept_p99_ms"]), 0.01) for r in rows], label=p)
        a2.plot(t, [float(r["watch_busy"]) for r in rows], label=p)
    for ax in (a1, a2):
        ax.axvspan(6, 14, color="red", alpha=0.08)
        ax.grid(True, alpha=0.3)
    a1.set_yscale("log")
    a1.set_ylabel("p99 accept delay\nper period, ms")
    a2.set_ylabel("kernel 1 busy")
    a2.set_xlabel("seconds (hog on kernel 1 from 6 to 14 s, shaded)")
    a1.legend(ncol=4)
    a1.set_title("lbsim: 16 kernels, 128 RSS buckets, skewed clients, seed 1")
    fig.tight_layout()
    fig.savefig(os.path.join(outdir, "hog-timeline.png"), dpi=90)
    plt.close(fig)


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cc = subprocess.run(["cc", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return (f"{model}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
            f"{cc}, Python {platform.python_version()}, matplotlib {matplotlib.__version__}")


def section(results, wall, jobs):
    timing = (f"{len(results)} lbsim invocations of four policies each took {wall:.0f} s of wall "
              f"time with {jobs} at a time (every row: balancer/lbsim-runs.csv)."
              if wall is not None else
              f"the tables and plots redrawn (--redraw) from the rows of a previous run of "
              f"{len(results)} lbsim invocations, balancer/lbsim-runs.csv.")
    return f"""{BEGIN}

Produced by `make lbsim-report` (tools/lbsim/report.py) on {datetime.date.today()}, on
{machine()}; {timing} Every run: lbsim's defaults (`build/lbsim --help` lists them: 20
simulated seconds of which the first 3 are not measured, offered load 0.8, exponential
service of mean 1 ms, 20 % of connections long-lived with 50 requests on average 20 ms
apart, forwarding 50 us, stealing 100 us, balancer period 100 ms, net/balance.h's default
parameters) with seeds {", ".join(map(str, SEEDS))}; each cell is the median of the three
seeds, p99 with its min-max. Delays are accept-to-service: from a new connection joining
its kernel's queue to the start of its service. broken, lost and dropped are totals over the
three seeds.

### Size: 16 to 1,024 kernels, skewed and uniform clients

{size_table(results)}

![p99 against kernels](balancer/p99-vs-kernels.png)

![moves per second against kernels](balancer/moves-vs-kernels.png)

### Scenarios at 64 kernels

{scenario_table(results)}

![p99 by scenario](balancer/scenarios.png)

### The hog, period by period

![hog timeline](balancer/hog-timeline.png)

{END}"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lbsim", default="build/lbsim")
    ap.add_argument("--doc", default="docs/BALANCER.md")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--redraw", action="store_true",
                    help="tables and plots from docs/balancer/lbsim-runs.csv, no new runs")
    args = ap.parse_args()
    outdir = os.path.join(os.path.dirname(args.doc), "balancer")
    os.makedirs(outdir, exist_ok=True)
    runs = os.path.join(outdir, "lbsim-runs.csv")
    start = datetime.datetime.now()
    wall = None
    if args.redraw:
        results = load(runs)
    else:
        results = run_all(args.lbsim, args.jobs)
        save(results, runs)
        wall = (datetime.datetime.now() - start).total_seconds()
    plot_sizes(results, outdir, "accept_p99_ms", "p99 accept-to-service delay, ms",
               "p99-vs-kernels.png")
    plot_sizes(results, outdir, "moves_per_s", "moves per second", "moves-vs-kernels.png",
               ["netpopcorn", "flotilla"], logy=False)
    plot_scenarios(results, outdir)
    hog_trace(args.lbsim, outdir)
    with open(args.doc) as f:
        doc = f.read()
    if BEGIN not in doc or END not in doc:
        sys.exit(f"{args.doc}: no lbsim-report markers")
    head, rest = doc.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    with open(args.doc, "w") as f:
        f.write(head + section(results, wall, args.jobs) + tail)
    print(f"lbsim-report: {args.doc} and {outdir}/ rewritten", file=sys.stderr)


if __name__ == "__main__":
    main()
