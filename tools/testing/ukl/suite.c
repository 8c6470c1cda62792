// SPDX-License-Identifier: GPL-2.0
/*
 * UKL test suite: one multi-call program that holds every area test.
 *
 * A scenario links one application into its kernel, and relinking the
 * kernel for each test program would cost a minute per program, so the
 * area tests (core.c, threads.c, signals.c, ...) are linked together into
 * this program, each compiled with -DUKL_TEST_MULTICALL so that it defines
 * AREA_main() instead of main().  The program is built twice like every
 * test, as the UKL application and as an ordinary ring-3 program, and
 * both must report the same results.
 *
 * Started as "suite [exit=N] [exit-from-thread] [AREA...]" it runs the
 * named areas (default: all but the benchmarks, in the order of the table
 * below) one after the other, each as a child process that executes this
 * same program again ("suite area=AREA"): the UKL application executes
 * /ukl, so the child runs in ring 0 too, and the ring-3 build executes
 * itself.  Each area thus starts with a fresh process (signal
 * dispositions, masks, timers, seccomp filters) and a crash in one area
 * cannot take the others with it.  The child prints its own
 * kselftest plan and results; this runner indents them as a KTAP subtest
 * of its own plan, reports the area as failed when the child does not
 * exit with status 0, and kills a child that takes longer than
 * AREA_TIMEOUT seconds (UKL_TEST_AREA_TIMEOUT=S in its environment: S
 * seconds).  It exits with status N when every area passed and 1
 * otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "ukl_test.h"

/* Seconds an area may run before the runner kills it. */
#define AREA_TIMEOUT	120

/*
 * An area that exits at once and leaves a child behind, which holds the
 * area's output for a minute: the runner must end the child with the
 * area (ukl-buildcheck.sh runs "suite leftover" on the host).
 */
static int leftover_main(int argc, char **argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		sleep(60);
		_exit(0);
	}
	ksft_set_plan(1);
	ksft_test_result(pid > 0, "child_left_behind\n");
	ksft_finished();
}

/*
 * @by_name: run only when named; bench.c (ukl-bench.sh starts it as
 * "area=bench") and stdio.c (ukl-stdio-check.sh, "area=stdio N") are here
 * so that the application of "make test" holds them, mce.c's two areas
 * need a boot each with the host's machine check injector, disk.c's exit
 * must follow its write, and leftover tests the runner.
 */
static const struct area {
	const char *name;
	int (*main)(int argc, char **argv);
	int by_name;
} areas[] = {
	{ "core", core_main },
	{ "threads", threads_main },
	{ "signals", signals_main },
	{ "mem", mem_main },
	{ "io", io_main },
	{ "net", net_main },
	{ "hostnet", hostnet_main },
	{ "stack", stack_main },
	{ "sched", sched_main },
	{ "mmstress", mmstress_main },
#ifdef UKL_TEST_AREA_levels
	{ "levels", levels_main },
#endif
#ifdef UKL_TEST_AREA_vdso
	{ "vdso", vdso_main },
#endif
#ifdef UKL_TEST_AREA_stdio
	{ "stdio", stdio_main, 1 },
#endif
#ifdef UKL_TEST_AREA_mce
	{ "mce", mce_main, 1 },
	{ "mce-return", mce_main, 1 },
#endif
#ifdef UKL_TEST_AREA_disk
	{ "disk", disk_main, 1 },
#endif
#ifdef UKL_TEST_AREA_fuzz
	{ "fuzz", fuzz_main, 1 },
#endif
	{ "bench", bench_main, 1 },
	{ "leftover", leftover_main, 1 },
};

#define NR_AREAS	ARRAY_SIZE(areas)

/**
 * find_area() - look up an area by name
 * @name: the area's name
 *
 * Return: the area, or NULL if there is none of that name.
 */
static const struct area *find_area(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_AREAS; i++)
		if (!strcmp(areas[i].name, name))
			return &areas[i];
	return NULL;
}

/* Seconds an area may take. */
static int area_timeout(void)
{
	const char *s = getenv("UKL_TEST_AREA_TIMEOUT");

	return s && atoi(s) > 0 ? atoi(s) : AREA_TIMEOUT;
}

/* Whether @pid has exited, left as a zombie so that its process group stays. */
static int exited(pid_t pid)
{
	siginfo_t si = { 0 };

	return !waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == pid;
}

