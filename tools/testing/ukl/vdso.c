// SPDX-License-Identifier: GPL-2.0
/*
 * UKL test: the time without a system call (Documentation/ukl/vdso.rst).
 *
 * A ring-3 program's clock_gettime() and sched_getcpu() call the vDSO;
 * the application's call the kernel's ring-0 vDSO, the same lib/vdso code
 * linked into the application's text.  Either way:
 *
 * - every clock that the vDSO reads gives what the system call gives: a
 *   value between those of two system calls around it;
 * - with the TSC as clock source (tsc or tsc-early), CLOCK_MONOTONIC and sched_getcpu() make
 *   no system call (a seccomp filter that fails them does not see them),
 *   and the clocks the vDSO does not read fall back to the system call
 *   (the filter sees them);
 * - with a clock source that has no vDSO mode (the HPET or the ACPI PM
 *   timer, switched to through sysfs), every clock falls back;
 * - time is monotonic for a thread that moves between CPUs, and getcpu()
 *   follows it;
 * - a task in a time namespace sees the namespace's offsets;
 * - a bad pointer is a SIGSEGV for the caller where the vDSO writes the
 *   time (EFAULT from the system call otherwise), a kernel pointer EFAULT
 *   in ring 0, an invalid clock EINVAL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "ukl_test.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME	0x00000080
#endif

#define NSEC_PER_SEC	1000000000LL

static int64_t ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

/* The system call itself, whatever the C library would do. */
static int sys_clock_gettime(clockid_t clock, struct timespec *ts)
{
	return syscall(SYS_clock_gettime, clock, ts);
}

static const struct {
	clockid_t id;
	const char *name;
} clocks[] = {
	{ CLOCK_REALTIME, "realtime" },
	{ CLOCK_MONOTONIC, "monotonic" },
	{ CLOCK_MONOTONIC_RAW, "monotonic_raw" },
	{ CLOCK_BOOTTIME, "boottime" },
	{ CLOCK_TAI, "tai" },
	{ CLOCK_REALTIME_COARSE, "realtime_coarse" },
	{ CLOCK_MONOTONIC_COARSE, "monotonic_coarse" },
};

/*
 * clock_gettime() between two system calls reads a time between theirs,
 * @n times in a row: a wrong scale, base or sequence retry shows.
 */
static int matches_syscall(unsigned int i, int n)
{
	struct timespec a, b, v;

	while (n--) {
		if (sys_clock_gettime(clocks[i].id, &a) ||
		    clock_gettime(clocks[i].id, &v) ||
		    sys_clock_gettime(clocks[i].id, &b))
			return 0;
		if (ts_ns(&a) > ts_ns(&v) || ts_ns(&v) > ts_ns(&b)) {
			ksft_print_msg("%s: %lld <= %lld <= %lld fails\n",
				       clocks[i].name, (long long)ts_ns(&a),
				       (long long)ts_ns(&v), (long long)ts_ns(&b));
			return 0;
		}
	}
	return 1;
}

static void test_matches_syscall(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(clocks); i++)
		ksft_test_result(matches_syscall(i, 3000), "%s_matches_syscall\n",
				 clocks[i].name);
}

/* The clock source's sysfs file, /tmp/sys/devices/.../current_clocksource. */
static const char *clocksource_file(const char *which)
{
	static char path[128];

	snprintf(path, sizeof(path),
		 "%s/devices/system/clocksource/clocksource0/%s_clocksource",
		 ukl_test_sysfs(), which);
	return path;
}

static int read_clocksource(const char *which, char *buf, size_t size)
{
	if (!ukl_test_read_file(clocksource_file(which), buf, size))
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	return 1;
}

/*
 * Select clock source @name, or with "" let the kernel choose again (the
 * override is cleared).  Return: 1 if the current one is then @name, or
 * for "" not @old.
 */
