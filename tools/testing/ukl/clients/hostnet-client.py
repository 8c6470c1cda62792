#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Host side of tools/testing/ukl/hostnet.c: while a guest boots, connect
# to the host port that QEMU forwards to the guest's TCP server, send
# "ukl-host-ping NONCE", wait for "ukl-guest-pong NONCE" and acknowledge
# it with "ukl-host-ack NONCE", which the guest's test waits for.
#
# Usage: hostnet-client.py HOSTPORT SECONDS
#
# Until the guest listens, QEMU accepts the connection and then closes
# it: retry until SECONDS have passed.  Prints "answered" and exits 0 when
# the right answer came back; the runner fails a boot whose guest passed
# tcp_server_reached_from_host without that line in this log.

import secrets
import socket
import sys
import time

from ukl_hostclient import port_and_seconds

port, seconds = port_and_seconds(sys.argv)
nonce = secrets.token_hex(8)
deadline = time.monotonic() + seconds
while time.monotonic() < deadline:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(f"ukl-host-ping {nonce}\n".encode())
            reply = b""
            while not reply.endswith(b"\n"):
                data = s.recv(128)
                if not data:
                    break
                reply += data
            if reply == f"ukl-guest-pong {nonce}\n".encode():
                print(f"hostnet-client: port {port}: answered", flush=True)
                s.sendall(f"ukl-host-ack {nonce}\n".encode())
                sys.exit(0)
            if reply:
                print(f"hostnet-client: port {port}: wrong answer {reply!r}")
                sys.exit(1)
    except OSError:
        pass
    time.sleep(1)
print(f"hostnet-client: port {port}: no answer in {seconds:.0f} s")
sys.exit(1)
