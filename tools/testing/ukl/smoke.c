// SPDX-License-Identifier: GPL-2.0
/*
 * UKL smoke test: runs as /init from an initramfs and checks that the basic
 * services a static musl program relies on work.  Prints KTAP with
 * kselftest.h and reports the result through ukl_test_exit().  Each test
 * returns KSFT_PASS, KSFT_FAIL or KSFT_SKIP and explains a failure with
 * "# " diagnostic lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "ukl_test.h"

#define TMPFS_MAGIC	0x01021994

/* PID 1 is what the kernel starts from the initramfs. */
static int test_pid_is_init(void)
{
	pid_t pid = getpid();

	if (pid != 1)
		ksft_print_msg("getpid() = %d, expected 1\n", pid);
	return pid == 1 ? KSFT_PASS : KSFT_FAIL;
}

/* Both stdout (set up by the kernel) and a fresh open of /dev/console. */
static int test_console_write(void)
{
	static const char out[] = "# smoke: hello through stdout\n";
	static const char msg[] = "# smoke: hello through /dev/console\n";
	ssize_t n;
	int fd;

	fflush(stdout);
	n = write(STDOUT_FILENO, out, sizeof(out) - 1);
	if (n != (ssize_t)sizeof(out) - 1) {
		ksft_perror("write(stdout)");
		return KSFT_FAIL;
	}
	fd = open("/dev/console", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ksft_perror("open(/dev/console)");
		return KSFT_FAIL;
	}
	n = write(fd, msg, sizeof(msg) - 1);
	if (n != (ssize_t)sizeof(msg) - 1)
		ksft_perror("write(/dev/console)");
	close(fd);
	return n == (ssize_t)sizeof(msg) - 1 ? KSFT_PASS : KSFT_FAIL;
}

/* Mount a tmpfs on /tmp, write a file and read it back. */
static int test_tmpfs_file(void)
{
	static const char data[] = "UKL smoke test data\n";
	char buf[64] = "";
	struct statfs sfs;
	int ret = KSFT_FAIL;
	ssize_t n;
	int fd;

	if (getpid() != 1) {
		ksft_print_msg("not init: not mounting over this system's /tmp\n");
		return KSFT_SKIP;
	}
	mkdir("/tmp", 01777);
	if (mount("tmpfs", "/tmp", "tmpfs", 0, "size=1m")) {
		ksft_perror("mount(tmpfs, /tmp)");
		return KSFT_FAIL;
	}
	if (statfs("/tmp", &sfs) || sfs.f_type != TMPFS_MAGIC) {
		ksft_print_msg("/tmp is not a tmpfs after mount\n");
		goto out;
	}
	fd = open("/tmp/smoke", O_CREAT | O_TRUNC | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		ksft_perror("open(/tmp/smoke)");
		goto out;
	}
	n = write(fd, data, sizeof(data));
	if (n != sizeof(data)) {
		ksft_perror("write(/tmp/smoke)");
		close(fd);
		goto out;
	}
	close(fd);
	fd = open("/tmp/smoke", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ksft_perror("reopen(/tmp/smoke)");
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n != sizeof(data) || memcmp(buf, data, sizeof(data))) {
		ksft_print_msg("read back %zd bytes that differ from what was written\n", n);
		goto out;
	}
	if (unlink("/tmp/smoke"))
		ksft_perror("unlink(/tmp/smoke)");
	else
		ret = KSFT_PASS;
out:
	if (umount("/tmp")) {
		ksft_perror("umount(/tmp)");
		ret = KSFT_FAIL;
	}
	return ret;
}

/* CLOCK_MONOTONIC advances at least as much as we sleep. */
static int test_monotonic_clock(void)
{
	const struct timespec nap = { .tv_nsec = 20 * 1000 * 1000 };
	struct timespec t0, t1;
	long long ns;

	if (clock_gettime(CLOCK_MONOTONIC, &t0)) {
		ksft_perror("clock_gettime");
		return KSFT_FAIL;
	}
	if (nanosleep(&nap, NULL)) {
		ksft_perror("nanosleep");
		return KSFT_FAIL;
	}
	if (clock_gettime(CLOCK_MONOTONIC, &t1)) {
		ksft_perror("clock_gettime");
		return KSFT_FAIL;
	}
	ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
	if (ns < nap.tv_nsec)
		ksft_print_msg("slept %ld ns but the clock advanced %lld ns\n",
			       nap.tv_nsec, ns);
	return ns >= nap.tv_nsec ? KSFT_PASS : KSFT_FAIL;
}

/* The kernel we run on is the Linux 6.12 that UKL patches. */
static int test_uname(void)
{
	struct utsname u;

	if (uname(&u)) {
		ksft_perror("uname");
		return KSFT_FAIL;
	}
	ksft_print_msg("%s %s %s %s\n", u.sysname, u.release, u.version, u.machine);
	if (strcmp(u.sysname, "Linux") || strncmp(u.release, "6.12.", 5) ||
	    strcmp(u.machine, "x86_64"))
		return KSFT_FAIL;
	return KSFT_PASS;
}

/* fork() and wait() deliver the child's exit status. */
static int test_fork_wait(void)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		ksft_perror("fork");
		return KSFT_FAIL;
	}
	if (pid == 0)
		_exit(42);
	if (waitpid(pid, &status, 0) != pid) {
		ksft_perror("waitpid");
		return KSFT_FAIL;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 42)
		ksft_print_msg("child status 0x%x, expected exit 42\n", status);
	return WIFEXITED(status) && WEXITSTATUS(status) == 42 ? KSFT_PASS : KSFT_FAIL;
}

/* Without UKL the program is an ordinary user process. */
static int test_cpl3(void)
{
	int cpl = ukl_test_cpl();

	if (cpl != 3)
		ksft_print_msg("running at CPL %d, expected 3\n", cpl);
	return cpl == 3 ? KSFT_PASS : KSFT_FAIL;
}

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	{ "pid_is_init",	test_pid_is_init },
	{ "console_write",	test_console_write },
	{ "tmpfs_file",		test_tmpfs_file },
	{ "monotonic_clock",	test_monotonic_clock },
	{ "uname",		test_uname },
	{ "fork_wait",		test_fork_wait },
	{ "cpl3",		test_cpl3 },
};

int main(int argc, char **argv)
{
	int status = KSFT_PASS;
	unsigned int i;

	/* "exit=N": the status to end with when all passed, as for suite.c. */
	for (i = 1; i < (unsigned int)argc; i++)
		if (!strncmp(argv[i], "exit=", 5))
			status = atoi(argv[i] + 5);

	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		ksft_test_result_report(tests[i].fn(), "%s\n", tests[i].name);
	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? KSFT_FAIL : status);
}