static int set_clocksource(const char *name, const char *old)
{
	const char *path = clocksource_file("current");
	char now[64];
	FILE *f;

	f = fopen(path, "w");
	if (!f)
		return 0;
	fprintf(f, "%s\n", name);
	fclose(f);
	if (!read_clocksource("current", now, sizeof(now)))
		return 0;
	return *name ? !strcmp(now, name) : strcmp(now, old) != 0;
}

/*
 * tsc-early serves until the TSC is calibrated, a second or so after the
 * boot (tsc_refine_calibration_work()).  It is not valid for high
 * resolution timers, so once the kernel has left it for another clock
 * source it does not choose it again, and a switch back would fail: wait
 * up to 10 s for the calibrated "tsc" (or for the kernel to give the TSC
 * up), with @cur the current clock source on entry and on return.
 */
static void wait_for_tsc(char *cur, size_t size)
{
	const struct timespec tick = { .tv_nsec = 50 * 1000 * 1000 };
	int i;

	for (i = 0; i < 200 && !strcmp(cur, "tsc-early"); i++) {
		nanosleep(&tick, NULL);
		if (!read_clocksource("current", cur, size))
			return;
	}
}

/*
 * In a child with a seccomp filter that fails clock_gettime and getcpu:
 * whether each call reaches the filter (a system call, EPERM) or not.
 * Exit status: bit 0 CLOCK_MONOTONIC worked, bit 1 sched_getcpu() worked,
 * bit 2 CLOCK_PROCESS_CPUTIME_ID failed with EPERM, 8 if the filter
 * could not be installed or does not stop the system call.
 */
static int calls_without_syscall(void)
{
	struct timespec ts;
	int status = 0, r = 0;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		if (!ukl_test_seccomp_deny(SYS_clock_gettime, SYS_getcpu) ||
		    sys_clock_gettime(CLOCK_MONOTONIC, &ts) != -1 ||
		    errno != EPERM)
			_exit(8);
		if (!clock_gettime(CLOCK_MONOTONIC, &ts))
			r |= 1;
		if (sched_getcpu() >= 0)
			r |= 2;
		errno = 0;
		if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == -1 &&
		    errno == EPERM)
			r |= 4;
		_exit(r);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 8;
	return WEXITSTATUS(status);
}

/*
 * With the TSC, the vDSO answers CLOCK_MONOTONIC and getcpu() without a
 * system call; with the HPET or the ACPI PM timer, which have no vDSO
 * mode, it falls back to the system call.  Other clock sources (a
 * hypervisor's) are not tested: ring 3 reads kvm-clock, ring 0 falls back.
 */
