#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Host side of the REDIS scenario: while the guest boots Redis, connect to
# the host port that QEMU forwards to the guest's port 6379, run a few
# commands and print the results as KTAP; the last one, SHUTDOWN NOSAVE,
# ends Redis and so the guest (ukl-test.sh checks its exit status).
#
# Usage: ukl-redis-client.py HOSTPORT SECONDS
#
# Until Redis listens, QEMU accepts the connection and then closes it:
# retry PING until SECONDS have passed.  UKL_REDIS_TEST_WRONG=1 in the
# environment makes the GET check expect a wrong value, to show that the
# test can fail.  Plain sockets and RESP, no client library.

import os
import secrets
import socket
import sys
import time

from ukl_hostclient import Ktap, port_and_seconds

TESTS = ["ping", "set", "get", "info", "pipeline", "large-value", "bgsave",
         "shutdown"]


class Redis:
    def __init__(self, port, timeout):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, *args):
        out = [f"*{len(args)}\r\n".encode()]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(f"${len(a)}\r\n".encode() + a + b"\r\n")
        self.sock.sendall(b"".join(out))

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("connection closed")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if kind == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise ValueError(f"bad reply {line!r}")

    def cmd(self, *args):
        self.send(*args)
        return self.reply()


def info(r, section):
    text = r.cmd("INFO", section).decode()
    return dict(l.split(":", 1) for l in text.split("\r\n") if ":" in l)


def connect(port, deadline):
    """A connection to Redis once it answers PING, or None."""
    while time.monotonic() < deadline:
        try:
            r = Redis(port, 30)
            if r.cmd("PING") == "PONG":
                return r
            r.close()
        except (OSError, ConnectionError, ValueError):
            pass
        time.sleep(1)
    return None


def main():
    port, seconds = port_and_seconds(sys.argv)
    wrong = os.environ.get("UKL_REDIS_TEST_WRONG") == "1"
    ktap = Ktap(TESTS)
    result = ktap.result
    start = time.monotonic()
    r = connect(port, start + seconds)
    if r is None:
        result("ping", False, f"no PONG from port {port} in {seconds:.0f} s")
    else:
        result("ping", True, f"PONG after {time.monotonic() - start:.0f} s")
        try:
            key, value = "ukl:" + secrets.token_hex(4), secrets.token_hex(16)
            got = r.cmd("SET", key, value)
            result("set", got == "OK", f"SET {key} {value}: {got!r}")
            got = r.cmd("GET", key)
            want = (value + "x" if wrong else value).encode()
            result("get", got == want, f"GET {key}: {got!r}, expected {want!r}")

            srv = info(r, "server")
            result("info", srv.get("redis_version") == "7.0.15" and
                   srv.get("multiplexing_api") == "epoll",
                   f"redis_version {srv.get('redis_version')}, "
                   f"os {srv.get('os')}, process_id {srv.get('process_id')}, "
                   f"multiplexing_api {srv.get('multiplexing_api')}")

            n = 1000
            r.send("DEL", "ukl:counter")
            for _ in range(n):
                r.send("INCR", "ukl:counter")
            replies = [r.reply() for _ in range(n + 1)]
            got = r.cmd("GET", "ukl:counter")
            result("pipeline", replies[-1] == n and got == str(n).encode(),
                   f"{n} pipelined INCR: last reply {replies[-1]!r}, GET {got!r}")

            big = secrets.token_bytes(1 << 20)
            ok = r.cmd("SET", "ukl:big", big) == "OK" and r.cmd("GET", "ukl:big") == big
            result("large-value", ok, "SET and GET of 1 MiB")

            # BGSAVE forks: the child writes /data/dump.rdb.
            got = r.cmd("BGSAVE")
            ok = isinstance(got, str) and "started" in got
            p = {}
            for _ in range(120):
                p = info(r, "persistence")
                if p.get("rdb_bgsave_in_progress") == "0":
                    break
                time.sleep(0.5)
            ok = ok and p.get("rdb_bgsave_in_progress") == "0" and \
                p.get("rdb_last_bgsave_status") == "ok"
            result("bgsave", ok, f"BGSAVE: {got!r}, rdb_last_bgsave_status "
                   f"{p.get('rdb_last_bgsave_status')}, "
                   f"rdb_last_cow_size {p.get('rdb_last_cow_size')}")

            # Redis closes the connection without a reply when it exits.
            r.send("SHUTDOWN", "NOSAVE")
            try:
                got = r.reply()
                result("shutdown", False, f"SHUTDOWN NOSAVE answered {got!r}")
            except (ConnectionError, OSError):
                result("shutdown", True, "connection closed")
        except (OSError, ConnectionError, ValueError) as e:
            result("error", False, f"{type(e).__name__}: {e}")
        r.close()

    return ktap.finish()


if __name__ == "__main__":
    sys.exit(main())
