#!/usr/bin/env python3
"""Reads the text off a Flotilla screen: takes QEMU's screendump over QMP (or reads a PPM
file) and decodes it cell by cell against the kernel's own font table (kernel/font.c, drawn
as kernel/font.h's font_cell_row draws it). A cell matches a glyph only pixel for pixel;
one that matches none reads as U+FFFD, so a blank or garbled screen yields no text.

Usage: screen.py --qmp SOCKET --dump OUT.ppm    take a screendump, print the screen's lines
       screen.py --ppm FILE                     print the lines of a dump already taken
       screen.py --render TEXT --ppm-out FILE   draw TEXT with the font (for the self-check)
"""
import argparse
import json
import os
import re
import socket
import sys

CELL_W, CELL_H, ROWS = 8, 16, 7
FONT_C = os.path.join(os.path.dirname(__file__), "..", "..", "kernel", "font.c")


def load_font():
    """{cell bitmap (16 row bytes): character} from kernel/font.c's table."""
    src = open(FONT_C).read()
    font = {}
    for m in re.finditer(r"\['((?:\\.|[^\\]))' - FONT_FIRST\] = \{([^}]*)\}", src):
        ch = m.group(1)[-1]
        shape = [int(v, 16) for v in m.group(2).replace(",", " ").split()]
        if len(shape) != ROWS:
            sys.exit(f"screen.py: glyph {ch!r} has {len(shape)} rows")
        font[cell_of(shape)] = ch
    if len(font) != 95:
        sys.exit(f"screen.py: {len(font)} distinct glyphs in kernel/font.c, want 95")
    return font


def cell_of(shape):
    """The 16 rows of the 8x16 cell: as font_cell_row in kernel/font.h."""
    rows = [0] * CELL_H
    for y in range(1, 2 * ROWS + 1):
        rows[y] = (shape[(y - 1) // 2] << 2) & 0xFF
    return tuple(rows)


def read_ppm(path):
    data = open(path, "rb").read()
    fields = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if not fields or fields.group(3) != b"255":
        sys.exit(f"screen.py: {path} is not an 8-bit P6 PPM")
    w, h = int(fields.group(1)), int(fields.group(2))
    return w, h, data[fields.end():]


def decode(w, h, pix, font):
    """The screen's text lines, trailing blanks removed."""
    lines = []
    for row in range(h // CELL_H):
        text = []
        for col in range(w // CELL_W):
            cell = []
            for y in range(CELL_H):
                at = ((row * CELL_H + y) * w + col * CELL_W) * 3
                bits = 0
                for x in range(CELL_W):
                    r, g, b = pix[at + 3 * x:at + 3 * x + 3]
                    bits = bits << 1 | (r + g + b > 384)
                cell.append(bits)
            text.append(font.get(tuple(cell), "\ufffd"))
        lines.append("".join(text).rstrip())
    return lines


def render(text, path, font):
    """TEXT drawn as the kernel draws it, one line, as a PPM."""
    glyph = {c: cell for cell, c in font.items()}
    w, h = CELL_W * len(text), CELL_H
    pix = bytearray(w * h * 3)
    for i, c in enumerate(text):
        for y, bits in enumerate(glyph.get(c, glyph["?"])):
            for x in range(CELL_W):
                if bits & (0x80 >> x):
                    at = (y * w + i * CELL_W + x) * 3
                    pix[at:at + 3] = b"\xff\xff\xff"
    with open(path, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (w, h) + bytes(pix))


def screendump(sock_path, out):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(20)
    s.connect(sock_path)
    f = s.makefile("rw")
    f.readline()                                  # the greeting
    for cmd in ({"execute": "qmp_capabilities"},
                {"execute": "screendump", "arguments": {"filename": os.path.abspath(out)}}):
        f.write(json.dumps(cmd) + "\n")
        f.flush()
        while True:                               # events may come before the answer
            reply = json.loads(f.readline())
            if "return" in reply or "error" in reply:
                break
        if "error" in reply:
            sys.exit(f"screen.py: QMP {cmd['execute']}: {reply['error']}")
    s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qmp")
    ap.add_argument("--dump")
    ap.add_argument("--ppm")
    ap.add_argument("--render")
    ap.add_argument("--ppm-out")
    a = ap.parse_args()
    font = load_font()
    if a.render is not None:
        render(a.render, a.ppm_out, font)
        return
    path = a.ppm
    if a.qmp:
        screendump(a.qmp, a.dump)
        path = a.dump
    w, h, pix = read_ppm(path)
    for line in decode(w, h, pix, font):
        print(line)


if __name__ == "__main__":
    main()
