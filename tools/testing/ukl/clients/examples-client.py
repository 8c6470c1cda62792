#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Host side of the EXAMPLES scenario: while the guest runs one of the
# example servers (examples/echo-server.c, examples/http-server.c), talk
# to it through the host port that QEMU forwards to the guest, and print
# the results as KTAP (ukl-test.sh parses this output instead of the
# console's: the examples are ordinary programs that print no KTAP).
#
# Usage: examples-client.py HOSTPORT SECONDS echo|http|OTHER [ARGS...]
#
# For another boot of the scenario (OTHER: one that prints its own KTAP
# on the console) it prints nothing.
#
# Until the guest listens, QEMU accepts a connection and then closes it:
# the first test retries until SECONDS have passed.  The last test asks
# the server to quit; ukl-test.sh checks that the guest then ends with
# exit status 0.

import socket
import sys
import threading
import time

from ukl_hostclient import port_and_seconds

port, seconds = port_and_seconds(sys.argv, "HOSTPORT SECONDS echo|http|OTHER [ARGS...]")
which = sys.argv[3] if len(sys.argv) > 3 else ""
deadline = time.monotonic() + seconds
results = []
PAGE = b"<h1>Hello from a UKL application</h1>"


def result(ok, name, diag=None):
    results.append((ok, name, diag))


def connect():
    return socket.create_connection(("127.0.0.1", port), timeout=20)


def recv_until(s, end, limit=1 << 20):
    data = b""
    while not data.endswith(end) and len(data) < limit:
        more = s.recv(65536)
        if not more:
            break
        data += more
    return data


def recv_all(s):
    data = b""
    while True:
        more = s.recv(65536)
        if not more:
            return data
        data += more


def first(exchange):
    """Retry exchange() until it returns something or the deadline passes."""
    while time.monotonic() < deadline:
        try:
            got = exchange()
            if got:
                return got
        except OSError:
            pass
        time.sleep(1)
    return b""


def echo_line(line):
    with connect() as s:
        s.sendall(line)
        return recv_until(s, b"\n")


def echo_tests():
    got = first(lambda: echo_line(b"ukl echo test\n"))
    result(got == b"ukl echo test\n", "echo_line", f"got {got[:80]!r}")

    big = b"".join(b"%06d %s\n" % (i, b"x" * 90) for i in range(2000))
    try:
        with connect() as s:
            s.sendall(big)
            got = b""
            while len(got) < len(big):
                more = s.recv(65536)
                if not more:
                    break
                got += more
        result(got == big, "echo_200k", f"{len(got)} of {len(big)} bytes back")
    except OSError as e:
        result(False, "echo_200k", str(e))

    # Several connections open at once: one thread each in the server.
    socks, ok = [], True
    try:
        for i in range(4):
            socks.append(connect())
        for i, s in enumerate(reversed(socks)):
            s.sendall(b"conn %d\n" % i)
            ok = ok and recv_until(s, b"\n") == b"conn %d\n" % i
    except OSError:
        ok = False
    for s in socks:
        s.close()
    result(ok, "echo_concurrent_connections")

    try:
        with connect() as s:
            s.sendall(b"quit\n")
            got = recv_until(s, b"\n")
        result(got == b"bye\n", "echo_quit", f"got {got!r}")
    except OSError as e:
        result(False, "echo_quit", str(e))


def http_get(path, method="GET"):
    with connect() as s:
        s.sendall(f"{method} {path} HTTP/1.0\r\nHost: ukl\r\n\r\n".encode())
        return recv_all(s)


def http_tests():
    got = first(lambda: http_get("/"))
    result(got.startswith(b"HTTP/1.0 200 ") and PAGE in got, "http_get_page",
           f"got {got[:80]!r}")
    for name, path, method, status in (("http_404", "/no-such-page", "GET", b"404"),
                                       ("http_501", "/", "POST", b"501")):
        try:
            got = http_get(path, method)
            result(got.startswith(b"HTTP/1.0 " + status + b" ") and PAGE not in got,
                   name, f"got {got[:80]!r}")
        except OSError as e:
            result(False, name, str(e))
    try:
        got = http_get("/quit")
        result(got.startswith(b"HTTP/1.0 200 "), "http_quit", f"got {got[:80]!r}")
    except OSError as e:
        result(False, "http_quit", str(e))


tests = {"echo": echo_tests, "http": http_tests}
if which not in tests:
    sys.exit(0)
tests[which]()
print("KTAP version 1")
print(f"1..{len(results)}")
for n, (ok, name, diag) in enumerate(results, 1):
    if not ok and diag:
        print(f"# {name}: {diag}")
    print(f"{'ok' if ok else 'not ok'} {n} {name}")
sys.exit(0 if all(r[0] for r in results) else 1)
