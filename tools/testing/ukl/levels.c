// SPDX-License-Identifier: GPL-2.0
/*
 * UKL test: the shortcut levels of the application's system calls
 * (Documentation/ukl/shortcuts.rst).
 *
 * As the application, the tests run at the bypass level (<ukl.h>), whose
 * entry skips the entry and exit work of a system call only when there is
 * none: each test makes work appear and checks that the bypass fell back
 * to the full path for it (a signal sent to the caller, a seccomp filter,
 * SIGALRM in a compute loop, the FPU registers after a context switch).
 * As an ordinary ring-3 program the same tests make ordinary system calls
 * and must give the same results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "ukl_test.h"

#ifdef UKL_APP
#include <ukl.h>

/* The kernel's entry of the bypass level, called directly by fpu_call(). */
void entry_SYSCALL_64_ukl_bypass(void);
#endif

/* The level switch of <ukl.h>; ring 3 has none and passes trivially. */
static void test_level_switch(void)
{
	int ok = 1;

#ifdef UKL_APP
	ok = ukl_set_level(UKL_LEVEL_BASE) == 0 &&
	     ukl_get_level() == UKL_LEVEL_BASE &&
	     ukl_set_level(UKL_LEVEL_BYPASS) == 0 &&
	     ukl_get_level() == UKL_LEVEL_BYPASS &&
	     ukl_set_level(42) == -1 &&
	     ukl_get_level() == UKL_LEVEL_BYPASS;
#endif
	ksft_test_result(ok, "level_switch\n");
}

/*
 * Plain calls, and numbers the fast path does not take (the entry falls
 * back to do_syscall_64(), which says ENOSYS).
 */
static void test_plain_calls(void)
{
	pid_t pid = getpid();
	int ok;

	errno = 0;
	ok = syscall(SYS_getpid) == pid && getppid() >= 0 &&
	     syscall(1000) == -1 && errno == ENOSYS;
	errno = 0;
	ok = ok && syscall(-1L) == -1 && errno == ENOSYS;
	ksft_test_result(ok, "bypass_plain_calls\n");
}

static sig_atomic_t usr1_count, alrm_count;

static void on_usr1(int sig)
{
	WRITE_ONCE(usr1_count, READ_ONCE(usr1_count) + 1);
}

static void on_alrm(int sig)
{
	WRITE_ONCE(alrm_count, READ_ONCE(alrm_count) + 1);
}

/*
 * A signal the call sends to its own thread is pending when the call
 * returns: TIF_SIGPENDING makes the bypass take the full exit, which runs
 * the handler before kill() returns; so does unblocking a pending signal.
 */
static void test_signal_to_self(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	sigset_t set;
	int ok, after_kill, while_blocked;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	WRITE_ONCE(usr1_count, 0);
	ok = kill(getpid(), SIGUSR1) == 0;
	after_kill = READ_ONCE(usr1_count);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
	while_blocked = READ_ONCE(usr1_count);
	sigprocmask(SIG_UNBLOCK, &set, NULL);

	ok = ok && after_kill == 1 && while_blocked == 1 && READ_ONCE(usr1_count) == 2;
	signal(SIGUSR1, SIG_DFL);
	ksft_test_result(ok, "bypass_signal_to_self\n");
}

/*
 * A seccomp filter sets SYSCALL_WORK_SECCOMP: the bypass entry must give
 * the calls to the full path, which runs the filter.  In a child, since a
 * filter cannot be removed.
 */
static void test_seccomp(void)
{
	int status = 0, ok;
	pid_t pid;

	pid = fork();
	if (pid == 0)
		_exit(ukl_test_seccomp_getppid() ? 3 : 4);
	ok = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	     WEXITSTATUS(status) == 3;
	ksft_test_result(ok, "bypass_seccomp_filter\n");
}

/*
 * SIGALRM interrupts a loop that makes no system call: the interrupt's
 * exit work delivers it, then calls go on at the bypass level.
 */
static void test_sigalrm_compute_loop(void)
{
	struct sigaction sa = { .sa_handler = on_alrm };
	struct itimerval it = { .it_value = { .tv_usec = 20000 } };
	struct itimerval off = { 0 };
	unsigned long n;
	int ok;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	WRITE_ONCE(alrm_count, 0);
	ok = setitimer(ITIMER_REAL, &it, NULL) == 0;
	for (n = 0; ok && !READ_ONCE(alrm_count) && n < (1UL << 32); n++)
		;
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
	ksft_test_result(ok && READ_ONCE(alrm_count) == 1 && getpid() > 0,
			 "bypass_sigalrm_compute_loop\n");
}

#define NR_XMM		16
#define XMM_BYTES	(NR_XMM * 16)

/*
 * Load all 16 XMM registers from @in, make the system call @nr (read or
 * write of one byte), store the registers to @out.  The call is made in
 * the same asm statement, so nothing but the kernel can change the
 * registers in between: at the bypass level through its entry, in ring 3
 * with SYSCALL.
 */
