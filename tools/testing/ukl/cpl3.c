// SPDX-License-Identifier: GPL-2.0
/*
 * Helper for the UKL tests: an ordinary program that the application
 * starts with posix_spawn().  It checks the view of a ring-3 process
 * beside the ring-0 application and exits with 42 if all is as on any
 * kernel, else with the number of the first check that failed:
 *
 * 1. it runs at CPL 3, the privilege level of every program but the
 *    UKL application;
 * 2. reading kernel memory gives SIGSEGV;
 * 3. the meltdown entry of /sys/devices/system/cpu/vulnerabilities does
 *    not say "Vulnerable", and says "Mitigation: PTI" only when page table
 *    isolation is on (<debugfs>/ukl/entry_state, if the kernel has
 *    CONFIG_UKL_TEST_PROBE);
 * 4. kernel code serving its system calls runs with EFLAGS.AC clear.
 *
 * Started as "cpl3 auxv", it writes its aux vector instead, for core.c to
 * compare with the application's: the entries up to AT_NULL, as
 * /proc/self/auxv has them, then the AT_PLATFORM string with its NUL.
 *
 * Started as "cpl3 reach PID ADDR refused|allowed", it reaches into
 * process PID, which has UKL_TEST_REACH_MAGIC at ADDR (reach() below),
 * and exits with 42 if all went as the last argument says.
 *
 * Started as "cpl3 tscexec PROG ARGS...", it asks that RDTSC fault and
 * executes PROG (tsc_exec() below).
 *
 * Started as "cpl3 sysenter", it single-steps a SYSENTER from 64-bit mode
 * (sysenter_step() below) and exits with 42 when it got its signal.
 *
 * Started as "cpl3 traceexec PATH refused|allowed", it traces a child
 * without CAP_SYS_RAWIO and lets it execute PATH (trace_exec() below),
 * and exits with 42 if that went as the last argument says.
 *
 * Started as "cpl3 execrace PID refused|allowed", it opens the memory of
 * process PID without CAP_SYS_RAWIO while PID executes programs
 * (exec_race() below), and exits with 42 if that went as the last
 * argument says.
 *
 * Started as "cpl3 exitregs PID refused|allowed", it reads what /proc
 * shows of the registers of process PID, which sleeps in its exit, without
 * CAP_SYS_RAWIO (exit_regs() below), and exits with 42 if that went as
 * the last argument says.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "ukl_test.h"

static sigjmp_buf jmp;

static void on_segv(int sig)
{
	siglongjmp(jmp, 1);
}

static int kernel_memory_faults(void)
{
	const char *kernel = (const char *)0xffffffff81000000UL;

	signal(SIGSEGV, on_segv);
	if (!sigsetjmp(jmp, 1)) {
		(void)READ_ONCE(*kernel);
		return 0;
	}
	signal(SIGSEGV, SIG_DFL);
	return 1;
}

static int write_auxv(void)
{
	unsigned long av[64][2];
	const char *platform = (const char *)getauxval(AT_PLATFORM);
	int n = ukl_test_auxv(av, ARRAY_SIZE(av) - 1);

	if (n < 0 || !platform)
		return 5;
	av[n][0] = AT_NULL;
	av[n][1] = 0;
	if (write(1, av, (n + 1) * sizeof(av[0])) != (ssize_t)((n + 1) * sizeof(av[0])) ||
	    write(1, platform, strlen(platform) + 1) != (ssize_t)(strlen(platform) + 1))
		return 5;
	return 42;
}

/* Drop CAP_SYS_RAWIO from the effective and permitted sets. */
static int drop_cap_sys_rawio(void)
{
	struct { unsigned int version; int pid; } hdr = { 0x20080522, 0 };
	struct { unsigned int effective, permitted, inheritable; } data[2];
	const unsigned int rawio = 1u << 17;	/* CAP_SYS_RAWIO */

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[0].effective &= ~rawio;
	data[0].permitted &= ~rawio;
	return syscall(SYS_capset, &hdr, data);
}

/* PTRACE_ATTACH to @pid and wait for it to stop; 0 or -1 with errno. */
static int attach(pid_t pid)
{
	int st;

	if (ptrace(PTRACE_ATTACH, pid, 0, 0))
		return -1;
	if (waitpid(pid, &st, __WALL) != pid || !WIFSTOPPED(st)) {
		errno = ECHILD;
		return -1;
	}
	return 0;
}

/*
 * With @want_refused, the call @what failed with @err; otherwise it
 * succeeded.  Says what it did if not.
 */
