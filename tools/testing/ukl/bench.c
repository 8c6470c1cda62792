// SPDX-License-Identifier: GPL-2.0
/*
 * UKL microbenchmarks in the style of LEBench: the cost of the kernel
 * services an application uses most, measured the same way in every mode
 * (an ordinary ring-3 process, the UKL application at its shortcut
 * levels).  Run by tools/testing/ukl/bin/ukl-bench.sh ("make bench"),
 * which boots the kernels, collects the results and makes the tables; see
 * Documentation/ukl/benchmarks.rst.
 *
 * It is the "bench" area of the multi-call suite (suite.c), so the UKL
 * application of "make test" holds it, but the suite runs it only when
 * asked by name.  Started as
 *
 *	suite area=bench [mode=NAME] [reps=R] [scale=S] [only=A,B]
 *		[levels=base,ret,bypass,direct] [spawn=PATH]
 *
 * it runs each benchmark once to warm up and R times (default 7) more,
 * each time timing N operations with CLOCK_MONOTONIC, and prints a line
 *
 *	# bench NAME MODE rep=I ops=N ns=T
 *
 * per repetition (rep=0 is the warm-up).  The N operations run between
 * the two marker instructions of ukl_bench.h, at which the QEMU plugin of
 * make bench starts and ends its count of instructions by class: its
 * K-th record belongs to the K-th "# bench" line.  MODE is NAME of
 * mode=, by default "ring3" at CPL 3 and, at CPL 0, the shortcut level
 * the application runs at (<ukl.h>): "base", "bypass" or "direct".  N is
 * the benchmark's count times S.
 *
 * At CPL 0, levels=L,... instead runs every benchmark at each level it
 * names (base, ret, bypass, direct, in that order), each time in a new
 * instance of the application (this program executed again, with
 * "area=bench" and the same reps=, scale= and only=), so that every level
 * starts from a fresh process as ring 3 does and none inherits what an
 * earlier one left (the memory map, freed thread stacks): "base",
 * "bypass" and "direct" run with UKL_LEVEL=NAME in their environment
 * (<ukl.h>), so that their mode is the level they really run at; "ret"
 * runs at the base level with the kernel's ret level on (ukl.ret, through
 * sysfs), as mode "ret".  Threads a benchmark creates start at the level
 * of the thread that creates them.  With spawn=PATH, it then runs PATH
 * (the ring-3 build of the suite in the initramfs) the same way, so that
 * one boot measures the ring-0 application and an ordinary process on the
 * same kernel.
 *
 * Under QEMU's -icount shift=0,sleep=off a guest nanosecond is one guest
 * instruction, so T counts instructions, the clock_gettime() calls (the
 * vDSO in ring 3, the ring-0 vDSO in the application) that take the times
 * among them; the counts are large enough for that not to matter.  The
 * "empty" and "call" benchmarks are the references: a loop iteration, and
 * a call of a function that does nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "ukl_bench.h"

#ifdef UKL_APP
#include <ukl.h>
#endif

#define DEFAULT_REPS	7
#define MSG_SIZE	64

static int zero_fd = -1, null_fd = -1;
static char buf[4096];

/* --- the operations ------------------------------------------------------ */

static void run_empty(unsigned long n)
{
	while (n--)
		__asm__ volatile ("" ::: "memory");
}

/* What a system call would be as a plain function call. */
static __attribute__((noipa)) long plain_call(long x)
{
	__asm__ volatile ("" ::: "memory");
	return x + 1;
}

static void run_call(unsigned long n)
{
	while (n--)
		plain_call(n);
}

static void run_getppid(unsigned long n)
{
	while (n--)
		getppid();
}

/* In ring 3 the vDSO's: no system call. */
static void run_clock_gettime(unsigned long n)
{
	struct timespec ts;

	while (n--)
		clock_gettime(CLOCK_MONOTONIC, &ts);
}

static void run_read1(unsigned long n)
{
	while (n--)
		read(zero_fd, buf, 1);
}

static void run_read4k(unsigned long n)
{
	while (n--)
		read(zero_fd, buf, sizeof(buf));
}

static void run_write1(unsigned long n)
{
	while (n--)
		write(null_fd, buf, 1);
}

static void run_write4k(unsigned long n)
{
	while (n--)
		write(null_fd, buf, sizeof(buf));
}

/* sendto() and recvfrom() of MSG_SIZE bytes on a UDP socket to itself. */
static int udp_fd = -1;
static struct sockaddr_in udp_addr;

static int setup_udp(void)
{
	socklen_t len = sizeof(udp_addr);

	udp_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	udp_addr.sin_family = AF_INET;
	udp_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (udp_fd < 0 || bind(udp_fd, (struct sockaddr *)&udp_addr, sizeof(udp_addr)) ||
	    getsockname(udp_fd, (struct sockaddr *)&udp_addr, &len))
		return -1;
	return 0;
}

