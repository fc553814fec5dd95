#!/usr/bin/python3
"""Turns tools/bench/compare.sh's raw results into the Markdown tables (and PNG plots when
matplotlib is installed). usage: compare_table.py OUTDIR CLK_TCK CPUS NIC

A line of OUTDIR/results.txt: SERVER MODE CONNS ROUND PCT p50_us p99_us p999_us requests
errors timeouts duration_us QEMU_TICKS MAIN_TICKS VCPU_TICKS VCPU_WAIT_MS (the last two
comma-separated, one per vCPU thread; the wait is time runnable without a host CPU). "Best Linux" at a point is whichever Linux server has the higher median rate there."""
import statistics
import sys

out, hz, cpus, nic = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
SERVERS = ["flotilla", "flotilla-k0", "linux-nginx", "linux-httpd"]
LINUX = ("linux-nginx", "linux-httpd")
NAN = float("nan")
rows = {}
for line in open(out + "/results.txt"):
    f = line.split()
    server, mode, c = f[0], f[1], int(f[2])
    p50, p99, p999, reqs, errs, tmo, dur_us = map(int, f[5:12])
    secs = max(dur_us / 1e6, 1e-9)
    ticks, main = int(f[12]), int(f[13]) if len(f) > 13 else 0
    vcpu = [int(x) for x in f[14].split(",")] if len(f) > 14 else []
    wait = [int(x) for x in f[15].split(",")] if len(f) > 15 else []
    per_kreq = lambda t: t / hz / max(reqs, 1) * 1000
    rows.setdefault((server, mode, c), []).append({
        "rps": reqs / secs, "p50": p50 / 1000, "p99": p99 / 1000, "p999": p999 / 1000,
        "errors": errs + tmo, "cpu": per_kreq(ticks), "main": per_kreq(main),
        "vcpu_sum": per_kreq(sum(vcpu)), "vcpu": [per_kreq(t) for t in vcpu],
        "busy": [t / hz / secs for t in vcpu], "main_busy": main / hz / secs,
        "wait": [w / 1000 / secs for w in wait]})
boots = {}
for line in open(out + "/boots.txt"):
    sys_, secs = line.split()
    boots.setdefault(sys_, []).append(float(secs))


def med(server, mode, c, key):
    v = rows.get((server, mode, c))
    return statistics.median(x[key] for x in v) if v else NAN


def med_list(server, mode, c, key):
    """Per-thread medians over the rounds of a list-valued figure."""
    v = rows.get((server, mode, c))
    if not v or not v[0][key]:
        return []
    return [statistics.median(x[key][i] for x in v if i < len(x[key])) for i in range(len(v[0][key]))]


def rng(server, mode, c, key):
    v = rows.get((server, mode, c))
    return (min(x[key] for x in v), max(x[key] for x in v)) if v else (NAN, NAN)


def ratio(a, b):
    return a / b if b else NAN


def best_linux(mode, c):
    return max(LINUX, key=lambda s: (med(s, mode, c, "rps") if (s, mode, c) in rows else -1))


def rate(server, mode, c):
    if (server, mode, c) not in rows:
        return "-"
    lo, hi = rng(server, mode, c, "rps")
    return "%.0f [%.0f-%.0f]" % (med(server, mode, c, "rps"), lo, hi)


def threads(server, mode, c, key, fmt):
    v = med_list(server, mode, c, key)
    return " + ".join(fmt % x for x in v) if v else "-"


def run_wait(server, mode, c):
    """Each vCPU thread's share of a host core running / waiting runnable, "0.30/0.55 + ..."."""
    run, wait = med_list(server, mode, c, "busy"), med_list(server, mode, c, "wait")
    if not run:
        return "-"
    if len(wait) != len(run):
        return " + ".join("%.2f" % r for r in run)
    return " + ".join("%.2f/%.2f" % rw for rw in zip(run, wait))


def points():
    for mode in ("close", "keepalive"):
        for c in sorted({k[2] for k in rows if k[1] == mode}):
            yield mode, c, "new connection" if mode == "close" else "keep-alive"


nrounds = max(len(v) for v in rows.values())
print("Guest CPUs: %s, NIC: %s. Medians over %d rounds [min-max]. D = Flotilla distributed (a stack "
      "on every kernel, one listen() served by a worker on each), K = Flotilla with the stack on "
      "kernel 0 only (net=kernel0), L = the better Linux server at that point (n = nginx, h = "
      "Flotilla's httpd built for glibc)." % (cpus, nic, nrounds))