static long fpu_call(long nr, int fd, void *buf, const unsigned char *in,
		     unsigned char *out)
{
#ifdef UKL_APP
	unsigned long entry = (unsigned long)entry_SYSCALL_64_ukl_bypass;
#define FPU_CALL	"movq %[entry], %%rcx\n\tcall *%%rcx\n\t"
#else
#define FPU_CALL	"syscall\n\t"
#endif
	long ret = nr;

	__asm__ volatile ("movdqu 0x00(%[in]), %%xmm0\n\t"
		"movdqu 0x10(%[in]), %%xmm1\n\t"
		"movdqu 0x20(%[in]), %%xmm2\n\t"
		"movdqu 0x30(%[in]), %%xmm3\n\t"
		"movdqu 0x40(%[in]), %%xmm4\n\t"
		"movdqu 0x50(%[in]), %%xmm5\n\t"
		"movdqu 0x60(%[in]), %%xmm6\n\t"
		"movdqu 0x70(%[in]), %%xmm7\n\t"
		"movdqu 0x80(%[in]), %%xmm8\n\t"
		"movdqu 0x90(%[in]), %%xmm9\n\t"
		"movdqu 0xa0(%[in]), %%xmm10\n\t"
		"movdqu 0xb0(%[in]), %%xmm11\n\t"
		"movdqu 0xc0(%[in]), %%xmm12\n\t"
		"movdqu 0xd0(%[in]), %%xmm13\n\t"
		"movdqu 0xe0(%[in]), %%xmm14\n\t"
		"movdqu 0xf0(%[in]), %%xmm15\n\t"
		FPU_CALL
		"movdqu %%xmm0, 0x00(%[out])\n\t"
		"movdqu %%xmm1, 0x10(%[out])\n\t"
		"movdqu %%xmm2, 0x20(%[out])\n\t"
		"movdqu %%xmm3, 0x30(%[out])\n\t"
		"movdqu %%xmm4, 0x40(%[out])\n\t"
		"movdqu %%xmm5, 0x50(%[out])\n\t"
		"movdqu %%xmm6, 0x60(%[out])\n\t"
		"movdqu %%xmm7, 0x70(%[out])\n\t"
		"movdqu %%xmm8, 0x80(%[out])\n\t"
		"movdqu %%xmm9, 0x90(%[out])\n\t"
		"movdqu %%xmm10, 0xa0(%[out])\n\t"
		"movdqu %%xmm11, 0xb0(%[out])\n\t"
		"movdqu %%xmm12, 0xc0(%[out])\n\t"
		"movdqu %%xmm13, 0xd0(%[out])\n\t"
		"movdqu %%xmm14, 0xe0(%[out])\n\t"
		"movdqu %%xmm15, 0xf0(%[out])\n\t"
		: "+a" (ret)
		: "D" ((long)fd), "S" (buf), "d" (1L), [in] "r" (in), [out] "r" (out)
#ifdef UKL_APP
		  , [entry] "m" (entry)
#endif
		: "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
		  "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11",
		  "xmm12", "xmm13", "xmm14", "xmm15");
#undef FPU_CALL
	return ret;
}

static int fpu_pipe[2];

/* The other thread: its own XMM values, loaded while the caller blocks. */
static void *fpu_other(void *arg)
{
	unsigned char in[XMM_BYTES], out[XMM_BYTES];
	char c = 'x';
	int i;

	memset(in, 0x5a, sizeof(in));
	for (i = 0; i < 100; i++)
		sched_yield();
	/* Writes with the other values loaded; the reader then runs. */
	fpu_call(SYS_write, fpu_pipe[1], &c, in, out);
	for (i = 0; i < 100; i++)
		sched_yield();
	return NULL;
}

/*
 * The caller blocks in a bypass call while another thread of the same
 * CPU loads other XMM values: the call returns with TIF_NEED_FPU_LOAD
 * set, and the bypass must take the full exit, which restores the caller's
 * registers.
 */
static void test_fpu_after_context_switch(void)
{
	unsigned char in[XMM_BYTES], out[XMM_BYTES];
	cpu_set_t cpus, old;
	pthread_t t;
	char c = 0;
	int i, ok;

	for (i = 0; i < XMM_BYTES; i++)
		in[i] = i * 7 + 1;
	memset(out, 0, sizeof(out));
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	ok = sched_getaffinity(0, sizeof(old), &old) == 0 &&
	     sched_setaffinity(0, sizeof(cpus), &cpus) == 0 &&
	     pipe(fpu_pipe) == 0;
	if (ok && pthread_create(&t, NULL, fpu_other, NULL) == 0) {
		ok = fpu_call(SYS_read, fpu_pipe[0], &c, in, out) == 1 &&
		     c == 'x' && !memcmp(in, out, sizeof(in));
		pthread_join(t, NULL);
	} else {
		ok = 0;
	}
	close(fpu_pipe[0]);
	close(fpu_pipe[1]);
	sched_setaffinity(0, sizeof(old), &old);
	ksft_test_result(ok, "bypass_fpu_after_context_switch\n");
}

UKL_TEST_MAIN(levels)
{
	ksft_print_header();
	ksft_set_plan(6);
#ifdef UKL_APP
	ksft_print_msg("started at the %s level\n",
		       ukl_get_level() == UKL_LEVEL_BYPASS ? "bypass" : "base");
#endif

	test_level_switch();
	test_plain_calls();
	test_signal_to_self();
	test_seccomp();
	test_sigalrm_compute_loop();
	test_fpu_after_context_switch();
	ksft_finished();
}
