#!/usr/bin/python3
"""Per-kernel serving checked connection by connection against the NIC's steering.

With a stack on each of KERNELS kernels and every kernel listening, kernel 0 spreads the
128 RSS buckets over them, bucket b to kernel b % KERNELS (net/steer.c). The NIC (or, on the
e1000, kernel 0 in software) hashes each connection's SYN with Toeplitz (Microsoft's RSS:
source address, destination address, source port, destination port) under the key of
lib/toeplitz.c, and the hash's low 7 bits name the bucket. This opens CONNS connections to
port 80 one after another, each from a source port drawn at random (each once; the seed is
printed), asks each for /status, and checks that the kernel it names is the kernel its
bucket says, and that each kernel served within 30% of an even share (70% to 130% of CONNS /
KERNELS). Every /status answer must also list every kernel alive, the 128 buckets each owned
by exactly one of them (the connection's own bucket by the kernel that answered), and totals
that are the rows' sums.

Prints PASS/FAIL lines for net.per_kernel_*; exits 1 if one failed.
usage: rss_check.py HOST_IP GUEST_IP CONNS KERNELS [STEERED,...]
"""
import errno
import http.client
import json
import random
import sys

KEY = bytes([0x6D, 0x5A] * 20)          # rss_key_symmetric, lib/toeplitz.c
BUCKETS = 128


