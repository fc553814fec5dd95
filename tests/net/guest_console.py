"""Kernel 0's serial console from the network suite's Python checks: typing a line into the
shell (QEMU's --serial-input socket) and reading the log (--serial file)."""
import re
import socket
import time


def log_text(path, start=0):
    """The log from byte `start` on, carriage returns and the "[kN] " tags taken out, with
    whatever a line has before its tag. While a client is connected to the console's socket
    QEMU's log file now and then holds a byte twice ("[k0]] ", "fromm"): patterns over it
    must allow for that."""
    with open(path, "rb") as f:
        f.seek(start)
        text = f.read().decode(errors="replace").replace("\r", "")
    return re.sub(r"(?m)^[^\n]*?\[+k+\d+\]+ ", "", text)


def log_size(path):
    with open(path, "rb") as f:
        return len(f.read())


def _drain(s):
    """Reads and drops what QEMU wrote to the socket: the console's output goes there too
    while a client is connected, and once the socket's buffer is full QEMU stops taking the
    guest's output, which holds kernel 0 in its console with interrupts off, so that it
    reads no more input either."""
    try:
        while s.recv(65536):
            pass
    except BlockingIOError:
        pass


def type_line(sock_path, log_path, line, expect, seconds=30):
    """Types line and Enter, a character at a time, and keeps the connection (reading what
    comes back) until the log shows `expect` (a regex) after it: QEMU reads the socket only
    as the guest drains the UART, which under load can take a while, and drops what it has
    not read when the other end closes. (The echo itself is no sign: another kernel's line
    may land in the middle of it.) Returns the match, or None after seconds."""
    start = log_size(log_path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    s.setblocking(False)
    try:
        for ch in line + "\r":
            s.sendall(ch.encode())
            _drain(s)
            time.sleep(0.002)
        end = time.monotonic() + seconds
        while True:
            _drain(s)
            m = re.search(expect, log_text(log_path, start))
            if m or time.monotonic() >= end:
                return m
            time.sleep(0.05)
    finally:
        s.close()
