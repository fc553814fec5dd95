#!/usr/bin/python3
"""The load balancer against a CPU hog, on a guest of KERNELS kernels serving HTTP on every
kernel with the monitor running (/etc/net-monitor.conf).

wrk keeps the guest busy with short connections (Connection: close) from the start to the
end. Every half second /status gives each kernel's RSS buckets ("kernels") and the
connections each opened in its last 100 ms period ("load": the kernels' own count), so a
kernel's share of new connections over a window is measured, not assumed. Steps:
  1. before: every kernel owns buckets and opens its share of the connections;
  2. `run /bin/spin @1` is typed into kernel 0's shell: kernel 1 reads busy, and within
     HOG_S seconds its share of new connections falls under a quarter of the others' mean
     (the monitor moved its buckets away), with moves in /status's "moves" saying why;
  3. `kill PID @1`: within BACK_S seconds kernel 1 owns more buckets than it had left under
     the hog and opens at least half the others' mean share of new connections again;
  4. wrk saw no socket error, timeout or non-2xx answer through all of it;
  5. the shell's `monitor` prints a row per kernel and the moves.
Prints PASS/FAIL lines for net.monitor_*; exits 1 if one failed.
usage: hog_check.py GUEST_IP SERIAL_SOCKET SERIAL_LOG KERNELS
"""
import re
import signal
import subprocess
import sys
import time

from guest_console import log_size, log_text, type_line
from kernel_status import status_or_none as status

HOG_S = 20              # the hog's buckets gone within this (the policy needs about 3 s)
BACK_S = 30             # buckets back on kernel 1 within this after the kill
WINDOW_S = 2.0          # new connections are summed over this long
SAMPLE_S = 0.5

failed = False


def report(name, ok, why):
    global failed
    failed |= not ok
    print("PASS net.%s" % name if ok else "FAIL net.%s: %s" % (name, why), flush=True)
    return ok


class Samples:
    """Each sample: its time, the buckets each kernel owns, and the connections each kernel
    opened in its latest period (a kernel that did not report: None)."""

    def __init__(self, guest, kernels):
        self.guest, self.kernels, self.rows = guest, kernels, []

    def take(self):
        s = status(self.guest)
        if not s or len(s.get("kernels", [])) != self.kernels:
            return None
        buckets = [len(k["buckets"]) if k["alive"] else None for k in s["kernels"]]
        new = [l.get("new_conns") if l.get("reported") else None for l in s.get("load", [])]
        busy = [l.get("busy_pm") if l.get("reported") else None for l in s.get("load", [])]
        row = (time.monotonic(), buckets, new, busy, s)
        self.rows.append(row)
        return row

    def shares(self, since):
        """Each kernel's share of the connections opened in the samples since `since`."""
        total = [0] * self.kernels
        for t, _, new, _, _ in self.rows:
            if t >= since and len(new) == self.kernels:
                for k in range(self.kernels):
                    total[k] += new[k] or 0
        n = sum(total)
        return [x / n for x in total] if n else None

    def run(self, seconds, until=None):
        """Samples for `seconds`, or until until(row) holds; returns when it held, or None."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            row = self.take()
            if row and until and until(row):
                return row[0]
            time.sleep(SAMPLE_S)
        return None


def wrk_start(guest):
    return subprocess.Popen(["wrk", "-t", "2", "-c", "48", "-d", "300s", "--timeout", "10s",
                             "--latency", "-H", "Connection: close",
                             "http://%s/1k.html" % guest],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wrk_stop(p):
    """wrk prints its totals when interrupted; returns its output."""
    p.send_signal(signal.SIGINT)
    try:
        out, _ = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
    return out


def fmt(shares):
    return "[%s]" % ", ".join("%.0f%%" % (100 * x) for x in shares) if shares else "none"


def others_mean(shares, k):
    rest = [x for i, x in enumerate(shares) if i != k]
    return sum(rest) / len(rest)


def check_before(smp, kernels):
    start = time.monotonic()
    smp.run(4)
    sh = smp.shares(start)
    last = smp.rows[-1][1] if smp.rows else None
    ok = sh is not None and min(sh) >= 0.5 / kernels and last and min(b or 0 for b in last) >= 8
    report("monitor_every_kernel_serves_before_the_hog", ok,
           "shares of new connections %s, buckets %s" % (fmt(sh), last))


def check_hog(smp, guest, sock, log):
    """Step 2; returns the hog's pid, or None."""
    m = type_line(sock, log, "run /bin/spin @1", r"started /bin/spin on kernel 1 as pid (\d+)")
    if not report("monitor_hog_started_on_kernel1", m is not None, "no 'started /bin/spin' line"):
        for name in ("monitor_hogged_kernel_reads_busy", "monitor_moves_the_hogged_kernels_buckets_away",
                     "monitor_moves_say_why"):
            report(name, False, "no hog")
        return None
    start = time.monotonic()

    def gone(row):
        sh = smp.shares(row[0] - WINDOW_S)
        return row[0] - start >= WINDOW_S and sh and sh[1] < others_mean(sh, 1) / 4
    t = smp.run(HOG_S, gone)
    busy = [r[3][1] for r in smp.rows if r[0] >= start and r[3][1] is not None]
    report("monitor_hogged_kernel_reads_busy", busy and max(busy) >= 900,
           "kernel 1's busy per mille in its reports: %s" % busy[-10:])
    sh = smp.shares(time.monotonic() - WINDOW_S)
    report("monitor_moves_the_hogged_kernels_buckets_away", t is not None,
           "%d s after the hog started the shares of new connections are %s, buckets %s" %
           (HOG_S, fmt(sh), smp.rows[-1][1] if smp.rows else "?"))
    if t is not None:
        print("net.monitor: kernel 1's buckets gone %.1f s after the hog started; shares %s" %
              (t - start, fmt(smp.shares(t - WINDOW_S))), flush=True)
    print("net.monitor: kernel 1's buckets every sample since the hog: %s" %
          " ".join(str(r[1][1]) for r in smp.rows if r[0] >= start), flush=True)
    moves = (smp.rows[-1][4].get("moves") if smp.rows else None) or []
    away = [mv for mv in moves if mv["from"] == 1 and mv["reason"] in ("idle", "busy")
            and not mv["refused"]]
    report("monitor_moves_say_why", len(away) > 0,
           "no move from kernel 1 with reason idle or busy in /status's moves: %s" % moves[-4:])
    return int(m.group(1))


