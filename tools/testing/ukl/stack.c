// SPDX-License-Identifier: GPL-2.0
/*
 * UKL stack test: page faults on the application's own stacks.
 *
 * In ring 0 the CPU pushes exception and interrupt frames onto the stack
 * the application runs on.  These tests make that stack fault: growing the
 * main stack, fresh thread stacks, stack faults while other threads hold
 * mmap_lock, copy-on-write stacks after fork(), and overflows into the
 * guard page, which must become SIGSEGV (handled on an alternate signal
 * stack, or killing the process) and never a double fault, and stack
 * pointers that the CPU cannot push onto: those that are not canonical
 * must become SIGBUS, one in the unmapped first page SIGSEGV.
 *
 * Built as the UKL application and as an ordinary ring-3 program; both must
 * report the same results (see suite.c).  The argument "overflow-child"
 * makes the program overflow its stack without a handler (see
 * test_overflow_kills()), "bad-sp-child" push onto a stack pointer that
 * is not canonical (test_bad_sp_kills()): see run_child().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest.h"
#include "ukl_test.h"

#define FRAME_BYTES	4096

/*
 * recurse - use about @depth * FRAME_BYTES of stack
 *
 * Every frame writes its whole buffer, so that every stack page is touched
 * by the application itself, and the result depends on all of them, so
 * that the compiler can neither drop the buffers nor make a loop of it
 * (noipa: no inlining or other interprocedural optimization either).
 */
static __attribute__((noipa)) unsigned long recurse(unsigned int depth, unsigned long seed)
{
	unsigned char buf[FRAME_BYTES];
	unsigned long sum;
	unsigned int i;

	for (i = 0; i < sizeof(buf); i += 64)
		WRITE_ONCE(buf[i], (unsigned char)(seed + i));
	if (!depth)
		return seed;
	sum = recurse(depth - 1, seed * 33 + depth);
	for (i = 0; i < sizeof(buf); i += 64)
		sum += READ_ONCE(buf[i]);
	return sum;
}

/* What recurse() computes, without using the stack. */
static unsigned long recurse_expected(unsigned int depth, unsigned long seed)
{
	unsigned long seeds[depth + 1], sum;
	unsigned int d, i;

	for (d = 0; d <= depth; d++) {
		seeds[d] = seed;
		seed = seed * 33 + (depth - d);
	}
	sum = seeds[depth];
	for (d = depth; d-- > 0;)
		for (i = 0; i < FRAME_BYTES; i += 64)
			sum += (unsigned char)(seeds[d] + i);
	return sum;
}

static sig_atomic_t alarms;

static void on_alarm(int sig)
{
	WRITE_ONCE(alarms, READ_ONCE(alarms) + 1);
}

/*
 * Start or stop a 1 ms interval timer, so that interrupts hit deep stacks
 * too.  Stopping disarms the timer before it ignores SIGALRM, so that a
 * last tick cannot find the default action (which would end the test).
 */
static void ticks(int on)
{
	struct itimerval it = {
		.it_interval.tv_usec = on ? 1000 : 0,
		.it_value.tv_usec = on ? 1000 : 0,
	};

	if (on)
		signal(SIGALRM, on_alarm);
	setitimer(ITIMER_REAL, &it, NULL);
	if (!on)
		signal(SIGALRM, SIG_IGN);
}

/* 2 MiB of main stack: execve() populates far less. */
static void test_main_stack_growth(void)
{
	unsigned int depth = 512;

	ticks(1);
	ksft_test_result(recurse(depth, 1) == recurse_expected(depth, 1),
			 "main_stack_grows_2MiB\n");
	ticks(0);
}

struct deep_arg {
	unsigned int depth;
	unsigned long seed;
	unsigned long result;
};

static void *deep_thread(void *p)
{
	struct deep_arg *a = p;

	a->result = recurse(a->depth, a->seed);
	return NULL;
}

/**
 * run_deep_threads() - run @n threads that each use @depth frames of stack
 * @n: number of threads, at most 16
 * @depth: recursion depth (FRAME_BYTES each)
 * @stack: stack size of each thread
 *
 * Return: true if every thread computed the right sum.
 */
static bool run_deep_threads(int n, unsigned int depth, size_t stack)
{
	struct deep_arg args[16];
	pthread_t tids[16];
	pthread_attr_t attr;
	bool ok = true;
	int i;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, stack);
	for (i = 0; i < n; i++) {
		args[i] = (struct deep_arg){ depth, i + 7, 0 };
		if (pthread_create(&tids[i], &attr, deep_thread, &args[i]))
			return false;
	}
	for (i = 0; i < n; i++) {
		pthread_join(tids[i], NULL);
		ok &= args[i].result == recurse_expected(depth, i + 7);
	}
	pthread_attr_destroy(&attr);
	return ok;
}

