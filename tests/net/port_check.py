#!/usr/bin/python3
"""A port only one kernel serves is served from every bucket (kernel/netports.h).

Opens CONNS connections to GUEST:PORT one after another, each from a source port drawn at
random (so their RSS buckets fall on every kernel), asks each for /status and checks that
every one was answered, with 200, by kernel KERNEL: the kernels whose buckets they landed
in handed them on instead of refusing them.
Exits 0 if so, else 1 with the reason on stdout.
usage: port_check.py HOST_IP GUEST_IP PORT CONNS KERNEL
"""
import http.client
import json
import random
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from rss_check import connect_from_free_port  # noqa: E402


def main():
    host, guest = sys.argv[1], sys.argv[2]
    port, conns, kernel = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    seed = random.randrange(1 << 32)
    ports = iter(random.Random(seed).sample(range(1024, 32768), 32768 - 1024))
    by, failed = {}, []
    for i in range(conns):
        c = None
        try:
            c = connect_from_free_port(guest, host, ports, port)
            c.request("GET", "/status")
            r = c.getresponse()
            k = json.loads(r.read())["kernel"] if r.status == 200 else "status %d" % r.status
        except (OSError, ValueError, KeyError, http.client.HTTPException) as e:
            k = "failed"
            failed.append("#%d: %s" % (i, e))
        finally:
            if c:
                c.close()
        by[k] = by.get(k, 0) + 1
    if by != {kernel: conns}:
        print("answered by kernel:count %s, want %d:%d (seed %d; %s)" %
              (" ".join("%s:%d" % kv for kv in sorted(by.items(), key=str)), kernel, conns,
               seed, "; ".join(failed[:3])))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
