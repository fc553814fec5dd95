#!/usr/bin/python3
"""Turns tools/bench/compare.sh's raw results into the Markdown table (and PNG plots when
matplotlib is installed). usage: compare_table.py OUTDIR CLK_TCK CPUS NIC"""
import statistics
import sys

out, hz, cpus, nic = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
SERVERS = ["flotilla", "linux-nginx", "linux-httpd"]
rows = {}
for line in open(out + "/results.txt"):
    f = line.split()
    server, mode, c = f[0], f[1], int(f[2])
    p50, p99, p999, reqs, errs, tmo, dur_us = map(int, f[5:12])
    ticks = int(f[12])
    rows.setdefault((server, mode, c), []).append({
        "rps": reqs / max(dur_us / 1e6, 1e-9), "p50": p50 / 1000, "p99": p99 / 1000,
        "p999": p999 / 1000, "errors": errs + tmo, "cpu": ticks / hz / max(reqs, 1) * 1000})
boots = {}
for line in open(out + "/boots.txt"):
    sys_, secs = line.split()
    boots.setdefault(sys_, []).append(float(secs))


def med(server, mode, c, key):
    v = rows.get((server, mode, c))
    return statistics.median(x[key] for x in v) if v else float("nan")


def rng(server, mode, c, key):
    v = rows.get((server, mode, c))
    return (min(x[key] for x in v), max(x[key] for x in v)) if v else (float("nan"),) * 2


def ratio(a, b):
    return a / b if b else float("nan")


print("Guest CPUs: %s, NIC: %s. Medians over %d rounds [min-max]; ratio = Flotilla / Linux (nginx)." %
      (cpus, nic, max(len(v) for v in rows.values())))
print()
print("| load | conns | Flotilla req/s | Linux nginx req/s | Linux + Flotilla httpd req/s | ratio req/s | "
      "p50 ms F / L | p99 ms F / L | p99.9 ms F / L | p99 ratio | errors F / L / Lh | QEMU CPU s per 1k req F / L | CPU ratio |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for mode in ("close", "keepalive"):
    for c in sorted({k[2] for k in rows if k[1] == mode}):
        f, l, h = ("flotilla", mode, c), ("linux-nginx", mode, c), ("linux-httpd", mode, c)
        fr, lr = rng(*f, "rps"), rng(*l, "rps")
        print("| %s | %d | %.0f [%.0f-%.0f] | %.0f [%.0f-%.0f] | %.0f | %.2fx | %.2f / %.2f | %.2f / %.2f | "
              "%.2f / %.2f | %.2fx | %d / %d / %d | %.3f / %.3f | %.2fx |" % (
                  "new connection" if mode == "close" else "keep-alive", c,
                  med(*f, "rps"), fr[0], fr[1], med(*l, "rps"), lr[0], lr[1], med(*h, "rps"),
                  ratio(med(*f, "rps"), med(*l, "rps")),
                  med(*f, "p50"), med(*l, "p50"), med(*f, "p99"), med(*l, "p99"),
                  med(*f, "p999"), med(*l, "p999"), ratio(med(*f, "p99"), med(*l, "p99")),
                  sum(x["errors"] for x in rows.get(f, [])), sum(x["errors"] for x in rows.get(l, [])),
                  sum(x["errors"] for x in rows.get(h, [])),
                  med(*f, "cpu"), med(*l, "cpu"), ratio(med(*f, "cpu"), med(*l, "cpu"))))
print()
for s, v in sorted(boots.items()):
    print("Boot to the first HTTP 200, %s: %.1f s [%.1f-%.1f]." % (
        "Flotilla (GRUB ISO)" if s == "flotilla" else "Linux (-kernel, initramfs)",
        statistics.median(v), min(v), max(v)))

h2 = {}
try:
    for line in open(out + "/h2load.txt"):
        server, _, rps = line.split()
        h2.setdefault(server, []).append(float(rps))
except FileNotFoundError:
    pass
if h2:
    f, l = statistics.median(h2.get("flotilla", [0])), statistics.median(h2.get("linux-nginx", [0]))
    print("Second opinion, h2load --h1, keep-alive, 64 connections: Flotilla %.0f, Linux nginx %.0f, "
          "Linux + Flotilla httpd %.0f requests/s (medians): ratio %.2fx." % (
              f, l, statistics.median(h2.get("linux-httpd", [0])), ratio(f, l)))

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