/* Fresh thread stacks: every page is first touched by the thread. */
static void test_thread_stacks(void)
{
	bool ok;

	ticks(1);
	ok = run_deep_threads(8, 192, 1 << 20);
	ticks(0);
	ksft_test_result(ok, "thread_stacks_fresh_pages\n");
}

static int churn_stop;

/* Take mmap_lock for writing over and over. */
static void *mmap_churn(void *p)
{
	unsigned long n = 0;

	while (!READ_ONCE(churn_stop)) {
		void *m = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			break;
		mprotect(m, 1 << 12, PROT_READ);
		munmap(m, 1 << 16);
		n++;
	}
	return (void *)n;
}

/*
 * Stack faults while another thread holds mmap_lock: the fault handler
 * must wait for the lock, like for a ring-3 process, not give up on it.
 */
static void test_stack_faults_mmap_lock(void)
{
	pthread_t churn;
	void *churned;
	bool ok = true;
	int i;

	WRITE_ONCE(churn_stop, 0);
	if (pthread_create(&churn, NULL, mmap_churn, NULL)) {
		ksft_test_result_fail("stack_faults_under_mmap_lock\n");
		return;
	}
	for (i = 0; i < 20 && ok; i++)
		ok = run_deep_threads(4, 64, 512 << 10);
	WRITE_ONCE(churn_stop, 1);
	pthread_join(churn, &churned);
	ksft_test_result(ok && churned, "stack_faults_under_mmap_lock\n");
}

static sigjmp_buf overflow_jmp;
static char *altstack;
static uintptr_t handler_sp;
static int overflow_code;
static int overflow_sig;
static uintptr_t fault_ip, fault_sp;

static void on_overflow(int sig, siginfo_t *si, void *uc)
{
	mcontext_t *mc = &((ucontext_t *)uc)->uc_mcontext;
	int here;

	WRITE_ONCE(handler_sp, (uintptr_t)&here);
	WRITE_ONCE(overflow_code, si->si_code);
	WRITE_ONCE(overflow_sig, sig);
	WRITE_ONCE(fault_ip, mc->gregs[REG_RIP]);
	WRITE_ONCE(fault_sp, mc->gregs[REG_RSP]);
	siglongjmp(overflow_jmp, 1);
}

/* Recurse until the stack overflows. */
static __attribute__((noipa)) unsigned long recurse_forever(unsigned long seed)
{
	unsigned char buf[FRAME_BYTES];

	WRITE_ONCE(buf[0], (unsigned char)seed);
	WRITE_ONCE(buf[FRAME_BYTES - 1], READ_ONCE(buf[0]));
	/* 4 TiB of stack: no stack is that large, it overflows first. */
	if (seed == 1UL << 30)
		return 0;
	return recurse_forever(seed + 1) + READ_ONCE(buf[FRAME_BYTES - 1]);
}

/**
 * overflow_to_handler() - overflow this thread's stack, catch the SIGSEGV
 *
 * Return: true if SIGSEGV came, its handler ran on the alternate stack
 * and could siglongjmp() back.
 */
static bool overflow_to_handler(void)
{
	struct sigaction sa = {
		.sa_sigaction = on_overflow,
		.sa_flags = SA_SIGINFO | SA_ONSTACK,
	};
	stack_t ss = { .ss_sp = altstack, .ss_size = SIGSTKSZ * 4 };
	uintptr_t sp;
	bool ok;
	int code;

	WRITE_ONCE(handler_sp, 0);
	if (sigaltstack(&ss, NULL) || sigaction(SIGSEGV, &sa, NULL))
		return false;
	if (!sigsetjmp(overflow_jmp, 1))
		recurse_forever(0);
	sp = READ_ONCE(handler_sp);
	code = READ_ONCE(overflow_code);
	ok = sp >= (uintptr_t)altstack && sp < (uintptr_t)altstack + SIGSTKSZ * 4 &&
	     (code == SEGV_MAPERR || code == SEGV_ACCERR);
	signal(SIGSEGV, SIG_DFL);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	return ok;
}

static void *overflow_thread(void *p)
{
	*(bool *)p = overflow_to_handler();
	return NULL;
}

