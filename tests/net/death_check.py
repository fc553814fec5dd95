#!/usr/bin/python3
"""A kernel's death under load, seen from a client (tests/net/death.sh).

The guest runs httpd on each of KERNELS kernels, its RSS buckets spread bucket b to kernel
b % KERNELS (net/steer.c), and was booted with kill_kernel=VICTIM@S: the victim panics S
seconds into its life. This script:
  - opens HELD keep-alive connections from source ports whose bucket is the victim's, each
    answered by the victim (its /status names it), and asks again on each every KEEP_S so
    that httpd does not close them as idle;
  - runs LOADERS threads that open new connections one after another (GET /1k.html,
    Connection: close), each request timestamped and its outcome kept;
  - watches the guest's serial LOG for the victim's panic line;
  - half a second after it, sends one more request on every held connection: each must end
    with a reset or the peer's close within HELD_BOUND_S, never hang (the segment reaches a
    kernel that does not know the flow, which answers RST), and none may end before it;
  - keeps the load AFTER_S seconds past the liveness timeout (GRACE_S after the death);
  - then reads /status from random ports until it shows the victim not alive with no
    bucket, the 128 buckets each owned once by a living kernel, every living kernel owning
    some, and no pool buffer in use anywhere (those the victim held came back).
Checks: net.<P>_*. Zero errors on the connections opened after the liveness timeout, and
on those opened before the death (up to the log's lag); those under way on the victim when
it died may be reset.
usage: death_check.py PREFIX HOST_IP GUEST_IP LOG KERNELS VICTIM
"""
import errno
import http.client
import json
import random
import re
import socket
import sys
import threading
import time

from kernel_status import status_or_none
from rss_check import bucket_of, BUCKETS

HELD = 6
HELD_BOUND_S = 10
KEEP_S = 2.0            # a held connection is asked again this often until the death
LOADERS = 3
GRACE_S = 3.0           # the liveness timeout (2 s, kernel/urpc/peer.c) and a second more
BEFORE_S = 2.0          # how late the log may show the death
AFTER_S = 10.0
DEATH_WAIT_S = 240

prefix, host, guest, log = sys.argv[1:5]
kernels, victim = int(sys.argv[5]), int(sys.argv[6])
failed = False


def report(name, ok, why=""):
    global failed
    if ok:
        print("PASS net.%s_%s" % (prefix, name))
    else:
        failed = True
        print("FAIL net.%s_%s: %s" % (prefix, name, why))
    sys.stdout.flush()


def random_port():
    """A source port below the host's ephemeral range (32768 up), where the loaders' are."""
    return random.randrange(10000, 32000)


def victim_port():
    """A source port whose connections to port 80 land in one of the victim's buckets."""
    while True:
        p = random_port()
        if bucket_of(host, guest, p, 80) % kernels == victim:
            return p


def held_connections():
    """HELD keep-alive connections into the victim's buckets, each asked for /status once:
    (port, connection, the kernel that answered). A port still held by an earlier run's
    TIME-WAIT is passed over."""
    conns = []
    while len(conns) < HELD:
        p = victim_port()
        c = http.client.HTTPConnection(guest, 80, timeout=20, source_address=(host, p))
        try:
            c.request("GET", "/status")
        except OSError as e:
            if e.errno != errno.EADDRINUSE:
                raise
            continue
        conns.append((p, c, json.loads(c.getresponse().read())["kernel"]))
    return conns


results = []            # (started, ok, what)
results_lock = threading.Lock()
stop = threading.Event()


def loader():
    while not stop.is_set():
        t = time.time()
        c = http.client.HTTPConnection(guest, 80, timeout=10)
        try:
            c.request("GET", "/1k.html", headers={"Connection": "close"})
            r = c.getresponse()
            body = r.read()
            ok, what = r.status == 200 and len(body) == 1024, "status %d, %d bytes" % (r.status, len(body))
        except (OSError, http.client.HTTPException) as e:
            ok, what = False, "%s" % (type(e).__name__,)
        finally:
            c.close()
        with results_lock:
            results.append((t, ok, what))


def died():
    """True once the victim's panic shows in the guest's log."""
    with open(log, "rb") as f:
        return re.search(r"\[k%d\] panic: " % victim, f.read().decode("latin-1")) is not None


def keep_until_death(held, outcomes):
    """Asks again on every held connection each KEEP_S (httpd closes a connection idle for
    10 s) until the victim's panic shows in the log: the time it was seen, or None. A
    connection whose request was not answered keeps that outcome, with when it came."""
    end = time.time() + DEATH_WAIT_S
    next_keep = 0
    while time.time() < end:
        if died():
            return time.time()
        if time.time() >= next_keep:
            for i, (_, c, _) in enumerate(held):
                if outcomes[i] is None:
                    what, secs = held_outcome(c)
                    if what != "answered":
                        outcomes[i] = (what, secs, time.time())
            next_keep = time.time() + KEEP_S
        time.sleep(0.05)
    return None


def held_outcome(c):
    """What became of one more request on a held connection: ('reset'|'closed', seconds),
    or ('hung'|'answered', seconds)."""
    t = time.time()
    if c.sock is None:
        return "closed", 0.0            # ended by an earlier answer (no reconnecting here)
    c.sock.settimeout(HELD_BOUND_S)
    try:
        c.request("GET", "/1k.html")
        r = c.getresponse()
        r.read()
        return "answered", time.time() - t
    except ConnectionResetError:
        return "reset", time.time() - t
    except socket.timeout:
        return "hung", time.time() - t
    except (http.client.RemoteDisconnected, http.client.IncompleteRead, BrokenPipeError):
        return "closed", time.time() - t
    except OSError as e:
        return "closed" if e.errno else "hung", time.time() - t


