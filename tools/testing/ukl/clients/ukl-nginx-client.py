#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Host side of the NGINX scenario: while the guest boots nginx, fetch the
# files that NGINX.init made from the host port that QEMU forwards to the
# guest's port 80, check them byte for byte, and print the results as
# KTAP; the last request, for /ukl-stop, makes the guest send nginx SIGQUIT
# (ukl-test.sh checks that the guest ends with status 0).
#
# Usage: ukl-nginx-client.py HOSTPORT SECONDS
#
# Until nginx listens, QEMU accepts the connection and then closes it:
# retry / until SECONDS have passed.  UKL_NGINX_TEST_WRONG=1 in the
# environment makes the file check expect wrong contents, to show that the
# test can fail.  Python's http.client, no other client.

import http.client
import os
import re
import sys
import threading
import time

from ukl_hostclient import Ktap, port_and_seconds

TESTS = ["index", "files", "keepalive", "range", "not-found", "concurrent",
         "access-log", "stop"]
VERSION = "nginx/1.22.1"
SEQ = [1000, 150000, 1500000]


def seq(n):
    """What busybox seq 1 N writes."""
    return "".join(f"{i}\n" for i in range(1, n + 1)).encode()


def get(port, path, headers=None, conn=None):
    """(status, headers, body) of GET path, on conn or a new connection."""
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        if conn is None:
            c.close()


def wait_up(port, deadline):
    """nginx's answer to / once it is up, or None."""
    while time.monotonic() < deadline:
        try:
            return get(port, "/")
        except (OSError, http.client.HTTPException):
            time.sleep(1)
    return None


def main():
    port, seconds = port_and_seconds(sys.argv)
    wrong = os.environ.get("UKL_NGINX_TEST_WRONG") == "1"
    requests = 0
    ktap = Ktap(TESTS)
    result = ktap.result
    start = time.monotonic()
    first = wait_up(port, start + seconds)
    if first is None:
        result("index", False, f"no answer from port {port} in {seconds:.0f} s")
    else:
        try:
            status, hdrs, body = first
            requests += 1
            result("index", status == 200 and body == b"Hello from nginx\n" and
                   hdrs.get("Server") == VERSION,
                   f"{status} {hdrs.get('Server')} {body!r} after "
                   f"{time.monotonic() - start:.0f} s")

            bad = []
            for name, want in [("empty", b"")] + [(f"seq-{n}", seq(n)) for n in SEQ]:
                status, hdrs, body = get(port, "/" + name)
                requests += 1
                if wrong:
                    want += b"x"
                if status != 200 or body != want or \
                   hdrs.get("Content-Length") != str(len(want)):
                    bad.append(f"{name}: {status}, {len(body)} bytes, "
                               f"expected {len(want)}")
            result("files", not bad, "empty, seq-" + ", seq-".join(map(str, SEQ)) +
                   (f"; wrong: {'; '.join(bad)}" if bad else ""))

            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            got = [get(port, f"/seq-{SEQ[0]}", conn=c) for _ in range(5)]
            c.close()
            requests += len(got)
            result("keepalive", all(s == 200 and b == seq(SEQ[0]) for s, _, b in got),
                   "5 requests on one connection")

            status, hdrs, body = get(port, f"/seq-{SEQ[1]}", {"Range": "bytes=1000-1999"})
            requests += 1
            result("range", status == 206 and body == seq(SEQ[1])[1000:2000],
                   f"{status}, {hdrs.get('Content-Range')}")

            status, _, _ = get(port, "/no-such-file")
            requests += 1
            result("not-found", status == 404, f"{status}")

            errors = []

            def worker(i):
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    for j in range(10):
                        n = SEQ[(i + j) % 2]
                        s, _, b = get(port, f"/seq-{n}", conn=c)
                        if s != 200 or b != seq(n):
                            errors.append(f"connection {i}, request {j}: {s}, "
                                          f"{len(b)} bytes")
                    c.close()
                except (OSError, http.client.HTTPException) as e:
                    errors.append(f"connection {i}: {type(e).__name__}: {e}")

            threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            requests += 80
            result("concurrent", not errors, "8 connections at once, 10 requests each"
                   + (f": {'; '.join(errors[:5])}" if errors else ""))

            # The log shows every request so far, served by the workers.
            status, _, body = get(port, "/log/access.log")
            lines = body.decode(errors="replace").splitlines()
            pids = {m.group(1) for m in (re.search(r"worker=(\d+)$", l) for l in lines) if m}
            ok = status == 200 and len(lines) >= requests and \
                sum('"GET /seq-1000 HTTP/1.1" 200 ' in l for l in lines) >= 5 and \
                any('"GET /no-such-file HTTP/1.1" 404 ' in l for l in lines) and \
                pids and "1" not in pids
            result("access-log", ok, f"{status}, {len(lines)} lines for {requests} "
                   f"requests, worker PIDs {sorted(pids)}")

            status, _, _ = get(port, "/ukl-stop")
            stopped = False
            for _ in range(60):
                try:
                    get(port, "/")
                    time.sleep(0.5)
                except (OSError, http.client.HTTPException):
                    stopped = True
                    break
            result("stop", status == 404 and stopped,
                   f"/ukl-stop {status}; nginx {'stopped' if stopped else 'still answers'}")
        except (OSError, http.client.HTTPException, ValueError) as e:
            result("error", False, f"{type(e).__name__}: {e}")

    return ktap.finish()


if __name__ == "__main__":
    sys.exit(main())
