#!/usr/bin/python3
"""A lossy, reordering link between QEMU and a tap device, in user space.

tc's netem would do this in the kernel, but not every host kernel has sch_netem (these
machines do not). QEMU sends and receives the guest's frames as UDP datagrams
(-netdev dgram); this relay carries them to and from the tap, dropping LOSS percent of
frames in each direction and holding REORDER percent back behind the next frame.

usage: lossy_link.py TAP QEMU_PORT RELAY_PORT LOSS REORDER SEED
Runs until killed; prints its counts to stderr when it ends (SIGTERM).
"""
import fcntl
import os
import random
import select
import signal
import socket
import struct
import sys

# A frame held back goes out after the next one, or after this long without one: a sender
# that waits for it (its window full) is held up no longer than this.
QUIET_S = 0.005
TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def main():
    tap, qemu_port, relay_port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    loss, reorder, seed = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
    rng = random.Random(seed)
    tfd = open_tap(tap)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", relay_port))
    qemu = ("127.0.0.1", qemu_port)
    counts = {"to_guest": 0, "to_host": 0, "dropped": 0, "reordered": 0}
    held = {"to_guest": None, "to_host": None}

    def done(*_):
        print("lossy_link: %s" % counts, file=sys.stderr)
        sys.exit(0)

    signal.signal(signal.SIGTERM, done)

    def send(direction, frame):
        if direction == "to_guest":
            udp.sendto(frame, qemu)
        else:
            os.write(tfd, frame)

    def carry(direction, frame):
        counts[direction] += 1
        if rng.random() * 100 < loss:
            counts["dropped"] += 1
            return
        if held[direction] is None and rng.random() * 100 < reorder:
            held[direction] = frame         # goes out after the next frame
            counts["reordered"] += 1
            return
        send(direction, frame)
        if held[direction] is not None:
            send(direction, held[direction])
            held[direction] = None

    while True:
        ready, _, _ = select.select([tfd, udp], [], [], QUIET_S)
        if not ready:
            for d in held:                  # nothing came after it: let it go
                if held[d] is not None:
                    send(d, held[d])
                    held[d] = None
        for r in ready:
            if r is udp:
                carry("to_host", udp.recv(65536))
            else:
                carry("to_guest", os.read(tfd, 65536))


if __name__ == "__main__":
    main()
