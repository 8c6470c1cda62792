// SPDX-License-Identifier: GPL-2.0
/*
 * UKL signals test, beyond core.c: siginfo contents, alternate stacks,
 * masks and pending signals, real-time signal queueing, and the timers
 * that send signals.
 *
 * Built as the UKL application (ring 0) and as an ordinary ring-3 program
 * (see suite.c); both must report the same results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/ucontext.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "ukl_test.h"

static int got_sig, got_code, got_count;
static pid_t got_pid;
static uid_t got_uid;
static int got_value;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	WRITE_ONCE(got_sig, si->si_signo);
	WRITE_ONCE(got_code, si->si_code);
	WRITE_ONCE(got_pid, si->si_pid);
	WRITE_ONCE(got_uid, si->si_uid);
	WRITE_ONCE(got_value, si->si_value.sival_int);
	WRITE_ONCE(got_count, READ_ONCE(got_count) + 1);
}

/**
 * catch() - install on_info() as SA_SIGINFO handler of a signal
 * @sig: the signal
 * @flags: more sa_flags
 *
 * Also resets what on_info() records.
 *
 * Return: 0, or -1 if sigaction() failed.
 */
static int catch(int sig, int flags)
{
	struct sigaction sa = { .sa_sigaction = on_info, .sa_flags = SA_SIGINFO | flags };

	WRITE_ONCE(got_sig, 0);
	WRITE_ONCE(got_code, 0);
	WRITE_ONCE(got_count, 0);
	WRITE_ONCE(got_value, 0);
	WRITE_ONCE(got_pid, 0);
	WRITE_ONCE(got_uid, -1);
	return sigaction(sig, &sa, NULL);
}

static void test_siginfo_kill(void)
{
	int ok = !catch(SIGUSR1, 0) && !kill(getpid(), SIGUSR1);

	ksft_test_result(ok && READ_ONCE(got_count) == 1 && READ_ONCE(got_sig) == SIGUSR1 &&
			 READ_ONCE(got_code) == SI_USER && READ_ONCE(got_pid) == getpid() &&
			 READ_ONCE(got_uid) == getuid(), "siginfo_kill_pid_uid\n");
}

static void test_siginfo_sigqueue(void)
{
	union sigval v = { .sival_int = 0x1234 };
	int ok = !catch(SIGUSR2, 0) && !sigqueue(getpid(), SIGUSR2, v);

	ksft_test_result(ok && READ_ONCE(got_count) == 1 && READ_ONCE(got_code) == SI_QUEUE &&
			 READ_ONCE(got_value) == 0x1234 && READ_ONCE(got_pid) == getpid(),
			 "siginfo_sigqueue_value\n");
}

/* The handler runs on the alternate stack, and knows it. */
#define ALT_SIZE	(64 * 1024)
static char *alt_base;
static int alt_on_stack, alt_flags;

static void on_alt(int sig)
{
	char here;
	stack_t cur;

	WRITE_ONCE(alt_on_stack, &here >= alt_base && &here < alt_base + ALT_SIZE);
	if (!sigaltstack(NULL, &cur))
		WRITE_ONCE(alt_flags, cur.ss_flags);
}

static void test_sigaltstack(void)
{
	struct sigaction sa = { .sa_handler = on_alt, .sa_flags = SA_ONSTACK };
	stack_t ss = { .ss_size = ALT_SIZE }, cur = { 0 }, off = { .ss_flags = SS_DISABLE };
	int ok;

	alt_base = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ss.ss_sp = alt_base;
	WRITE_ONCE(alt_on_stack, 0);
	WRITE_ONCE(alt_flags, 0);
	ok = alt_base != MAP_FAILED && !sigaltstack(&ss, NULL) &&
	     !sigaction(SIGUSR1, &sa, NULL) && !raise(SIGUSR1);
	ok = ok && !sigaltstack(NULL, &cur) && !(cur.ss_flags & SS_ONSTACK);
	ksft_test_result(ok && READ_ONCE(alt_on_stack) && (READ_ONCE(alt_flags) & SS_ONSTACK),
			 "sigaltstack_handler_on_alt_stack\n");
	sigaltstack(&off, NULL);
	if (alt_base != MAP_FAILED)
		munmap(alt_base, ALT_SIZE);
}

