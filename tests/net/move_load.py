#!/usr/bin/python3
"""HTTP load that a move of RSS buckets must not break: every response checked byte-exact.

Holds KEEPALIVE connections open for SECONDS, each sending one request after another on the
same connection (HTTP/1.1 keep-alive), and alongside them CLOSERS new connections at a time,
each one request with "Connection: close", a new one as soon as one ends: a stream of new
connections. Requests name the files of FILES (PATH=LOCAL_FILE), in turn; every answer must be
a 200 whose body is that file's bytes, and a closed connection must end after it with no byte
more. Any connection that fails to open, is reset, stalls for STALL_S seconds, or answers
wrong is an error. After SECONDS each keep-alive connection asks once more, with
"Connection: close", and ends with the server's close; the stream stops taking new
connections. Every connection is closed by the server first: its side then waits in
TIME-WAIT, which answers a FIN sent again with an ACK. (Closed by the client first, the
server's side would be gone at the client's ACK, and a second ACK, answering the server's
FIN sent again while the first was slow on its way, would draw a RST from a closed port, as
from any TCP.)

Prints one summary line, "move_load: ...", with the counts, and the first errors; exits 0 if
there were none and every connection answered at least once, else 1.
usage: move_load.py GUEST_IP PORT KEEPALIVE CLOSERS SECONDS PATH=FILE...
"""
import errno
import selectors
import socket
import sys
import time

# No byte for this long on a busy connection: an error. Long enough for a SYN lost four
# times in a row (sent again after 1, 2, 4 and 8 s) on a guest overloaded by its host.
STALL_S = 30
OPEN_SPREAD_S = 1.0             # the keep-alive connections open over this long


class Conn:
    """One connection's state: the request out, and what of its answer has come."""

    def __init__(self, load, keep):
        self.load, self.keep = load, keep
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        err = self.sock.connect_ex((load.guest, load.port))
        if err not in (0, errno.EINPROGRESS):
            raise OSError(err, "connect: %s" % errno.errorcode.get(err, err))
        self.connected = False
        self.closing = not keep         # the request out asks the server to close
        self.answers = 0
        self.buf = b""
        self.want = None                # (path, body) of the request out
        self.last = time.monotonic()
        load.sel.register(self.sock, selectors.EVENT_WRITE, self)

    def request(self):
        self.want = self.load.next_file()
        hdr = "Connection: close\r\n" if self.closing else ""
        req = "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (self.want[0], self.load.guest, hdr)
        self.sock.sendall(req.encode())         # a few dozen bytes: the window has room
        self.buf = b""
        self.load.sel.modify(self.sock, selectors.EVENT_READ, self)

    def ready(self):
        self.last = time.monotonic()
        if not self.connected:
            err = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err:
                raise OSError(err, "connect: %s" % errno.errorcode.get(err, err))
            self.connected = True
            self.request()
            return True
        chunk = self.sock.recv(1 << 20)
        self.buf += chunk
        done = self.answer_complete(eof=not chunk)
        if done is None:
            if not chunk:
                raise OSError("closed after %d bytes of an answer to %s" % (len(self.buf), self.want[0]))
            return True
        self.answers += 1
        self.load.responses += 1
        if self.closing:
            return False                # this connection is done
        self.closing = self.load.stopping()
        self.request()
        return True

    def answer_complete(self, eof):
        """None while the answer is not whole; True once it is, checked (else OSError)."""
        head, sep, body = self.buf.partition(b"\r\n\r\n")
        if not sep:
            return None
        lines = head.split(b"\r\n")
        if not lines[0].startswith(b"HTTP/1.1 200 "):
            raise OSError("status %r for %s" % (lines[0][:40], self.want[0]))
        length = [int(l.split(b":", 1)[1]) for l in lines[1:] if l.lower().startswith(b"content-length:")]
        if len(length) != 1 or length[0] != len(self.want[1]):
            raise OSError("content-length %s for %s of %d bytes" % (length, self.want[0], len(self.want[1])))
        if len(body) > length[0]:
            raise OSError("%d bytes past the body of %s" % (len(body) - length[0], self.want[0]))
        if len(body) < length[0] or (self.closing and not eof):
            return None                 # a closing connection's answer ends with its end
        if body != self.want[1]:
            self.load.bad_bodies += 1
            raise OSError("the body of %s differs from the file" % self.want[0])
        return True

    def close(self):
        self.load.sel.unregister(self.sock)
        self.sock.close()


class Load:
    def __init__(self, guest, port, files, seconds):
        self.guest, self.port, self.files = guest, port, files
        self.sel = selectors.DefaultSelector()
        self.start = time.monotonic()
        self.end = self.start + seconds
        self.turn = 0
        self.responses = self.bad_bodies = self.opened_new = self.answered_new = 0
        self.errors = []

    def next_file(self):
        self.turn += 1
        return self.files[self.turn % len(self.files)]

    def stopping(self):
        return time.monotonic() >= self.end

    def error(self, conn, e):
        self.errors.append("%s connection: %s" % ("keep-alive" if conn.keep else "new", e))


def run(load, keepalive, closers):
    keep, opened, stream = [], 0, set()
    while True:
        now = time.monotonic()
        while opened < keepalive and now >= load.start + OPEN_SPREAD_S * opened / keepalive:
            keep.append(Conn(load, True))
            opened += 1
        while len(stream) < closers and not load.stopping():
            stream.add(Conn(load, False))
            load.opened_new += 1
        if opened == keepalive and not load.sel.get_map():
            return keep
        for key, _ in load.sel.select(timeout=0.1):
            c = key.data
            try:
                more = c.ready()
            except OSError as e:
                load.error(c, e)
                more = False
            if not more:
                c.close()
                if not c.keep:
                    stream.discard(c)
                    load.answered_new += c.answers
        for key in list(load.sel.get_map().values()):
            c = key.data
            if now - c.last > STALL_S:
                load.error(c, "no byte for %d s (waiting for %s)" % (STALL_S, c.want and c.want[0]))
                c.close()
                stream.discard(c)


def main():
    guest, port = sys.argv[1], int(sys.argv[2])
    keepalive, closers, seconds = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    files = [(p, open(f, "rb").read()) for p, f in (a.split("=", 1) for a in sys.argv[6:])]
    load = Load(guest, port, files, seconds)
    try:
        keep = run(load, keepalive, closers)
    except OSError as e:                # a socket the host itself could not make
        print("move_load: could not open connections: %s" % e)
        return 1
    silent = sum(1 for c in keep if c.answers == 0)
    took = time.monotonic() - load.start
    print("move_load: %d keep-alive connections and %d new ones in %.1f s: %d responses "
          "(%d on new connections), every body checked; %d errors, %d bodies wrong, %d "
          "keep-alive connections never answered%s" %
          (keepalive, load.opened_new, took, load.responses, load.answered_new,
           len(load.errors), load.bad_bodies, silent,
           "".join("; " + e for e in load.errors[:5])))
    return 0 if not load.errors and not silent and load.answered_new else 1


if __name__ == "__main__":
    sys.exit(main())