static void run_udp(unsigned long n)
{
	while (n--) {
		sendto(udp_fd, buf, MSG_SIZE, 0, (struct sockaddr *)&udp_addr,
		       sizeof(udp_addr));
		recvfrom(udp_fd, buf, MSG_SIZE, 0, NULL, NULL);
	}
}

static void teardown_udp(void)
{
	close(udp_fd);
}

/* Map a page, write to it (a page fault), unmap it. */
static void run_mmap(unsigned long n)
{
	while (n--) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return;
		WRITE_ONCE(*p, 1);
		munmap(p, 4096);
	}
}

/*
 * Page faults, each after MADV_DONTNEED of the page (the same system call
 * in every mode): of the process on anonymous memory, of the process on a
 * file (shmem, MAP_PRIVATE, read), and of the kernel in copy_to_user() on
 * behalf of read().  These show what a fault costs a process, and ring-3
 * processes on the UKL kernel against the unpatched one.
 */
static char *fault_page, *fault_file_page;

static int setup_fault(void)
{
	int fd = memfd_create("bench-fault", MFD_CLOEXEC);

	fault_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fd < 0 || ftruncate(fd, 4096) || pwrite(fd, "x", 1, 0) != 1)
		fault_file_page = MAP_FAILED;
	else
		fault_file_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (fd >= 0)
		close(fd);
	return fault_page == MAP_FAILED || fault_file_page == MAP_FAILED ? -1 : 0;
}

static void teardown_fault(void)
{
	munmap(fault_page, 4096);
	munmap(fault_file_page, 4096);
}

static void run_fault_anon(unsigned long n)
{
	while (n--) {
		madvise(fault_page, 4096, MADV_DONTNEED);
		WRITE_ONCE(*fault_page, 1);
	}
}

static void run_fault_file(unsigned long n)
{
	while (n--) {
		madvise(fault_file_page, 4096, MADV_DONTNEED);
		(void)READ_ONCE(*fault_file_page);
	}
}

static void run_fault_uaccess(unsigned long n)
{
	while (n--) {
		madvise(fault_page, 4096, MADV_DONTNEED);
		read(zero_fd, fault_page, 1);
	}
}

static void *thread_fn(void *arg)
{
	return arg;
}

static void run_thread(unsigned long n)
{
	pthread_t t;

	while (n--)
		if (!pthread_create(&t, NULL, thread_fn, NULL))
			pthread_join(t, NULL);
}

/*
 * Context switch: a child process echoes a byte from one pipe to the
 * other; an operation is a round trip, two switches.
 */
static int ping[2] = { -1, -1 }, pong[2] = { -1, -1 };
static pid_t ctx_child = -1;

static int setup_ctxsw(void)
{
	char c;

	if (pipe(ping) || pipe(pong))
		return -1;
	fflush(NULL);
	ctx_child = fork();
	if (ctx_child < 0)
		return -1;
	if (ctx_child == 0) {
		close(ping[1]);
		close(pong[0]);
		while (read(ping[0], &c, 1) == 1 && write(pong[1], &c, 1) == 1)
			;
		_exit(0);
	}
	close(ping[0]);
	close(pong[1]);
	return 0;
}

static void run_ctxsw(unsigned long n)
{
	char c = 'x';

	while (n--) {
		write(ping[1], &c, 1);
		read(pong[0], &c, 1);
	}
}

static void teardown_ctxsw(void)
{
	close(ping[1]);
	close(pong[0]);
	if (ctx_child > 0)
		waitpid(ctx_child, NULL, 0);
}

/* Send oneself a signal; an operation is kill(), the handler, sigreturn. */
static sig_atomic_t signals_seen;

static void on_usr1(int sig)
{
	WRITE_ONCE(signals_seen, READ_ONCE(signals_seen) + 1);
}

static int setup_signal(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	return sigaction(SIGUSR1, &sa, NULL);
}

static void run_signal(unsigned long n)
{
	pid_t self = getpid();

	while (n--)
		kill(self, SIGUSR1);
}

static void teardown_signal(void)
{
	signal(SIGUSR1, SIG_DFL);
}

/*
 * TCP echo over loopback: a server thread echoes MSG_SIZE-byte requests;
 * an operation is one request and its response.
 */
static int tcp_client = -1;
static pthread_t tcp_server;

static int read_full(int fd, char *p, size_t len)
{
	ssize_t r;

	while (len) {
		r = read(fd, p, len);
		if (r <= 0)
			return -1;
		p += r;
		len -= r;
	}
	return 0;
}