static int as_expected(const char *what, int failed, int err, int want_refused)
{
	if (want_refused ? failed && errno == err : !failed)
		return 1;
	fprintf(stderr, "cpl3: %s without CAP_SYS_RAWIO: %s\n", what,
		failed ? strerror(errno) : "allowed");
	return 0;
}

/*
 * With all capabilities: attach to @pid, read the word at @addr, write
 * its complement and read that back, detach.  Then without CAP_SYS_RAWIO:
 * PTRACE_ATTACH, opening /proc/PID/mem, process_vm_readv(),
 * process_vm_writev() (of the original word) and process_madvise() must
 * fail if @refused (EPERM, EACCES, EPERM, EPERM, EACCES) and work if not.
 * Returns 42, or the number of the step that went otherwise.
 */
static int reach(pid_t pid, unsigned long addr, int refused)
{
	unsigned long word = 0;
	struct iovec local = { &word, sizeof(word) };
	struct iovec remote = { (void *)addr, sizeof(word) };
	struct iovec page = { (void *)(addr & ~4095UL), 4096 };
	char path[32];
	long got, r;
	int fd, pidfd;

	if (attach(pid))
		return 10;
	errno = 0;
	got = ptrace(PTRACE_PEEKDATA, pid, (void *)addr, 0);
	if (errno || (unsigned long)got != UKL_TEST_REACH_MAGIC) {
		fprintf(stderr, "cpl3: PEEKDATA %#lx: %#lx (%s)\n", addr, got, strerror(errno));
		ptrace(PTRACE_DETACH, pid, 0, 0);
		return 11;
	}
	if (ptrace(PTRACE_POKEDATA, pid, (void *)addr, (void *)~got) ||
	    ptrace(PTRACE_PEEKDATA, pid, (void *)addr, 0) != ~got) {
		ptrace(PTRACE_DETACH, pid, 0, 0);
		return 12;
	}
	if (ptrace(PTRACE_DETACH, pid, 0, 0))
		return 13;

	if (drop_cap_sys_rawio())
		return 14;
	r = attach(pid);
	if (!as_expected("PTRACE_ATTACH", r < 0, EPERM, refused))
		return 15;
	if (!r)
		ptrace(PTRACE_DETACH, pid, 0, 0);
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDONLY);
	if (!as_expected("open of /proc/PID/mem", fd < 0, EACCES, refused))
		return 16;
	if (fd >= 0)
		close(fd);
	r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (!as_expected("process_vm_readv()", r < 0, EPERM, refused))
		return 17;
	if (r >= 0 && word != ~UKL_TEST_REACH_MAGIC) {
		fprintf(stderr, "cpl3: process_vm_readv() read %#lx\n", word);
		return 17;
	}
	word = UKL_TEST_REACH_MAGIC;
	r = process_vm_writev(pid, &local, 1, &remote, 1, 0);
	if (!as_expected("process_vm_writev()", r < 0, EPERM, refused))
		return 18;
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return 19;
	r = syscall(SYS_process_madvise, pidfd, &page, 1, MADV_COLD, 0);
	close(pidfd);
	if (!as_expected("process_madvise()", r < 0, EACCES, refused))
		return 19;
	return 42;
}

/*
 * Without CAP_SYS_RAWIO, become the tracer of a child that has it
 * (PTRACE_TRACEME after the drop, which CAP_SYS_PTRACE allows) and let
 * the child execute @path.  A tracer keeps its access across execve():
 * if @refused, the execve() must fail with EPERM; if not, the child stops
 * after it (SIGTRAP) and its registers can be read.
 * Returns 42, or the number of the step that went otherwise.
 */
