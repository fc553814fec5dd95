#!/usr/bin/python3
"""A reply that ends its connection leaves with its FIN: watched on the tap.

A client asks for /1k.html with "Connection: close" and reads to the end. The guest's
segments on that connection, sniffed from the tap, must be SYN-ACK, then the reply with the
FIN on its last segment (httpd sends the last of it with MSG_MORE and closes), then at most
the ACK of the client's FIN: no FIN alone after the data. The client must get the whole
page and then the end of the stream. Prints PASS/FAIL lines named net.httpd_close_*.

usage: close_check.py IFACE GUEST_IP
"""
import socket
import sys
import time

from scapy.all import TCP, AsyncSniffer  # noqa: E402

IFACE, GUEST = sys.argv[1:3]
failed = False


def report(name, ok, why):
    global failed
    print(("PASS net.%s" % name) if ok else ("FAIL net.%s: %s" % (name, why)), flush=True)
    failed |= not ok


def fetch(port):
    """One request from local port `port`; the whole answer, read to the end of the stream."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.settimeout(10)
    s.connect((GUEST, 80))
    s.sendall(b"GET /1k.html HTTP/1.1\r\nHost: guest\r\nConnection: close\r\n\r\n")
    got = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
    s.close()
    return got


def main():
    port = 47000 + int(time.time()) % 1000
    sniffer = AsyncSniffer(iface=IFACE, store=True,
                           lfilter=lambda p: TCP in p and p[TCP].sport == 80 and p[TCP].dport == port)
    sniffer.start()
    time.sleep(1)
    got = fetch(port)
    time.sleep(1)
    segs = sniffer.stop() or []
    head, _, body = got.partition(b"\r\n\r\n")
    report("httpd_close_whole_reply", head.startswith(b"HTTP/1.1 200") and len(body) == 1024,
           "answer of %d bytes: %r" % (len(got), got[:80]))
    data = [p for p in segs if len(p[TCP].payload) > 0]
    fin_alone = [p for p in segs if p[TCP].flags.F and len(p[TCP].payload) == 0]
    last_data = data[-1] if data else None
    ok = last_data is not None and bool(last_data[TCP].flags.F) and not fin_alone
    report("httpd_close_reply_and_fin_in_one_segment", ok,
           "the guest's segments (flags, bytes): %s" %
           [(str(p[TCP].flags), len(p[TCP].payload)) for p in segs])
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