static void *echo_server(void *arg)
{
	int lfd = (int)(long)arg, fd, one = 1;
	char msg[MSG_SIZE];

	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	close(lfd);
	if (fd < 0)
		return NULL;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (!read_full(fd, msg, sizeof(msg)) && write(fd, msg, sizeof(msg)) == sizeof(msg))
		;
	close(fd);
	return NULL;
}

static int setup_tcp(void)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(addr);
	int lfd, one = 1;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len) || listen(lfd, 1) ||
	    pthread_create(&tcp_server, NULL, echo_server, (void *)(long)lfd))
		return -1;
	tcp_client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (tcp_client < 0 || connect(tcp_client, (struct sockaddr *)&addr, sizeof(addr)))
		return -1;
	setsockopt(tcp_client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

static void run_tcp(unsigned long n)
{
	while (n--) {
		write(tcp_client, buf, MSG_SIZE);
		if (read_full(tcp_client, buf, MSG_SIZE))
			return;
	}
}

static void teardown_tcp(void)
{
	close(tcp_client);
	pthread_join(tcp_server, NULL);
}

/* --- the table ------------------------------------------------------------ */

/*
 * @ops: operations per repetition at scale=1, about ten million guest
 * instructions, which QEMU's TCG runs in a few tenths of a second.
 */
static const struct bench {
	const char *name;
	unsigned long ops;
	int (*setup)(void);
	void (*run)(unsigned long n);
	void (*teardown)(void);
} benches[] = {
	{ "empty",		2000000, NULL, run_empty, NULL },
	{ "call",		1000000, NULL, run_call, NULL },
	{ "getppid",		20000, NULL, run_getppid, NULL },
	{ "clock_gettime",	20000, NULL, run_clock_gettime, NULL },
	{ "read-1",		10000, NULL, run_read1, NULL },
	{ "read-4k",		5000, NULL, run_read4k, NULL },
	{ "write-1",		10000, NULL, run_write1, NULL },
	{ "write-4k",		10000, NULL, run_write4k, NULL },
	{ "sendto-recvfrom",	1000, setup_udp, run_udp, teardown_udp },
	{ "mmap-fault-munmap",	1000, NULL, run_mmap, NULL },
	{ "fault-anon",		2000, setup_fault, run_fault_anon, teardown_fault },
	{ "fault-file",		2000, setup_fault, run_fault_file, teardown_fault },
	{ "fault-uaccess",	2000, setup_fault, run_fault_uaccess, teardown_fault },
	{ "thread",		200, NULL, run_thread, NULL },
	{ "ctxsw",		1000, setup_ctxsw, run_ctxsw, teardown_ctxsw },
	{ "signal",		2000, setup_signal, run_signal, teardown_signal },
	{ "tcp-echo",		300, setup_tcp, run_tcp, teardown_tcp },
};

#define NR_BENCHES	ARRAY_SIZE(benches)

/* --- setting up and running ---------------------------------------------- */

/* /dev/zero and /dev/null: the initramfs has only /dev/console. */
static int open_dev(const char *path, unsigned int minor, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT &&
	    !mknod(path, S_IFCHR | 0666, makedev(1, minor)))
		fd = open(path, flags | O_CLOEXEC);
	return fd;
}

