# SPDX-License-Identifier: GPL-2.0
#
# What the host clients share: their command line, HOSTPORT SECONDS
# [ARGS...] (port_and_seconds()), and the KTAP output of those of the
# server scenarios (ukl-redis-client.py, ukl-memcached-client.py,
# ukl-nginx-client.py): a plan of named tests, diagnostics as results come
# in, and at the end one result line per test, in the plan's order.  A
# test with no result (the server stopped answering before it ran) fails,
# as does a result under a name that is not in the plan (an exception the
# client caught).

import os
import sys


def port_and_seconds(argv, usage="HOSTPORT SECONDS"):
    """HOSTPORT and SECONDS of ARGV; exit with status 2 and USAGE if wrong."""
    try:
        port, seconds = int(argv[1]), float(argv[2])
    except (IndexError, ValueError):
        print(f"usage: {os.path.basename(argv[0])} {usage} (the host port that "
              "QEMU forwards to the guest, and how long to wait for it)",
              file=sys.stderr)
        sys.exit(2)
    return port, seconds


class Ktap:
    """The tests of one run, printed as KTAP."""

    def __init__(self, tests):
        self.tests = list(tests)
        self.results = []
        print("KTAP version 1")
        print(f"1..{len(self.tests)}")

    def result(self, name, ok, why=""):
        """Record test NAME as passed (ok) or not, with a diagnostic."""
        if why:
            print(f"# {name}: {why}")
        self.results.append((name, bool(ok)))

    def finish(self):
        """Print the result lines; return the exit status: 0 if all passed."""
        done = {name for name, _ in self.results}
        for i, name in enumerate(self.tests, 1):
            ok = name in done and all(o for n, o in self.results if n == name)
            print(f"{'ok' if ok else 'not ok'} {i} {name}")
        return 0 if all(o for _, o in self.results) and done >= set(self.tests) else 1
