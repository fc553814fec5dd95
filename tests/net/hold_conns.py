#!/usr/bin/python3
"""Opens N keep-alive HTTP connections to a server and holds them idle.

Each connection is opened (at most --window connects in flight), asks for PATH once and reads
the whole answer, then stays open and silent. With --sources the connections are spread over
those local addresses (aliases on the host's interface), each giving its own ~64,000 ports.
Then, one line per command read on stdin:
  check    every held connection asks for PATH again: each answer must be a whole 200;
  stats    prints how many are held;
and at the end of stdin every connection is closed.
Prints "HELD n of N in S s (R connects/s)" once all are open and answered, "CHECKED n of n"
for each check (and what failed), and "CLOSED n". Exits 0 if every connection was opened,
answered and checked whole, else 1.
usage: hold_conns.py GUEST_IP PORT N PATH FILE [--sources A,B,..] [--window W] [--timeout S]
"""
import argparse
import errno
import resource
import select
import socket
import sys
import time

IP_BIND_ADDRESS_NO_PORT = 24    # Linux: the port is chosen at connect, by the 4-tuple


class Conn:
    __slots__ = ("sock", "buf", "want", "state")

    def __init__(self, sock):
        self.sock, self.buf, self.want, self.state = sock, b"", 0, "connecting"


def raise_fd_limit(n):
    """Descriptors for n sockets and a few more, or False if the hard limit is lower (run
    several of these, each with a share of the connections)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 64
    if want > hard:
        print("hold_conns: %d connections need %d descriptors, the limit is %d" % (n, want, hard))
        return False
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
    return True


def answer_length(buf):
    """The whole answer's length once its head is in buf, else 0."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return 0
    for line in buf[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return end + 4 + int(value)
    return -1


class Holder:
    def __init__(self, a):
        self.a = a
        self.ep = select.epoll()
        self.conns = {}
        self.req = ("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (a.path, a.guest)).encode()
        self.body = open(a.file, "rb").read()
        self.failed = {}

    def fail(self, c, why):
        self.failed[why] = self.failed.get(why, 0) + 1
        c.state = "failed"
        fd = c.sock.fileno()
        self.ep.unregister(fd)
        del self.conns[fd]
        c.sock.close()

    def open_one(self, i):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        if self.a.sources:
            s.setsockopt(socket.SOL_IP, IP_BIND_ADDRESS_NO_PORT, 1)
            s.bind((self.a.sources[i % len(self.a.sources)], 0))
        err = s.connect_ex((self.a.guest, self.a.port))
        if err not in (0, errno.EINPROGRESS):
            s.close()
            self.failed[errno.errorcode.get(err, str(err))] = \
                self.failed.get(errno.errorcode.get(err, str(err)), 0) + 1
            return
        c = Conn(s)
        self.conns[s.fileno()] = c
        self.ep.register(s.fileno(), select.EPOLLOUT)

    def ask(self, c):
        c.buf, c.want, c.state = b"", 0, "asking"
        try:
            c.sock.send(self.req)
        except OSError as e:
            self.fail(c, "send: " + (errno.errorcode.get(e.errno) or str(e)))
            return
        self.ep.modify(c.sock.fileno(), select.EPOLLIN)

    def event(self, fd, ev):
        c = self.conns.get(fd)
        if c is None:
            return
        if c.state == "connecting":
            err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                self.fail(c, "connect: " + errno.errorcode.get(err, str(err)))
            else:
                self.ask(c)
            return
        try:
            chunk = c.sock.recv(65536)
        except OSError as e:
            self.fail(c, "recv: " + (errno.errorcode.get(e.errno) or str(e)))
            return
        if not chunk:
            self.fail(c, "closed by the server while " + c.state)
            return
        c.buf += chunk
        c.want = c.want or answer_length(c.buf)
        if c.want < 0 or (c.want and len(c.buf) > c.want):
            self.fail(c, "an answer without a length, or too long")
        elif c.want and len(c.buf) == c.want:
            if not c.buf.startswith(b"HTTP/1.1 200 ") or not c.buf.endswith(self.body):
                self.fail(c, "an answer not a whole 200")
                return
            c.state, c.buf = "idle", b""
            self.ep.modify(fd, select.EPOLLIN)  # a close by the server shows as input
            self.done += 1

    def pending(self):
        return sum(1 for c in self.conns.values() if c.state in ("connecting", "asking"))

    def run_until_quiet(self, deadline, opening):
        """Serves events until nothing is pending (and, opening, all are started)."""
        while time.monotonic() < deadline:
            while opening and self.started < self.a.n and self.pending() < self.a.window:
                self.open_one(self.started)
                self.started += 1
            if self.started >= self.a.n and not self.pending():
                return True
            for fd, ev in self.ep.poll(0.5):
                self.event(fd, ev)
        return False

    def open_all(self):
        self.started = self.done = 0
        t0 = time.monotonic()
        self.run_until_quiet(t0 + self.a.timeout, True)
        secs = time.monotonic() - t0
        for c in list(self.conns.values()):
            if c.state != "idle":
                self.fail(c, "no answer within %d s" % self.a.timeout)
        print("HELD %d of %d in %.1f s (%.0f connects/s)%s" % (
            len(self.conns), self.a.n, secs, len(self.conns) / max(secs, 0.001), self.why()))
        sys.stdout.flush()
        return len(self.conns) == self.a.n

    def check(self):
        """Every held connection asks again; the answers must all come whole."""
        self.done, self.failed, n = 0, {}, len(self.conns)
        for c in list(self.conns.values()):
            if c.state == "idle":
                self.ask(c)
            else:
                self.fail(c, "closed while idle")
        self.started = self.a.n
        self.run_until_quiet(time.monotonic() + self.a.timeout, False)
        for c in list(self.conns.values()):
            if c.state != "idle":
                self.fail(c, "no answer within %d s" % self.a.timeout)
        print("CHECKED %d of %d%s" % (self.done, n, self.why()))
        sys.stdout.flush()
        return self.done == n

    def why(self):
        return "" if not self.failed else ": " + ", ".join(
            "%d %s" % (k, w) for w, k in sorted(self.failed.items()))

    def close_all(self):
        n = len(self.conns)
        for c in self.conns.values():
            c.sock.close()
        self.conns = {}
        print("CLOSED %d" % n)
        sys.stdout.flush()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("guest")
    p.add_argument("port", type=int)
    p.add_argument("n", type=int)
    p.add_argument("path")
    p.add_argument("file")
    p.add_argument("--sources", type=lambda s: s.split(","), default=[])
    p.add_argument("--window", type=int, default=256)
    p.add_argument("--timeout", type=int, default=120)
    a = p.parse_args()
    if not raise_fd_limit(a.n):
        return 1
    h = Holder(a)
    ok = h.open_all()
    for line in sys.stdin:
        if line.strip() == "check":
            ok = h.check() and ok
        elif line.strip() == "stats":
            print("HOLDING %d" % len(h.conns))
            sys.stdout.flush()
    h.close_all()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
