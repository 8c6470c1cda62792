// SPDX-License-Identifier: GPL-2.0
/*
 * UKL test: the shortcut levels of the application's system calls
 * (Documentation/ukl/shortcuts.rst).
 *
 * As the application, the tests run at the bypass and then at the direct
 * level (<ukl.h>), whose entries skip the entry and exit work of a system
 * call only when there is none: each test makes work appear and checks
 * that the level fell back to the full path for it (a signal sent to the
 * caller, a seccomp filter, SIGALRM in a compute loop, the FPU registers
 * after a context switch; signals and a tracer while the thread makes
 * leaf calls, getppid(), which at the direct level take an entry without
 * pt_regs).  Then the direct calls of <ukl.h> (ukl_read(),
 * ukl_write(), ukl_send(), ukl_recv()) are checked against what the
 * system calls do, including their restart after a signal handler, and
 * the level is checked to belong to a thread.  As an ordinary ring-3
 * program the same tests make ordinary system calls and must give the
 * same results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "ukl_test.h"

#ifdef UKL_APP
#include <ukl.h>
#else
/* Ring 3: the level has no effect, the direct calls are system calls. */
#define UKL_LEVEL_BASE		0
#define UKL_LEVEL_BYPASS	1
#define UKL_LEVEL_DIRECT	2
static int ukl_set_level(int level) { return 0; }
static long ukl_ret(long r) { return r < 0 ? -errno : r; }
#define ukl_read(fd, buf, n)		ukl_ret(read(fd, buf, n))
#define ukl_write(fd, buf, n)		ukl_ret(write(fd, buf, n))
#define ukl_send(fd, buf, n, flags)	ukl_ret(send(fd, buf, n, flags))
#define ukl_recv(fd, buf, n, flags)	ukl_ret(recv(fd, buf, n, flags))
#endif

/* The level under test and its name, the prefix of the test names. */
static int level = UKL_LEVEL_BYPASS;
static const char *level_name = "bypass";

/* The level switch of <ukl.h>; ring 3 has none and passes trivially. */
static void test_level_switch(void)
{
	int ok = 1;

#ifdef UKL_APP
	ok = ukl_set_level(UKL_LEVEL_BASE) == 0 &&
	     ukl_get_level() == UKL_LEVEL_BASE &&
	     ukl_set_level(UKL_LEVEL_BYPASS) == 0 &&
	     ukl_get_level() == UKL_LEVEL_BYPASS &&
	     ukl_set_level(UKL_LEVEL_DIRECT) == 0 &&
	     ukl_get_level() == UKL_LEVEL_DIRECT &&
	     ukl_set_level(42) == -1 && ukl_set_level(-1) == -1 &&
	     ukl_get_level() == UKL_LEVEL_DIRECT;
#endif
	ksft_test_result(ok, "level_switch\n");
}

#ifdef UKL_APP
static void *thread_level(void *arg)
{
	int *levels = arg;

	levels[0] = ukl_get_level();
	ukl_set_level(UKL_LEVEL_BASE);
	levels[1] = ukl_get_level();
	/* A system call at the thread's level, that must work. */
	levels[2] = getppid() > 0;
	return NULL;
}
#endif

/*
 * The level belongs to a thread: a new thread starts at its creator's, and
 * what it sets holds for itself only.
 */
static void test_thread_level(void)
{
	int ok = 1;
#ifdef UKL_APP
	int levels[3] = { -1, -1, 0 };
	pthread_t t;

	ok = ukl_set_level(UKL_LEVEL_DIRECT) == 0 &&
	     pthread_create(&t, NULL, thread_level, levels) == 0 &&
	     pthread_join(t, NULL) == 0 &&
	     levels[0] == UKL_LEVEL_DIRECT && levels[1] == UKL_LEVEL_BASE &&
	     levels[2] == 1 && ukl_get_level() == UKL_LEVEL_DIRECT;
	ukl_set_level(level);
#endif
	ksft_test_result(ok, "level_per_thread\n");
}

