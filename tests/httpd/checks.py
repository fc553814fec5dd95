#!/usr/bin/env python3
"""Raw-socket checks of an HTTP/1.1 server, the ones curl cannot make: malformed requests,
pipelining, timeouts, many connections at once. Prints "PASS httpd.NAME" or
"FAIL httpd.NAME: why" per check (or "SKIP httpd.NAME: why"); tests/httpd/run.sh runs it.

  checks.py --target HOST:PORT --docroot DIR [--idle-target HOST:PORT --idle SECONDS]
            [--secret URLPATH:TEXT] [--same-mtimes] [--pid PID | --status-memory] [--conns N]
            [--only NAME,...]

--docroot     the files the target serves (bodies are compared with them)
--idle-target a server with a short idle timeout of --idle seconds (408 and idle checks)
--secret      a URL path that escapes the root and text it must never serve
--same-mtimes the docroot files are the very files served: Last-Modified must match them
--pid         the server's process id on this machine: its memory is watched under load
--status-memory  the same, read from the server's /status (memory.httpd_heap_bytes: how far
              Flotilla's httpd grew its heap), for a server on another machine
Standard library only."""

import argparse
import email.utils
import os
import re
import selectors
import socket
import sys
import threading
import time

IO_TIMEOUT = 10.0
results = {"pass": 0, "fail": 0}


def report(name, ok, why=""):
    if ok:
        print(f"PASS httpd.{name}", flush=True)
        results["pass"] += 1
    else:
        print(f"FAIL httpd.{name}: {why}", flush=True)
        results["fail"] += 1


class Response:
    def __init__(self, status, reason, headers, body):
        self.status, self.reason, self.headers, self.body = status, reason, headers, body

    def header(self, name):
        """The value of the one header with this name, or None."""
        values = [v for n, v in self.headers if n.lower() == name.lower()]
        return values[0] if values else None

    def __repr__(self):
        return f"{self.status} {self.reason} {self.headers} body {len(self.body)} bytes"


