// SPDX-License-Identifier: GPL-2.0
/*
 * UKL machine check test: an uncorrected memory error in the program's
 * data, reported by a machine check while the program runs, is that
 * process's SIGBUS, and the kernel goes on.
 *
 * The runner (ukl-test.sh, the boot word qmp:mce-inject.py) boots the guest
 * with QEMU's QMP socket and runs clients/mce-inject.py on the host
 * meanwhile.  This area pins itself to a CPU, maps and fills a page, looks
 * up the page's frame in /proc/self/pagemap, writes
 *
 *	ukl-mce: inject cpu=C addr=0xPHYS at=0xIP
 *
 * to the kernel log, and calls mce_spin(), at IP, which loads from the page,
 * again and again.  The host stops the machine at a breakpoint on IP (QEMU's
 * gdbstub) and injects a machine check on CPU C there with QEMU's "mce"
 * command: an uncorrected, software recoverable, action required data load
 * error at PHYS (what hardware reports when a load consumes poisoned
 * memory).  So it comes in the program's own code, ring 0 for the UKL
 * application and ring 3 for the ring-3 build, never in kernel code, where
 * such an error is fatal.  The kernel must grade it as an error in the
 * process, take the page away and send SIGBUS (BUS_MCEERR_AR) for its
 * address, as it does in ring 3; for a ring-0 program the other outcome is
 * a panic.
 *
 * The area mce-return (the same function, a boot of its own: the host
 * injects once per boot) asks for the machine check before the
 * instruction where a system call returns to the program: for the UKL
 * application the STI before the kernel's RET to it, where interrupts
 * are still off.  The handler must run with interrupts on, as all of the
 * program's code does.  Any process of the UKL application comes there:
 * the suite's runner is kept off the CPU meanwhile, and the host steps
 * the other CPUs over its breakpoint.
 *
 * Injection needs an Intel CPU model (the kernel grades AMD's errors
 * differently) and the host's help: without UKL_TEST_QMP=mce-inject.py in
 * the environment, the tests are skipped.
 *
 * Built as the UKL application (ring 0) and as an ordinary ring-3 program
 * (see suite.c); both must report the same results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "kselftest.h"
#include "ukl_test.h"

#define PAGE		4096UL
#define WAIT_SECONDS	60
#define NO_INJECTOR	"no UKL_TEST_QMP=mce-inject.py"

#ifndef BUS_MCEERR_AR
#define BUS_MCEERR_AR	4
#endif

static sigjmp_buf bus_jmp;
/* What the last SIGBUS said; READ_ONCE() and WRITE_ONCE() (ukl_test.h). */
static int bus_code, bus_return;
static void *bus_addr;
static short bus_lsb;
static unsigned long bus_flags, bus_ip;

/* Record the SIGBUS, and go back to the sigsetjmp() unless bus_return. */
static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	unsigned long flags;

	asm volatile("pushfq; popq %0" : "=r" (flags));
	WRITE_ONCE(bus_flags, flags);
	WRITE_ONCE(bus_ip, ((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP]);
	WRITE_ONCE(bus_addr, si->si_addr);
	WRITE_ONCE(bus_lsb, si->si_addr_lsb);
	WRITE_ONCE(bus_code, si->si_code);
	if (!READ_ONCE(bus_return))
		siglongjmp(bus_jmp, 1);
}

/**
 * page_frame() - the physical address of the page at @p
 * @p: a mapped, present page of this process
 *
 * Return: its physical address from /proc/self/pagemap (which needs
 * CAP_SYS_ADMIN to show it), or 0.
 */
static uint64_t page_frame(const void *p)
{
	char path[64];
	uint64_t e = 0;
	int fd;

	snprintf(path, sizeof(path), "%s/self/pagemap", ukl_test_procfs());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (uintptr_t)p / PAGE * sizeof(e)) != sizeof(e))
		e = 0;
	close(fd);
	if (!(e >> 63))
		return 0;
	return (e & ((1ULL << 55) - 1)) * PAGE;
}

/**
 * new_page() - map a page of this process and find its frame
 * @fill: the byte to fill it with, which makes it present
 * @phys: gets its physical address (page_frame()), or 0
 *
 * Return: the page, or MAP_FAILED.
 */
