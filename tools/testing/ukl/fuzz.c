// SPDX-License-Identifier: GPL-2.0
/*
 * UKL fuzz test: random system calls from the application.
 *
 * Whatever the application passes to a system call, the kernel must answer
 * with a result or with a signal to the process, as it answers a ring-3
 * program: a crashing application is a signal, never an oops.  The other
 * areas pass what a program means to pass; this one passes anything.
 *
 * Each round forks a child that drops to the nobody user, with small hard
 * resource limits and its standard streams on /dev/null, and makes up to
 * FUZZ_CALLS system calls whose numbers and arguments come from a
 * generator seeded with the round's seed.  The arguments are small
 * numbers, flags, page sizes, pointers into a buffer of four pages (whose
 * words are such arguments too, for the structures a call reads), into the
 * guard page after it, across its end, into the kernel's half, and random
 * words.  At the UKL application's levels some calls go through another
 * level's entry or the leaf entry, which take any system call.  A timer
 * interrupts calls that wait.  The child ends when a call ends it (exit,
 * a fatal signal) or after its calls; the parent kills what is left of a
 * round after ROUND_SECONDS, and every process of the nobody user after
 * each round (a child may fork).
 *
 * What a child cannot do as nobody (reboot, load modules, set the clock,
 * turn the console off) it is refused like a ring-3 program.  Left out are
 * only the calls that would make the test program itself, not the kernel,
 * run wild in ring 0, where the application is trusted with its own
 * control flow (threat-model.rst): rt_sigreturn() (registers from the
 * frames of this loop), vfork() and clone3(), and clone() with CLONE_VM or
 * a stack (a child on the parent's stack).
 *
 * The test fails when a child does not end by SIGKILL, when a process of
 * the round outlives it, when the program cannot start processes or make
 * system calls afterwards; and the runner fails the boot on any oops,
 * warning or lockup on the console.  A round that fails in a boot is run
 * again alone with UKL_TEST_FUZZ_SEED=N UKL_TEST_FUZZ_ROUNDS=1 in init's
 * environment.  UKL_TEST_FUZZ_ROUNDS and UKL_TEST_FUZZ_CALLS change the
 * defaults.  The area runs only when named (suite.c).
 *
 * With UKL_TEST_FUZZ_MEMCG=1 (the STRESS scenario: swap on zram, two NUMA
 * nodes) the memory manager takes the child's pages while its calls use
 * them: the child runs in a memory cgroup too small for it, and a third
 * thread allocates, pages out the buffer, the stack, the thread-local and
 * static data the calls use, and moves the buffer between nodes.  The
 * cgroup's OOM killer ends some rounds in the middle of a call or of a
 * page fault.  The test then also fails when no page came back from swap
 * or no OOM kill happened: a run without pressure proves nothing.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "ukl_test.h"

#define FUZZ_ROUNDS	200
#define FUZZ_CALLS	1000
/* Guest seconds a round may take before the parent kills it. */
#define ROUND_SECONDS	1
/* Seconds a killed round has to end. */
#define KILL_SECONDS	20
/* The nobody user and group, which no other process of the suite uses. */
#define FUZZ_UID	65534
/* The highest system call number of Linux 6.12 on x86-64 (mseal). */
#define FUZZ_NR_MAX	462
#define BUF_PAGES	4
#define PAGE		4096UL
/* Where the children may create files. */
#define FUZZ_DIR	"/tmp/ukl-fuzz"

/*
 * UKL_TEST_FUZZ_MEMCG's cgroup: swap above 2 MiB, and the OOM killer
 * above 6 MiB, which pressure_thread()'s two mappings reach in a round in
 * four (PRESSURE_BIG each), not in the others (PRESSURE_SMALL at most).
 * No memory.high: its throttling would stop the calls for seconds
 * (mmstress.c's compute_and_call() has one).
 */
#define MEMCG_NAME	"ukl-fuzz"
#define MEMCG_MAX	"2M"
#define MEMCG_SWAP_MAX	"4M"
#define PRESSURE_MAPS	2
#define PRESSURE_BIG	(4UL << 20)
#define PRESSURE_SMALL	(1UL << 20)

/* The flags of clone() that would share the parent's memory or stack. */
#define FUZZ_CLONE_SHARED	(CLONE_VM | CLONE_VFORK | CLONE_THREAD | \
				 CLONE_SIGHAND)

