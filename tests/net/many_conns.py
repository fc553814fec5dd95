#!/usr/bin/python3
"""N connections open at once to a web server, then a request on each: every answer whole.

All N connections are established before the first request is sent, so the server (on
however many kernels it runs) holds them all at once; then each asks for PATH and must get a
200 whose body is FILE's bytes, within 60 s in all. Works against any number of kernels
(unlike httpd's own many_connections_at_once, which counts one httpd's connections).
Exits 0 if every answer arrived whole, else 1 with the reason on stdout.
usage: many_conns.py GUEST_IP PORT N PATH FILE
"""
import selectors
import socket
import sys
import time


def main():
    guest, port, n, path, file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
    body = open(file, "rb").read()
    socks = [socket.create_connection((guest, port), timeout=20) for _ in range(n)]
    req = ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (path, guest)).encode()
    for s in socks:
        s.sendall(req)
    sel = selectors.DefaultSelector()
    got = {}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        got[s] = b""
    open_ = n
    deadline = time.monotonic() + 60
    while open_ and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            chunk = key.fileobj.recv(65536)
            if chunk:
                got[key.fileobj] += chunk
            else:
                sel.unregister(key.fileobj)
                open_ -= 1
    whole = sum(1 for r in got.values() if r.startswith(b"HTTP/1.1 200 ") and r.endswith(b"\r\n\r\n" + body))
    for s in socks:
        s.close()
    if whole != n:
        print("%d of %d answers whole (%d connections still open after 60 s)" % (whole, n, open_))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