#ifdef UKL_APP
/* The levels at which test_timer_thread_level()'s notifications ran. */
static int timer_seen[3];
static int timer_count;

static void timer_notify(union sigval unused)
{
	int n = __atomic_fetch_add(&timer_count, 1, __ATOMIC_RELAXED);

	if (n < (int)ARRAY_SIZE(timer_seen))
		WRITE_ONCE(timer_seen[n], ukl_get_level());
	/* Not for the next notification, whose TLS musl resets. */
	ukl_set_level(UKL_LEVEL_BYPASS);
}
#endif

/*
 * A SIGEV_THREAD timer notifies in a thread of its own, whose TLS musl
 * resets to its initial values after each notification.  Every
 * notification runs at the level of the thread that created the timer, as
 * a new thread would, and a level that one sets does not hold for the
 * next.
 */
static void test_timer_thread_level(void)
{
	int ok = 1;
#ifdef UKL_APP
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD,
		.sigev_notify_function = timer_notify,
	};
	struct itimerspec its = {
		.it_interval = { .tv_nsec = 10 * 1000 * 1000 },
		.it_value = { .tv_nsec = 10 * 1000 * 1000 },
	};
	struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	timer_t t;
	int i;

	WRITE_ONCE(timer_count, 0);
	ok = ukl_set_level(UKL_LEVEL_DIRECT) == 0 &&
	     timer_create(CLOCK_MONOTONIC, &sev, &t) == 0;
	if (ok) {
		ok = timer_settime(t, 0, &its, NULL) == 0;
		for (i = 0; ok && i < 300 && READ_ONCE(timer_count) < 3; i++)
			nanosleep(&tick, NULL);
		timer_delete(t);
	}
	ok = ok && READ_ONCE(timer_count) >= 3;
	for (i = 0; ok && i < 3; i++)
		ok = READ_ONCE(timer_seen[i]) == UKL_LEVEL_DIRECT;
	if (!ok)
		ksft_print_msg("%d notifications, at the levels %d, %d, %d (direct: %d)\n",
			       READ_ONCE(timer_count), READ_ONCE(timer_seen[0]),
			       READ_ONCE(timer_seen[1]), READ_ONCE(timer_seen[2]),
			       UKL_LEVEL_DIRECT);
	ukl_set_level(level);
#endif
	ksft_test_result(ok, "level_per_timer_notification\n");
}

/* The errno of system call number @nr at the base level: the full path. */
static int base_errno(long nr)
{
	int e;

	ukl_set_level(UKL_LEVEL_BASE);
	errno = 0;
	syscall(nr);
	e = errno;
	ukl_set_level(level);
	return e;
}

/*
 * Plain calls, and numbers the fast path does not take: the entry falls
 * back to ukl_do_syscall_64(), and the error must be the one the base level
 * gets for the same number (the one for an unknown system call).
 */
static void test_plain_calls(void)
{
	int e1000 = base_errno(1000), e_1 = base_errno(-1L);
	pid_t pid = getpid();
	int ok;

	errno = 0;
	ok = syscall(SYS_getpid) == pid && getppid() >= 0 && e1000 && e_1 &&
	     syscall(1000) == -1 && errno == e1000;
	errno = 0;
	ok = ok && syscall(-1L) == -1 && errno == e_1;
	ksft_test_result(ok, "%s_plain_calls\n", level_name);
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
	ksft_test_result(ok, "%s_signal_to_self\n", level_name);
}

/*
 * A seccomp filter sets SYSCALL_WORK_SECCOMP: the bypass entry, and the
 * leaf entry that getppid() takes at the direct level, must give the
 * calls to the full path, which runs the filter.  In a child, since a
 * filter cannot be removed.
 */
