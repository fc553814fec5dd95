#!/usr/bin/python3
"""Checks the guest's echo service (RFC 862, user/bin/echod) as a client would.

usage: echo_check.py udp HOST PORT          datagrams of many sizes come back unchanged
       echo_check.py tcp HOST PORT BYTES    a stream of BYTES random bytes comes back whole
       echo_check.py udp-flood HOST PORT N  N datagrams back to back overflow the service's
                                            receive queue: the guest's drops.udp_rcvbuf (in
                                            its /status) moves, by no more than the datagrams
                                            that did not come back, and the service still echoes
Prints one line saying what it found; exits 0 when everything matched.
"""
import json
import os
import socket
import urllib.request
import sys
import threading
import time


def udp(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    sizes = [0, 1, 7, 64, 512, 1000, 1472]
    good = 0
    for i, n in enumerate(sizes):
        data = bytes((i * 31 + k) & 255 for k in range(n))
        for _ in range(3):                  # UDP may lose one: retry, bounded
            s.sendto(data, (host, port))
            try:
                got, src = s.recvfrom(2048)
            except socket.timeout:
                continue
            if got == data and src == (host, port):
                good += 1
            break
    print("udp echo: %d of %d sizes came back unchanged" % (good, len(sizes)))
    return good == len(sizes)


def tcp(host, port, nbytes):
    data = os.urandom(nbytes)
    s = socket.create_connection((host, port), timeout=60)
    got = []

    def reader():
        while True:
            b = s.recv(65536)
            if not b:
                return
            got.append(b)

    t = threading.Thread(target=reader)
    t.start()
    start = time.time()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    t.join(120)
    back = b"".join(got)
    ok = back == data
    print("tcp echo: %d of %d bytes back, %s, %.2f s" %
          (len(back), nbytes, "identical" if ok else "DIFFERENT", time.time() - start))
    return ok


def udp_rcvbuf_drops(host):
    with urllib.request.urlopen("http://%s/status" % host, timeout=20) as r:
        return json.load(r)["net"]["drops"]["udp_rcvbuf"]


def udp_flood(host, port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.settimeout(3)
    back = [0]

    def reader():
        try:
            while True:
                s.recvfrom(2048)
                back[0] += 1
        except (socket.timeout, OSError):
            return

    before = udp_rcvbuf_drops(host)
    t = threading.Thread(target=reader)
    t.start()
    data = bytes(1400)
    for _ in range(count):
        s.sendto(data, (host, port))
    t.join(60)
    s.close()
    dropped = udp_rcvbuf_drops(host) - before
    lost = count - back[0]
    print("udp flood: %d of %d datagrams back, drops.udp_rcvbuf +%d" % (back[0], count, dropped))
    return 0 < dropped <= lost and udp(host, port)


if __name__ == "__main__":
    kind, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if kind == "udp":
        ok = udp(host, port)
    elif kind == "udp-flood":
        ok = udp_flood(host, port, int(sys.argv[4]))
    else:
        ok = tcp(host, port, int(sys.argv[4]))
    sys.exit(0 if ok else 1)