def check_back(smp, sock, log, pid):
    killed = type_line(sock, log, "kill %d @1" % pid, r"pid %d \(spin\) exited: killed" % pid)
    start = time.monotonic()
    report("monitor_hog_killed", killed is not None,
           "no 'pid %d (spin) exited: killed' line after typing the kill" % pid)

    # Spread back: kernel 1 owns more buckets than it had left under the hog, and opens at
    # least half the others' mean share of the new connections again.
    least = min((r[1][1] for r in smp.rows if r[1][1] is not None), default=0)

    def back(row):
        sh = smp.shares(row[0] - WINDOW_S)
        return (row[1][1] or 0) >= least + 4 and sh and sh[1] >= others_mean(sh, 1) / 2
    t = smp.run(BACK_S, back)
    report("monitor_spreads_back_after_the_hog_is_killed", t is not None,
           "%d s after the kill kernel 1 owns %s buckets, shares %s" %
           (BACK_S, smp.rows[-1][1][1] if smp.rows else "?",
            fmt(smp.shares(time.monotonic() - WINDOW_S))))
    if t is not None:
        print("net.monitor: kernel 1 owns %d buckets %.1f s after the kill (%d at least under "
              "the hog), shares %s" % (smp.rows[-1][1][1], t - start, least,
                                       fmt(smp.shares(t - WINDOW_S))), flush=True)


def check_shell_command(sock, log, kernels):
    """The shell's `monitor`: a row per kernel with its load, then the last moves."""
    at = log_size(log)
    type_line(sock, log, "monitor", r"last moves \(\d+\):")
    time.sleep(1)                   # the move lines after it
    text = log_text(log, at)
    # Loose patterns: the serial log now and then holds a byte twice (guest_console.py).
    rows = re.findall(r"(?m)^(\d+) +\d+\.\d%+ +\d+\.\d%+ +\d+ +\d+ +\d+ +\d+ +\d+ ms$", text)
    moves = re.search(r"l+a+s+t+ +m+o+v+e+s+ +\(+(\d+)\)+:", text)
    lines = re.findall(r"(?m)^ +#+\d+ +a+t+ .*m+o+v+e+ +b+u+c+k+e+t+ +\d+ .*"
                       r"\((i+d+l+e+|b+u+s+y+|d+e+a+d+)", text)
    report("monitor_shell_command_shows_loads_and_moves",
           sorted(int(r) for r in rows) == list(range(kernels)) and moves and
           int(moves.group(1)) > 0 and len(lines) == int(moves.group(1)),
           "rows for kernels %s, moves %s, move lines %d; see %s" %
           (rows, moves.group(1) if moves else None, len(lines), log))


def print_resets(guest, kernels):
    """Each kernel's RSTs sent and segments dropped for want of a connection, from /status
    answers of that kernel: what to look at when a client saw an error."""
    seen = {}
    for _ in range(10 * kernels):
        s = status(guest)
        if s and "net" in s:
            seen[s["kernel"]] = (s["net"]["tcp"].get("out_rsts"),
                                 s["net"]["drops"].get("tcp_no_socket"))
        if len(seen) == kernels:
            break
    print("net.monitor: per kernel (RSTs sent, segments of no connection): %s" %
          ", ".join("%s: %s" % kv for kv in sorted(seen.items())), flush=True)


def check_wrk(out):
    reqs = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Socket errors|Non-2xx", out)
    lat = re.search(r"(?m)^ +99% +(\S+)", out)
    rate = re.search(r"Requests/sec:\s+(\S+)", out)
    print("net.monitor: wrk %s requests, %s/s, p99 %s" %
          (reqs.group(1) if reqs else "?", rate.group(1) if rate else "?",
           lat.group(1) if lat else "?"), flush=True)
    report("monitor_no_client_errors", reqs and int(reqs.group(1)) > 0 and not bad,
           " ".join(l.strip() for l in out.splitlines() if re.search(r"requests in|errors|Non-2xx", l)))


def main():
    guest, sock, log, kernels = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    smp = Samples(guest, kernels)
    wrk = wrk_start(guest)
    try:
        smp.run(2)                      # wrk's connections under way
        check_before(smp, kernels)
        pid = check_hog(smp, guest, sock, log)
        if pid is not None:
            check_back(smp, sock, log, pid)
        else:
            report("monitor_hog_killed", False, "no hog to kill")
            report("monitor_spreads_back_after_the_hog_is_killed", False, "no hog to kill")
    finally:
        out = wrk_stop(wrk)
    check_wrk(out)
    print_resets(guest, kernels)
    check_shell_command(sock, log, kernels)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