static unsigned long *new_page(int fill, uint64_t *phys)
{
	unsigned long *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	*phys = 0;
	if (p != MAP_FAILED) {
		memset(p, fill, PAGE);
		*phys = page_frame(p);
	}
	return p;
}

/**
 * mce_spin() - load from @p a while
 * @p: the page to load from
 *
 * The host injects the machine check when the CPU is about to execute
 * this function's first instruction.
 *
 * Return: the sum of what was loaded (so that the loads stay).
 */
static __attribute__((noipa)) unsigned long mce_spin(const unsigned long *p)
{
	unsigned long sum = 0;
	int i;

	for (i = 0; i < 1 << 14; i++)
		sum += READ_ONCE(p[i & 511]);
	return sum;
}

/**
 * request() - ask the host for a machine check
 * @cpu: the CPU to inject it on
 * @phys: the physical address it reports
 * @at: the instruction before which it comes
 *
 * The request goes to the kernel log, which the kernel writes to the
 * console at once, whatever runs; standard output goes through the
 * suite's runner, which may not run while this process loads.
 *
 * Return: true if the request was written.
 */
static bool request(int cpu, uint64_t phys, unsigned long at)
{
	char line[128];
	int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC), n;
	bool ok;

	n = snprintf(line, sizeof(line), "ukl-mce: inject cpu=%d addr=%#llx at=%#lx\n",
		     cpu, (unsigned long long)phys, at);
	ok = fd >= 0 && write(fd, line, n) == n;
	if (fd >= 0)
		close(fd);
	if (!ok)
		ksft_perror("/dev/kmsg");
	return ok;
}

/**
 * load_sigbus() - load from @p and report what SIGBUS that raised
 * @p: where to load from
 *
 * Return: the SIGBUS's si_code, or 0 if the load did not raise one.
 */
static int load_sigbus(const unsigned long *p)
{
	WRITE_ONCE(bus_code, 0);
	WRITE_ONCE(bus_addr, NULL);
	if (!sigsetjmp(bus_jmp, 1))
		(void)READ_ONCE(*p);
	return READ_ONCE(bus_code);
}

/**
 * syscall_return() - where the program goes on when getppid() returns
 *
 * In ring 3 the instruction after the SYSCALL in the C library's
 * getppid(); in ring 0 the STI before the RET to the application in the
 * kernel's system call entry (entry_SYSCALL_64_ukl_app_ret), application
 * context with interrupts still off.
 *
 * Return: the address, or 0 if it cannot be found.
 */
static unsigned long syscall_return(void)
{
	const unsigned char *code = (const unsigned char *)getppid;
	int i;

	if (ukl_test_cpl() == 0)
		return ukl_test_kernel_symbol("entry_SYSCALL_64_ukl_app_ret");
	for (i = 0; i < 64; i++)
		if (code[i] == 0x0f && code[i + 1] == 0x05)
			return (unsigned long)(code + i + 2);
	return 0;
}

/**
 * test_at_syscall_return() - a machine check as a system call returns
 * @cpu: the CPU this process is pinned to
 *
 * The host injects the machine check, for another page of the program,
 * before the instruction at syscall_return().  The handler must run as
 * all of the program's code runs, with interrupts on (it reads
 * EFLAGS.IF), find the program right after its system call, as a ring-3
 * handler does, not in the kernel's entry code, and return there, with
 * the system call's result right.
 */
static void test_at_syscall_return(int cpu)
{
	unsigned long at = syscall_return(), *p;
	int64_t end = ukl_test_ns(CLOCK_MONOTONIC) + WAIT_SECONDS * 1000000000LL;
	pid_t ppid = getppid();
	uint64_t phys;
	int ok, wrong = 0;

	p = new_page(0xa5, &phys);
	ok = cpu >= 0 && phys && at;
	if (!ok) {
		ksft_print_msg("cpu %d, physical %#llx, return at %#lx\n", cpu,
			       (unsigned long long)phys, at);
	} else {
		WRITE_ONCE(bus_code, 0);
		WRITE_ONCE(bus_ip, 0);
		WRITE_ONCE(bus_return, 1);
		if (request(cpu, phys, at))
			while (!READ_ONCE(bus_code) && ukl_test_ns(CLOCK_MONOTONIC) < end)
				wrong += getppid() != ppid;
		WRITE_ONCE(bus_return, 0);
		ok = READ_ONCE(bus_code) == BUS_MCEERR_AR && READ_ONCE(bus_addr) == p &&
		     (READ_ONCE(bus_flags) & 0x200) && !wrong &&
		     bus_ip && ukl_test_syscall_insn(bus_ip - 2);
		if (!ok)
			ksft_print_msg("si_code %d, si_addr %p for %p, EFLAGS %#lx, ip %#lx, %d wrong\n",
				       bus_code, bus_addr, (void *)p, bus_flags, bus_ip,
				       wrong);
	}
	ksft_test_result(ok, "mce_at_syscall_return_sigbus\n");
}

