#!/usr/bin/python3
"""Hostile and broken packets at the guest, each kind counted where it must be.

Sends, from the test namespace over the tap, packets that break one rule each: bad IP and
TCP checksums, truncated TCP headers, bad IHL and data offsets, SYN+FIN and SYN+RST, UDP to
port 0 and to unbound ports (after which the guest must still answer ping and HTTP), and,
on a live connection, out-of-window segments, blind RSTs (RFC 5961 3) and SYNs in the
window (RFC 5961 4). After each kind it reads the guest's /status and checks that the drop
counter of that reason grew by the number sent (or, where other traffic may add to it, by
at least that). At the end the live connection must still work: a blind RST must not have
killed it. Prints PASS/FAIL lines named net.malformed.*.

With --every-kernel (a guest whose kernels each run a stack of their own, and take the
frames of their RSS buckets), a drop counter is the sum of every kernel's: each kernel's own
/status, fetched through a port of its buckets (kernel_status.py).

usage: malformed.py IFACE GUEST_IP GUEST_MAC HOST_IP [--every-kernel]
"""
import http.client
import json
import socket
import struct
import subprocess
import sys
import time
import urllib.request

from scapy.all import IP, TCP, UDP, Ether, AsyncSniffer, Raw, sendp  # noqa: E402

from kernel_status import every_kernel, summed  # noqa: E402

IFACE, GUEST, GMAC, HOST = sys.argv[1:5]
EVERY_KERNEL = sys.argv[5:] == ["--every-kernel"]
failed = False


def status():
    with urllib.request.urlopen("http://%s/status" % GUEST, timeout=10) as r:
        return json.load(r)


def drops():
    if EVERY_KERNEL:
        return summed(every_kernel(HOST, GUEST), "net.drops")
    return status()["net"]["drops"]


def report(name, ok, why):
    global failed
    print(("PASS net.malformed.%s" % name) if ok else ("FAIL net.malformed.%s: %s" % (name, why)))
    failed |= not ok


def send(frames):
    for f in frames:
        sendp(f, iface=IFACE, verbose=False)


def check(name, counter, frames, exact=True):
    try:
        before = drops().get(counter)
        send(frames)
        time.sleep(0.5)
        after = drops().get(counter)
    except (OSError, ValueError, KeyError, http.client.HTTPException) as e:
        report(name, False, "the guest stopped answering /status: %r" % e)
        return
    if before is None or after is None:
        report(name, False, "no drop counter %s in /status" % counter)
        return
    grew = after - before
    ok = grew == len(frames) if exact else grew >= len(frames)
    report(name, ok, "%s grew by %d for %d packets" % (counter, grew, len(frames)))


def guest_answers():
    """The guest answers a ping and serves /status over TCP."""
    ping = subprocess.run(["ping", "-c", "1", "-W", "3", GUEST], capture_output=True)
    try:
        status()
    except OSError:
        return False
    return ping.returncode == 0


def eth():
    return Ether(dst=GMAC, type=0x0800)