def status_problem(s):
    rows = s.get("kernels") if s else None
    if not isinstance(rows, list) or len(rows) != kernels:
        return "rows: %s" % rows
    if rows[victim]["alive"] or rows[victim]["buckets"]:
        return "victim's row: alive %s, buckets %s" % (rows[victim]["alive"], rows[victim]["buckets"])
    living = [r for r in rows if r["kernel"] != victim]
    if not all(r["alive"] for r in living):
        return "alive: %s" % [r["alive"] for r in rows]
    owners = [[r["kernel"] for r in living if b in r["buckets"]] for b in range(BUCKETS)]
    bad = [(b, o) for b, o in enumerate(owners) if len(o) != 1]
    if bad:
        return "buckets not owned once: %s" % bad[:5]
    if not all(r["buckets"] for r in living):
        return "a living kernel owns none: %s" % [len(r["buckets"]) for r in rows]
    if any(r["pool_in_use"] for r in living):
        return "pool buffers in use: %s" % [r["pool_in_use"] for r in rows]
    return None


def wait_for_the_spread():
    """Until /status shows bucket b on kernel b % KERNELS (the policy's line in the log comes
    before its moves are done), 30 s at most."""
    end = time.time() + 30
    while time.time() < end:
        s = status_or_none(guest, (host, random_port()))
        rows = s.get("kernels") if s else None
        if isinstance(rows, list) and len(rows) == kernels and all(
                sorted(r["buckets"]) == [b for b in range(BUCKETS) if b % kernels == r["kernel"]]
                for r in rows):
            return
        time.sleep(0.2)


def main():
    wait_for_the_spread()
    held = held_connections()
    report("held_connections_served_by_the_victim", all(k == victim for _, _, k in held),
           "kernels that answered: %s" % [k for _, _, k in held])
    ready = time.time()
    threads = [threading.Thread(target=loader) for _ in range(LOADERS)]
    for t in threads:
        t.start()
    outcomes = [None] * len(held)
    death = keep_until_death(held, outcomes)
    report("victim_died_while_the_load_ran", death is not None and death > ready + 1,
           "no panic of kernel %d in %s" % (victim, log) if death is None else
           "it died before the client was ready (boot slower than kill_kernel's time)")
    if death is None:
        stop.set()
        return
    time.sleep(0.5)
    outcomes = [o or held_outcome(c) + (time.time(),) for o, (_, c, _) in zip(outcomes, held)]
    print("death_check: held connections (what, seconds, when after the death): %s" %
          [(o, round(s, 1), round(at - death, 1)) for o, s, at in outcomes])
    report("held_connections_reset_not_hung",
           all(o in ("reset", "closed") and s < HELD_BOUND_S and at > death - BEFORE_S
               for o, s, at in outcomes),
           "outcomes (what, seconds, when after the death): %s" %
           [(o, round(s, 1), round(at - death, 1)) for o, s, at in outcomes])
    time.sleep(max(0, death + GRACE_S + AFTER_S - time.time()))
    stop.set()
    for t in threads:
        t.join()
    # Requests under way on the victim when it died are reset with its connections: the
    # log shows the panic some time after it, so "before" ends BEFORE_S earlier.
    before = [r for r in results if r[0] < death - BEFORE_S]
    after = [r for r in results if r[0] >= death + GRACE_S]
    bad_before = [r for r in before if not r[1]]
    bad_after = [r for r in after if not r[1]]
    around = [r for r in results if death - BEFORE_S <= r[0] < death + GRACE_S]
    print("death_check: %d requests opened up to %.0f s before the death (%d failed), %d"
          " around it (%d failed), %d opened %.0f s after it (%d failed)" %
          (len(before), BEFORE_S, len(bad_before), len(around), len([r for r in around if not r[1]]),
           len(after), GRACE_S, len(bad_after)))
    report("no_errors_before_the_death", len(before) >= 20 and not bad_before,
           "%d of %d failed: %s" % (len(bad_before), len(before), bad_before[:3]))
    report("no_errors_after_the_liveness_timeout", len(after) >= 20 and not bad_after,
           "%d of %d failed (at least 20 must run): %s" % (len(bad_after), len(after),
                                                            [(round(t - death, 1), w) for t, _, w in bad_after[:5]]))
    problem, answered = "no answer", set()
    end = time.time() + 30
    while time.time() < end:
        s = status_or_none(guest, (host, random_port()))
        if s:
            answered.add(s.get("kernel"))
        problem = status_problem(s)
        if problem is None and answered >= set(range(kernels)) - {victim}:
            break
        time.sleep(0.2)
    report("status_shows_the_victim_dead_and_its_buckets_on_the_living", problem is None, problem)
    report("every_living_kernel_still_serves", answered >= set(range(kernels)) - {victim},
           "kernels that answered /status: %s" % sorted(answered, key=str))
    if s:
        print("death_check: kernel %s's pool: %s" % (s.get("kernel"), s["net"]["interface"]["pool"]))


main()
sys.exit(1 if failed else 0)