/* Per thread: the timer's handler and a second thread draw their own. */
static __thread uint64_t rnd_state;
/* BUF_PAGES pages, then a guard page. */
static unsigned char *buf;

/* Shared with the round's child, which says that its setup is done. */
static struct {
	int setup_done;
} *shared;

/* xorshift64*: the same sequence for the same seed in every build. */
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

static void rnd_seed(uint64_t seed)
{
	rnd_state = seed * 0x9e3779b97f4a7c15ULL + 1;
	rnd();
}

/*
 * fuzz_arg() - one argument of a random system call
 *
 * Never the address of the program's code, stack or data, which a call
 * could overwrite: a pointer is into the buffer or where nothing of the
 * program is.
 */
static unsigned long fuzz_arg(void)
{
	unsigned long b = (unsigned long)buf;

	switch (rnd() % 16) {
	case 0:
		return 0;
	case 1:
	case 2:
		return rnd() % 32;		/* file descriptors, flags */
	case 3:
		return -(rnd() % 4096);		/* -1, -EINVAL, ... */
	case 4:
		return 1UL << (rnd() % 12);	/* single flags */
	case 5:
		return 1UL << (47 + rnd() % 17);	/* beyond user space */
	case 6:
		return rnd();
	case 7:
		return rnd() & 0xffffffff;
	case 8:
		return PAGE << (rnd() % 10);	/* lengths */
	case 9:
	case 10:
	case 11:
		return b + rnd() % (BUF_PAGES * PAGE);
	case 12:
		return b + (rnd() % BUF_PAGES) * PAGE;
	case 13:
		if (rnd() % 2)
			return b + BUF_PAGES * PAGE - rnd() % 64;
		/* A process of the round: this one or its parent. */
		return syscall(rnd() % 2 ? SYS_getpid : SYS_getppid);
	case 14:
		/* The direct map, vmalloc space, the CPU entry area. */
		return (rnd() % 3 == 0 ? 0xffff888000000000UL :
			rnd() % 2 ? 0xffffc90000000000UL :
				    0xfffffe0000000000UL) +
		       (rnd() & 0xffff000);
	default:
		return -1UL;
	}
}

/* Fill the buffer with arguments, for the structures calls read. */
static void fuzz_fill(void)
{
	unsigned long *w = (unsigned long *)buf;
	size_t i;

	for (i = 0; i < BUF_PAGES * PAGE / sizeof(*w); i++)
		w[i] = rnd() % 4 ? fuzz_arg() : rnd();
}

/* The kernel's struct sigaction for x86-64, and the flags it takes. */
struct fuzz_sigaction {
	unsigned long handler, flags, restorer;
	uint64_t mask;
};

#define FUZZ_SA_RESTORER	0x04000000UL
/*
 * SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO, SA_UNSUPPORTED,
 * SA_EXPOSE_TAGBITS, SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND.
 */
#define FUZZ_SA_FLAGS		0xd8000c07UL

/* musl's signal return, from the child's SIGALRM action. */
static unsigned long restorer;

static void on_signal(int sig);

/*
 * fuzz_call() - make one random system call
 *
 * Return: the system call's number.
 */
static long fuzz_call(void)
{
	struct fuzz_sigaction act;
	unsigned long a[6];
	long nr;
	int i;

	for (;;) {
		switch (rnd() % 64) {
		case 0:
			nr = rnd() % 1024;	/* numbers without a call */
			break;
		case 1:
			nr = 0x40000000 | (rnd() % 548);	/* x32 */
			break;
		default:
			nr = rnd() % (FUZZ_NR_MAX + 1);
		}
		if (nr != SYS_rt_sigreturn && nr != SYS_vfork && nr != SYS_clone3)
			break;
	}
	for (i = 0; i < 6; i++)
		a[i] = fuzz_arg();
	if (nr == SYS_clone) {
		a[0] &= ~(unsigned long)FUZZ_CLONE_SHARED;
		a[1] = 0;
	}
	if (nr == SYS_rt_sigaction && restorer && rnd() % 2) {
		/* A handler that runs: random flags, mask and signal. */
		act.handler = (unsigned long)on_signal;
		act.flags = (rnd() & FUZZ_SA_FLAGS) | FUZZ_SA_RESTORER;
		act.restorer = restorer;
		act.mask = rnd();
		a[0] = 1 + rnd() % 64;
		a[1] = (unsigned long)&act;
		a[3] = sizeof(act.mask);
	}
#ifdef UKL_APP
	if (rnd() % 8 == 0) {
		static const char *const entries[] = {
			entry_SYSCALL_64_ukl, entry_SYSCALL_64_ukl_bypass,
			entry_SYSCALL_64_ukl_direct, entry_SYSCALL_64_ukl_leaf,
		};

		ukl_test_entry_call((unsigned long)entries[rnd() % 4], nr,
				    a[0], a[1], a[2], a[3], a[4], a[5]);
		return nr;
	}
#endif
	syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	return nr;
}