/* A thread runs into the guard page below its stack. */
static void test_thread_overflow(void)
{
	pthread_attr_t attr;
	pthread_t tid;
	bool ok = false;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 << 10);
	if (!pthread_create(&tid, &attr, overflow_thread, &ok))
		pthread_join(tid, NULL);
	pthread_attr_destroy(&attr);
	ksft_test_result(ok, "thread_overflow_sigsegv_on_altstack\n");
}

/* The main stack hits RLIMIT_STACK. */
static void test_main_overflow(void)
{
	struct rlimit old, rl;
	bool ok = false;

	if (!getrlimit(RLIMIT_STACK, &old)) {
		rl = old;
		rl.rlim_cur = 4 << 20;
		if (!setrlimit(RLIMIT_STACK, &rl)) {
			ok = overflow_to_handler();
			setrlimit(RLIMIT_STACK, &old);
		}
	}
	ksft_test_result(ok, "main_overflow_sigsegv_on_altstack\n");
}

/**
 * run_child() - run this program again as a child that is to die
 * @self: argv[0]
 * @area: the "area=stack" argument of a multi-call program (suite.c), or
 *	NULL
 * @what: what the child does ("overflow-child", "bad-sp-child")
 *
 * With posix_spawn(): in ring 0 the child is a second instance of the
 * application.
 *
 * Return: the signal that ended the child, or 0.
 */
static int run_child(const char *self, char *area, char *what)
{
	char *const argv[] = { (char *)self, area ? area : what,
			       area ? what : NULL, NULL };
	int status = 0;
	pid_t pid;

	if (!posix_spawn(&pid, self, NULL, NULL, argv, environ) &&
	    waitpid(pid, &status, 0) == pid && WIFSIGNALED(status))
		return WTERMSIG(status);
	ksft_print_msg("spawn %s %s: status %#x\n", self, what, status);
	return 0;
}

/* Without a handler the overflow kills the process with SIGSEGV. */
static void test_overflow_kills(const char *self, char *area)
{
	ksft_test_result(run_child(self, area, "overflow-child") == SIGSEGV,
			 "overflow_kills_with_sigsegv\n");
}

/*
 * Stack pointers outside the address space, not canonical, as a corrupted
 * frame pointer that "leave" restores gives: one with the sign bit clear,
 * and one with it set that is not in the kernel's half either.  And one
 * in the first, unmapped, page, as "leave" restores from a frame pointer
 * of 0, whose frame the CPU pushes in the 64 bytes below it, wrapping
 * around below 0 for the lowest.
 */
#define BAD_SP_LOW	0x4141414141414140UL
#define BAD_SP_HIGH	0xdeadbeefdeadbee0UL
#define BAD_SP_NULL	0x20UL

/* Push onto @sp: the push faults (#SS on hardware, #GP under QEMU's TCG). */
static noreturn __attribute__((noipa)) void push_on(unsigned long sp)
{
	__asm__ volatile ("movq %0, %%rsp\n\t"
			  "pushq $0\n\t"
			  "ud2" : : "r" (sp) : "memory");
	__builtin_unreachable();
}
UKL_TEST_STACK_FRAME_NON_STANDARD(push_on);

static int spin_stop;

/*
 * Spin with @sp as the stack pointer until spin_stop is set, touching no
 * stack: a ring-3 program is interrupted on its kernel stack and does not
 * notice.  In ring 0 the CPU pushes an interrupt's frame onto @sp, which
 * faults.
 */
static __attribute__((noipa)) void spin_on(unsigned long sp)
{
	__asm__ volatile ("movq %%rsp, %%rdx\n\t"
			  "movq %0, %%rsp\n"
			  "1:\tpause\n\t"
			  "cmpl $0, %1\n\t"
			  "je 1b\n\t"
			  "movq %%rdx, %%rsp"
			  : : "r" (sp), "m" (spin_stop) : "rdx", "memory");
}
UKL_TEST_STACK_FRAME_NON_STANDARD(spin_on);

static void *stop_spin(void *p)
{
	usleep(200 * 1000);
	WRITE_ONCE(spin_stop, 1);
	return NULL;
}

/*
 * The signal for a push onto @sp, where nothing is mapped: a page fault,
 * SIGSEGV, on a user address; #SS, SIGBUS, on one that is not canonical,
 * but in ring 3 under QEMU's TCG, which raises #GP: SIGSEGV.  The ring-0
 * application gets the #SS that the kernel makes of its double fault
 * (ukl_df_app_stack()).
 */