/*
 * An alternate stack of AT_MINSIGSTKSZ bytes (or MINSIGSTKSZ, if more) is
 * enough for a handler that uses no stack of its own, whatever the
 * alignment of its top, also while interrupts hit the handler: nothing is
 * written below or above it.  In
 * ring 0 the CPU pushes an interrupt's frame below the handler's stack
 * pointer, so the application's AT_MINSIGSTKSZ must leave room for that
 * frame too.  The handler spins on the TSC long enough for several timer
 * ticks, in registers only (compiled, it must not touch the stack).
 */
#define MIN_ALT_SPIN	(40UL * 1000 * 1000)	/* TSC cycles, ~20 ms */
#define MIN_ALT_FILL	0xa5
static int min_alt_ran;

static inline unsigned long min_alt_tsc(void)
{
	unsigned int lo, hi;

	asm volatile("rdtsc" : "=a" (lo), "=d" (hi));
	return (unsigned long)hi << 32 | lo;
}

static void on_min_alt(int sig)
{
	unsigned long start = min_alt_tsc();

	while (min_alt_tsc() - start < MIN_ALT_SPIN)
		;
	WRITE_ONCE(min_alt_ran, 1);
}

static int min_alt_untouched(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++ != MIN_ALT_FILL)
			return 0;
	return 1;
}

/* 0, or what went wrong with a stack @off bytes past a page of @buf. */
static int min_alt_try(unsigned char *buf, size_t len, size_t size, size_t off)
{
	struct sigaction sa = { .sa_handler = on_min_alt, .sa_flags = SA_ONSTACK };
	stack_t ss = { .ss_sp = buf + 4096 + off, .ss_size = size };
	stack_t none = { .ss_flags = SS_DISABLE };

	memset(buf, MIN_ALT_FILL, len);
	WRITE_ONCE(min_alt_ran, 0);
	if (sigaltstack(&ss, NULL) || sigaction(SIGUSR2, &sa, NULL) ||
	    raise(SIGUSR2) || sigaltstack(&none, NULL))
		return 1;
	if (!READ_ONCE(min_alt_ran))
		return 2;
	if (!min_alt_untouched(buf, 4096 + off) ||
	    !min_alt_untouched(buf + 4096 + off + size, len - 4096 - off - size))
		return 3;
	return 0;
}

static void test_sigaltstack_minsigstksz(void)
{
	size_t size = getauxval(AT_MINSIGSTKSZ), len, off;
	unsigned char *buf;
	int status = -1, ret;
	pid_t pid;

	if (!size) {
		ksft_print_msg("no AT_MINSIGSTKSZ\n");
		ksft_test_result_fail("sigaltstack_of_minsigstksz\n");
		return;
	}
	/*
	 * sigaltstack() takes no less than MINSIGSTKSZ, which is more than
	 * a CPU with small XSAVE state needs (1424 bytes on a Skylake
	 * without AVX-512): size it as glibc's sysconf(_SC_MINSIGSTKSZ).
	 */
	if (size < MINSIGSTKSZ)
		size = MINSIGSTKSZ;
	len = size + 3 * 4096;
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	pid = buf == MAP_FAILED ? -1 : fork();
	if (pid == 0) {
		for (off = 0; off < 64; off += 4) {
			ret = min_alt_try(buf, len, size, off);
			if (ret) {
				ksft_print_msg("AT_MINSIGSTKSZ %zu, top at %#zx: %s\n",
					       size, (off + size) % 4096,
					       ret == 1 ? "cannot set up the signal" :
					       ret == 2 ? "the handler did not run" :
					       "written outside the stack");
				_exit(1);
			}
		}
		_exit(0);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status))
		ksft_print_msg("AT_MINSIGSTKSZ %zu: killed by signal %d\n", size,
			       WTERMSIG(status));
	if (buf != MAP_FAILED)
		munmap(buf, len);
	ksft_test_result(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			 "sigaltstack_of_minsigstksz\n");
}

