#!/usr/bin/python3
"""The live page /status.html, loaded in headless Chromium against the running guest: the DOM
after its scripts ran (--dump-dom; virtual time lets its first /status fetch finish) must show
a card for every kernel, the 128-cell bucket map with each bucket once and owned by a kernel,
the same owners as /status's "kernels", and the load balancer's moves; and after a bucket is
moved (`steer move B K` typed into kernel 0's shell) a second load shows it in K's colour.
A screenshot is left in OUT for the record.
Prints PASS/FAIL lines for net.monitor_page_*; exits 1 if one failed.
usage: status_page.py GUEST_IP SERIAL_SOCKET SERIAL_LOG KERNELS OUT
"""
import http.client
import json
import re
import subprocess
import sys
import time

from guest_console import type_line

failed = False
CHROMIUM = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--hide-scrollbars", "--virtual-time-budget=5000"]


def report(name, ok, why):
    global failed
    failed |= not ok
    print("PASS net.%s" % name if ok else "FAIL net.%s: %s" % (name, why), flush=True)
    return ok


def dom(url):
    """The page's DOM once its scripts ran, or '' (Chromium missing or failing)."""
    try:
        return subprocess.run(CHROMIUM + ["--dump-dom", url], capture_output=True, text=True,
                              timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def cells(html):
    """bucket -> owner ('' for none) from the map's cells."""
    return {int(b): o for b, o in
            re.findall(r'class="cell[^"]*" data-bucket="(\d+)" data-owner="(\d*)"', html)}


def owners_from_status(guest):
    c = http.client.HTTPConnection(guest, 80, timeout=10)
    try:
        c.request("GET", "/status")
        s = json.loads(c.getresponse().read())
    finally:
        c.close()
    return {b: str(r["kernel"]) for r in s["kernels"] for b in r["buckets"]}


def check_first_load(html, guest, kernels):
    """Returns the map, for the move."""
    cards = sorted(int(k) for k in re.findall(r'class="kernel[^"]*" data-kernel="(\d+)"', html))
    report("monitor_page_shows_every_kernel", cards == list(range(kernels)),
           "kernel cards %s, want 0..%d (%d bytes of DOM)" % (cards, kernels - 1, len(html)))
    m = cells(html)
    owned = sorted(m) == list(range(128)) and all(o != "" and int(o) < kernels for o in m.values())
    report("monitor_page_maps_128_buckets_each_owned", owned and html.count('class="cell') == 128,
           "%d cells, buckets %s..., owners %s" % (html.count('class="cell'), sorted(m)[:4],
                                                   sorted(set(m.values()))))
    try:
        status = owners_from_status(guest)
    except (OSError, ValueError, KeyError, http.client.HTTPException) as e:
        status = {"error": str(e)}
    diff = [b for b in range(128) if m.get(b) != status.get(b)]
    report("monitor_page_map_matches_status", not diff,
           "buckets whose owner differs from /status a moment later: %s" % diff[:8])
    moves = html.count('class="move"')
    report("monitor_page_lists_the_moves", moves > 0, "no row in the moves table")
    return m


def check_move_shows(url, sock, log, m, kernels):
    b = min(m, key=lambda x: (m[x] != "2", x))      # a bucket of kernel 2's if it has one
    to = (int(m[b]) + 1) % kernels
    type_line(sock, log, "run /bin/steer move %d %d" % (b, to), r"steer: (\d+ moves? begun|refused)")
    again = {}
    for _ in range(5):                              # the move's READY, and the table written
        time.sleep(1)
        again = cells(dom(url))
        if again.get(b) == str(to):
            break
    report("monitor_page_shows_a_move", again.get(b) == str(to),
           "bucket %d moved from kernel %s to %d; the page shows %s" % (b, m[b], to, again.get(b)))


def main():
    guest, sock, log = sys.argv[1], sys.argv[2], sys.argv[3]
    kernels, out = int(sys.argv[4]), sys.argv[5]
    url = "http://%s/status.html" % guest
    html = dom(url)
    with open(out + "/status-page.html", "w") as f:
        f.write(html)
    m = check_first_load(html, guest, kernels)
    subprocess.run(CHROMIUM + ["--window-size=1200,1100", "--screenshot=%s/status-page.png" % out,
                               url], capture_output=True, timeout=60)
    if len(m) == 128:
        check_move_shows(url, sock, log, m, kernels)
    else:
        report("monitor_page_shows_a_move", False, "no map to move a bucket on")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
