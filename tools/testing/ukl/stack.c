// SPDX-License-Identifier: GPL-2.0
/*
 * UKL stack test: deep stacks, in threads and in the main thread.
 *
 * Built as the UKL application (ring 0) and as an ordinary ring-3 program
 * (see suite.c); both must report the same results.  The stack grows into
 * pages that are not present yet.  At CPL 3 the CPU switches to the kernel
 * stack for the page fault; at CPL 0 it pushes the exception frame onto
 * the application's stack, the very page that is missing, so this test
 * exercises the kernel's handling of that case (see "Stack faults" in
 * Documentation/ukl/limitations.rst).  It is an area of its own, booted
 * separately, because the kernel may not survive it.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>

#include "kselftest.h"
#include "ukl_test.h"

#define FRAME	1024

/**
 * recurse() - use stack, FRAME bytes per level
 * @depth: levels still to go
 * @seed: varies the data
 *
 * Every level fills its frame, recurses, then checks that its frame was
 * left alone, so each new page is first touched by a call or a store.
 *
 * Return: a checksum of all levels, or 0 if a frame was corrupted.
 */
static unsigned long __attribute__((noinline)) recurse(unsigned int depth, unsigned long seed)
{
	volatile unsigned char frame[FRAME];
	unsigned long sum, i;

	for (i = 0; i < FRAME; i += 64)
		frame[i] = (unsigned char)(seed + i);
	sum = depth ? recurse(depth - 1, seed * 3 + 1) : 1;
	for (i = 0; sum && i < FRAME; i += 64)
		if (frame[i] != (unsigned char)(seed + i))
			sum = 0;
	return sum ? sum + frame[FRAME - 64] : 0;
}

/* What recurse() must return, computed without the stack. */
static unsigned long expected(unsigned int depth, unsigned long seed)
{
	unsigned long seeds[1024], sum = 1;
	unsigned int i;

	for (i = 0; i <= depth; i++, seed = seed * 3 + 1)
		seeds[i] = seed;
	for (i = depth + 1; i-- > 0; )
		sum += (unsigned char)(seeds[i] + FRAME - 64);
	return sum;
}

static void *deep_thread(void *arg)
{
	unsigned int depth = (uintptr_t)arg;

	return (void *)(uintptr_t)(recurse(depth, 7) == expected(depth, 7));
}

/* 200 KiB deep into a 1 MiB thread stack. */
static void test_thread_deep(void)
{
	pthread_attr_t attr;
	void *ret = NULL;
	pthread_t t;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1 << 20);
	if (pthread_create(&t, &attr, deep_thread, (void *)(uintptr_t)200) ||
	    pthread_join(t, &ret))
		ret = NULL;
	pthread_attr_destroy(&attr);
	ksft_test_result(ret == (void *)1, "thread_stack_200KiB_of_1MiB\n");
}

/*
 * Timer signals arrive while the thread grows its stack, so that interrupts
 * and signal frames land on freshly faulted pages too.
 */
static volatile int ticks;

static void on_tick(int sig)
{
	ticks++;
}

static void test_thread_deep_signals(void)
{
	struct sigaction sa = { .sa_handler = on_tick, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } }, off = { 0 };
	pthread_attr_t attr;
	void *ret = (void *)1;
	pthread_t t;
	int i;

	ticks = 0;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1 << 20);
	/* Fresh stacks each time: each recursion faults its pages in. */
	for (i = 0; i < 20 && ret == (void *)1; i++)
		if (pthread_create(&t, &attr, deep_thread, (void *)(uintptr_t)(100 + i * 30)) ||
		    pthread_join(t, &ret))
			ret = NULL;
	setitimer(ITIMER_REAL, &off, NULL);
	pthread_attr_destroy(&attr);
	ksft_test_result(ret == (void *)1, "thread_stacks_deep_with_timer_signals\n");
}

/* The main thread, beyond the part of its stack that execve() populated. */
static void test_main_deep(void)
{
	ksft_test_result(recurse(900, 11) == expected(900, 11), "main_stack_900KiB\n");
}

UKL_TEST_MAIN(stack)
{
	ksft_print_header();
	ksft_set_plan(3);

	test_thread_deep();
	test_thread_deep_signals();
	test_main_deep();

	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