static void test_syscall_free(void)
{
	static const char *const slow[] = { "hpet", "acpi_pm" };
	char cur[64], avail[256];
	unsigned int i;
	int r, ok, switched;

	ok = read_clocksource("current", cur, sizeof(cur));
	if (ok)
		wait_for_tsc(cur, sizeof(cur));
	if (!ok || !read_clocksource("available", avail, sizeof(avail))) {
		ksft_test_result_fail("clocksource_in_sysfs\n");
		ksft_test_result_skip("no_syscall_with_tsc\n");
		ksft_test_result_skip("fallback_without_vdso_clocksource\n");
		return;
	}
	ksft_test_result_pass("clocksource_in_sysfs\n");
	ksft_print_msg("clock source %s of %s\n", cur, avail);

	if (strncmp(cur, "tsc", 3)) {
		ksft_test_result_skip("no_syscall_with_tsc (clock source %s)\n", cur);
	} else {
		r = calls_without_syscall();
		if (r != 7)
			ksft_print_msg("tsc: monotonic %s, getcpu %s, cputime %s\n",
				       r & 1 ? "read" : "failed",
				       r & 2 ? "read" : "failed",
				       r & 4 ? "system call" : "not a system call");
		ksft_test_result(r == 7, "no_syscall_with_tsc\n");
	}

	/*
	 * Already on one of them (the kernel gave up the TSC, as under
	 * STRESS): test it as it is.  Otherwise switch to the first one
	 * available, and back by clearing the override.
	 */
	for (i = 0; i < ARRAY_SIZE(slow); i++)
		if (!strcmp(cur, slow[i]))
			break;
	switched = i == ARRAY_SIZE(slow);
	if (switched)
		for (i = 0; i < ARRAY_SIZE(slow); i++)
			if (strstr(avail, slow[i]))
				break;
	if (i == ARRAY_SIZE(slow)) {
		ksft_print_msg("neither hpet nor acpi_pm available\n");
		ksft_test_result_skip("fallback_without_vdso_clocksource\n");
		return;
	}
	ok = !switched || set_clocksource(slow[i], NULL);
	if (ok) {
		/* No vDSO: MONOTONIC reaches the filter; getcpu() needs none. */
		r = calls_without_syscall();
		ok = r == 6;
		if (!ok)
			ksft_print_msg("%s: monotonic %s, getcpu %s, cputime %s\n",
				       slow[i], r & 1 ? "read without a system call" :
				       "system call", r & 2 ? "read" : "failed",
				       r & 4 ? "system call" : "not a system call");
		ok = ok && matches_syscall(1, 1000);
	}
	if (switched && !set_clocksource("", slow[i])) {
		ksft_print_msg("could not switch back from %s\n", slow[i]);
		ok = 0;
	}
	ksft_test_result(ok, "fallback_without_vdso_clocksource %s\n", slow[i]);
}

/*
 * Moved from CPU to CPU by sched_setaffinity(), the thread reads a
 * CLOCK_MONOTONIC that never goes back and a getcpu() that names the CPU
 * it was moved to.
 */
static void test_across_cpus(void)
{
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), i, cpu = 0, got = 0;
	int64_t last = 0, now = 0;
	int mono = 1, getcpu = 1;
	cpu_set_t all;

	if (ncpu < 2) {
		ksft_test_result_skip("monotonic_across_cpus (one CPU)\n");
		ksft_test_result_skip("getcpu_follows_migration (one CPU)\n");
		return;
	}
	for (i = 0; i < 2000 && mono && getcpu; i++) {
		cpu = i % ncpu;
		if (ukl_test_pin_cpu(cpu)) {
			getcpu = 0;
			break;
		}
		got = sched_getcpu();
		getcpu = got == cpu;
		now = ukl_test_ns(CLOCK_MONOTONIC);
		mono = now >= last;
		last = now;
	}
	if (!getcpu)
		ksft_print_msg("pinned to CPU %d, getcpu() says %d\n", cpu, got);
	if (!mono)
		ksft_print_msg("CPU %d: monotonic went back from %lld to %lld\n",
			       cpu, (long long)last, (long long)now);
	CPU_ZERO(&all);
	for (i = 0; i < ncpu; i++)
		CPU_SET(i, &all);
	sched_setaffinity(0, sizeof(all), &all);
	ksft_test_result(mono, "monotonic_across_cpus\n");
	ksft_test_result(getcpu, "getcpu_follows_migration\n");
}

/*
 * A child made in a new time namespace whose CLOCK_MONOTONIC and
 * CLOCK_BOOTTIME are 1000 s ahead reads both 1000 s ahead of its parent,
 * through the C library as through the system call.
 */