static int trace_exec(const char *path, int refused)
{
	struct user_regs_struct regs = { 0 };
	int go[2], st = 0, ret = 42;
	char c = 0;
	pid_t pid;

	if (pipe(go))
		return 20;
	pid = fork();
	if (pid == 0) {
		char *const argv[] = { (char *)path, "area=none", NULL };

		close(go[1]);
		if (read(go[0], &c, 1) != 1 || ptrace(PTRACE_TRACEME, 0, 0, 0))
			_exit(1);
		execv(path, argv);
		_exit(errno == EPERM ? 3 : 2);
	}
	close(go[0]);
	if (pid < 0 || drop_cap_sys_rawio() || write(go[1], &c, 1) != 1)
		ret = 21;
	close(go[1]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 21;
	if (refused && !(WIFEXITED(st) && WEXITSTATUS(st) == 3)) {
		if (WIFSTOPPED(st))
			ptrace(PTRACE_GETREGS, pid, 0, &regs);
		fprintf(stderr, "cpl3: execve() of %s under a tracer without CAP_SYS_RAWIO: status %#x, rip %#llx\n",
			path, st, (unsigned long long)regs.rip);
		ret = 22;
	} else if (!refused && !(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP &&
				 !ptrace(PTRACE_GETREGS, pid, 0, &regs))) {
		fprintf(stderr, "cpl3: execve() of %s under a tracer: status %#x\n", path, st);
		ret = 23;
	}
	if (WIFSTOPPED(st)) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	return ret;
}

/* A single step's SIGTRAP: step no further. */
static void on_step(int sig, siginfo_t *si, void *uc)
{
	((ucontext_t *)uc)->uc_mcontext.gregs[REG_EFL] &= ~0x100UL;
}

/*
 * SYSENTER with the trap flag set, from 64-bit mode, as the kernel's
 * single_step_syscall selftest does.  On an Intel CPU with IA32
 * emulation, the CPU single-steps the first instructions of the kernel's
 * entry_SYSENTER_compat, with the program's GS still loaded, and the #DB
 * returns through paranoid_exit: nothing there may use per-CPU data.  A
 * SYSENTER from 64-bit mode makes no system call the program could use;
 * it ends in SIGSEGV (SIGILL on AMD CPUs, where it is invalid).  Returns
 * 42 once one of them came.
 */
static int sysenter_step(void)
{
	static char altstack[64 << 10];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction step = { .sa_sigaction = on_step, .sa_flags = SA_SIGINFO };
	struct sigaction segv = { .sa_handler = on_segv, .sa_flags = SA_ONSTACK };

	/* The kernel returns from SYSENTER to the stack pointer in EBP. */
	if (sigaltstack(&ss, NULL))
		return 31;
	sigaction(SIGTRAP, &step, NULL);
	sigaction(SIGSEGV, &segv, NULL);
	sigaction(SIGILL, &segv, NULL);
	if (!sigsetjmp(jmp, 1)) {
		__asm__ volatile ("pushfq\n\t"
				  "orq $0x100, (%%rsp)\n\t"
				  "popfq\n\t"
				  "sysenter" : : : "memory");
		fprintf(stderr, "cpl3: SYSENTER returned\n");
		return 30;
	}
	return 42;
}

/*
 * Ask that RDTSC fault (PR_SET_TSC), then execute @argv[0]: the mode
 * outlives execve() for an ordinary program, but the application runs
 * at CPL 0, where RDTSC never faults.  Returns only if that failed.
 */
static int tsc_exec(char **argv)
{
	if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV))
		return 40;
	execv(argv[0], argv);
	return 41;
}

/* Whether process @pid is gone or a zombie. */
static int process_done(pid_t pid)
{
	char path[32], state;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	state = ukl_test_proc_state(path);
	return !state || state == 'Z' || state == 'X';
}

/*
 * Without CAP_SYS_RAWIO, open /proc/@pid/mem over and over until process
 * @pid has exited, while it executes programs one after the other
 * (core.c's exec_guarded_throughout).  Writes a byte to file descriptor
 * 3, if open, when it starts, which the process waits for, and another
 * after 256 opens, which it executes programs until.  With @refused
 * (it executes the application) no open may give its memory, for the
 * whole of each execve(); without, one must.  An open that gives the
 * memory reads address 0 with EIO; one made while the process exits,
 * after it dropped its memory, works for any process and reads nothing
 * (proc_mem_open() of a task without an mm).  Returns 42, or the number
 * of the step that went otherwise.
 */
static int exec_race(pid_t pid, int refused)
{
	unsigned long tries, opened = 0;
	char path[32];
	int fd;

	if (drop_cap_sys_rawio())
		return 14;
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	(void)!write(3, "", 1);
	for (tries = 1; tries % 64 || !process_done(pid); tries++) {
		if (tries == 256 && write(3, "", 1) == 1)
			close(3);
		fd = open(path, O_RDONLY);
		if (fd >= 0) {
			char c;

			if (pread(fd, &c, 1, 0) != 0)
				opened++;
			close(fd);
		}
	}
	if (tries < 256) {
		fprintf(stderr, "cpl3: %lu opens of %s only\n", tries, path);
		return 15;
	}
	if (refused ? opened : !opened) {
		fprintf(stderr, "cpl3: %lu of %lu opens of %s without CAP_SYS_RAWIO gave its memory\n",
			opened, tries, path);
		return 16;
	}
	return 42;
}

/* Whether an address that /proc shows lies in the kernel's half. */
static int kernel_address(unsigned long addr)
{
	return addr >= 0xffff800000000000UL;
}

