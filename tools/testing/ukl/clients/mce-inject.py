#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Host side of tools/testing/ukl/mce.c: while a guest runs, watch its
# console for
#
#	ukl-mce: inject cpu=C addr=0xPHYS at=0xIP
#
# and inject a machine check on CPU C when it is about to execute the
# instruction at IP: connect to QEMU's gdbstub (which the QMP command
# "gdbserver" opened, and which stops the machine), set a breakpoint on IP,
# let the machine go on until CPU C stops there (another CPU that stops
# there first is stepped over it alone), check with "info registers" that
# it did, inject with QEMU's "mce" command, remove the breakpoint and
# detach.  So the machine check lands in the guest program's code (in
# ring 0 for the UKL application), never in kernel code, where such an
# error is fatal.
#
# The error is what an Intel CPU reports when a load consumes poisoned
# memory: MCi_STATUS VAL, UC, EN, MISCV, ADDRV, S and AR with the data
# load code 0x134 (Linux's "Action required: data load error in a user
# process"), MCG_STATUS RIPV, EIPV and MCIP, MCi_ADDR PHYS, MCi_MISC a
# physical address of 4 KiB granularity.  It is broadcast (-b): the other
# CPUs get an error that is not enabled, as Linux expects of a machine
# check that Intel CPUs signal on every CPU.
#
# Usage: mce-inject.py QMP-SOCKET CONSOLE-LOG SECONDS
#
# Runs until SECONDS have passed or QEMU closes the socket; each request
# is injected once, in a connection to the gdbstub of its own.  What it
# does goes to stdout (the runner's log); the guest's test result is what
# make test counts.

import json
import re
import socket
import sys
import time

MCI_STATUS = 0xbd80000000100134
MCG_STATUS = 0x7
MCI_MISC = 0x8c
BANK = 1

REQUEST = re.compile(rb"ukl-mce: inject cpu=(\d+) addr=(0x[0-9a-f]+) "
                     rb"at=(0x[0-9a-f]+)\n")


def log(msg):
    """One line to the runner's log, at once: the runner may kill us."""
    print(f"mce-inject: {msg}", flush=True)