static bool bad_sp_sig(unsigned long sp, int sig, int code)
{
	if (sp < 4096)
		return sig == SIGSEGV && code == SEGV_MAPERR;
	return (sig == SIGBUS || (sig == SIGSEGV && ukl_test_cpl() == 3)) &&
	       code == SI_KERNEL;
}

/**
 * bad_sp_signal() - fault on a stack pointer that the CPU cannot push onto
 * @sp: the stack pointer
 * @spin: spin on it until an interrupt comes instead of pushing
 *
 * The signal (bad_sp_sig()) has its handler run on the alternate stack,
 * with the instruction and the stack pointer of the fault in its frame.
 * In ring 0 the CPU cannot push the frame of the exception onto that
 * stack either, and the double fault that follows must become the
 * signal, not the end of the machine.  A ring-3 program that spins is
 * interrupted on its kernel stack and gets no signal; the ring-0
 * application, whose interrupt frames go onto its own stack, must get one.
 *
 * Return: true if it went as described.
 */
static bool bad_sp_signal(unsigned long sp, bool spin)
{
	struct sigaction sa = {
		.sa_sigaction = on_overflow,
		.sa_flags = SA_SIGINFO | SA_ONSTACK,
	};
	stack_t ss = { .ss_sp = altstack, .ss_size = SIGSTKSZ * 4 };
	uintptr_t hsp, ip, fn = spin ? (uintptr_t)spin_on : (uintptr_t)push_on;
	pthread_t stopper;
	bool ok, caught;
	int sig, code;

	WRITE_ONCE(handler_sp, 0);
	WRITE_ONCE(overflow_sig, 0);
	WRITE_ONCE(spin_stop, 0);
	if (sigaltstack(&ss, NULL) || sigaction(SIGSEGV, &sa, NULL) ||
	    sigaction(SIGBUS, &sa, NULL))
		return false;
	if (spin && pthread_create(&stopper, NULL, stop_spin, NULL))
		return false;
	if (!sigsetjmp(overflow_jmp, 1)) {
		if (spin)
			spin_on(sp);
		else
			push_on(sp);
	}
	if (spin)
		pthread_join(stopper, NULL);
	hsp = READ_ONCE(handler_sp);
	sig = READ_ONCE(overflow_sig);
	code = READ_ONCE(overflow_code);
	ip = READ_ONCE(fault_ip);
	caught = hsp >= (uintptr_t)altstack &&
		 hsp < (uintptr_t)altstack + SIGSTKSZ * 4 &&
		 bad_sp_sig(sp, sig, code) && ip >= fn && ip < fn + 64 &&
		 READ_ONCE(fault_sp) == sp;
	if (spin && ukl_test_cpl() == 3)
		ok = !sig;
	else
		ok = caught;
	if (!ok)
		ksft_print_msg("sp %#lx%s: signal %d code %d at %#lx (%s%+ld), sp %#lx, handler sp %#lx\n",
			       sp, spin ? " (spin)" : "", sig, code,
			       (unsigned long)ip, spin ? "spin_on" : "push_on",
			       (long)(ip - fn), (unsigned long)READ_ONCE(fault_sp),
			       (unsigned long)hsp);
	signal(SIGSEGV, SIG_DFL);
	signal(SIGBUS, SIG_DFL);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	return ok;
}

/*
 * The interrupt whose frame push faulted was accepted by the local APIC
 * and must be raised again; while it stays in service, the APIC holds
 * back the local timer on that CPU, and a sleep there never ends.  So the
 * spin runs in a thread pinned to one CPU, which then sleeps there.
 */
static void *spin_pinned(void *arg)
{
	unsigned long sp = *(unsigned long *)arg;
	struct timespec ms = { 0, 1000 * 1000 };
	bool ok;
	int i;

	ok = !ukl_test_pin_cpu(sysconf(_SC_NPROCESSORS_ONLN) - 1) &&
	     bad_sp_signal(sp, true);
	for (i = 0; ok && i < 10; i++)
		ok = !nanosleep(&ms, NULL);
	return ok ? arg : NULL;
}

/* bad_sp_signal(@sp, true) on one CPU, which must sleep afterwards. */
static bool bad_sp_interrupted(unsigned long sp)
{
	struct timespec until;
	pthread_t tid;
	void *ret = NULL;

	if (pthread_create(&tid, NULL, spin_pinned, &sp))
		return false;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	if (pthread_timedjoin_np(tid, &ret, &until)) {
		ksft_print_msg("sp %#lx (spin): no sleep ends on that CPU: an interrupt lost\n",
			       sp);
		return false;
	}
	return ret;
}