/**
 * relay() - copy a child's output to standard output, indented, until it ends
 * @fd: read end of the child's output pipe
 * @pid: the child, leader of its own process group
 * @status: set to the child's wait status
 *
 * Every line is prefixed with four spaces, which makes the child's KTAP a
 * subtest of the runner's.  When the child has exited, or runs past the
 * deadline, its whole process group is killed: a process that a test left
 * behind would keep the pipe open.  One that left the group too is given
 * five seconds to close it.
 *
 * Return: true when the child was killed for taking too long.
 */
static int relay(int fd, pid_t pid, int *status)
{
	static const char indent[] = "    ";
	char buf[4096];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int at_line_start = 1, timed_out = 0, gone = 0, killed = 0, eof = 0;
	int64_t end = ukl_test_ns(CLOCK_MONOTONIC) + area_timeout() * 1000000000LL, now;
	ssize_t n, i, start;

	for (;;) {
		now = ukl_test_ns(CLOCK_MONOTONIC);
		gone = gone || exited(pid);
		if (!killed && (gone || now >= end)) {
			timed_out = !gone;
			kill(-pid, SIGKILL);
			killed = 1;
			end = now + 5000000000LL;
		} else if ((eof && gone) || (killed && now >= end)) {
			break;
		}
		/* After the end of its output, only the child's exit is waited for. */
		if (poll(&pfd, 1, eof ? 10 : 1000) < 0 && errno != EINTR)
			break;
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			eof = 1;
			pfd.fd = -1;
			continue;
		}
		for (start = 0, i = 0; i < n; i++) {
			if (at_line_start) {
				ukl_test_write_all(STDOUT_FILENO, indent, sizeof(indent) - 1);
				at_line_start = 0;
			}
			if (buf[i] == '\n') {
				ukl_test_write_all(STDOUT_FILENO, buf + start, i + 1 - start);
				start = i + 1;
				at_line_start = 1;
			}
		}
		ukl_test_write_all(STDOUT_FILENO, buf + start, n - start);
	}
	if (!at_line_start)
		ukl_test_write_all(STDOUT_FILENO, "\n", 1);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return timed_out;
}

/**
 * run_area() - run one area as a child process and report it
 * @self: path of this program, which the child executes
 * @area: the area
 *
 * Return: true when the child exited with status 0 in time.
 */
