// SPDX-License-Identifier: GPL-2.0
/*
 * UKL scheduling test: the application's compute loops are preemptible
 * user code.
 *
 * A loop without system calls in the application must be preempted at the
 * end of its time slice, so that other threads on the same CPU run, and
 * its CPU time must count as user time, also when it runs the kernel's
 * retpoline and return thunks.  Both threads are pinned to one
 * CPU, so the test means the same whatever the number of CPUs.  The runner
 * checks the console for RCU stalls and soft lockups, which a loop that
 * the kernel took for kernel code would cause.
 *
 * The compute loop runs 10 seconds, or UKL_TEST_SPIN seconds if that is
 * set in the environment (for init: UKL_TEST_SPIN=60 on the kernel
 * command line).  The UKL scenario boots with RCU stall and soft lockup
 * timeouts below that (configs/UKL.boot).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "kselftest.h"
#include "ukl_test.h"

static int stop;
static unsigned long wakeups;
static int spin_seconds = 10;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep 10 ms at a time for spin_seconds, then stop the compute loop. */
static void *sleeper(void *arg)
{
	struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	double end;

	ukl_test_pin_cpu(0);
	end = now() + spin_seconds;
	while (now() < end) {
		nanosleep(&tick, NULL);
		WRITE_ONCE(wakeups, READ_ONCE(wakeups) + 1);
	}
	WRITE_ONCE(stop, 1);
	return NULL;
}

/*
 * The main thread spins without a system call until the sleeper, on the
 * same CPU, stops it: that only happens if the loop is preempted.  The
 * sleeper must have woken up at least a quarter as often as it asked.
 */
static void test_preempted(void)
{
	unsigned long loops = 0;
	pthread_t tid;
	double start;
	bool ok;

	WRITE_ONCE(stop, 0);
	WRITE_ONCE(wakeups, 0);
	if (ukl_test_pin_cpu(0) || pthread_create(&tid, NULL, sleeper, NULL)) {
		ksft_test_result_fail("compute_loop_preempted\n");
		return;
	}
	start = now();
	while (!READ_ONCE(stop))
		loops++;
	pthread_join(tid, NULL);
	ok = loops > 0 && READ_ONCE(wakeups) >= (unsigned long)spin_seconds * 100 / 4;
	ksft_print_msg("%d s: %lu sleeper wakeups, loop ran %.1f s\n",
		       spin_seconds, READ_ONCE(wakeups), now() - start);
	ksft_test_result(ok, "compute_loop_preempted\n");
}

static double cpu_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double tv(struct timeval t)
{
	return t.tv_sec + t.tv_usec / 1e6;
}

static void compute(unsigned long *n)
{
	unsigned long i;

	for (i = 0; i < 100000; i++)
		WRITE_ONCE(*n, *n + 1);
}

static __attribute__((noipa)) void empty(void)
{
}

/* Calls empty() through a pointer that the compiler cannot see through. */
static void compute_calls(unsigned long *n)
{
	void (*call)(void) = empty;
	unsigned long i;

	for (i = 0; i < 10000; i++) {
		__asm__ volatile("" : "+r"(call));
		call();
		WRITE_ONCE(*n, *n + 1);
	}
}

/*
 * Half a second of CPU time in @loop is user time, like in ring 3: ticks
 * that hit the application count as user ticks.
 */
static void test_user_time(const char *name, void (*loop)(unsigned long *n))
{
	double end = cpu_time() + 0.5, utime, stime;
	struct rusage before, after;
	unsigned long n = 0;

	getrusage(RUSAGE_SELF, &before);
	while (cpu_time() < end)
		loop(&n);
	getrusage(RUSAGE_SELF, &after);
	utime = tv(after.ru_utime) - tv(before.ru_utime);
	stime = tv(after.ru_stime) - tv(before.ru_stime);
	ksft_print_msg("0.5 s of %s: user %.2f s, system %.2f s\n",
		       name, utime, stime);
	ksft_test_result(utime >= 0.25 && utime > 2 * stime, "%s_is_user_time\n",
			 name);
}

UKL_TEST_MAIN(sched)
{
	const char *spin = getenv("UKL_TEST_SPIN");

	if (spin && atoi(spin) > 0)
		spin_seconds = atoi(spin);

	ksft_print_header();
	ksft_set_plan(3);
	test_user_time("compute", compute);
	/*
	 * In the application on a kernel with retpolines, every call
	 * through a pointer runs the kernel's retpoline thunk, and on one
	 * with return thunks every return runs the return thunk: kernel
	 * text, on the application's stack.  Interrupts and ticks that
	 * hit them hit the application.
	 */
	test_user_time("calls_through_thunks", compute_calls);
	test_preempted();
	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