class Qmp:
    """A QMP connection: commands and their answers, events skipped."""

    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        self.file = self.sock.makefile("rb")
        self.read()                     # the greeting
        self.command("qmp_capabilities")

    def read(self):
        line = self.file.readline()
        if not line:
            raise EOFError("QEMU closed the QMP socket")
        return json.loads(line)

    def command(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            answer = self.read()
            if "return" in answer:
                return answer["return"]
            if "error" in answer:
                raise RuntimeError(f"{name}: {answer['error']}")

    def hmp(self, line, cpu=None):
        args = {"command-line": line}
        if cpu is not None:
            args["cpu-index"] = cpu
        return self.command("human-monitor-command", **args)


class Gdb:
    """QEMU's gdbstub, for breakpoints: the machine stops while connected."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.buf = b""
        # The machine stopped for the connection, and QEMU may say so:
        # what it said is not an answer to a command.
        time.sleep(0.5)
        self.sock.setblocking(False)
        try:
            self.sock.recv(65536)
        except BlockingIOError:
            pass

    def close(self):
        time.sleep(0.2)                 # for QEMU to read what was sent
        self.sock.close()

    def send(self, data):
        csum = sum(data.encode()) & 0xff
        self.sock.sendall(f"${data}#{csum:02x}".encode())

    def reply(self, timeout, want=lambda p: True):
        """The next packet's data that want() takes, acknowledged."""
        self.sock.settimeout(timeout)
        while True:
            m = re.search(rb"\$([^#]*)#[0-9a-fA-F]{2}", self.buf)
            if m:
                self.buf = self.buf[m.end():]
                self.sock.sendall(b"+")
                if want(m.group(1).decode()):
                    return m.group(1).decode()
                continue
            data = self.sock.recv(4096)
            if not data:
                raise EOFError("QEMU closed the gdb socket")
            self.buf += data

    def command(self, data):
        """Send a command that is answered with OK, an error or nothing."""
        self.send(data)
        return self.reply(10, lambda p: p in ("OK", "") or p.startswith("E"))


def stopped_cpu(stop):
    """The CPU (gdb thread - 1) that a stop reply names, or -1."""
    m = re.search(r"thread:p?[0-9a-f]*\.?([0-9a-f]+);", stop)
    return int(m.group(1), 16) - 1 if m else -1


def inject_at(qmp, gdbsock, cpu, addr, at):
    """Inject on cpu when it is about to execute the instruction at at."""
    gdb = Gdb(gdbsock)                  # which stops the machine
    others = 0
    try:
        if gdb.command(f"Z1,{at:x},1") != "OK":
            log(f"cannot set a breakpoint at {at:#x}")
            return False
        deadline = time.monotonic() + 120
        while True:
            if time.monotonic() > deadline:
                raise socket.timeout
            gdb.send("c")
            stop = gdb.reply(max(deadline - time.monotonic(), 1),
                             lambda p: p.startswith("T05"))
            hit = stopped_cpu(stop)
            if hit == cpu or hit < 0:
                break
            # Another CPU came first (for the UKL application, any of its
            # processes returning from a system call): step that CPU alone
            # over the breakpoint, and wait again.
            others += 1
            gdb.command(f"z1,{at:x},1")
            gdb.send(f"vCont;s:{hit + 1:x}")
            try:
                gdb.reply(10, lambda p: p.startswith("T05"))
            except socket.timeout:
                log(f"cpu {hit} did not step over {at:#x} within 10 s")
                return False
            gdb.command(f"Z1,{at:x},1")
        regs = qmp.hmp("info registers", hit) if hit >= 0 else ""
        m = re.search(r"RIP=([0-9a-f]+)", regs)
        rip = int(m.group(1), 16) if m else None
        ok = hit == cpu and rip == at
        if ok:
            out = qmp.hmp(f"mce -b {cpu} {BANK} {MCI_STATUS:#x} {MCG_STATUS:#x} "
                          f"{addr:#x} {MCI_MISC:#x}").strip()
            log(f"cpu {cpu}: injected at RIP {at:#x} for {addr:#x}"
                f"{' after ' + str(others) + ' other stops' if others else ''}"
                f"{': ' + out if out else ''}")
        else:
            log(f"stopped with {stop!r} on cpu {hit} at RIP "
                f"{rip if rip is None else hex(rip)}, not cpu {cpu} at {at:#x}")
        gdb.command(f"z1,{at:x},1")
        return ok
    except socket.timeout:
        log(f"cpu {cpu} did not come to {at:#x} within 120 s "
            f"({others} stops of other CPUs)")
        return False
    finally:
        gdb.send("D")                   # and the machine goes on
        gdb.close()


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: mce-inject.py QMP-SOCKET CONSOLE-LOG SECONDS")
    path, console, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    start = time.monotonic()
    deadline = start + seconds
    qmp = Qmp(path, deadline)
    gdbsock = path + "-gdb"
    qmp.hmp(f"gdbserver unix:{gdbsock},server=on,wait=off")
    seen = 0
    while time.monotonic() < deadline:
        try:
            with open(console, "rb") as f:
                text = f.read()
        except OSError:
            text = b""
        requests = REQUEST.findall(text.replace(b"\r", b""))
        for cpu, addr, at in requests[seen:]:
            log(f"request for cpu {int(cpu)} at {at.decode()} seen after "
                f"{time.monotonic() - start:.1f} s")
            inject_at(qmp, gdbsock, int(cpu), int(addr, 16), int(at, 16))
        seen = len(requests)
        time.sleep(0.1)


if __name__ == "__main__":
    try:
        main()
    except (EOFError, OSError) as e:
        log(str(e))