print()
print("| load | conns | D req/s | K req/s | Linux nginx req/s | Linux + httpd req/s | D / L | K / L | D / K | "
      "p99 ms D / K / L | p99.9 ms D / K / L | errors D / K / n / h |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for mode, c, load in points():
    L = best_linux(mode, c)
    d, k, lr = (med(s, mode, c, "rps") for s in ("flotilla", "flotilla-k0", L))
    errs = " / ".join(str(sum(x["errors"] for x in rows.get((s, mode, c), []))) for s in SERVERS)
    print("| %s | %d | %s | %s | %s | %s | %.2fx | %.2fx | %.2fx | %.2f / %.2f / %.2f %s | %.2f / %.2f / %.2f | %s |" % (
        load, c, rate("flotilla", mode, c), rate("flotilla-k0", mode, c), rate("linux-nginx", mode, c),
        rate("linux-httpd", mode, c), ratio(d, lr), ratio(k, lr), ratio(d, k),
        med("flotilla", mode, c, "p99"), med("flotilla-k0", mode, c, "p99"), med(L, mode, c, "p99"), L[6],
        med("flotilla", mode, c, "p999"), med("flotilla-k0", mode, c, "p999"), med(L, mode, c, "p999"),
        errs))
print()
print("Host CPU per 1,000 requests (seconds), from /proc/PID/task/*/stat: the vCPU threads (the "
      "guest's cost; one figure per thread, CPU 0 first) and QEMU's main loop (device models, "
      "tap). Then each vCPU thread's share of a host core over the point, running / waiting "
      "runnable for a host CPU (schedstat; 1.00 = a whole core): a thread that waits is held "
      "back by the host, not by the guest.")
print()
print("| load | conns | vCPU s/1k D | vCPU s/1k K | vCPU s/1k L | vCPU D / K | vCPU D / L | main loop s/1k D / K / L | "
      "vCPU cores run/wait D | vCPU cores run/wait K | vCPU cores run/wait L | main loop cores D / K / L |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for mode, c, load in points():
    L = best_linux(mode, c)
    vd, vk, vl = (med(s, mode, c, "vcpu_sum") for s in ("flotilla", "flotilla-k0", L))
    print("| %s | %d | %s | %s | %s %s | %.2fx | %.2fx | %.3f / %.3f / %.3f | %s | %s | %s | %.2f / %.2f / %.2f |" % (
        load, c, threads("flotilla", mode, c, "vcpu", "%.3f"), threads("flotilla-k0", mode, c, "vcpu", "%.3f"),
        threads(L, mode, c, "vcpu", "%.3f"), L[6], ratio(vd, vk), ratio(vd, vl),
        med("flotilla", mode, c, "main"), med("flotilla-k0", mode, c, "main"), med(L, mode, c, "main"),
        run_wait("flotilla", mode, c), run_wait("flotilla-k0", mode, c),
        run_wait(L, mode, c), med("flotilla", mode, c, "main_busy"),
        med("flotilla-k0", mode, c, "main_busy"), med(L, mode, c, "main_busy")))
print()
names = {"flotilla": "Flotilla distributed (GRUB ISO)", "flotilla-k0": "Flotilla kernel 0 only (GRUB ISO)",
         "linux": "Linux (-kernel, initramfs)"}
for s, v in sorted(boots.items()):
    print("Boot to the first HTTP 200, %s: %.1f s [%.1f-%.1f]." % (
        names.get(s, s), statistics.median(v), min(v), max(v)))

h2 = {}
try:
    for line in open(out + "/h2load.txt"):
        server, _, rps = line.split()
        h2.setdefault(server, []).append(float(rps))
except FileNotFoundError:
    pass
if h2:
    m = {s: statistics.median(h2.get(s, [0])) for s in SERVERS}
    bl = max(m["linux-nginx"], m["linux-httpd"])
    print("Second opinion, h2load --h1, keep-alive, 64 connections (medians): D %.0f, K %.0f, Linux nginx "
          "%.0f, Linux + httpd %.0f requests/s: D / L %.2fx, K / L %.2fx." % (
              m["flotilla"], m["flotilla-k0"], m["linux-nginx"], m["linux-httpd"],
              ratio(m["flotilla"], bl), ratio(m["flotilla-k0"], bl)))

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("\n(no plots: python3-matplotlib is not installed)")
    sys.exit(0)
for key, label in (("rps", "requests/s"), ("p99", "p99 latency, ms")):
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, mode in zip(axes, ("close", "keepalive")):
        for server in SERVERS:
            cs = sorted(k[2] for k in rows if k[0] == server and k[1] == mode)
            ax.plot(cs, [med(server, mode, c, key) for c in cs], marker="o", label=server)
        ax.set_xscale("log", base=2)
        ax.set_xlabel("concurrent connections")
        ax.set_ylabel(label)
        ax.set_title("new connection per request" if mode == "close" else "keep-alive")
        ax.legend()
    fig.tight_layout()
    fig.savefig("%s/compare-%s.png" % (out, key), dpi=90)
print("\nPlots: %s/compare-rps.png, %s/compare-p99.png" % (out, out))