/*
 * Without CAP_SYS_RAWIO, read /proc/@pid/stat and /proc/@pid/syscall of
 * process @pid, which sleeps in its exit after it dropped its memory
 * (core.c's exiting_application_regs_hidden).  For an exiting task both
 * show the instruction and stack pointers of its last entry to a reader
 * that ptrace_may_access() lets in (stat only while it has its memory):
 * neither may give a kernel address.  With @refused (@pid ran the
 * application), /proc/@pid/syscall must be refused, as for the running
 * application; without, it must show the exit_group() call.  Returns 42,
 * or the number of the step that went otherwise.
 */
static int exit_regs(pid_t pid, int refused)
{
	unsigned long vsize, esp, eip, sp, pc;
	char path[32], buf[1024];
	const char *p;
	long nr;

	if (drop_cap_sys_rawio())
		return 14;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (!ukl_test_read_file(path, buf, sizeof(buf)))
		return 17;
	/* vsize is the 23rd field, esp and eip the 29th and 30th. */
	p = ukl_test_stat_field(buf, 23);
	if (!p || sscanf(p, " %lu %*d %*u %*u %*u %*u %lu %lu", &vsize, &esp, &eip) != 3)
		return 18;
	if (vsize || kernel_address(esp) || kernel_address(eip)) {
		fprintf(stderr, "cpl3: %s: vsize %lu, esp %#lx, eip %#lx\n", path, vsize, esp, eip);
		return 19;
	}
	snprintf(path, sizeof(path), "/proc/%d/syscall", pid);
	errno = 0;
	if (!ukl_test_read_file(path, buf, sizeof(buf))) {
		if (refused && errno == EPERM)
			return 42;
		fprintf(stderr, "cpl3: %s: %s\n", path, strerror(errno));
		return 20;
	}
	/* "nr arg1 ... arg6 sp pc" */
	if (sscanf(buf, "%ld %*x %*x %*x %*x %*x %*x %lx %lx", &nr, &sp, &pc) != 3 ||
	    refused || nr != SYS_exit_group || kernel_address(sp) || kernel_address(pc)) {
		fprintf(stderr, "cpl3: %s without CAP_SYS_RAWIO: %s", path, buf);
		return 21;
	}
	return 42;
}

int main(int argc, char **argv)
{
	char meltdown[128], state[128];
	int cpl = -1, ac = -1, smap, smep, pti = -1, probe;

	if (argc > 1 && !strcmp(argv[1], "auxv"))
		return write_auxv();
	if (argc == 5 && !strcmp(argv[1], "reach"))
		return reach(atoi(argv[2]), strtoul(argv[3], NULL, 0),
			     !strcmp(argv[4], "refused"));
	if (argc >= 3 && !strcmp(argv[1], "tscexec"))
		return tsc_exec(argv + 2);
	if (argc == 2 && !strcmp(argv[1], "sysenter"))
		return sysenter_step();
	if (argc == 4 && !strcmp(argv[1], "traceexec"))
		return trace_exec(argv[2], !strcmp(argv[3], "refused"));
	if (argc == 4 && !strcmp(argv[1], "execrace"))
		return exec_race(atoi(argv[2]), !strcmp(argv[3], "refused"));
	if (argc == 4 && !strcmp(argv[1], "exitregs"))
		return exit_regs(atoi(argv[2]), !strcmp(argv[3], "refused"));

	if (ukl_test_cpl() != 3)
		return 1;
	if (!kernel_memory_faults())
		return 2;

	mkdir("/tmp/sys", 0755);
	mount("sysfs", "/tmp/sys", "sysfs", 0, NULL);
	mount("debugfs", "/tmp/sys/kernel/debug", "debugfs", 0, NULL);
	if (!ukl_test_read_file("/tmp/sys/devices/system/cpu/vulnerabilities/meltdown",
				meltdown, sizeof(meltdown)) ||
	    !strncmp(meltdown, "Vulnerable", 10)) {
		fprintf(stderr, "cpl3: meltdown '%s'\n", meltdown);
		return 3;
	}
	probe = ukl_test_read_file("/tmp/sys/kernel/debug/ukl/entry_state", state,
				   sizeof(state)) &&
		sscanf(state, "cpl=%d ac=%d smap=%d smep=%d pti=%d",
		       &cpl, &ac, &smap, &smep, &pti) == 5;
	/* pti=on also isolates page tables on CPUs that are "Not affected". */
	if (probe && !pti && !strncmp(meltdown, "Mitigation: PTI", 15)) {
		fprintf(stderr, "cpl3: meltdown '%s' but %s", meltdown, state);
		return 3;
	}
	if (probe && (cpl != 0 || ac != 0)) {
		fprintf(stderr, "cpl3: %s", state);
		return 4;
	}
	return 42;
}
