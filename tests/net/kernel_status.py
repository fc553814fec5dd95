#!/usr/bin/python3
"""Every kernel's own /status, one fetch each, for counters that /status's "kernels" rows do
not carry (drops by reason, TCP's counters by name: the answering kernel's "net").

A connection is served by the kernel that owns its RSS bucket; the first answer's "kernels"
rows say which buckets each kernel owns, so each further fetch comes from a source port whose
Toeplitz bucket (rss_check.py's hash) is that kernel's. A kernel whose bucket moved between
the two is fetched again from another port.

As a program: prints each kernel's /status as one JSON line, in kernel order; with --sum
PATH, the sum over kernels of the numbers at PATH (keys joined by dots, as net.drops), as
one JSON object; with --port-of K, a source port (of 20000-32767, chosen at random) whose
connections to port 80 kernel K serves, by its buckets now. Exits 1 if a kernel could not be
reached.
usage: kernel_status.py HOST_IP GUEST_IP [--sum PATH | --port-of K]
"""
import http.client
import json
import random
import sys

from rss_check import bucket_of, connect_from_free_port

TRIES = 8                       # fetches per kernel before it counts as unreachable


def status_or_none(guest, source=None):
    """One /status as a dict, asked from source ((address, port)) if given; None if it
    cannot be had."""
    c = http.client.HTTPConnection(guest, 80, timeout=10, source_address=source)
    try:
        c.request("GET", "/status")
        return json.loads(c.getresponse().read())
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        c.close()


def fetch(host, guest, ports):
    c = connect_from_free_port(guest, host, ports)
    try:
        c.request("GET", "/status")
        return json.loads(c.getresponse().read())
    finally:
        c.close()


def every_kernel(host, guest):
    """Each kernel's /status, in kernel order (OSError if one cannot be had)."""
    ports = iter(random.Random().sample(range(1024, 32768), 32768 - 1024))
    first = fetch(host, guest, ports)
    rows = first["kernels"]
    got = {first["kernel"]: first}
    for k in range(len(rows)):
        mine = set(rows[k]["buckets"])
        for _ in range(TRIES):
            if k in got:
                break
            wanted = (p for p in ports if bucket_of(host, guest, p, 80) in mine)
            s = fetch(host, guest, wanted)
            got[s["kernel"]] = s
        if k not in got:
            raise OSError("kernel %d did not answer /status in %d fetches" % (k, TRIES))
    return [got[k] for k in range(len(rows))]


def summed(statuses, path):
    """The sum over statuses of the object at path (numbers only)."""
    total = {}
    for s in statuses:
        for key in path.split("."):
            s = s[key]
        for name, v in s.items():
            if isinstance(v, int) and not isinstance(v, bool):
                total[name] = total.get(name, 0) + v
    return total


def port_of(host, guest, k):
    ports = iter(random.Random().sample(range(1024, 32768), 32768 - 1024))
    mine = set(fetch(host, guest, ports)["kernels"][k]["buckets"])
    return next(p for p in random.Random().sample(range(20000, 32768), 32768 - 20000)
                if bucket_of(host, guest, p, 80) in mine)


def main():
    host, guest = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 4 and sys.argv[3] == "--port-of":
        try:
            print(port_of(host, guest, int(sys.argv[4])))
            return 0
        except (OSError, ValueError, KeyError, IndexError, StopIteration,
                http.client.HTTPException) as e:
            print("kernel_status: %r" % e, file=sys.stderr)
            return 1
    try:
        all_ = every_kernel(host, guest)
    except (OSError, ValueError, KeyError, http.client.HTTPException) as e:
        print("kernel_status: %s" % e, file=sys.stderr)
        return 1
    if len(sys.argv) > 4 and sys.argv[3] == "--sum":
        print(json.dumps(summed(all_, sys.argv[4])))
    else:
        for s in all_:
            print(json.dumps(s))
    return 0


if __name__ == "__main__":
    sys.exit(main())