/**
 * parent_off_cpu() - keep the suite's runner off a CPU, or let it back
 * @cpu: the CPU
 * @off: whether to keep it off
 *
 * Every process of the UKL application returns from its system calls
 * through the instruction that mce-return's host breaks on: the runner,
 * this process's parent, must not reach it on @cpu first and take the
 * machine check meant for this one.
 */
static void parent_off_cpu(int cpu, bool off)
{
	long i, n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	for (i = 0; i < n; i++)
		if (!off || i != cpu)
			CPU_SET(i, &set);
	if (n > 1 && sched_setaffinity(getppid(), sizeof(set), &set))
		ksft_perror("sched_setaffinity of the parent");
}

UKL_TEST_MAIN(mce)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO | SA_NODEFER };
	const char *qmp = getenv("UKL_TEST_QMP");
	/* Started as "suite area=mce-return": the one injection of its boot. */
	bool at_return = argc >= 2 && !strcmp(argv[1], "area=mce-return");
	unsigned long *p;
	uint64_t phys;
	int cpu, ok;

	ksft_print_header();
	ksft_set_plan(at_return ? 1 : 2);
	if (!qmp || strcmp(qmp, "mce-inject.py")) {
		if (at_return) {
			ksft_test_result_skip("mce_at_syscall_return_sigbus (%s)\n", NO_INJECTOR);
		} else {
			ksft_test_result_skip("mce_in_program_data_sigbus (%s)\n", NO_INJECTOR);
			ksft_test_result_skip("mce_poisoned_page_sigbus_again\n");
		}
		goto out;
	}
	sigaction(SIGBUS, &sa, NULL);
	/* On the last CPU: the host injects on the CPU the request names. */
	cpu = ukl_test_pin_cpu(sysconf(_SC_NPROCESSORS_ONLN) - 1) ? -1 : sched_getcpu();
	if (at_return) {
		parent_off_cpu(cpu, true);
		test_at_syscall_return(cpu);
		parent_off_cpu(cpu, false);
		goto out;
	}
	p = new_page(0x5a, &phys);
	ok = cpu >= 0 && phys;
	if (!ok) {
		ksft_print_msg("cpu %d, page %p at physical %#llx\n", cpu, (void *)p,
			       (unsigned long long)phys);
	} else {
		int64_t end = ukl_test_ns(CLOCK_MONOTONIC) + WAIT_SECONDS * 1000000000LL;

		WRITE_ONCE(bus_code, 0);
		if (request(cpu, phys, (unsigned long)mce_spin) && !sigsetjmp(bus_jmp, 1))
			while (ukl_test_ns(CLOCK_MONOTONIC) < end)
				mce_spin(p);
		ok = READ_ONCE(bus_code) == BUS_MCEERR_AR &&
		     ((uintptr_t)READ_ONCE(bus_addr) & ~(PAGE - 1)) == (uintptr_t)p &&
		     READ_ONCE(bus_lsb) == 12;
		if (!ok)
			ksft_print_msg("si_code %d, si_addr %p, si_addr_lsb %d for %p\n",
				       bus_code, bus_addr, bus_lsb, (void *)p);
	}
	ksft_test_result(ok, "mce_in_program_data_sigbus\n");
	/* The kernel took the page away: a load finds it poisoned. */
	ok = ok && load_sigbus(p) == BUS_MCEERR_AR && READ_ONCE(bus_addr) == p;
	ksft_test_result(ok, "mce_poisoned_page_sigbus_again\n");
out:
	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