class Client:
    """One connection, with a read buffer so pipelined responses can be taken one by one."""

    def __init__(self, addr, timeout=IO_TIMEOUT):
        self.sock = socket.create_connection(addr, timeout=timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data if isinstance(data, bytes) else data.encode())

    def _more(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def _take(self, n):
        while len(self.buf) < n:
            self._more()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def response(self, head_request=False):
        """The next response; its body framed by Content-Length (RFC 9112 6.3)."""
        while b"\r\n\r\n" not in self.buf:
            self._more()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        m = re.fullmatch(r"HTTP/1\.1 (\d{3}) (.*)", lines[0])
        if not m:
            raise ValueError(f"bad status line {lines[0]!r}")
        headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:]]
        status = int(m.group(1))
        r = Response(status, m.group(2), headers, b"")
        length = r.header("Content-Length")
        if head_request or status == 304 or status < 200:
            return r
        if length is None:
            raise ValueError(f"{status} response with no Content-Length")
        r.body = self._take(int(length))
        return r

    def closed_by_peer(self, timeout=IO_TIMEOUT):
        """True if the server closes without sending anything more."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return not self.buf
                self.buf += chunk
        except (socket.timeout, TimeoutError):
            return False
        except ConnectionResetError:
            return not self.buf

    def close(self):
        self.sock.close()


def request(path, method="GET", version="HTTP/1.1", host="test", extra=""):
    host_line = f"Host: {host}\r\n" if host is not None else ""
    return f"{method} {path} {version}\r\n{host_line}{extra}\r\n"


def check(name):
    """Runs the decorated check; an exception is its failure."""
    def wrap(fn):
        def run(ctx):
            if ctx.only and name not in ctx.only:
                return
            try:
                why = fn(ctx)
            except Exception as e:  # noqa: BLE001 - any error fails the check, with its text
                why = f"{type(e).__name__}: {e}"
            report(name, why is None, why or "")
        run.check_name = name
        return run
    return wrap


def docfile(ctx, name):
    with open(os.path.join(ctx.docroot, name), "rb") as f:
        return f.read()


def one_exchange(ctx, data, head_request=False, close_wait=0.0):
    """Sends data on a new connection; returns the response and whether the server closed
    the connection within close_wait seconds (always False for 0)."""
    c = Client(ctx.addr)
    try:
        c.send(data)
        r = c.response(head_request)
        return r, close_wait > 0 and c.closed_by_peer(timeout=close_wait)
    finally:
        c.close()


def expect_error(ctx, data, status, closes=True):
    r, closed = one_exchange(ctx, data, close_wait=5 if closes else 0)
    if r.status != status:
        return f"got {r.status}, want {status} for {data[:60]!r}"
    if closes and (r.header("Connection") or "").lower() != "close":
        return f"{status} without Connection: close"
    if closes and not closed:
        return f"connection still open after {status}"
    if not r.body or r.header("Content-Length") != str(len(r.body)):
        return f"{status}: body and Content-Length disagree"
    return None


@check("get_index_raw")
def t_get_index(ctx):
    r, closed = one_exchange(ctx, request("/"), close_wait=0.5)
    if r.status != 200 or r.body != docfile(ctx, "index.html"):
        return f"{r}"
    if closed:
        return "HTTP/1.1 connection closed after a good response"
    return None


@check("server_header_no_date")
def t_headers(ctx):
    r, _ = one_exchange(ctx, request("/index.html"))
    if r.header("Server") != "Flotilla-httpd":
        return f"Server: {r.header('Server')}"
    if r.header("Date") is not None:
        return "a Date header, with no clock to back it (RFC 9110 6.6.1)"
    return None


@check("head_has_no_body")
def t_head(ctx):
    c = Client(ctx.addr)
    try:
        # If HEAD's answer carried a body, it would be read as the next response's start.
        c.send(request("/index.html", "HEAD") + request("/1k.html"))
        h = c.response(head_request=True)
        if h.status != 200 or h.header("Content-Length") != str(len(docfile(ctx, "index.html"))):
            return f"HEAD: {h}"
        g = c.response()
        return None if g.status == 200 and len(g.body) == 1024 else f"after HEAD: {g}"
    finally:
        c.close()


@check("pipelining_three_in_order")
def t_pipelining(ctx):
    c = Client(ctx.addr)
    try:
        c.send(request("/index.html") + request("/style.css") + request("/1k.html", "HEAD"))
        a, b, h = c.response(), c.response(), c.response(head_request=True)
        if a.status != 200 or a.body != docfile(ctx, "index.html"):
            return f"first: {a}"
        if b.status != 200 or b.body != docfile(ctx, "style.css"):
            return f"second: {b}"
        if h.status != 200 or h.header("Content-Length") != "1024":
            return f"third (HEAD): {h}"
        c.send(request("/1k.html"))
        d = c.response()
        if d.status != 200 or len(d.body) != 1024:
            return f"a fourth request on the same connection: {d}"
    finally:
        c.close()
    return None


@check("pipelining_split_across_writes")
def t_pipelining_split(ctx):
    c = Client(ctx.addr)
    try:
        data = (request("/1k.html") * 2).encode()
        for i in range(0, len(data), 7):
            c.send(data[i:i + 7])
            time.sleep(0.002)
        for _ in range(2):
            r = c.response()
            if r.status != 200 or len(r.body) != 1024:
                return f"{r}"
    finally:
        c.close()
    return None


@check("http10_closes")
def t_http10(ctx):
    r, closed = one_exchange(ctx, "GET /index.html HTTP/1.0\r\n\r\n", close_wait=5)
    if r.status != 200 or r.body != docfile(ctx, "index.html"):
        return f"{r}"
    return None if closed else "HTTP/1.0 without keep-alive stayed open"


@check("http10_keep_alive")
def t_http10_keep_alive(ctx):
    c = Client(ctx.addr)
    try:
        for _ in range(2):
            c.send("GET /1k.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            r = c.response()
            if r.status != 200 or (r.header("Connection") or "").lower() != "keep-alive":
                return f"{r}"
    finally:
        c.close()
    return None


@check("connection_close")
def t_connection_close(ctx):
    r, closed = one_exchange(ctx, request("/1k.html", extra="Connection: close\r\n"),
                             close_wait=5)
    if r.status != 200 or (r.header("Connection") or "").lower() != "close":
        return f"{r}"
    return None if closed else "still open after Connection: close"


@check("not_found_404_keeps_alive")
def t_404(ctx):
    c = Client(ctx.addr)
    try:
        c.send(request("/no/such/file.html"))
        r = c.response()
        if r.status != 404:
            return f"{r}"
        c.send(request("/1k.html"))
        return None if c.response().status == 200 else "no answer after the 404"
    finally:
        c.close()


@check("method_405_with_allow")
def t_405(ctx):
    for method in ("POST", "PUT", "DELETE", "OPTIONS", "TRACE"):
        c = Client(ctx.addr)
        try:
            c.send(request("/", method) + request("/1k.html"))
            r = c.response()
            if r.status != 405 or r.header("Allow") != "GET, HEAD":
                return f"{method}: {r}"
            if c.response().status != 200:
                return f"{method}: the connection did not go on after 405"
        finally:
            c.close()
    return None


@check("method_405_with_body_closes")
def t_405_body(ctx):
    return expect_error(ctx, request("/", "POST", extra="Content-Length: 5\r\n") + "hello", 405)


@check("missing_host_400")
def t_no_host(ctx):
    return expect_error(ctx, request("/", host=None), 400)


@check("two_hosts_400")
def t_two_hosts(ctx):
    return expect_error(ctx, request("/", extra="Host: other\r\n"), 400)


@check("bad_request_line_400")
def t_bad_line(ctx):
    for bad in ("GET /\r\n\r\n", "GET  / HTTP/1.1\r\nHost: t\r\n\r\n",
                "GET / HTTP/1.1 x\r\nHost: t\r\n\r\n", "GET / HTTP/1\r\nHost: t\r\n\r\n",
                "GET /\x01 HTTP/1.1\r\nHost: t\r\n\r\n", "GET index.html HTTP/1.1\r\nHost: t\r\n\r\n"):
        why = expect_error(ctx, bad, 400)
        if why:
            return why
    return None


@check("bad_header_400")
def t_bad_header(ctx):
    for extra in ("Host : t\r\n", "NoColon\r\n", "X-A: b\r\n folded\r\n", "X-A: b\rc\r\n",
                  "Content-Length: abc\r\n", "Content-Length: 1\r\nContent-Length: 2\r\n"):
        why = expect_error(ctx, "GET / HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n", 400)
        if why:
            return f"{extra!r}: {why}"
    return None


@check("uri_too_long_414")
def t_414(ctx):
    return expect_error(ctx, request("/" + "a" * 3000), 414)


@check("uri_at_limit_not_414")
def t_not_414(ctx):
    r, _ = one_exchange(ctx, request("/" + "a" * 2000))
    return None if r.status == 404 else f"{r}"


@check("header_section_too_large_431")
def t_431_size(ctx):
    return expect_error(ctx, request("/", extra=f"X-Big: {'b' * 9000}\r\n"), 431)


@check("too_many_header_lines_431")
def t_431_lines(ctx):
    return expect_error(ctx, request("/", extra="".join(f"X-{i}: v\r\n" for i in range(200))), 431)


@check("request_body_413")
def t_413(ctx):
    why = expect_error(ctx, request("/", extra="Content-Length: 5\r\n") + "hello", 413)
    return why or expect_error(ctx, request("/", extra="Transfer-Encoding: chunked\r\n") +
                               "5\r\nhello\r\n0\r\n\r\n", 413)


@check("content_length_zero_accepted")
def t_cl0(ctx):
    r, _ = one_exchange(ctx, request("/1k.html", extra="Content-Length: 0\r\n"))
    return None if r.status == 200 else f"{r}"


@check("unknown_method_501")
def t_501(ctx):
    for method in ("BREW", "PATCH", "get"):
        why = expect_error(ctx, request("/", method), 501)
        if why:
            return why
    return None


@check("http_version_505")
def t_505(ctx):
    for version in ("HTTP/2.0", "HTTP/0.9", "HTTP/3.0"):
        why = expect_error(ctx, request("/", version=version), 505)
        if why:
            return why
    return None


@check("http_1x_answered_as_11")
def t_1x(ctx):
    r, _ = one_exchange(ctx, request("/1k.html", version="HTTP/1.2"))
    return None if r.status == 200 else f"{r}"


@check("leading_empty_lines_ignored")
def t_empty_lines(ctx):
    r, _ = one_exchange(ctx, "\r\n\r\n" + request("/1k.html"))
    return None if r.status == 200 and len(r.body) == 1024 else f"{r}"


@check("absolute_form_target")
def t_absolute(ctx):
    r, _ = one_exchange(ctx, request("http://test/index.html"))
    return None if r.status == 200 and r.body == docfile(ctx, "index.html") else f"{r}"


@check("dot_segments_and_slashes")
def t_dots(ctx):
    for path in ("/./index.html", "//index.html", "/index.html?x=1", "/%69ndex.html"):
        r, _ = one_exchange(ctx, request(path))
        if r.status != 200 or r.body != docfile(ctx, "index.html"):
            return f"{path}: {r}"
    return None


@check("path_traversal_refused")
def t_traversal(ctx):
    secret_path, secret = ctx.secret or ("/../secret.txt", None)
    name = secret_path.rsplit("/", 1)[-1]
    for path in (secret_path, f"/%2e%2e/{name}", f"/%2E%2E%2F{name}", f"/..%2f{name}",
                 f"/www/../../{name}", f"/a/%2e%2e/%2e%2e/{name}", "/index.html%00.txt",
                 "/%00", "/../../../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd"):
        r, _ = one_exchange(ctx, request(path))
        if r.status not in (400, 404):
            return f"{path}: {r.status}"
        if secret and secret.encode() in r.body:
            return f"{path}: served the file outside the root"
    return None


@check("if_modified_since_304")
def t_304(ctx):
    r, _ = one_exchange(ctx, request("/index.html"))
    lm = r.header("Last-Modified")
    if not lm or not re.fullmatch(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|"
                                  r"Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d GMT", lm):
        return f"Last-Modified {lm!r} is no IMF-fixdate"
    t = email.utils.parsedate_to_datetime(lm)
    if email.utils.format_datetime(t, usegmt=True) != lm:
        return f"Last-Modified {lm!r}: wrong weekday or field"
    if ctx.same_mtimes and int(os.stat(os.path.join(ctx.docroot, "index.html")).st_mtime) != \
            int(t.timestamp()):
        return f"Last-Modified {lm} is not the file's mtime"
    asctime = time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(t.timestamp()))
    rfc850 = time.strftime("%A, %d-%b-%y %H:%M:%S GMT", time.gmtime(t.timestamp()))
    for date in (lm, asctime, rfc850):
        n, _ = one_exchange(ctx, request("/index.html", extra=f"If-Modified-Since: {date}\r\n"))
        if n.status != 304 or n.body:
            return f"If-Modified-Since: {date}: {n}"
    return None


@check("if_modified_since_older_200")
def t_ims_older(ctx):
    for date in ("Sun, 06 Nov 1994 08:49:37 GMT", "not a date", "Sun, 31 Feb 2001 00:00:00 GMT"):
        r, _ = one_exchange(ctx, request("/index.html", extra=f"If-Modified-Since: {date}\r\n"))
        if r.status != 200 or r.body != docfile(ctx, "index.html"):
            return f"If-Modified-Since: {date}: {r}"
    return None


@check("timeout_408_on_partial_request")
def t_408(ctx):
    c = Client(ctx.idle_target, timeout=ctx.idle + 5)
    try:
        c.send("GET /index.html HTTP/1.1\r\nHost: t\r\n")
        start = time.monotonic()
        r = c.response()
        waited = time.monotonic() - start
        if r.status != 408 or (r.header("Connection") or "").lower() != "close":
            return f"{r}"
        if waited < ctx.idle - 0.5:
            return f"408 after {waited:.1f} s, before the {ctx.idle} s timeout"
        return None if c.closed_by_peer(timeout=5) else "still open after 408"
    finally:
        c.close()


@check("idle_connection_closed")
def t_idle(ctx):
    c = Client(ctx.idle_target, timeout=ctx.idle + 5)
    try:
        c.send(request("/1k.html"))
        if c.response().status != 200:
            return "no answer"
        start = time.monotonic()
        if not c.closed_by_peer(timeout=ctx.idle + 5):
            return "an idle keep-alive connection was not closed"
        waited = time.monotonic() - start
        return None if waited >= ctx.idle - 0.5 else f"closed after {waited:.1f} s"
    finally:
        c.close()


def status_json(ctx):
    import json
    r, _ = one_exchange(ctx, request("/status"))
    return json.loads(r.body)


@check("status_json_shape")
def t_status(ctx):
    s = status_json(ctx)
    for key in ("httpd", "system", "kernel", "net"):
        if key not in s:
            return f"no {key!r} in {sorted(s)}"
    for key in ("requests", "responses", "connections_open", "bytes_sent"):
        if key not in s["httpd"]:
            return f"no httpd.{key}"
    return kernels_shape(s)


def kernels_shape(s):
    """/status's "kernels" (a row per kernel, numbered in order, the answering one among
    them) and "totals" (each number the sum of the rows'); Linux has no rows and no totals."""
    rows, totals = s.get("kernels"), s.get("totals")
    if not isinstance(rows, list) or not isinstance(totals, dict):
        return f"kernels {type(rows).__name__}, totals {type(totals).__name__}: want a list and an object"
    if not rows:
        return None if s["kernel"] is None and not totals else \
            f"no kernel rows, but kernel {s['kernel']} and totals {totals}"
    if [r.get("kernel") for r in rows] != list(range(len(rows))) or s["kernel"] >= len(rows):
        return f"rows numbered {[r.get('kernel') for r in rows]}, answered by {s['kernel']}"
    if not rows[s["kernel"]]["alive"] or totals.get("kernels") != len(rows):
        return f"the answering kernel's row {rows[s['kernel']]}, totals.kernels {totals.get('kernels')}"
    for key, v in totals.items():
        if key in rows[0] and isinstance(rows[0][key], int) and not isinstance(rows[0][key], bool):
            if v != sum(r[key] for r in rows):
                return f"totals.{key} {v}, but the rows sum to {sum(r[key] for r in rows)}"
    summed = [k for k, v in rows[0].items() if isinstance(v, int) and not isinstance(v, bool)]
    missing = [k for k in summed if k != "kernel" and k not in totals]
    return f"no totals of {missing}" if missing else None


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))
    except (OSError, AttributeError):
        return None


