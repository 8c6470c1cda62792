#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Host side of the MEMCACHED scenario: while the guest boots memcached,
# connect to the host port that QEMU forwards to the guest's port 11211,
# store and fetch values through the text and the binary protocol, from
# several connections at once, and print the results as KTAP; the last
# command, "shutdown graceful", ends memcached and so the guest (ukl-test.sh
# checks its exit status).
#
# Usage: ukl-memcached-client.py HOSTPORT SECONDS
#
# Until memcached listens, QEMU accepts the connection and then closes it:
# retry "version" until SECONDS have passed.  UKL_MEMCACHED_TEST_WRONG=1 in
# the environment makes the text protocol's check expect a wrong value, to
# show that the test can fail.  Plain sockets, no client library.

import os
import secrets
import socket
import struct
import sys
import threading
import time

from ukl_hostclient import Ktap, port_and_seconds

TESTS = ["version", "text-sizes", "multi-get", "incr-add-delete", "binary",
         "concurrent", "stats", "shutdown"]
VERSION = "1.6.18"
THREADS = 4
# Value sizes, up to about memcached's default item size limit of 1 MiB.
SIZES = [0, 1, 1000, 65536, 1000000]


class Conn:
    def __init__(self, port, timeout):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("connection closed")
        self.buf += data

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode()

    def read(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def cmd(self, text):
        self.sock.sendall(text.encode() + b"\r\n")
        return self.line()

    # --- the text protocol ---------------------------------------------
    def store(self, verb, key, value, flags=0):
        self.sock.sendall(f"{verb} {key} {flags} 0 {len(value)}\r\n".encode() +
                          value + b"\r\n")
        return self.line()

    def get(self, *keys):
        """{key: (flags, value)} of the keys memcached has."""
        self.sock.sendall(f"get {' '.join(keys)}\r\n".encode())
        found = {}
        while True:
            line = self.line()
            if line == "END":
                return found
            word, key, flags, size = line.split()
            if word != "VALUE":
                raise ValueError(f"bad reply {line!r}")
            found[key] = (int(flags), self.read(int(size) + 2)[:-2])

    # --- the binary protocol -------------------------------------------
    def bin(self, opcode, key=b"", value=b"", extras=b"", opaque=0):
        """(status, extras, value) of one binary request."""
        hdr = struct.pack(">BBHBBHIIQ", 0x80, opcode, len(key), len(extras), 0, 0,
                          len(extras) + len(key) + len(value), opaque, 0)
        self.sock.sendall(hdr + extras + key + value)
        magic, op, klen, elen, _, status, blen, opq, _ = \
            struct.unpack(">BBHBBHIIQ", self.read(24))
        body = self.read(blen)
        if magic != 0x81 or op != opcode or opq != opaque:
            raise ValueError(f"bad binary response magic {magic:#x} op {op:#x}")
        return status, body[:elen], body[elen + klen:]


def connect(port, deadline):
    """A connection to memcached once it answers "version", or None."""
    while time.monotonic() < deadline:
        try:
            c = Conn(port, 30)
            if c.cmd("version").startswith("VERSION "):
                return c
            c.close()
        except (OSError, ConnectionError, ValueError):
            pass
        time.sleep(1)
    return None


def concurrent(port, prefix, ops):
    """Set and get ops keys from each of THREADS connections at once."""
    errors = []

    def worker(i):
        try:
            c = Conn(port, 60)
            for j in range(ops):
                key = f"{prefix}:{i}:{j}"
                value = secrets.token_bytes(1 + (i * 997 + j * 131) % 4096)
                if c.store("set", key, value, j) != "STORED":
                    errors.append(f"{key}: not stored")
                elif c.get(key).get(key) != (j, value):
                    errors.append(f"{key}: wrong value")
            c.close()
        except (OSError, ConnectionError, ValueError) as e:
            errors.append(f"connection {i}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2 * THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def main():
    port, seconds = port_and_seconds(sys.argv)
    wrong = os.environ.get("UKL_MEMCACHED_TEST_WRONG") == "1"
    prefix = "ukl" + secrets.token_hex(3)
    ktap = Ktap(TESTS)
    result = ktap.result
    start = time.monotonic()
    c = connect(port, start + seconds)
    if c is None:
        result("version", False, f"no answer from port {port} in {seconds:.0f} s")
    else:
        try:
            got = c.cmd("version")
            result("version", got == f"VERSION {VERSION}",
                   f"{got!r} after {time.monotonic() - start:.0f} s")

            bad = []
            for n in SIZES:
                key, value = f"{prefix}:size:{n}", secrets.token_bytes(n)
                stored = c.store("set", key, value, n)
                want = (n, value + b"x" if wrong else value)
                if stored != "STORED" or c.get(key).get(key) != want:
                    bad.append(f"{n} bytes: {stored}")
            result("text-sizes", not bad,
                   f"set and get of {', '.join(map(str, SIZES))} bytes"
                   + (f"; wrong: {'; '.join(bad)}" if bad else ""))

            keys = [f"{prefix}:multi:{i}" for i in range(10)]
            for i, k in enumerate(keys):
                c.store("set", k, str(i).encode() * (i + 1), i)
            got = c.get(f"{prefix}:absent", *keys)
            ok = got == {k: (i, str(i).encode() * (i + 1)) for i, k in enumerate(keys)}
            result("multi-get", ok, f"one get of 11 keys (one absent): {len(got)} values")

            k = f"{prefix}:counter"
            replies = [c.store("set", k, b"41"), c.cmd(f"incr {k} 1"),
                       c.cmd(f"decr {k} 2"), c.store("add", k, b"0"),
                       c.cmd(f"delete {k}"), c.cmd(f"incr {k} 1"),
                       c.store("add", k, b"7"), c.cmd(f"incr {k} 3")]
            want = ["STORED", "42", "40", "NOT_STORED", "DELETED", "NOT_FOUND",
                    "STORED", "10"]
            result("incr-add-delete", replies == want, f"replies {replies}")

            b = Conn(port, 30)
            key, value = f"{prefix}:bin".encode(), secrets.token_bytes(5000)
            s_set = b.bin(0x01, key, value, struct.pack(">II", 0xcafe, 0), 1)[0]
            s_get, extras, got = b.bin(0x00, key, opaque=2)
            s_miss = b.bin(0x00, key + b":absent", opaque=3)[0]
            s_text = b.bin(0x00, f"{prefix}:size:1000".encode(), opaque=4)
            b.close()
            ok = (s_set == 0 and s_get == 0 and got == value and
                  extras == struct.pack(">I", 0xcafe) and s_miss == 1 and
                  s_text[0] == 0 and len(s_text[2]) == 1000)
            result("binary", ok, f"SET {s_set}, GET {s_get} ({len(got)} bytes), "
                   f"GET of an absent key {s_miss}, of a text-protocol key {s_text[0]}")

            errors = concurrent(port, prefix, 100)
            result("concurrent", not errors,
                   f"{2 * THREADS} connections at once, 100 set and get each"
                   + (f": {'; '.join(errors[:5])}" if errors else ""))

            c.sock.sendall(b"stats\r\n")
            stats = {}
            while (line := c.line()) != "END":
                _, name, val = line.split(" ", 2)
                stats[name] = val
            ok = (stats.get("version") == VERSION and
                  stats.get("threads") == str(THREADS) and
                  stats.get("libevent") == "2.1.12-stable" and
                  int(stats.get("cmd_set", 0)) >= 2 * THREADS * 100 + len(SIZES))
            result("stats", ok, f"version {stats.get('version')}, pid {stats.get('pid')}, "
                   f"threads {stats.get('threads')}, libevent {stats.get('libevent')}, "
                   f"cmd_set {stats.get('cmd_set')}, "
                   f"total_connections {stats.get('total_connections')}")

            # memcached closes the connection without a reply, joins its
            # threads and returns 0 from main().
            c.sock.sendall(b"shutdown graceful\r\n")
            try:
                got = c.line()
                result("shutdown", False, f"shutdown graceful answered {got!r}")
            except (ConnectionError, OSError):
                result("shutdown", True, "connection closed")
        except (OSError, ConnectionError, ValueError) as e:
            result("error", False, f"{type(e).__name__}: {e}")
        c.close()

    return ktap.finish()


if __name__ == "__main__":
    sys.exit(main())