static void test_time_namespace(void)
{
	static const char offsets[] = "monotonic 1000 0\nboottime 1000 0\n";
	char path[64];
	int status = 0, ok = 0, fd;
	int64_t before;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		if (unshare(CLONE_NEWTIME))
			_exit(errno == EINVAL ? 9 : 2);
		snprintf(path, sizeof(path), "%s/self/timens_offsets",
			 ukl_test_procfs());
		fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, offsets, sizeof(offsets) - 1) !=
		    sizeof(offsets) - 1)
			_exit(3);
		close(fd);
		before = ukl_test_ns(CLOCK_MONOTONIC);
		pid = fork();
		if (pid == 0) {
			struct timespec sys;
			int64_t mono = ukl_test_ns(CLOCK_MONOTONIC);
			int64_t boot = ukl_test_ns(CLOCK_BOOTTIME);

			if (sys_clock_gettime(CLOCK_MONOTONIC, &sys))
				_exit(4);
			if (mono - before < 1000 * NSEC_PER_SEC ||
			    mono - before > 1010 * NSEC_PER_SEC)
				_exit(5);
			if (ts_ns(&sys) < mono || ts_ns(&sys) - mono > 10 * NSEC_PER_SEC)
				_exit(6);
			_exit(boot >= mono ? 0 : 7);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status))
			_exit(8);
		_exit(WEXITSTATUS(status));
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		ok = WEXITSTATUS(status) == 0;
	/* A kernel without CONFIG_TIME_NS, such as configs/micro.config. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 9) {
		ksft_test_result_skip("time_namespace_offsets (no time namespaces)\n");
		return;
	}
	/* Exit 2: unshare, 3: offsets, 5: not offset, 6: not the syscall's. */
	if (!ok)
		ksft_print_msg("time namespace child: status %#x\n", status);
	ksft_test_result(ok, "time_namespace_offsets\n");
}

/*
 * An invalid clock is EINVAL.  A pointer to no memory is a SIGSEGV for the
 * caller when the vDSO writes the time (with the TSC), as in ring 3, and
 * EFAULT when the system call does.
 */
static void test_bad_arguments(void)
{
	struct timespec ts;
	int status = 0, ok, vdso;
	unsigned long kernel;
	char cur[64];
	pid_t pid;

	errno = 0;
	ok = clock_gettime(1000, &ts) == -1 && errno == EINVAL;
	errno = 0;
	ok = ok && clock_gettime(-1, &ts) == -1 && errno == EINVAL;
	ksft_test_result(ok, "invalid_clock_einval\n");

	vdso = read_clocksource("current", cur, sizeof(cur)) &&
	       !strncmp(cur, "tsc", 3);
	pid = fork();
	if (pid == 0) {
		errno = 0;
		if (clock_gettime(CLOCK_MONOTONIC, (struct timespec *)8) == -1 &&
		    errno == EFAULT)
			_exit(3);
		_exit(0);
	}
	ok = pid > 0 && waitpid(pid, &status, 0) == pid;
	if (vdso)
		ok = ok && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
	else
		ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 3;
	if (!ok)
		ksft_print_msg("clock_gettime(.., 8) with %s: status %#x\n",
			       vdso ? "the vDSO" : "the system call", status);
	ksft_test_result(ok, "bad_pointer_sigsegv\n");

	/*
	 * A kernel address: the ring-3 vDSO faults on it, the system call
	 * fails it with EFAULT, and so must the ring-0 vDSO, which could
	 * write there.
	 */
	kernel = ukl_test_kernel_text();
	status = 0;
	pid = fork();
	if (pid == 0) {
		errno = 0;
		if (clock_gettime(CLOCK_MONOTONIC, (struct timespec *)kernel) == -1 &&
		    errno == EFAULT)
			_exit(3);
		_exit(0);
	}
	ok = pid > 0 && waitpid(pid, &status, 0) == pid;
	if (vdso && ukl_test_cpl() == 3)
		ok = ok && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
	else
		ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 3;
	if (!ok)
		ksft_print_msg("clock_gettime(.., %#lx) with %s: status %#x\n", kernel,
			       vdso ? "the vDSO" : "the system call", status);
	ksft_test_result(ok, "kernel_pointer_efault\n");
}

UKL_TEST_MAIN(vdso)
{
	ksft_print_header();
	ksft_set_plan(ARRAY_SIZE(clocks) + 9);
	ksft_print_msg("cpl %d\n", ukl_test_cpl());

	test_matches_syscall();
	test_syscall_free();
	test_across_cpus();
	test_time_namespace();
	test_bad_arguments();
	ksft_finished();
}