static void test_bad_sp(void)
{
	ksft_test_result(bad_sp_signal(BAD_SP_LOW, false),
			 "noncanonical_sp_low_signal\n");
	ksft_test_result(bad_sp_signal(BAD_SP_HIGH, false),
			 "noncanonical_sp_high_signal\n");
	ksft_test_result(bad_sp_signal(BAD_SP_NULL, false),
			 "null_page_sp_signal\n");
	ksft_test_result(bad_sp_interrupted(BAD_SP_LOW),
			 "noncanonical_sp_low_interrupted\n");
	ksft_test_result(bad_sp_interrupted(BAD_SP_HIGH),
			 "noncanonical_sp_high_interrupted\n");
	ksft_test_result(bad_sp_interrupted(BAD_SP_NULL),
			 "null_page_sp_interrupted\n");
}

/*
 * A tracer that stops the process at that signal sees the stack pointer
 * that is not canonical, and can write the registers back unchanged (as
 * a debugger does before it continues); with the signal the process dies.
 */
static void test_bad_sp_traced(void)
{
	struct user_regs_struct regs = { 0 };
	int stopped = 0, status = 0, sig = 0, set = -1;
	pid_t pid;
	bool ok;

	pid = ukl_test_fork_tracee(&stopped);
	if (pid == 0)
		push_on(BAD_SP_HIGH);
	ok = pid > 0 && stopped &&
	     !ptrace(PTRACE_CONT, pid, NULL, NULL) &&
	     waitpid(pid, &status, 0) == pid && WIFSTOPPED(status);
	if (ok) {
		sig = WSTOPSIG(status);
		ok = !ptrace(PTRACE_GETREGS, pid, NULL, &regs) &&
		     regs.rsp == BAD_SP_HIGH;
		set = ptrace(PTRACE_SETREGS, pid, NULL, &regs);
		ok = ok && !set;
	}
	if (pid > 0) {
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
		ok = waitpid(pid, &status, 0) == pid && ok &&
		     WIFSIGNALED(status) &&
		     bad_sp_sig(BAD_SP_HIGH, WTERMSIG(status), SI_KERNEL);
	}
	if (!ok)
		ksft_print_msg("traced: stop signal %d, rsp %#llx, SETREGS %d (%s), status %#x\n",
			       sig, (unsigned long long)regs.rsp, set,
			       set ? strerror(errno) : "ok",
			       status);
	ksft_test_result(ok, "noncanonical_sp_traced\n");
}

/* Without a handler the push kills the process, like any process. */
static void test_bad_sp_kills(const char *self, char *area)
{
	int sig = run_child(self, area, "bad-sp-child");

	ksft_test_result(bad_sp_sig(BAD_SP_HIGH, sig, SI_KERNEL),
			 "noncanonical_sp_kills\n");
}

/*
 * After fork() every stack page that the parent touched is copy-on-write
 * in both processes: the first push onto each of them faults.
 */
static void test_fork_cow_stack(void)
{
	unsigned int depth = 256;
	int status = 0;
	bool ok;
	pid_t pid;

	ok = recurse(depth, 3) == recurse_expected(depth, 3);
	ticks(1);
	pid = fork();
	if (pid == 0)
		_exit(recurse(depth, 5) == recurse_expected(depth, 5) ? 0 : 1);
	ok = ok && pid > 0 && recurse(depth, 9) == recurse_expected(depth, 9);
	ok = ok && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	     WEXITSTATUS(status) == 0;
	ticks(0);
	ksft_test_result(ok, "fork_copy_on_write_stack\n");
}

UKL_TEST_MAIN(stack)
{
	char *area = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "overflow-child"))
			return (int)recurse_forever(0);
		if (!strcmp(argv[i], "bad-sp-child"))
			push_on(BAD_SP_HIGH);
		if (!strncmp(argv[i], "area=", 5))
			area = argv[i];
	}

	ksft_print_header();
	ksft_set_plan(15);

	altstack = malloc(SIGSTKSZ * 4);
	test_main_stack_growth();
	test_thread_stacks();
	test_stack_faults_mmap_lock();
	test_thread_overflow();
	test_main_overflow();
	test_fork_cow_stack();
	test_overflow_kills(argv[0], area);
	test_bad_sp();
	test_bad_sp_traced();
	test_bad_sp_kills(argv[0], area);

	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