def toeplitz(key, data):
    """The 32-bit Toeplitz hash of data: for each set bit of data, the 32 key bits that
    start at that bit's position are XORed in."""
    k = int.from_bytes(key, "big")
    klen = len(key) * 8
    h = 0
    for i in range(len(data) * 8):
        if data[i // 8] & (0x80 >> (i % 8)):
            h ^= (k >> (klen - 32 - i)) & 0xFFFFFFFF
    return h


def bucket_of(src, dst, sport, dport):
    data = bytes(map(int, src.split("."))) + bytes(map(int, dst.split("."))) + \
        sport.to_bytes(2, "big") + dport.to_bytes(2, "big")
    return toeplitz(KEY, data) % BUCKETS


def kernel_for(src, dst, sport, dport, kernels):
    return bucket_of(src, dst, sport, dport) % kernels


def status_problem(s, bucket, kernels):
    """What is wrong with /status's "kernels" and "totals" in one answer (None: nothing),
    given the bucket of the connection that carried it."""
    rows, totals = s.get("kernels"), s.get("totals")
    if not isinstance(rows, list) or [r.get("kernel") for r in rows] != list(range(kernels)):
        return "rows %s" % ([r.get("kernel") for r in rows] if isinstance(rows, list) else rows)
    if not all(r["alive"] and r["net"] for r in rows):
        return "alive, net: %s" % [(r["alive"], r["net"]) for r in rows]
    owners = [[r["kernel"] for r in rows if b in r["buckets"]] for b in range(BUCKETS)]
    bad = [(b, o) for b, o in enumerate(owners) if len(o) != 1]
    if bad or sum(len(r["buckets"]) for r in rows) != BUCKETS:
        return "buckets owned not once each (bucket, owners): %s" % bad[:4]
    if any(r["nbuckets"] != len(r["buckets"]) for r in rows):
        return "nbuckets %s, lists of %s" % ([r["nbuckets"] for r in rows],
                                              [len(r["buckets"]) for r in rows])
    if owners[bucket] != [s["kernel"]]:
        return "bucket %d owned by %s, answered by kernel %d" % (bucket, owners[bucket], s["kernel"])
    for key, v in totals.items():
        if key in rows[0] and not isinstance(rows[0][key], bool) and v != sum(r[key] for r in rows):
            return "totals.%s %s, rows sum to %s" % (key, v, sum(r[key] for r in rows))
    return None


def report(name, ok, why):
    print("PASS net.%s" % name if ok else "FAIL net.%s: %s" % (name, why), flush=True)
    return ok


def connect_from_free_port(guest, host, ports, to=80):
    """An HTTP connection to guest:to from the next port of ports the host can use."""
    for port in ports:
        c = http.client.HTTPConnection(guest, to, timeout=10, source_address=(host, port))
        try:
            c.connect()
            return c
        except OSError as e:
            c.close()
            if e.errno not in (errno.EADDRINUSE, errno.EADDRNOTAVAIL):
                raise
    raise OSError("no source port left")


def main():
    host, guest, conns, kernels = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    # Kernels with no queue of their own (on the e1000, all but 0) take their frames from
    # kernel 0 by software steering: what moves for them is steered_in, not interrupts.
    steered = {int(k) for k in sys.argv[5].split(",")} if len(sys.argv) > 5 else set()
    # The hash of Microsoft's RSS verification suite, with its key, must come out right
    # here first, or every prediction below means nothing.
    ms_key = bytes.fromhex("6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c"
                           "6a42b73bbeac01fa")
    ms = toeplitz(ms_key, bytes([66, 9, 149, 187, 161, 142, 100, 80]) + (2794).to_bytes(2, "big") +
                  (1766).to_bytes(2, "big"))
    if ms != 0x51CCC178:
        report("per_kernel_connections_served_by_their_bucket_kernel", False,
               "this script's Toeplitz hash is wrong: 0x%08x for the RSS test vector" % ms)
        return 1
    served, wrong, errors, listing = [0] * kernels, [], [], []
    # Each kernel's /status is its own interface's: (interrupts or, for a kernel steered in
    # software, frames handed to it, then rx_frames) first and last seen.
    first, latest = [None] * kernels, [None] * kernels
    # Random source ports, each once: the host's own ephemeral choice walks a narrow range
    # in order, which says little about how evenly the hash spreads real clients.
    # Below the host's ephemeral range, so that wrk's and curl's ports are not drawn; a port
    # the host still holds (TIME_WAIT of an earlier run) is passed over for the next.
    seed = random.randrange(1 << 32)
    print("rss_check: source ports drawn with seed %d" % seed, flush=True)
    ports = iter(random.Random(seed).sample(range(1024, 32768), 32768 - 1024))
    for i in range(conns):
        try:
            c = connect_from_free_port(guest, host, ports)
            c.request("GET", "/status")
            sport = c.sock.getsockname()[1]
            s = json.loads(c.getresponse().read())
            k = s["kernel"]
            iface = s["net"]["interface"]
            latest[k] = (iface["steered_in" if k in steered else "interrupts"],
                         iface["rx_frames"])
            first[k] = first[k] or latest[k]
        except (OSError, ValueError, KeyError, http.client.HTTPException) as e:
            errors.append("#%d: %s" % (i, e))
            continue
        finally:
            c.close()
        served[k] += 1
        problem = status_problem(s, bucket_of(host, guest, sport, 80), kernels)
        if problem:
            listing.append("port %d, kernel %d: %s" % (sport, k, problem))
        want = kernel_for(host, guest, sport, 80, kernels)
        if k != want:
            wrong.append("port %d: kernel %d, bucket says %d" % (sport, k, want))
    ok = report("per_kernel_connections_served_by_their_bucket_kernel", not wrong and not errors,
                "%d of %d on the wrong kernel (%s), %d failed (%s)" %
                (len(wrong), conns, "; ".join(wrong[:3]), len(errors), "; ".join(errors[:3])))
    # /status, from whichever kernel answers, reports all of them at once.
    ok &= report("per_kernel_status_lists_every_kernel_and_totals",
                 not listing and not errors and all(served),
                 "%d of %d answers wrong (%s); answered by kernel:count %s" %
                 (len(listing), conns, "; ".join(listing[:3]),
                  " ".join("%d:%d" % kv for kv in enumerate(served))))
    low, high = conns * 70 // (100 * kernels), conns * 130 // (100 * kernels)
    ok &= report("per_kernel_every_kernel_serves_its_share",
                 all(low <= n <= high for n in served),
                 "kernel:count %s, each must be in [%d, %d]" %
                 (" ".join("%d:%d" % kv for kv in enumerate(served)), low, high))
    # Each kernel's queue carried its connections: the frames and interrupts counted on that
    # kernel moved while it served them (its queue is attached, and its interrupt reaches it);
    # a kernel steered in software counts the frames kernel 0 handed it instead.
    ok &= report("per_kernel_each_queue_counts_frames_and_interrupts_on_its_kernel",
                 all(f and l and l[0] > f[0] and l[1] > f[1] for f, l in zip(first, latest)),
                 "interrupts (steered_in for kernels %s), rx_frames per kernel, first -> last: %s" %
                 (sorted(steered) or "none",
                  " ".join("%d:%s->%s" % (k, f, l) for k, (f, l) in enumerate(zip(first, latest)))))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