static void test_seccomp(void)
{
	int status = 0, ok;
	pid_t pid;

	pid = fork();
	/* getppid(): a leaf call at the direct level; it cannot set errno. */
	if (pid == 0)
		_exit(ukl_test_seccomp_getppid() && getppid() == -EPERM &&
		      getpid() == syscall(SYS_getpid) ? 3 : 4);
	ok = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	     WEXITSTATUS(status) == 3;
	ksft_test_result(ok, "%s_seccomp_filter\n", level_name);
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
			 "%s_sigalrm_compute_loop\n", level_name);
}

/*
 * Signals arrive while the thread makes nothing but getppid() calls (leaf
 * calls at the direct level, which run with interrupts off and no exit
 * work): SIGALRM from a timer, and SIGUSR1 from another thread.  Each
 * must be delivered within seconds, not lost until some later call.
 */
static void *send_usr1(void *arg)
{
	struct timespec ts = { .tv_nsec = 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	pthread_kill(*(pthread_t *)arg, SIGUSR1);
	return NULL;
}

/* Call getppid() until *@count is nonzero; 0 after 10 s without it. */
static int getppid_until(sig_atomic_t *count)
{
	int64_t end = ukl_test_ns(CLOCK_MONOTONIC) + 10LL * 1000 * 1000 * 1000;
	unsigned long n;

	for (n = 1; !READ_ONCE(*count); n++) {
		getppid();
		if (!(n % 1024) && ukl_test_ns(CLOCK_MONOTONIC) > end)
			return 0;
	}
	return 1;
}

static void test_signals_in_getppid_loop(void)
{
	struct sigaction sa = { .sa_handler = on_alrm };
	struct itimerval it = { .it_value = { .tv_usec = 20000 } };
	struct itimerval off = { 0 };
	pthread_t self = pthread_self(), t;
	int ok;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	WRITE_ONCE(alrm_count, 0);
	WRITE_ONCE(usr1_count, 0);
	ok = setitimer(ITIMER_REAL, &it, NULL) == 0 && getppid_until(&alrm_count);
	setitimer(ITIMER_REAL, &off, NULL);
	ok = ok && pthread_create(&t, NULL, send_usr1, &self) == 0;
	ok = ok && getppid_until(&usr1_count) && pthread_join(t, NULL) == 0;
	signal(SIGALRM, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	ksft_test_result(ok && READ_ONCE(alrm_count) == 1 &&
			 READ_ONCE(usr1_count) == 1,
			 "%s_signals_in_getppid_loop\n", level_name);
}

/*
 * A tracer sees the tracee's getppid() and getpid() at both of their
 * system call stops (PTRACE_SYSCALL): the leaf entry falls back to the
 * full path while the task is traced.
 */
static void test_ptrace_sees_leaf_calls(void)
{
	struct user_regs_struct regs;
	int status = 0, ok, stops = 0;
	pid_t pid;

	pid = ukl_test_fork_tracee(&ok);
	if (pid == 0) {
		pid_t parent = getppid();

		_exit(parent > 1 && getpid() > parent ? 3 : 4);
	}
	ok = ok && !ptrace(PTRACE_SETOPTIONS, pid, NULL,
			   (void *)PTRACE_O_TRACESYSGOOD);
	while (ok && !ptrace(PTRACE_SYSCALL, pid, NULL, NULL) &&
	       waitpid(pid, &status, 0) == pid && WIFSTOPPED(status)) {
		if (WSTOPSIG(status) != (SIGTRAP | 0x80) ||
		    ptrace(PTRACE_GETREGS, pid, NULL, &regs))
			continue;
		if (regs.orig_rax == SYS_getppid || regs.orig_rax == SYS_getpid)
			stops++;
	}
	if (!ok)
		kill(pid, SIGKILL);
	while (!WIFEXITED(status) && !WIFSIGNALED(status) &&
	       waitpid(pid, &status, 0) == pid)
		;
	ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 3 && stops == 4;
	ksft_test_result(ok, "%s_ptrace_sees_leaf_calls\n", level_name);
}

/*
 * The leaf entry takes any system call, as the choice of an entry is no
 * privilege: those without pt_regs, and every other one through the full
 * path of the direct level.  Ring 3 has no leaf entry and passes.
 */
#ifdef UKL_APP
static long leaf_call3(long nr, long a1, long a2, long a3)
{
	return ukl_test_entry_call((unsigned long)entry_SYSCALL_64_ukl_leaf,
				   nr, a1, a2, a3, 0, 0, 0);
}
#endif

static void test_leaf_entry(void)
{
	int ok = 1;
#ifdef UKL_APP
	int p[2];
	char c = 0;

	ok = pipe(p) == 0 &&
	     leaf_call3(SYS_getpid, 0, 0, 0) == getpid() &&
	     leaf_call3(SYS_getppid, 0, 0, 0) == syscall(SYS_getppid) &&
	     leaf_call3(SYS_gettid, 0, 0, 0) == gettid() &&
	     leaf_call3(SYS_getpgrp, 0, 0, 0) == getpgrp() &&
	     leaf_call3(SYS_getuid, 0, 0, 0) == getuid() &&
	     leaf_call3(SYS_getegid, 0, 0, 0) == getegid() &&
	     leaf_call3(SYS_write, p[1], (long)"L", 1) == 1 &&
	     leaf_call3(SYS_read, p[0], (long)&c, 1) == 1 && c == 'L' &&
	     leaf_call3(-1L, 0, 0, 0) == -base_errno(-1L) &&
	     /* Only the low 32 bits count, as at the other entries. */
	     leaf_call3(SYS_getpid | (1L << 32), 0, 0, 0) ==
	     syscall(SYS_getpid | (1L << 32));
	close(p[0]);
	close(p[1]);
#endif
	ksft_test_result(ok, "leaf_entry_any_number\n");
}

#define NR_XMM		16
#define XMM_BYTES	(NR_XMM * 16)

/*
 * Load all 16 XMM registers from @in, make the system call @nr (read or
 * write of one byte), store the registers to @out.  The call is made in
 * the same asm statement, so nothing but the kernel can change the
 * registers in between: at the level under test through its entry, in
 * ring 3 with SYSCALL.
 */
static long fpu_call(long nr, int fd, void *buf, const unsigned char *in,
		     unsigned char *out)
{
#ifdef UKL_APP
	unsigned long entry = level == UKL_LEVEL_DIRECT ?
		(unsigned long)entry_SYSCALL_64_ukl_direct :
		(unsigned long)entry_SYSCALL_64_ukl_bypass;
#define FPU_CALL	"movq %[entry], %%rcx\n\t" UKL_SYSCALL_ASM
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
 * The caller blocks in a call of the level while another thread of the
 * same CPU loads other XMM values: the call returns with TIF_NEED_FPU_LOAD
 * set, and the level must take the full exit, which restores the caller's
 * registers.  At the direct level, read() and write() are direct calls.
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
	ksft_test_result(ok, "%s_fpu_after_context_switch\n", level_name);
}

/*
 * The direct calls on a pipe and on a file: data, the file offset that
 * ksys_read() and ksys_write() keep under the file's position lock, and
 * errors as negative errno values.
 */
static void test_direct_read_write(void)
{
	char path[] = "/tmp/ukl-direct-XXXXXX";
	char buf[8] = { 0 };
	int p[2], fd, ok;

	ok = pipe(p) == 0 && ukl_write(p[1], "direct", 6) == 6 &&
	     ukl_read(p[0], buf, sizeof(buf)) == 6 && !memcmp(buf, "direct", 6);
	close(p[0]);
	close(p[1]);
	ok = ok && ukl_read(p[0], buf, 1) == -EBADF &&
	     ukl_write(-1, buf, 1) == -EBADF;

	fd = mkstemp(path);
	ok = ok && fd >= 0 && ukl_write(fd, "0123456789", 10) == 10 &&
	     lseek(fd, 0, SEEK_CUR) == 10 && lseek(fd, 2, SEEK_SET) == 2 &&
	     ukl_read(fd, buf, 3) == 3 && !memcmp(buf, "234", 3) &&
	     lseek(fd, 0, SEEK_CUR) == 5 && ukl_read(fd, buf, 8) == 5 &&
	     ukl_read(fd, buf, 8) == 0;
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	ksft_test_result(ok, "direct_read_write\n");
}

/* The direct send and receive over a loopback TCP connection. */
static void test_direct_tcp(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int l, c = -1, s = -1, ok;
	char buf[16] = { 0 };

	ukl_test_loopback_up();
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	ok = l >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	     listen(l, 1) == 0 &&
	     getsockname(l, (struct sockaddr *)&a, &len) == 0;
	if (ok) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		ok = c >= 0 && connect(c, (struct sockaddr *)&a, sizeof(a)) == 0;
		s = ok ? accept(l, NULL, NULL) : -1;
	}
	ok = ok && s >= 0 && ukl_send(c, "ping", 4, 0) == 4 &&
	     ukl_recv(s, buf, sizeof(buf), 0) == 4 && !memcmp(buf, "ping", 4) &&
	     ukl_send(s, "pong!", 5, MSG_NOSIGNAL) == 5 &&
	     ukl_recv(c, buf, 2, MSG_PEEK) == 2 &&
	     ukl_recv(c, buf, sizeof(buf), MSG_WAITALL | MSG_DONTWAIT) == 5 &&
	     !memcmp(buf, "pong!", 5) &&
	     ukl_recv(c, buf, sizeof(buf), MSG_DONTWAIT) == -EAGAIN &&
	     ukl_recv(l, buf, 1, 0) == -ENOTCONN;
	if (c >= 0)
		close(c);
	if (s >= 0)
		close(s);
	if (l >= 0)
		close(l);
	ksft_test_result(ok, "direct_tcp_send_recv\n");
}

static int restart_pipe[2];
static sig_atomic_t restart_alrm_early, restart_sa_restart;

static void on_alrm_write(int sig, siginfo_t *si, void *uc)
{
	WRITE_ONCE(alrm_count, READ_ONCE(alrm_count) + 1);
	if (!ukl_test_signal_in_call(uc, SYS_read, READ_ONCE(restart_sa_restart)))
		WRITE_ONCE(restart_alrm_early, 1);
	write(restart_pipe[1], "r", 1);
}

/*
 * A direct read blocked on an empty pipe, interrupted by SIGALRM, whose
 * handler writes one byte: with SA_RESTART the kernel restarts the call
 * (ip - 2, the "call *%rcx" of the direct entry again), which reads the
 * byte; without SA_RESTART it fails with -EINTR.  A signal that comes
 * before the read (a vCPU that the host stalled for the timer's 20 ms)
 * leaves the byte for the read to find at once: that try proves
 * nothing, and the test tries again, up to three times.
 */
static void test_direct_restart(int restart)
{
	struct sigaction sa = { .sa_sigaction = on_alrm_write };
	struct itimerval it = { .it_value = { .tv_usec = 20000 } };
	int tries = 0, ok;
	char c = 0;
	long r;

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0);
	WRITE_ONCE(restart_sa_restart, restart);
	do {
		ok = pipe(restart_pipe) == 0 && sigaction(SIGALRM, &sa, NULL) == 0;
		WRITE_ONCE(alrm_count, 0);
		WRITE_ONCE(restart_alrm_early, 0);
		ok = ok && setitimer(ITIMER_REAL, &it, NULL) == 0;
		r = ok ? ukl_read(restart_pipe[0], &c, 1) : 0;
		if (restart)
			ok = ok && r == 1 && c == 'r';
		else
			ok = ok && r == -EINTR && read(restart_pipe[0], &c, 1) == 1;
		ok = ok && READ_ONCE(alrm_count) == 1;
		signal(SIGALRM, SIG_DFL);
		close(restart_pipe[0]);
		close(restart_pipe[1]);
		if (READ_ONCE(restart_alrm_early))
			ksft_print_msg("direct_read_%s: SIGALRM: %s\n",
				       restart ? "restarted" : "eintr", UKL_TEST_NOT_IN_CALL);
	} while (READ_ONCE(restart_alrm_early) && ++tries < 3);
	ksft_test_result(ok && !READ_ONCE(restart_alrm_early),
			 "direct_read_%s\n", restart ? "restarted" : "eintr");
}