def memory_kib(ctx):
    """The server's memory: its resident set (--pid) or the heap its /status reports."""
    if ctx.pid:
        return rss_kib(ctx.pid)
    try:
        return status_json(ctx)["memory"]["httpd_heap_bytes"] // 1024
    except (OSError, ValueError, KeyError, TypeError):
        return None


@check("many_connections_at_once")
def t_concurrent(ctx):
    n, body = ctx.conns, docfile(ctx, "1k.html")
    started = time.monotonic()
    socks = [socket.create_connection(ctx.addr, timeout=IO_TIMEOUT) for _ in range(n)]
    try:
        # All are open before any request: the server holds n connections at once.
        connected = time.monotonic() - started
        deadline, most = time.monotonic() + 10, 0
        while most < n + 1:
            most = max(most, status_json(ctx)["httpd"]["connections_open"])
            if time.monotonic() > deadline:
                return (f"/status showed at most {most} open connections, not {n + 1} "
                        f"(connecting took {connected:.1f} s: more than the idle timeout?)")
            time.sleep(0.1)
        for s in socks:
            s.sendall(request("/1k.html").encode())
        sel = selectors.DefaultSelector()
        bufs = {}
        for s in socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
            bufs[s] = b""
        done = 0
        deadline = time.monotonic() + 30
        while done < n and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                s = key.fileobj
                chunk = s.recv(65536)
                bufs[s] += chunk
                if not chunk or bufs[s].endswith(body):
                    sel.unregister(s)
                    done += 1
        good = sum(1 for b in bufs.values()
                   if b.startswith(b"HTTP/1.1 200 OK\r\n") and b.endswith(body))
        return None if good == n else f"{good} of {n} answered correctly"
    finally:
        for s in socks:
            s.close()