static int run_area(const char *self, const struct area *area)
{
	char arg[64], *argv[] = { (char *)self, arg, NULL };
	char *envp[256];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int fds[2], status = -1, timed_out = 0, err, ok;
	unsigned int i, n = 0;
	pid_t pid;

	snprintf(arg, sizeof(arg), "area=%s", area->name);
	/* kselftest.h leaves out its "TAP version" line in a subtest. */
	envp[n++] = "KSFT_TAP_LEVEL=1";
	for (i = 0; environ[i] && n < ARRAY_SIZE(envp) - 1; i++)
		if (strncmp(environ[i], "KSFT_TAP_LEVEL=", 15))
			envp[n++] = environ[i];
	envp[n] = NULL;

	printf("    KTAP version 1\n    # Subtest: %s\n", area->name);
	fflush(stdout);
	if (pipe2(fds, O_CLOEXEC)) {
		ksft_perror("pipe2");
		return 0;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
	/* A process group of its own, which relay() kills. */
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	err = posix_spawn(&pid, self, &fa, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (err) {
		errno = err;
		ksft_perror("posix_spawn");
	} else {
		timed_out = relay(fds[0], pid, &status);
	}
	close(fds[0]);

	ok = !err && !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (timed_out)
		ksft_print_msg("%s: killed after %d seconds\n", area->name, area_timeout());
	else if (!err && WIFSIGNALED(status))
		ksft_print_msg("%s: killed by signal %d\n", area->name, WTERMSIG(status));
	else if (!err && WIFEXITED(status) && WEXITSTATUS(status))
		ksft_print_msg("%s: exit status %d\n", area->name, WEXITSTATUS(status));
	ksft_test_result(ok, "%s\n", area->name);
	return ok;
}

#define NR_EXIT_THREADS	4

static void *exit_thread(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

/*
 * As init, end with threads that block: exit() then takes the whole
 * thread group down at once, and every boot exits the way a threaded
 * application does (the kernel must end the machine from the last
 * thread, whichever it is, without a BUG in between).
 */
static void start_exit_threads(void)
{
	pthread_t t;
	int i;

	for (i = 0; i < NR_EXIT_THREADS; i++)
		if (pthread_create(&t, NULL, exit_thread, NULL))
			ksft_print_msg("exit thread %d: not started\n", i);
	/* Let them reach pause() on the other CPUs. */
	usleep(20000);
}

/*
 * As init with "exit-from-thread": the main thread, the leader of the
 * thread group, exits alone, and a thread that waits for it to be gone
 * (the kernel clears its clear_child_tid word) ends the program, as a
 * program does whose main() calls pthread_exit() and whose last thread
 * calls exit().  The leader may then still be on its way out when the
 * last thread exits: the kernel must end the machine from the last
 * thread without a BUG in between.  The thread spins on another CPU, so
 * that its exit starts as soon as the leader's can be seen, and the
 * leader has files of its own to close and release after that (the
 * final fput() of each is task work of its exit), so that the last
 * thread has begun to exit when it looks for one to take over as the
 * child reaper: without the files, 1 of 6 boots at the direct and bypass
 * levels hit the BUG() this looks for, with them 2 of 3 at the direct
 * level.
 */
static int main_thread_alive = 1, exit_from_thread_status;

static void *exit_from_thread(void *arg)
{
	ukl_test_pin_cpu(1);
	while (READ_ONCE(main_thread_alive))
		__asm__ volatile ("pause");
	/* The output is out: exit at once where the kernel ends the machine. */
	if (ukl_test_cpl() == 0)
		_exit(exit_from_thread_status);
	ukl_test_exit(exit_from_thread_status);
}

static noreturn void exit_from_thread_end(int status)
{
	pthread_t t;
	int i;

	fflush(NULL);
	tcdrain(STDOUT_FILENO);
	exit_from_thread_status = status;
	ukl_test_pin_cpu(0);
	syscall(SYS_set_tid_address, &main_thread_alive);
	if (pthread_create(&t, NULL, exit_from_thread, NULL))
		ukl_test_exit(status);
	/* Let it reach its loop. */
	usleep(20000);
	if (!unshare(CLONE_FILES))
		for (i = 0; i < 512; i++)
			open("/", O_RDONLY);
	syscall(SYS_exit, 0);
	ukl_test_exit(1);
}

/*
 * As init in ring 3, mount what the kernel mounts for the application as
 * init (kernel/ukl/ukl.c), so that both builds see the same file system:
 * procfs, sysfs, and the host share of ukl.share= on the same path (the
 * runner passes it as UKL_TEST_SHARE; core.c tests it).
 */
static void mount_as_init(void)
{
	const char *share = getenv("UKL_TEST_SHARE");

	if (getpid() != 1 || ukl_test_cpl() == 0)
		return;
	mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (share) {
		mkdir(share, 0755);
		mount("ukl-share", share, "9p", MS_NOSUID | MS_NODEV,
		      "trans=virtio,version=9p2000.L");
	}
}

int main(int argc, char **argv)
{
	const struct area *todo[NR_AREAS];
	unsigned int n = 0, i, failed = 0;
	int status = 0, from_thread = 0;

	/* A child of the runner: run the one area it names. */
	if (argc >= 2 && !strncmp(argv[1], "area=", 5)) {
		const struct area *area = find_area(argv[1] + 5);

		if (!area)
			ksft_exit_fail_msg("no area %s\n", argv[1] + 5);
		return area->main(argc, argv);
	}

	mount_as_init();
	ksft_print_header();
	for (i = 1; i < (unsigned int)argc; i++) {
		const struct area *area = find_area(argv[i]);

		if (!strncmp(argv[i], "exit=", 5))
			status = atoi(argv[i] + 5);
		else if (!strcmp(argv[i], "exit-from-thread"))
			from_thread = 1;
		else if (area && n < NR_AREAS)
			todo[n++] = area;
		else
			/* Kernel arguments the kernel passes on to init. */
			ksft_print_msg("ignoring argument %s\n", argv[i]);
	}
	if (!n)
		for (i = 0; i < NR_AREAS; i++)
			if (!areas[i].by_name)
				todo[n++] = &areas[i];

	ksft_set_plan(n);
	for (i = 0; i < n; i++)
		if (!run_area(argv[0], todo[i]))
			failed++;
	ksft_print_cnts();
	if (getpid() == 1 && from_thread)
		exit_from_thread_end(failed ? 1 : status);
	if (getpid() == 1)
		start_exit_threads();
	ukl_test_exit(failed ? 1 : status);
}