/*
 * Spin, below the red zone, until the word below the stack pointer is no
 * longer 0 or the loop ends; return that word, and the bounds of the
 * loop's code in @lo and @hi.  The stack pointer moves by constants only,
 * which objtool follows for the ORC unwind tables of the kernel the
 * application is linked into.  The word is accessed through a copy of
 * its address: ukl-checkapp refuses an application whose code accesses
 * the stack below %rsp directly, which is a bug at CPL 0 everywhere but
 * here.
 */
static unsigned long ret_probe(unsigned long *lo, unsigned long *hi)
{
	unsigned long found, l, h, w, n = 1UL << 24;

	__asm__ volatile ("sub $256, %%rsp\n\t"
		"lea -8(%%rsp), %[w]\n\t"
		"movq $0, (%[w])\n\t"
		"lea 1f(%%rip), %[lo]\n\t"
		"lea 2f(%%rip), %[hi]\n"
		"1:\tmov (%[w]), %[found]\n\t"
		"test %[found], %[found]\n\t"
		"jnz 2f\n\t"
		"dec %[n]\n\t"
		"jnz 1b\n"
		"2:\tadd $256, %%rsp"
		: [found] "=&r" (found), [lo] "=&r" (l), [hi] "=&r" (h),
		  [w] "=&r" (w), [n] "+r" (n)
		: : "memory", "cc");
	*lo = l;
	*hi = h;
	return found;
}