/* A blocked signal stays pending and arrives when it is unblocked. */
static void test_mask(void)
{
	sigset_t set, old, pending;
	int ok, held;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ok = !catch(SIGUSR1, 0) && !sigprocmask(SIG_BLOCK, &set, &old);
	/* Two of a standard signal while blocked: delivered once. */
	ok = ok && !kill(getpid(), SIGUSR1) && !kill(getpid(), SIGUSR1);
	held = READ_ONCE(got_count) == 0;
	ok = ok && !sigpending(&pending) && sigismember(&pending, SIGUSR1) == 1;
	ok = ok && !sigprocmask(SIG_SETMASK, &old, NULL);
	ksft_test_result(ok && held && READ_ONCE(got_count) == 1,
			 "sigprocmask_pending_delivered_once\n");
}

/* The signal being handled and sa_mask are blocked in the handler. */
static int mask_in_handler;

static void on_mask_check(int sig)
{
	sigset_t cur;

	sigprocmask(SIG_BLOCK, NULL, &cur);
	WRITE_ONCE(mask_in_handler,
		   sigismember(&cur, SIGUSR1) == 1 && sigismember(&cur, SIGUSR2) == 1 &&
		   sigismember(&cur, SIGTERM) == 0);
}

static void test_handler_mask(void)
{
	struct sigaction sa = { .sa_handler = on_mask_check };
	sigset_t after;
	int ok;

	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	WRITE_ONCE(mask_in_handler, 0);
	ok = !sigaction(SIGUSR1, &sa, NULL) && !raise(SIGUSR1);
	ok = ok && !sigprocmask(SIG_BLOCK, NULL, &after) && !sigismember(&after, SIGUSR1) &&
	     !sigismember(&after, SIGUSR2);
	ksft_test_result(ok && READ_ONCE(mask_in_handler), "handler_mask_restored_by_sigreturn\n");
}

/*
 * Real-time signals queue: every one is delivered, the lowest number
 * first and, for one number, in the order they were sent.
 */
#define RT_QUEUED	6
static int rt_order[RT_QUEUED * 2], rt_n;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	int n = READ_ONCE(rt_n);

	if (n < RT_QUEUED * 2) {
		WRITE_ONCE(rt_order[n], sig - SIGRTMIN);
		WRITE_ONCE(rt_order[n + 1], si->si_value.sival_int);
		WRITE_ONCE(rt_n, n + 2);
	}
}

static void test_rt_order(void)
{
	static const int sent[RT_QUEUED][2] = {
		{ 2, 1 }, { 0, 2 }, { 0, 3 }, { 1, 4 }, { 0, 5 }, { 2, 6 },
	};
	static const int want[RT_QUEUED * 2] = { 0, 2, 0, 3, 0, 5, 1, 4, 2, 1, 2, 6 };
	struct sigaction sa = { .sa_sigaction = on_rt, .sa_flags = SA_SIGINFO };
	sigset_t set, old;
	int ok = 1, i;

	sigemptyset(&set);
	for (i = 0; i < 3; i++)
		sigaddset(&set, SIGRTMIN + i);
	/*
	 * Each handler blocks all three, so that one runs at a time: else the
	 * kernel stacks a frame for every unblocked pending signal at once
	 * and the last one stacked runs first.
	 */
	sa.sa_mask = set;
	for (i = 0; i < 3; i++)
		ok = ok && !sigaction(SIGRTMIN + i, &sa, NULL);
	WRITE_ONCE(rt_n, 0);
	ok = ok && !sigprocmask(SIG_BLOCK, &set, &old);
	for (i = 0; ok && i < RT_QUEUED; i++) {
		union sigval v = { .sival_int = sent[i][1] };

		ok = !sigqueue(getpid(), SIGRTMIN + sent[i][0], v);
	}
	ok = ok && READ_ONCE(rt_n) == 0 && !sigprocmask(SIG_SETMASK, &old, NULL);
	ok = ok && READ_ONCE(rt_n) == RT_QUEUED * 2 && !memcmp(rt_order, want, sizeof(want));
	if (!ok)
		for (i = 0; i + 1 < READ_ONCE(rt_n); i += 2)
			ksft_print_msg("got SIGRTMIN+%d value %d\n", rt_order[i], rt_order[i + 1]);
	ksft_test_result(ok, "rt_signals_queued_in_order\n");
}