def raw_ip(pkt, **patch):
    """The bytes of an IPv4 packet with header fields overwritten after scapy built it."""
    b = bytearray(bytes(pkt))
    if "ihl" in patch:
        b[0] = 0x40 | patch["ihl"]
        b[10:12] = b"\0\0"
        hl = min(patch["ihl"], 5) * 4
        s = sum(struct.unpack("!%dH" % (hl // 2), bytes(b[:hl])))
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        b[10:12] = struct.pack("!H", ~s & 0xFFFF)
    return bytes(b)


def mod32(n):
    return n & 0xFFFFFFFF


def tcp_to(dport=80, **kw):
    return IP(src=HOST, dst=GUEST) / TCP(sport=kw.pop("sport", 40001), dport=dport, **kw)


def main():
    # Framing errors, no connection needed.
    check("bad_ip_checksum", "ip_checksum",
          [eth() / IP(src=HOST, dst=GUEST, chksum=0x1234) / TCP(dport=80, flags="S")] * 3)
    check("bad_ihl_under_5", "ip_header_len",
          [eth() / Raw(raw_ip(tcp_to(flags="S"), ihl=4))] * 3)
    check("bad_ihl_past_the_packet", "ip_header_len",
          [eth() / Raw(raw_ip(IP(src=HOST, dst=GUEST, proto=6) / Raw(b"\0" * 20), ihl=15))] * 2)
    check("bad_tcp_checksum", "tcp_checksum", [eth() / tcp_to(flags="S", chksum=0xBEEF)] * 5)
    short = IP(src=HOST, dst=GUEST, proto=6) / Raw(bytes(TCP(dport=80, flags="S"))[:12])
    check("truncated_tcp_header", "tcp_short", [eth() / short] * 4)
    check("data_offset_under_5", "tcp_offset", [eth() / tcp_to(flags="S", dataofs=3)] * 3)
    check("data_offset_past_the_segment", "tcp_offset", [eth() / tcp_to(flags="S", dataofs=15)] * 2)
    check("syn_fin", "tcp_flags", [eth() / tcp_to(flags="SF")] * 5)
    check("syn_rst", "tcp_flags", [eth() / tcp_to(flags="SR")] * 2)
    # Sources that name no host (RFC 1122 3.2.1.3): dropped silently, no SYN-ACK, RST or ICMP.
    martians = ["0.0.0.0", "127.0.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255"]
    sniff = AsyncSniffer(iface=IFACE, filter="ip src %s" % GUEST, store=True)
    sniff.start()
    time.sleep(0.5)
    check("martian_sources_dropped", "ip_bad_source",
          [eth() / IP(src=m, dst=GUEST) / TCP(sport=40002, dport=80, flags="S") for m in martians] +
          [eth() / IP(src=m, dst=GUEST) / UDP(sport=5000, dport=4242) / Raw(b"x" * 8) for m in martians])
    answers = [p for p in sniff.stop() if IP in p and p[IP].dst in martians]
    report("martian_sources_unanswered", not answers, "the guest answered %r" % answers[:2])
    # A closed port answers every segment without RST with a RST (RFC 9293 3.10.7.1), odd
    # flags or none.
    sniff = AsyncSniffer(iface=IFACE, filter="tcp and src host %s and src port 4444" % GUEST, store=True)
    sniff.start()
    time.sleep(0.5)
    odd = ["", "F", "P", "SF"]
    check("closed_port_odd_flags", "tcp_no_socket",
          [eth() / tcp_to(dport=4444, sport=40003 + i, flags=f, seq=100) / Raw(b"x" * 4)
           for i, f in enumerate(odd)])
    rsts = {p[TCP].dport for p in sniff.stop() if TCP in p and p[TCP].flags & 0x04}
    report("closed_port_odd_flags_draw_rst", len(rsts) == len(odd),
           "RSTs to %d of %d ports" % (len(rsts), len(odd)))
    check("bad_udp_checksum", "udp_checksum",
          [eth() / IP(src=HOST, dst=GUEST) / UDP(sport=5000, dport=7, chksum=0x4321) / Raw(b"x" * 8)] * 3)
    # Port 0 once matched a free binding slot and panicked the kernel (issue #13, defect 12);
    # it and other unbound ports are counted as nobody's, and the guest answers on.
    check("udp_to_port_0", "udp_no_port",
          [eth() / IP(src=HOST, dst=GUEST) / UDP(sport=5000, dport=0) / Raw(b"x" * 8)] * 3)
    check("udp_to_unbound_ports", "udp_no_port",
          [eth() / IP(src=HOST, dst=GUEST) / UDP(sport=5000, dport=p) / Raw(b"x" * 8)
           for p in (1, 9, 4242, 65535)])
    report("guest_answers_after_udp_to_port_0", guest_answers(), "no ping or HTTP answer")

    # A live connection, whose numbers the sniffer learns from its handshake.
    sniff = AsyncSniffer(iface=IFACE, filter="tcp port 80", store=True)
    sniff.start()
    time.sleep(0.5)
    s = socket.create_connection((GUEST, 80), timeout=10)
    lport = s.getsockname()[1]
    time.sleep(0.5)
    pkts = sniff.stop()
    synack = [p for p in pkts if TCP in p and p[TCP].dport == lport and p[TCP].flags == "SA"]
    mine = [p for p in pkts if TCP in p and p[TCP].sport == lport]
    report("live_connection_seen", bool(synack and mine), "the sniffer missed the handshake")
    if not synack or not mine:
        sys.exit(1)
    # Sequence numbers and timestamps are counted modulo 2^32 (RFC 9293 3.4, RFC 7323 5.2):
    # the ISNs are random, and one near the top wraps.
    srv_next = mod32(synack[-1][TCP].seq + 1)
    rcv_next = mine[-1][TCP].seq        # the guest's RCV.NXT: nothing sent yet after the SYN
    tsval = mod32(max(dict(p[TCP].options).get("Timestamp", (0, 0))[0] for p in mine) + 1000)
    tsecr = dict(synack[-1][TCP].options).get("Timestamp", (0, 0))[0]
    opts = [("NOP", None), ("NOP", None), ("Timestamp", (tsval, tsecr))]

    def seg(flags, seq, payload=b""):
        return eth() / IP(src=HOST, dst=GUEST) / TCP(sport=lport, dport=80, flags=flags, seq=seq,
                                                   ack=srv_next, window=1000, options=opts) / Raw(payload)

    check("out_of_window_data", "tcp_out_of_window",
          [seg("PA", mod32(rcv_next + 50_000_000), b"x" * 10) for _ in range(5)], exact=False)
    check("blind_rst_in_window", "tcp_rst_blind", [seg("R", mod32(rcv_next + 1000)) for _ in range(3)])
    check("syn_in_window", "tcp_syn_in_window", [seg("S", mod32(rcv_next + 2000)) for _ in range(2)])

    # The connection lived through all of that.
    s.sendall(b"GET / HTTP/1.1\r\nHost: guest\r\nConnection: close\r\n\r\n")
    body = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            body += b
    except (ConnectionResetError, socket.timeout) as e:
        body = repr(e).encode()
    report("connection_survives_blind_rst_and_syn", body.startswith(b"HTTP/1.1 200"),
           "got %r" % body[:60])
    sys.exit(1 if failed else 0)


main()
