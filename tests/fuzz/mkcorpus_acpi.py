#!/usr/bin/env python3
"""Writes the seed inputs of fuzz_acpi.c: valid table sets in its input layout (flags byte,
RSDP, memory whose offsets are physical addresses), as firmware lays them out (ACPI 6.5
5.2.5-5.2.12, the PCI Firmware spec's MCFG). Usage: mkcorpus_acpi.py DIR"""
import struct
import sys

FIX_RSDP, FIX_TABLES = 0x40, 0x80


def checksum(b, at, n=None):
    b[at] = 0
    b[at] = (-sum(b[:n])) & 0xFF


class Memory:
    def __init__(self):
        self.buf = bytearray(16)

    def table(self, sig, body, rev=1):
        self.buf += bytes(-len(self.buf) % 16)
        at = len(self.buf)
        t = bytearray(sig.encode() + struct.pack("<IB", 36 + len(body), rev) + bytes(27) + body)
        checksum(t, 9)
        self.buf += t
        return at


def madt(cpus, x2cpus=(), ioapics=(), isos=()):
    b = struct.pack("<II", 0xFEE00000, 1)
    for apic_id, flags in cpus:
        b += struct.pack("<BBBBI", 0, 8, apic_id, apic_id, flags)
    for apic_id, flags in x2cpus:
        b += struct.pack("<BBHIII", 9, 16, 0, apic_id, flags, apic_id)
    for io_id, addr, gsi in ioapics:
        b += struct.pack("<BBBBII", 1, 12, io_id, 0, addr, gsi)
    for src, gsi, flags in isos:
        b += struct.pack("<BBBBIH", 2, 10, 0, src, gsi, flags)
    return b


def mcfg(entries):
    return bytes(8) + b"".join(struct.pack("<QHBBI", base, seg, s, e, 0) for base, seg, s, e in entries)


def fadt(pm_blk, flags, x_pm=None, length=244):
    b = bytearray(length - 36)
    struct.pack_into("<I", b, 76 - 36, pm_blk)
    if length >= 116:
        struct.pack_into("<I", b, 112 - 36, flags)
    if x_pm is not None:
        struct.pack_into("<BBBBQ", b, 208 - 36, 1, 32, 0, 3, x_pm)
    return bytes(b)


def rsdp(root, v2):
    r = bytearray(b"RSD PTR " + bytes(28))
    r[15] = 2 if v2 else 0
    struct.pack_into("<I", r, 16, 0 if v2 else root)
    struct.pack_into("<IQ", r, 20, 36, root if v2 else 0)
    checksum(r, 8, 20)
    checksum(r, 32, 36)
    return bytes(r if v2 else r[:20])


def input_of(mem, tables, v2):
    fmt, sig = ("<Q", "XSDT") if v2 else ("<I", "RSDT")
    root = mem.table(sig, b"".join(struct.pack(fmt, t) for t in tables))
    r = rsdp(root, v2)
    return bytes([FIX_RSDP | FIX_TABLES | len(r)]) + r + bytes(mem.buf)


def seeds():
    m = Memory()
    t = [m.table("APIC", madt([(0, 1), (1, 1), (2, 0)], [(300, 1)], [(5, 0xFEC00000, 0)],
                                [(0, 2, 0), (9, 9, 0xD)])),
         m.table("MCFG", mcfg([(0xB0000000, 0, 0, 255)])),
         m.table("FACP", fadt(0x608, 1 << 8), rev=6)]
    yield "xsdt-madt-mcfg-fadt", input_of(m, t, True)

    m = Memory()
    t = [m.table("FACP", fadt(0xB008, 0, length=116), rev=1),
         m.table("APIC", madt([(0, 1), (1, 1)], ioapics=[(2, 0xFEC00000, 0)]))]
    yield "rsdt-acpi1", input_of(m, t, False)

    m = Memory()
    t = [m.table("APIC", madt([(i, 1) for i in range(70)])),
         m.table("FACP", fadt(0, 1 << 8, x_pm=0x408), rev=5)]
    yield "xsdt-70-cpus-xpmtmr", input_of(m, t, True)

    m = Memory()
    t = [m.table("APIC", madt([(0, 1)], [(0, 1), (256, 1), (257, 2)],
                                [(i, 0xFEC00000 + i * 0x1000, 24 * i) for i in range(3)],
                                [(i, i, 0) for i in range(4)])),
         m.table("MCFG", mcfg([(0xE0000000, 0, 0, 63), (0xF0000000, 1, 0, 15)])),
         m.table("HPET", bytes(20))]
    yield "xsdt-x2apic-mcfg2-hpet", input_of(m, t + [0xFFFFFFF0, 1 << 40], True)


if __name__ == "__main__":
    for name, data in seeds():
        with open(f"{sys.argv[1]}/seed-{name}", "wb") as f:
            f.write(data)
