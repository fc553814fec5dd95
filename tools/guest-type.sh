#!/usr/bin/env bash
# Types one line into a guest's serial console, as a person at its keyboard would: the line
# and a carriage return, a character at a time. The guest must have been started with
# tools/qemu.sh --serial-input SOCK. Usage: tools/guest-type.sh SOCK 'LINE'
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 SOCK LINE" >&2; exit 2; }
exec /usr/bin/python3 - "$1" "$2" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
for c in sys.argv[2] + "\r":
    s.sendall(c.encode())
    time.sleep(0.002)       # a UART takes a character at a time
# QEMU reads from the socket only as fast as the guest empties its UART, and drops what it has
# not read when the socket closes: a second lets a busy guest take the whole line.
time.sleep(1.0)
s.close()
PY
