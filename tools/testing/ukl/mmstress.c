// SPDX-License-Identifier: GPL-2.0
/*
 * UKL memory attack test: the kernel takes the application's memory away
 * while the application works, and what a ring-3 process would see must
 * happen to the application too: its system calls return, its faults
 * become signals to it, and the kernel neither oopses nor hangs.
 *
 * Each test runs in a child process, whose fate (exit status or signal)
 * the parent checks, since the expected outcome of most is a SIGSEGV.
 *
 * Built as the UKL application (ring 0) and as an ordinary ring-3 program
 * (see suite.c); both must report the same results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "ukl_test.h"

#define PAGE		4096UL
#define THREAD_STACK	(64 * PAGE)

static int pipe_fds[2];

/* Blocks in read() until the parent thread writes; returns on its stack. */
static void *blocked_reader(void *arg)
{
	char c;

	if (read(pipe_fds[0], &c, 1) != 1)
		return (void *)1;
	return NULL;
}

/**
 * revoke_stack_in_read() - take a blocked thread's stack away, then wake it
 * @how: what to do to the stack: "mprotect" makes it PROT_NONE,
 *       "munmap" removes it
 *
 * A thread blocks in read() on a stack of its own; another thread makes
 * that stack inaccessible and then writes to the pipe.  The read returns
 * to a thread without a stack: in ring 3 the next use of the stack raises
 * SIGSEGV.  In ring 0 the system call's return itself loads the return
 * address from that stack, and a fault there must be the application's
 * SIGSEGV too, not a kernel oops.
 *
 * Return: never; the process dies of SIGSEGV (exit status 0 if not).
 */
static void __attribute__((noreturn)) revoke_stack_in_read(const char *how)
{
	pthread_attr_t attr;
	pthread_t thread;
	char *stack;

	stack = mmap(NULL, THREAD_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED || pipe(pipe_fds))
		_exit(2);
	pthread_attr_init(&attr);
	pthread_attr_setstack(&attr, stack, THREAD_STACK);
	if (pthread_create(&thread, &attr, blocked_reader, NULL))
		_exit(3);
	/* Long enough for the reader to block (under TCG, too). */
	usleep(200 * 1000);
	if (!strcmp(how, "munmap"))
		munmap(stack, THREAD_STACK);
	else
		mprotect(stack, THREAD_STACK, PROT_NONE);
	if (write(pipe_fds[1], "x", 1) != 1)
		_exit(4);
	pthread_join(thread, NULL);
	_exit(0);
}

/**
 * dies_of() - run a function in a child and check the signal that ends it
 * @fn: what the child runs (it does not return)
 * @arg: its argument
 * @sig: the signal that must end the child
 *
 * Return: true if the child was killed by @sig.
 */
static int dies_of(void (*fn)(const char *), const char *arg, int sig)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return 0;
	if (!pid)
		fn(arg);
	if (waitpid(pid, &status, 0) != pid)
		return 0;
	if (!WIFSIGNALED(status) || WTERMSIG(status) != sig) {
		ksft_print_msg("child status 0x%x, expected death by signal %d\n",
			       status, sig);
		return 0;
	}
	return 1;
}

UKL_TEST_MAIN(mmstress)
{
	ksft_print_header();
	ksft_set_plan(2);

	ksft_test_result(dies_of(revoke_stack_in_read, "mprotect", SIGSEGV),
			 "stack_mprotected_in_read_segv\n");
	ksft_test_result(dies_of(revoke_stack_in_read, "munmap", SIGSEGV),
			 "stack_unmapped_in_read_segv\n");

	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