/*
 * The timer interrupts calls that wait, and makes a call of its own from
 * the signal frame, with its own generator; so do the handlers of random
 * signals that the calls install.
 */
static void on_signal(int sig)
{
	uint64_t saved = rnd_state;
	int e = errno;

	rnd_state = saved ^ 0x5ee0;
	fuzz_call();
	rnd_state = saved;
	errno = e;
}

/*
 * fuzz_files() - open files of many kinds
 *
 * So that the small numbers among the arguments are file descriptors of
 * things a call can act on.  Whatever fails to open is left out.
 */
static void fuzz_files(void)
{
	static const char *const paths[] = {
		"/dev/zero", "/dev/urandom", "/dev/full", "/",
	};
	int p[2], i;

	for (i = 0; i < (int)ARRAY_SIZE(paths); i++)
		open(paths[i], i == 3 ? O_RDONLY | O_DIRECTORY : O_RDWR);
	if (pipe2(p, O_NONBLOCK) == 0)
		write(p[1], "fuzz", 4);
	socketpair(AF_UNIX, SOCK_STREAM, 0, p);
	socketpair(AF_UNIX, SOCK_DGRAM, 0, p);
	socket(AF_INET, SOCK_STREAM, 0);
	socket(AF_INET, SOCK_DGRAM, 0);
	socket(AF_INET6, SOCK_DGRAM, 0);
	syscall(SYS_memfd_create, "fuzz", 0);
	open("fuzz-file", O_RDWR | O_CREAT, 0600);
	syscall(SYS_eventfd2, 1, 0);
	syscall(SYS_epoll_create1, 0);
	syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
	syscall(SYS_inotify_init1, 0);
	/* UFFD_USER_MODE_ONLY, which nobody needs. */
	syscall(SYS_userfaultfd, 1);
	syscall(SYS_pidfd_open, getpid(), 0);
}

/* The second thread of a round: calls of its own, on the same memory. */
static uint64_t thread_seed;

static void *fuzz_thread(void *arg)
{
	int i, calls = (int)(long)arg;

	rnd_seed(thread_seed);
	for (i = 0; i < calls; i++)
		fuzz_call();
	return NULL;
}

/* What pressure_thread() pages out: the main thread's stack and TLS. */
static unsigned long main_stack;
static unsigned long main_tls;

static void page_out(unsigned long addr, unsigned long len)
{
	unsigned long start = addr & ~(PAGE - 1);

	madvise((void *)start, (addr + len - start + PAGE - 1) & ~(PAGE - 1),
		MADV_PAGEOUT);
}

/*
 * pressure_thread() - take the round's memory away while the calls use it
 *
 * Maps and touches PRESSURE_MAPS mappings at a time, replaced one after
 * the other, so that the cgroup reclaims (and in a big round kills), and
 * pages out or moves to the other NUMA node what the fuzzing threads use.  Runs until the round
 * ends; its system calls are the C library's, not random ones.
 */
