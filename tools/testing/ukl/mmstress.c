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
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "ukl_test.h"

/* From the kernel's UAPI <linux/userfaultfd.h>, which musl does not ship. */
#define UFFD_API			0xAAULL
#define UFFDIO_REGISTER_MODE_MISSING	(1ULL << 0)

struct uffdio_api {
	uint64_t api, features, ioctls;
};

struct uffdio_range {
	uint64_t start, len;
};

struct uffdio_register {
	struct uffdio_range range;
	uint64_t mode, ioctls;
};

struct uffdio_zeropage {
	struct uffdio_range range;
	uint64_t mode;
	int64_t zeropage;
};

#define UFFDIO_REGISTER	_IOWR(0xAA, 0x00, struct uffdio_register)
#define UFFDIO_ZEROPAGE	_IOWR(0xAA, 0x04, struct uffdio_zeropage)
#define UFFDIO_API	_IOWR(0xAA, 0x3F, struct uffdio_api)

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
static noreturn void revoke_stack_in_read(const char *how)
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

/* A page registered with a userfaultfd, whose faults wait for a resolver. */
static int uffd = -1;
static char *uffd_page;
static int usr1_count;

static void on_usr1(int sig)
{
	WRITE_ONCE(usr1_count, READ_ONCE(usr1_count) + 1);
}

/**
 * uffd_setup() - map a page whose first touch waits in handle_userfault()
 *
 * Return: true if the page and its userfaultfd are set up.
 */
static int uffd_setup(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	uffd_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (uffd < 0 || uffd_page == MAP_FAILED || ioctl(uffd, UFFDIO_API, &api)) {
		ksft_perror("userfaultfd");
		return 0;
	}
	reg.range.start = (unsigned long)uffd_page;
	reg.range.len = PAGE;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
		ksft_perror("UFFDIO_REGISTER");
		return 0;
	}
	return 1;
}

/* Loads from the userfaultfd page: waits until the fault is resolved. */
static void *uffd_toucher(void *arg)
{
	return (void *)(unsigned long)READ_ONCE(*uffd_page);
}

/**
 * exit_during_uffd_fault() - exit_group() while a thread waits in a fault
 * @unused: no argument
 *
 * The waiting fault comes back with VM_FAULT_RETRY and a fatal signal
 * pending: a ring-3 thread just dies with its process, and so must a
 * thread of the application, instead of oopsing as a kernel fault.
 *
 * Return: never; the process exits with status 7.
 */
static noreturn void exit_during_uffd_fault(const char *unused)
{
	pthread_t thread;

	if (!uffd_setup() || pthread_create(&thread, NULL, uffd_toucher, NULL))
		_exit(2);
	usleep(200 * 1000);
	_exit(7);
}

/**
 * signal_during_uffd_fault() - a signal interrupts a waiting fault
 *
 * A signal for a thread that waits in a fault is delivered first: its
 * handler runs, and the thread faults again afterwards.  A fault of the
 * application must not retry the wait for as long as the signal is
 * pending (which is for ever, since only the return delivers it).
 *
 * Return: true if the handler ran while the fault was still unresolved.
 */
static int signal_during_uffd_fault(void)
{
	struct uffdio_zeropage zero = { .range = { 0, PAGE } };
	pthread_t thread;
	int i, ran;

	signal(SIGUSR1, on_usr1);
	WRITE_ONCE(usr1_count, 0);
	if (!uffd_setup() || pthread_create(&thread, NULL, uffd_toucher, NULL))
		return 0;
	usleep(200 * 1000);
	pthread_kill(thread, SIGUSR1);
	for (i = 0; i < 200 && !READ_ONCE(usr1_count); i++)
		usleep(10 * 1000);
	ran = READ_ONCE(usr1_count);
	if (!ran)
		ksft_print_msg("SIGUSR1 not handled within 2 s of a waiting fault\n");
	zero.range.start = (unsigned long)uffd_page;
	ioctl(uffd, UFFDIO_ZEROPAGE, &zero);
	pthread_join(thread, NULL);
	close(uffd);
	munmap(uffd_page, PAGE);
	return ran;
}

/**
 * exits_with() - run a function in a child and check its exit status
 * @fn: what the child runs (it does not return)
 * @arg: its argument
 * @code: the exit status the child must end with
 *
 * Return: true if the child exited with @code.
 */
static int exits_with(void (*fn)(const char *), const char *arg, int code)
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
	if (!WIFEXITED(status) || WEXITSTATUS(status) != code) {
		ksft_print_msg("child status 0x%x, expected exit %d\n", status, code);
		return 0;
	}
	return 1;
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
	ksft_set_plan(4);

	ksft_test_result(dies_of(revoke_stack_in_read, "mprotect", SIGSEGV),
			 "stack_mprotected_in_read_segv\n");
	ksft_test_result(dies_of(revoke_stack_in_read, "munmap", SIGSEGV),
			 "stack_unmapped_in_read_segv\n");
	ksft_test_result(exits_with(exit_during_uffd_fault, NULL, 7),
			 "exit_group_during_waiting_fault\n");
	ksft_test_result(signal_during_uffd_fault(), "signal_interrupts_waiting_fault\n");

	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