static void test_sigtimedwait(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 }, a, b;
	sigset_t set, old;
	siginfo_t si;
	int timeout, taken;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, &old);
	clock_gettime(CLOCK_MONOTONIC, &a);
	timeout = sigtimedwait(&set, &si, &ts) == -1 && errno == EAGAIN;
	clock_gettime(CLOCK_MONOTONIC, &b);
	timeout = timeout && (b.tv_sec - a.tv_sec) * 1000000000LL + b.tv_nsec - a.tv_nsec >=
		  20 * 1000 * 1000;
	taken = !raise(SIGUSR2) && sigtimedwait(&set, &si, &ts) == SIGUSR2 &&
		si.si_signo == SIGUSR2;
	sigprocmask(SIG_SETMASK, &old, NULL);
	ksft_test_result(timeout && taken, "sigtimedwait_timeout_and_take\n");
}

/*
 * A periodic timer can fire again between a test's last wait and the call
 * that stops it, leaving its signal pending while the test still blocks it.
 * That is rare, and once ended the area in CI; sleeping three periods
 * makes it the rule.
 */
static void outlast_period(long period_ns)
{
	struct timespec ts = { 0, 3 * period_ns };

	nanosleep(&ts, NULL);
}

/**
 * take_pending() - take what a stopped timer left pending
 * @set: the blocked signals
 *
 * Unblocking would deliver it: to the test's handler after the count is
 * taken, or with the default action, which ends the area.  In 6.12 a
 * signal of a deleted POSIX timer stays queued too.
 */
static void take_pending(const sigset_t *set)
{
	struct timespec zero = { 0, 0 };

	while (sigtimedwait(set, NULL, &zero) > 0)
		;
}

/* SIGALRM from an interval timer, taken with sigsuspend(). */
static void test_setitimer(void)
{
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } }, off = { 0 };
	sigset_t set, old, wait;
	int ok, i;

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	ok = !catch(SIGALRM, 0) && !sigprocmask(SIG_BLOCK, &set, &old);
	ok = ok && !setitimer(ITIMER_REAL, &it, NULL);
	sigprocmask(SIG_BLOCK, NULL, &wait);
	sigdelset(&wait, SIGALRM);
	for (i = 0; ok && i < 3; i++)
		sigsuspend(&wait);
	outlast_period(10000 * 1000);
	setitimer(ITIMER_REAL, &off, NULL);
	take_pending(&set);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGALRM, SIG_DFL);
	ksft_test_result(ok && READ_ONCE(got_count) == 3 && READ_ONCE(got_code) == SI_KERNEL,
			 "setitimer_periodic_sigalrm\n");
}

/* A POSIX timer that sends a real-time signal with a value. */
static void test_timer_create(void)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN + 3 };
	struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } };
	struct timespec ts = { 5, 0 };
	sigset_t set, old;
	siginfo_t si;
	timer_t timer;
	int ok, i, n = 0;

	sev.sigev_value.sival_int = 77;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 3);
	sigprocmask(SIG_BLOCK, &set, &old);
	ok = !timer_create(CLOCK_MONOTONIC, &sev, &timer);
	ok = ok && !timer_settime(timer, 0, &its, NULL);
	for (i = 0; ok && i < 3; i++)
		if (sigtimedwait(&set, &si, &ts) == SIGRTMIN + 3 && si.si_code == SI_TIMER &&
		    si.si_value.sival_int == 77)
			n++;
	outlast_period(10000000);
	ok = ok && timer_getoverrun(timer) >= 0 && !timer_delete(timer);
	take_pending(&set);
	sigprocmask(SIG_SETMASK, &old, NULL);
	ksft_test_result(ok && n == 3, "timer_create_sigev_signal\n");
}