/*
 * What an interrupt leaves below the stack pointer of the code it
 * interrupts.  In ring 3, nothing: the CPU switches to the kernel stack.
 * In ring 0 it pushes its frame onto the application's stack: the word
 * below the stack pointer is the frame's SS, or, when the CPU aligned the
 * frame down, left alone; with the ret level on, the return writes the
 * interrupted instruction's address there for its RET.  So the word must
 * be an address in the loop exactly when the application runs with the
 * ret level on.
 */
static void test_ret_level(void)
{
	unsigned long lo, hi, found;
	int on = ukl_test_ret_level(-1) == 1, in_loop, ok;

	found = ret_probe(&lo, &hi);
	in_loop = found >= lo && found < hi;
	if (ukl_test_cpl())
		ok = found == 0;
	else
		ok = in_loop == on;
	if (!ok)
		ksft_print_msg("cpl %d, ret level %s: found %#lx, loop %#lx-%#lx\n",
			       ukl_test_cpl(), on ? "on" : "off", found, lo, hi);
	ksft_test_result(ok, "ret_level_return_address\n");
}

/* The tests of a shortcut level's fallbacks, run at @l. */
static void test_level(int l, const char *name)
{
	level = l;
	level_name = name;
	ukl_set_level(level);
	test_plain_calls();
	test_signal_to_self();
	test_seccomp();
	test_sigalrm_compute_loop();
	test_signals_in_getppid_loop();
	test_ptrace_sees_leaf_calls();
	test_fpu_after_context_switch();
}

UKL_TEST_MAIN(levels)
{
#ifdef UKL_APP
	static const char *const names[] = { "base", "bypass", "direct" };
	int start = ukl_get_level();
#endif

	ksft_print_header();
	ksft_set_plan(23);
#ifdef UKL_APP
	ksft_print_msg("started at the %s level\n", names[start]);
#endif

	test_level_switch();
	test_thread_level();
	test_timer_thread_level();
	test_level(UKL_LEVEL_BYPASS, "bypass");
	test_level(UKL_LEVEL_DIRECT, "direct");
	test_direct_read_write();
	test_direct_tcp();
	test_direct_restart(1);
	test_direct_restart(0);
	test_leaf_entry();
	test_ret_level();
#ifdef UKL_APP
	ukl_set_level(start);
#endif
	ksft_finished();
}