static void *pressure_thread(void *arg)
{
	void *maps[PRESSURE_MAPS] = { NULL };
	size_t sizes[PRESSURE_MAPS] = { 0 };
	unsigned long i, n, slot;
	void *pages[BUF_PAGES];
	int nodes[BUF_PAGES], status[BUF_PAGES], big;

	rnd_seed((uint64_t)(long)arg);
	/* One round in four needs more than the cgroup and its swap. */
	big = rnd() % 4 == 0;
	for (n = 0;; n++) {
		slot = n % PRESSURE_MAPS;
		if (maps[slot])
			munmap(maps[slot], sizes[slot]);
		sizes[slot] = big ? PRESSURE_BIG : PRESSURE_SMALL >> rnd() % 5;
		maps[slot] = mmap(NULL, sizes[slot], PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (maps[slot] == MAP_FAILED) {
			maps[slot] = NULL;
			continue;
		}
		for (i = 0; i < sizes[slot]; i += PAGE)
			((volatile char *)maps[slot])[i] = 1;

		page_out((unsigned long)buf, BUF_PAGES * PAGE);
		page_out(main_stack - 16 * PAGE, 17 * PAGE);
		page_out(main_tls, sizeof(rnd_state));
		page_out((unsigned long)&restorer, sizeof(restorer));
		for (i = 0; i < BUF_PAGES; i++) {
			pages[i] = buf + i * PAGE;
			nodes[i] = (n + i) % 2;
		}
		syscall(SYS_move_pages, 0, BUF_PAGES, pages, nodes, status,
			MPOL_MF_MOVE);
	}
	return NULL;
}

/*
 * fuzz_child() - the child of a round
 * @seed: the round's seed
 * @calls: the system calls it makes
 *
 * Runs as root until it drops to nobody; exits 0 after its calls.
 */
static noreturn void fuzz_child(uint64_t seed, int calls, bool memcg)
{
	static const struct { int res; rlim_t lim; } limits[] = {
		{ RLIMIT_AS, 64 << 20 },	{ RLIMIT_NPROC, 8 },
		{ RLIMIT_FSIZE, 1 << 20 },	{ RLIMIT_NOFILE, 32 },
		{ RLIMIT_MEMLOCK, 64 << 10 },	{ RLIMIT_CORE, 0 },
		{ RLIMIT_MSGQUEUE, 64 << 10 },	{ RLIMIT_SIGPENDING, 64 },
		{ RLIMIT_CPU, 20 },		{ RLIMIT_RTPRIO, 0 },
		{ RLIMIT_NICE, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct fuzz_sigaction cur;
	struct itimerval it = {
		.it_interval = { .tv_usec = 20000 },
		.it_value = { .tv_usec = 20000 },
	};
	const char *proc = ukl_test_procfs();
	char path[64];
	unsigned int i;
	int fd;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (memcg && !ukl_test_memcg_enter(MEMCG_NAME, NULL, MEMCG_MAX,
					   MEMCG_SWAP_MAX))
		_exit(105);
	fd = open("/dev/null", O_RDWR);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(101);
	syscall(SYS_close_range, 3, ~0U, 0);
	for (i = 0; i < ARRAY_SIZE(limits); i++) {
		struct rlimit rl = { limits[i].lim, limits[i].lim };

		if (setrlimit(limits[i].res, &rl))
			_exit(102);
	}
	snprintf(path, sizeof(path), "%s/self/oom_score_adj", proc);
	ukl_test_write_file(path, "1000");
	if (chdir(FUZZ_DIR) || setgroups(0, NULL) || setgid(FUZZ_UID) ||
	    setuid(FUZZ_UID))
		_exit(103);
	if (sigaction(SIGALRM, &sa, NULL) || setitimer(ITIMER_REAL, &it, NULL))
		_exit(104);
	if (!syscall(SYS_rt_sigaction, SIGALRM, NULL, &cur, sizeof(cur.mask)))
		restorer = cur.restorer;
	WRITE_ONCE(shared->setup_done, 1);

	rnd_seed(seed);
	fuzz_files();
	if (memcg) {
		pthread_t t;

		main_stack = (unsigned long)&t;
		main_tls = (unsigned long)&rnd_state;
		pthread_create(&t, NULL, pressure_thread,
			       (void *)(long)(seed ^ 0x9e55));
	}
	if (rnd() % 2) {
		pthread_t t;

		thread_seed = seed ^ 0x7ead;
		pthread_create(&t, NULL, fuzz_thread, (void *)(long)calls);
	}
	for (i = 0; i < (unsigned int)calls; i++) {
		if (i % 64 == 0)
			fuzz_fill();
		fuzz_call();
	}
	_exit(0);
}

/* Kill every process of the nobody user: those a round left. */
static void kill_nobody(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(FUZZ_UID) || setuid(FUZZ_UID))
			_exit(1);
		/* All processes this user may signal, but itself. */
		kill(-1, SIGKILL);
		_exit(0);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

/*
 * nobody_left() - whether a process of the nobody user is still there
 *
 * Return: the number of such processes, zombies included.
 */
static int nobody_left(void)
{
	const char *proc = ukl_test_procfs();
	char path[300], text[512];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	dir = opendir(proc);
	if (!dir)
		return 0;
	while ((d = readdir(dir))) {
		const char *uid;

		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s/status", proc, d->d_name);
		if (!ukl_test_read_file(path, text, sizeof(text)))
			continue;
		uid = strstr(text, "\nUid:");
		if (uid && strtol(uid + 5, NULL, 10) == FUZZ_UID)
			n++;
	}
	closedir(dir);
	return n;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	if (ftw->level > 0)
		remove(path);
	return 0;
}

/*
 * Reap what the round left (this process is their subreaper), but @keep,
 * the round's child, whose status fuzz_round() wants.
 */
static void reap_all(pid_t keep)
{
	siginfo_t info;

	for (;;) {
		info.si_pid = 0;
		if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) ||
		    !info.si_pid || info.si_pid == keep)
			return;
		waitpid(info.si_pid, NULL, 0);
	}
}

static double now(void)
{
	return ukl_test_ns(CLOCK_MONOTONIC) / 1e9;
}

struct fuzz_stats {
	int exited, signalled[65], killed;
};

/* What a stuck process is doing: its state, its tracer, its stack. */
static void print_task(pid_t pid)
{
	static const char *const files[] = { "status", "wchan", "stack" };
	const char *proc = ukl_test_procfs();
	char path[300], text[2048], *line, *save;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%d/%s", proc, pid, files[i]);
		if (!ukl_test_read_file(path, text, sizeof(text)))
			continue;
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			if (i || !strncmp(line, "State", 5) ||
			    !strncmp(line, "TracerPid", 9) ||
			    !strncmp(line, "Threads", 7))
				ksft_print_msg("  %s: %s\n", files[i], line);
	}
}