/* SA_RESETHAND: the handler runs once, then the default is back. */
static void test_resethand(void)
{
	struct sigaction now;
	int ok = !catch(SIGUSR1, SA_RESETHAND) && !raise(SIGUSR1);

	ok = ok && !sigaction(SIGUSR1, NULL, &now) && now.sa_handler == SIG_DFL;
	ksft_test_result(ok && READ_ONCE(got_count) == 1, "sa_resethand\n");
}

/*
 * A signal that arrives while the program computes with floating point
 * and vector registers does not change them (the handler uses them too).
 */
static double handler_fp;

/**
 * fp_work() - some floating point arithmetic
 *
 * Return: its result, the same every time.
 */
static double fp_work(void)
{
	double x = 1.0;
	int i;

	for (i = 0; i < 100; i++) {
		/* Computed at run time, in a vector register: not folded. */
		__asm__ volatile ("" : "+x" (x));
		x = x * 1.5 + 0.25;
	}
	return x;
}

static void on_alarm_fp(int sig)
{
	double x = fp_work();

	if (READ_ONCE(got_count) && x != handler_fp)
		handler_fp = -1;
	else
		handler_fp = x;
	WRITE_ONCE(got_count, READ_ONCE(got_count) + 1);
}

static void test_fp_preserved(void)
{
	struct sigaction sa = { .sa_handler = on_alarm_fp };
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } }, off = { 0 };
	double sum = 0, want = 0;
	long i, n = 2000000;

	for (i = 0; i < n; i++)
		want += (double)(i & 1023) * 0.5;
	WRITE_ONCE(got_count, 0);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	/* Until a few signals have hit the loop. */
	do {
		sum = 0;
		for (i = 0; i < n; i++)
			sum += (double)(i & 1023) * 0.5;
		if (sum != want)
			break;
	} while (READ_ONCE(got_count) < 5);
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
	ksft_test_result(sum == want && READ_ONCE(got_count) >= 5,
			 "fp_state_preserved_across_signals\n");
}

/*
 * A handler may change the registers that sigreturn restores, in its
 * ucontext.  In ring 0 some of them are the kernel's: sigreturn keeps the
 * application's EFLAGS.AC set and TF clear whatever the frame says (in
 * ring 3, AC only enables alignment checks, and TF would single-step, so
 * only AC is cleared there), and a frame with a kernel address as its
 * instruction or stack pointer is SIGSEGV, raised by the CPU in ring 3 and
 * by sigreturn in ring 0.  Each case runs in a child, which exits with 0
 * when it went on with the flags it should have.
 */
enum frame_case { FRAME_FLAGS, FRAME_IP, FRAME_SP };

static enum frame_case frame_case;
static unsigned long frame_kernel;

static void on_usr1_frame(int sig, siginfo_t *si, void *p)
{
	greg_t *gregs = ((ucontext_t *)p)->uc_mcontext.gregs;

	switch (frame_case) {
	case FRAME_FLAGS:
		gregs[REG_EFL] &= ~(1UL << 18);			/* AC */
		if (ukl_test_cpl() == 0)
			gregs[REG_EFL] |= 1UL << 8;		/* TF */
		break;
	case FRAME_IP:
		gregs[REG_RIP] = frame_kernel;
		break;
	case FRAME_SP:
		gregs[REG_RSP] = frame_kernel;
		break;
	}
}