def pipelined_flood(ctx, watch):
    """Thousands of pipelined requests from a client that reads nothing for a second: every
    answer must arrive, in order. With watch, the server's resident memory before and after
    that second; else None, None. Returns (why or None, before, during)."""
    count, body = 4000, docfile(ctx, "1k.html")
    c = Client(ctx.addr, timeout=30)
    try:
        before = memory_kib(ctx) if watch else None
        sender = threading.Thread(target=c.send, args=((request("/1k.html") * count).encode(),))
        sender.start()
        time.sleep(1.0)
        during = memory_kib(ctx) if watch else None
        for i in range(count):
            r = c.response()
            if r.status != 200 or r.body != body:
                return f"response {i}: {r}", before, during
        sender.join(timeout=30)
    finally:
        c.close()
    return None, before, during


@check("pipelined_flood_pushes_back")
def t_flood(ctx):
    return pipelined_flood(ctx, False)[0]


# Checks that watch the server's process (--pid): tests/lib/expected.sh leaves them out of
# what a run against another server must report.
NEEDS_PID = "pipelined_flood_memory_bounded"


@check("pipelined_flood_memory_bounded")
def t_flood_memory(ctx):
    """While a client does not read, the server's output stays bounded: its memory grows by
    16 MiB at most."""
    why, before, during = pipelined_flood(ctx, True)
    if why:
        return why
    if before is None or during is None:
        return f"cannot read the memory of pid {ctx.pid}" if ctx.pid else "no memory in /status"
    if during - before > 16 * 1024:
        return f"server memory grew {during - before} KiB while the client did not read"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", required=True)
    ap.add_argument("--docroot", required=True)
    ap.add_argument("--idle-target")
    ap.add_argument("--idle", type=float, default=0)
    ap.add_argument("--secret")
    ap.add_argument("--same-mtimes", action="store_true")
    ap.add_argument("--pid", type=int)
    ap.add_argument("--status-memory", action="store_true")
    ap.add_argument("--conns", type=int, default=500)
    ap.add_argument("--only", default="")
    ctx = ap.parse_args()

    def addr(s):
        host, port = s.rsplit(":", 1)
        return (host, int(port))

    ctx.addr = addr(ctx.target)
    ctx.idle_target = addr(ctx.idle_target) if ctx.idle_target else None
    ctx.secret = tuple(ctx.secret.split(":", 1)) if ctx.secret else None
    ctx.only = set(filter(None, ctx.only.split(",")))
    checks = [v for v in globals().values() if callable(v) and hasattr(v, "check_name")]
    for run in checks:
        if ctx.only and run.check_name not in ctx.only:
            continue
        if run.check_name in NEEDS_PID.split() and not ctx.pid and not ctx.status_memory:
            continue                # declared: not expected without --pid
        if run.check_name.startswith(("timeout_", "idle_")) and not ctx.idle_target:
            print(f"SKIP httpd.{run.check_name}: no --idle-target", flush=True)
            continue
        run(ctx)
    return 1 if results["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