/*
 * fuzz_round() - one round: fork its child, wait for it, clean up
 * @seed: the round's seed
 * @calls: system calls the child makes
 * @memcg: whether the child runs in UKL_TEST_FUZZ_MEMCG's cgroup
 * @st: outcomes, counted
 *
 * Return: false if the child did not end by SIGKILL or failed to set up.
 */
static bool fuzz_round(uint64_t seed, int calls, bool memcg,
		       struct fuzz_stats *st)
{
	struct timespec tick = { .tv_nsec = 2 * 1000 * 1000 };
	int status = 0;
	bool late;
	double end;
	pid_t pid, w;

	WRITE_ONCE(shared->setup_done, 0);
	pid = fork();
	if (pid < 0) {
		ksft_perror("fork");
		return false;
	}
	if (pid == 0)
		fuzz_child(seed, calls, memcg);

	end = now() + ROUND_SECONDS;
	while ((w = waitpid(pid, &status, WNOHANG)) == 0 && now() < end)
		nanosleep(&tick, NULL);
	late = w == 0;
	if (late) {
		/* The round's processes, wherever they went (setsid()). */
		end = now() + KILL_SECONDS;
		do {
			kill_nobody();
			reap_all(pid);
			nanosleep(&tick, NULL);
		} while ((w = waitpid(pid, &status, WNOHANG)) == 0 &&
			 now() < end);
		if (w == 0) {
			ksft_print_msg("seed %llu: the child %d did not end by SIGKILL in %d s\n",
				       (unsigned long long)seed, pid,
				       KILL_SECONDS);
			print_task(pid);
			return false;
		}
		st->killed++;
	} else if (WIFEXITED(status)) {
		st->exited++;
	} else if (WIFSIGNALED(status) && WTERMSIG(status) < 65) {
		st->signalled[WTERMSIG(status)]++;
	}
	if (!READ_ONCE(shared->setup_done)) {
		ksft_print_msg("seed %llu: the child's setup failed: wait status %#x%s\n",
			       (unsigned long long)seed, status,
			       late ? ", killed after the round's time" : "");
		if (memcg)
			ksft_print_msg("memory cgroup: %ld bytes, %ld times at memory.max, %ld OOM kills\n",
				       ukl_test_memcg_counter(MEMCG_NAME, "memory.current", ""),
				       ukl_test_memcg_counter(MEMCG_NAME, "memory.events", "max"),
				       ukl_test_memcg_counter(MEMCG_NAME, "memory.events", "oom_kill"));
		return false;
	}
	kill_nobody();
	reap_all(0);
	nftw(FUZZ_DIR, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	return true;
}

/*
 * Every round's child ends, by its calls or by SIGKILL, and no process of
 * a round outlives it.
 */
static void test_rounds(uint64_t seed0, int rounds, int calls, bool memcg)
{
	struct fuzz_stats st = { 0 };
	struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	long majfault = 0, oom_kills = 0;
	bool ok = true;
	int i, done = 0, left = 0;
	double start = now();

	if (memcg && !ukl_test_swap_on()) {
		ksft_print_msg("UKL_TEST_FUZZ_MEMCG needs swap on zram0 (%s): boot a kernel with CONFIG_ZRAM (configs/STRESS)\n",
			       strerror(errno));
		ok = false;
	}

	if (prctl(PR_SET_CHILD_SUBREAPER, 1)) {
		ksft_perror("PR_SET_CHILD_SUBREAPER");
		ok = false;
	}
	mkdir(FUZZ_DIR, 0777);
	if (chmod(FUZZ_DIR, 0777)) {
		ksft_perror("chmod " FUZZ_DIR);
		ok = false;
	}
	buf = mmap(NULL, (BUF_PAGES + 1) * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || shared == MAP_FAILED ||
	    mprotect(buf + BUF_PAGES * PAGE, PAGE, PROT_NONE)) {
		ksft_perror("mmap");
		ok = false;
	}
	for (; ok && done < rounds; done++)
		ok = fuzz_round(seed0 + done, calls, memcg, &st);
	/* A process in its last exit steps may still be listed. */
	for (i = 0; i < 100 && (left = nobody_left()); i++) {
		kill_nobody();
		reap_all(0);
		nanosleep(&tick, NULL);
	}
	if (left)
		ksft_print_msg("%d processes of the rounds are left\n", left);

	ksft_print_msg("%d rounds of %d calls from seed %llu in %.1f s: %d exited, %d killed after %d s\n",
		       done, calls, (unsigned long long)seed0, now() - start,
		       st.exited, st.killed, ROUND_SECONDS);
	for (i = 1; i < 65; i++)
		if (st.signalled[i])
			ksft_print_msg("%d ended by signal %d (%s)\n",
				       st.signalled[i], i, strsignal(i));
	if (memcg) {
		majfault = ukl_test_memcg_counter(MEMCG_NAME, "memory.stat",
						  "pgmajfault");
		oom_kills = ukl_test_memcg_counter(MEMCG_NAME, "memory.events",
						   "oom_kill");
		ksft_print_msg("memory cgroup: %ld pages back from swap, %ld OOM kills\n",
			       majfault, oom_kills);
		if (ok && (majfault <= 0 || oom_kills <= 0)) {
			ksft_print_msg("no pressure: the test proves nothing\n");
			ok = false;
		}
	}
	ksft_test_result(ok && !left, "fuzz_rounds_end\n");
}

/* Afterwards the program still starts processes and makes system calls. */
static void test_after(void)
{
	int status = -1, p[2] = { -1, -1 };
	char c = 0;
	pid_t pid;

	if (pipe(p)) {
		ksft_test_result_fail("fuzz_then_fork_and_pipe\n");
		return;
	}
	pid = fork();
	if (pid == 0)
		_exit(write(p[1], "x", 1) == 1 && getppid() > 0 ? 7 : 1);
	if (pid > 0)
		waitpid(pid, &status, 0);
	ksft_test_result(pid > 0 && WIFEXITED(status) &&
			 WEXITSTATUS(status) == 7 && read(p[0], &c, 1) == 1 &&
			 c == 'x', "fuzz_then_fork_and_pipe\n");
	close(p[0]);
	close(p[1]);
}

static int env_int(const char *name, int def)
{
	const char *s = getenv(name);

	return s && atoi(s) > 0 ? atoi(s) : def;
}

UKL_TEST_MAIN(fuzz)
{
	int rounds = env_int("UKL_TEST_FUZZ_ROUNDS", FUZZ_ROUNDS);
	int calls = env_int("UKL_TEST_FUZZ_CALLS", FUZZ_CALLS);
	uint64_t seed = env_int("UKL_TEST_FUZZ_SEED", 1);
	bool memcg = env_int("UKL_TEST_FUZZ_MEMCG", 0);

	ksft_print_header();
	ksft_print_msg("fuzz: %s, ring %d%s\n", getuid() ? "not root" : "root",
		       ukl_test_cpl(), memcg ? ", in a small memory cgroup" : "");
	ksft_set_plan(2);
	if (getuid()) {
		ksft_test_result_skip("fuzz_rounds_end (not root)\n");
		ksft_test_result_skip("fuzz_then_fork_and_pipe (not root)\n");
		ksft_finished();
	}
	test_rounds(seed, rounds, calls, memcg);
	test_after();
	ksft_finished();
}