static int wanted(const char *only, const char *name)
{
	size_t len = strlen(name);
	const char *p = only;

	if (!only)
		return 1;
	while ((p = strstr(p, name))) {
		if ((p == only || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return 1;
		p += len;
	}
	return 0;
}

static int run_bench(const struct bench *b, const char *mode, unsigned int reps,
		     double scale)
{
	unsigned long n = b->ops * scale;
	unsigned int rep;
	int64_t t0, t1;

	if (n < 1)
		n = 1;
	if (b->setup && b->setup()) {
		printf("# bench-error %s %s: setup failed: %s\n", b->name, mode,
		       strerror(errno));
		if (b->teardown)
			b->teardown();
		return -1;
	}
	for (rep = 0; rep <= reps; rep++) {
		t0 = ukl_test_ns(CLOCK_MONOTONIC);
		ukl_bench_mark_start();
		b->run(n);
		ukl_bench_mark_stop();
		t1 = ukl_test_ns(CLOCK_MONOTONIC);
		printf("# bench %s %s rep=%u ops=%lu ns=%lld\n", b->name, mode, rep, n,
		       (long long)(t1 - t0));
		fflush(stdout);
	}
	if (b->teardown)
		b->teardown();
	return 0;
}

/*
 * Run @path with "area=bench", with "mode=@mode" unless @mode is NULL, and
 * with the options @opts; wait for it.  Its environment is ours without
 * UKL_LEVEL, plus UKL_LEVEL=@level unless @level is NULL.
 */
static int spawn_bench(const char *path, const char *mode, const char *level,
		       char **opts, int nopts)
{
	char *argv[8] = { (char *)path, "area=bench" }, *envp[256];
	char mode_arg[64], level_env[64];
	int argc = 2, envc = 0, i, status, err;
	pid_t pid;

	if (mode) {
		snprintf(mode_arg, sizeof(mode_arg), "mode=%s", mode);
		argv[argc++] = mode_arg;
	}
	for (i = 0; i < nopts && argc < 7; i++)
		argv[argc++] = opts[i];
	argv[argc] = NULL;
	if (level) {
		snprintf(level_env, sizeof(level_env), "UKL_LEVEL=%s", level);
		envp[envc++] = level_env;
	}
	for (i = 0; environ[i] && envc < 255; i++)
		if (strncmp(environ[i], "UKL_LEVEL=", 10))
			envp[envc++] = environ[i];
	envp[envc] = NULL;
	fflush(NULL);
	err = posix_spawn(&pid, path, NULL, NULL, argv, envp);
	if (err) {
		printf("# bench-error spawn %s: %s\n", path, strerror(err));
		return -1;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* Run the benchmarks that @only names as mode @mode; return the failures. */
static int run_mode(const char *mode, const char *only, unsigned int reps,
		    double scale)
{
	unsigned int i;
	int failed = 0;

	printf("# bench-start %s cpl=%d pid=%d reps=%u scale=%g\n", mode,
	       ukl_test_cpl(), (int)getpid(), reps, scale);
	for (i = 0; i < NR_BENCHES; i++)
		if (wanted(only, benches[i].name) &&
		    run_bench(&benches[i], mode, reps, scale))
			failed++;
	printf("# bench-end %s failed=%d\n", mode, failed);
	return failed;
}

/*
 * Run the benchmarks at each level that @levels names, in a new instance
 * of the application (@self) each; return the failures.
 */
static int run_levels(const char *self, const char *levels, char **opts,
		      int nopts)
{
	static const char *const names[] = { "base", "ret", "bypass", "direct" };
	unsigned int i;
	int failed = 0, old;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (!wanted(levels, names[i]))
			continue;
		if (strcmp(names[i], "ret")) {
			failed += !!spawn_bench(self, NULL, names[i], opts, nopts);
			continue;
		}
		old = ukl_test_ret_level(1);
		if (old < 0) {
			printf("# bench-error ret: the kernel has no ret level\n");
			failed++;
			continue;
		}
		failed += !!spawn_bench(self, "ret", NULL, opts, nopts);
		ukl_test_ret_level(old);
	}
	return failed;
}

UKL_TEST_MAIN(bench)
{
	const char *mode = ukl_test_cpl() ? "ring3" : "base", *only = NULL;
	const char *spawn = NULL, *levels = NULL;
#ifdef UKL_APP
	static const char *const level_names[] = {
		[UKL_LEVEL_BASE] = "base",
		[UKL_LEVEL_BYPASS] = "bypass",
		[UKL_LEVEL_DIRECT] = "direct",
	};
#endif
	unsigned int reps = DEFAULT_REPS, i;
	char *pass[3];
	int npass = 0, failed = 0;
	double scale = 1;

#ifdef UKL_APP
	mode = level_names[ukl_get_level()];
#endif
	if (getpid() == 1)
		ukl_bench_boot("bench");
	for (i = 1; i < (unsigned int)argc; i++) {
		if (!strncmp(argv[i], "mode=", 5))
			mode = argv[i] + 5;
		else if (!strncmp(argv[i], "spawn=", 6))
			spawn = argv[i] + 6;
#ifdef UKL_APP
		else if (!strncmp(argv[i], "levels=", 7))
			levels = argv[i] + 7;
#endif
		else if (!strncmp(argv[i], "reps=", 5) || !strncmp(argv[i], "scale=", 6) ||
			 !strncmp(argv[i], "only=", 5)) {
			if (argv[i][0] == 'r')
				reps = atoi(argv[i] + 5);
			else if (argv[i][0] == 's')
				scale = atof(argv[i] + 6);
			else
				only = argv[i] + 5;
			if (npass < 3)
				pass[npass++] = argv[i];
		}
	}

	zero_fd = open_dev("/dev/zero", 5, O_RDONLY);
	null_fd = open_dev("/dev/null", 3, O_WRONLY);
	ukl_test_loopback_up();
	if (levels)
		failed += run_levels(argv[0], levels, pass, npass);
	else
		failed += run_mode(mode, only, reps, scale);
	if (spawn && spawn_bench(spawn, NULL, NULL, pass, npass))
		failed++;
	if (getpid() == 1)
		ukl_test_exit(failed ? 1 : 0);
	return failed ? 1 : 0;
}