static int frame_status(enum frame_case which)
{
	struct sigaction sa = { .sa_sigaction = on_usr1_frame, .sa_flags = SA_SIGINFO };
	unsigned long flags;
	int status = -1;
	pid_t pid;

	frame_case = which;
	frame_kernel = ukl_test_kernel_text();
	pid = fork();
	if (pid == 0) {
		sigaction(SIGUSR1, &sa, NULL);
		raise(SIGUSR1);
		flags = __builtin_ia32_readeflags_u64();
		if (ukl_test_cpl() == 0 &&
		    (!(flags & (1UL << 18)) || (flags & (1UL << 8))))
			_exit(1);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static void test_sigreturn_frame(void)
{
	int ip = frame_status(FRAME_IP), sp = frame_status(FRAME_SP),
	    flags = frame_status(FRAME_FLAGS);

	if (flags || !WIFSIGNALED(ip) || WTERMSIG(ip) != SIGSEGV ||
	    !WIFSIGNALED(sp) || WTERMSIG(sp) != SIGSEGV)
		ksft_print_msg("status %#x (kernel rip), %#x (kernel rsp), %#x (flags)\n",
			       ip, sp, flags);
	ksft_test_result(!flags && WIFSIGNALED(ip) && WTERMSIG(ip) == SIGSEGV &&
			 WIFSIGNALED(sp) && WTERMSIG(sp) == SIGSEGV,
			 "sigreturn_keeps_ring0_state\n");
}

/*
 * A tracer that suppresses the SIGSEGV of such a frame lets the tracee go
 * on.  In ring 3 it goes on where the frame says, and the CPU raises
 * SIGSEGV there.  In ring 0, sigreturn must not have taken the frame's
 * instruction pointer at all: the tracee goes on after its call into the
 * kernel, the ud2 after musl's __restore_rt (SIGILL).  The frame points at
 * the program's data, which neither ring can execute.
 */
static void test_sigreturn_frame_traced(void)
{
	struct sigaction sa = { .sa_sigaction = on_usr1_frame, .sa_flags = SA_SIGINFO };
	struct user_regs_struct regs = { 0 };
	int status = 0, ok, want;
	pid_t pid;

	frame_case = FRAME_IP;
	frame_kernel = (unsigned long)&frame_case;
	want = ukl_test_cpl() == 0 ? SIGILL : SIGSEGV;
	pid = ukl_test_fork_tracee(&ok);
	if (pid == 0) {
		sigaction(SIGUSR1, &sa, NULL);
		raise(SIGUSR1);
		_exit(0);
	}
	/* The SIGUSR1 stop, then the SIGSEGV of the bad frame. */
	ok = ok && !ptrace(PTRACE_CONT, pid, NULL, NULL) &&
	     waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) &&
	     WSTOPSIG(status) == SIGUSR1 &&
	     !ptrace(PTRACE_CONT, pid, NULL, (void *)SIGUSR1) &&
	     waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) &&
	     WSTOPSIG(status) == SIGSEGV;
	/* Suppressed: the next stop says where the tracee went on. */
	ok = ok && !ptrace(PTRACE_CONT, pid, NULL, NULL) &&
	     waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) &&
	     !ptrace(PTRACE_GETREGS, pid, NULL, &regs);
	if (ok && (WSTOPSIG(status) != want ||
		   (regs.rip == frame_kernel) != (want == SIGSEGV))) {
		ksft_print_msg("signal %d at %#llx after the bad frame\n",
			       WSTOPSIG(status), (unsigned long long)regs.rip);
		ok = 0;
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	ksft_test_result(ok, "sigreturn_bad_frame_traced\n");
}

UKL_TEST_MAIN(signals)
{
	ksft_print_header();
	ksft_set_plan(15);

	test_siginfo_kill();
	test_siginfo_sigqueue();
	test_sigaltstack();
	test_sigaltstack_minsigstksz();
	test_mask();
	test_handler_mask();
	test_rt_order();
	test_sigtimedwait();
	test_setitimer();
	test_timer_create();
	test_resethand();
	test_fp_preserved();
	test_sigreturn_frame();
	test_sigreturn_frame_traced();
	ksft_test_result(READ_ONCE(got_count) >= 5 && handler_fp == fp_work(), "handler_fp_math\n");

	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
