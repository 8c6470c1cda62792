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
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "ukl_test.h"

/* From the kernel's UAPI <linux/userfaultfd.h>, which musl does not ship. */
#define UFFD_API			0xAAULL
#define UFFDIO_REGISTER_MODE_MISSING	1ULL

struct uffdio_api {
	unsigned long long api, features, ioctls;
};

struct uffdio_range {
	unsigned long long start, len;
};

struct uffdio_register {
	struct uffdio_range range;
	unsigned long long mode, ioctls;
};

struct uffdio_zeropage {
	struct uffdio_range range;
	unsigned long long mode;
	long long zeropage;
};

#define UFFDIO_REGISTER	_IOWR(0xAA, 0x00, struct uffdio_register)
#define UFFDIO_ZEROPAGE	_IOWR(0xAA, 0x04, struct uffdio_zeropage)
#define UFFDIO_API	_IOWR(0xAA, 0x3F, struct uffdio_api)

#define PAGE		4096UL
#define THREAD_STACK	(64 * PAGE)

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT	21
#endif
#define MPOL_MF_MOVE	2	/* <numaif.h>, which musl does not ship */

static int pipe_fds[2];

/**
 * write_file() - write a string to a file, as echo does
 * @path: the file
 * @text: what to write
 *
 * Return: true if all of it was written.
 */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, text, strlen(text));
		close(fd);
	}
	return n == (ssize_t)strlen(text);
}

/**
 * sysfs() - mount sysfs at /tmp/sys, once
 *
 * Return: the mount point.
 */
static const char *sysfs(void)
{
	mkdir("/tmp/sys", 0755);
	if (access("/tmp/sys/block", F_OK))
		mount("sysfs", "/tmp/sys", "sysfs", 0, NULL);
	return "/tmp/sys";
}

/**
 * swap_on() - swap on the first zram device, set up once a boot
 *
 * Anonymous pages go to swap when reclaimed or paged out: without swap,
 * MADV_PAGEOUT leaves them in place.  The swap area's header is the one
 * mkswap writes (version 1, no bad pages).
 *
 * Return: true if swap is on.
 */
static int swap_on(void)
{
	static const size_t size = 64 << 20;
	static char header[PAGE];
	unsigned int maj, min;
	char buf[64];
	int fd, ok;

	sysfs();
	if (ukl_test_read_file("/proc/swaps", buf, sizeof(buf)) && strchr(buf, '\n') &&
	    strchr(buf, '\n')[1])
		return 1;
	/* disksize only once: it stays set (EBUSY) when swapon fails. */
	write_file("/tmp/sys/block/zram0/disksize", "64M");
	if (!ukl_test_read_file("/tmp/sys/block/zram0/dev", buf, sizeof(buf)) ||
	    sscanf(buf, "%u:%u", &maj, &min) != 2) {
		ksft_print_msg("no zram0 (CONFIG_ZRAM)\n");
		return 0;
	}
	unlink("/tmp/zram0");
	mknod("/tmp/zram0", S_IFBLK | 0600, makedev(maj, min));
	*(uint32_t *)(header + 1024) = 1;			/* version */
	*(uint32_t *)(header + 1028) = size / PAGE - 1;		/* last page */
	memcpy(header + PAGE - 10, "SWAPSPACE2", 10);
	fd = open("/tmp/zram0", O_WRONLY);
	ok = fd >= 0 && pwrite(fd, header, PAGE, 0) == PAGE && !fsync(fd);
	if (fd >= 0)
		close(fd);
	if (!ok || swapon("/tmp/zram0", 0)) {
		ksft_perror("swap on zram0");
		return 0;
	}
	return 1;
}

/* Blocks in read() until the parent thread writes; returns on its stack. */
static void *blocked_reader(void *arg)
{
	char c;

	if (read(pipe_fds[0], &c, 1) != 1)
		return (void *)1;
	return NULL;
}

/**
 * start_blocked_reader() - a thread blocked in read() on a stack of its own
 * @thread: the thread
 *
 * Return: the thread's stack (THREAD_STACK bytes), or NULL.
 */
static char *start_blocked_reader(pthread_t *thread)
{
	pthread_attr_t attr;
	char *stack;

	stack = mmap(NULL, THREAD_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED || pipe(pipe_fds))
		return NULL;
	pthread_attr_init(&attr);
	pthread_attr_setstack(&attr, stack, THREAD_STACK);
	if (pthread_create(thread, &attr, blocked_reader, NULL))
		return NULL;
	/* Long enough for the reader to block (under TCG, too). */
	usleep(200 * 1000);
	return stack;
}

/**
 * wake_reader() - let the blocked reader return, and wait for it
 * @thread: the thread
 *
 * Return: true if its read() returned the byte and it ended normally.
 */
static int wake_reader(pthread_t thread)
{
	void *ret = (void *)1;

	if (write(pipe_fds[1], "x", 1) != 1)
		return 0;
	pthread_join(thread, &ret);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	return !ret;
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
	pthread_t thread;
	char *stack = start_blocked_reader(&thread);

	if (!stack)
		_exit(2);
	if (!strcmp(how, "munmap"))
		munmap(stack, THREAD_STACK);
	else
		mprotect(stack, THREAD_STACK, PROT_NONE);
	wake_reader(thread);
	_exit(0);
}

/**
 * resident_pages() - count the resident pages of a range
 * @p: its start
 * @len: its length
 *
 * Return: the number of pages of @p..@p+@len that are in memory.
 */
static int resident_pages(char *p, size_t len)
{
	unsigned char vec[THREAD_STACK / PAGE];
	int i, n = 0;

	if (len > THREAD_STACK || mincore(p, len, vec))
		return -1;
	for (i = 0; i < (int)(len / PAGE); i++)
		n += vec[i] & 1;
	return n;
}

/**
 * page_out_stack_in_read() - swap a blocked thread's stack out, then wake it
 *
 * The return of the thread's read() loads from its stack, and the
 * application's system call return does so in its entry code: the load
 * must fault the pages back in, as in ring 3.
 *
 * Return: KSFT_PASS, KSFT_FAIL, or KSFT_SKIP without swap.
 */
static int page_out_stack_in_read(void)
{
	pthread_t thread;
	char *stack;
	int before, after;

	if (!swap_on())
		return KSFT_SKIP;
	stack = start_blocked_reader(&thread);
	if (!stack)
		return KSFT_FAIL;
	before = resident_pages(stack, THREAD_STACK);
	if (madvise(stack, THREAD_STACK, MADV_PAGEOUT))
		ksft_perror("MADV_PAGEOUT");
	after = resident_pages(stack, THREAD_STACK);
	if (before <= 0 || after != 0)
		ksft_print_msg("resident stack pages: %d, after MADV_PAGEOUT %d\n",
			       before, after);
	if (!wake_reader(thread))
		return KSFT_FAIL;
	munmap(stack, THREAD_STACK);
	return before > 0 && after == 0 ? KSFT_PASS : KSFT_FAIL;
}

/**
 * migrate_stack_in_read() - move a blocked thread's stack to another node
 *
 * Return: KSFT_PASS, KSFT_FAIL, or KSFT_SKIP with one NUMA node.
 */
static int migrate_stack_in_read(void)
{
	void *pages[THREAD_STACK / PAGE];
	int nodes[THREAD_STACK / PAGE], status[THREAD_STACK / PAGE];
	int i, n = 0, moved = 0, to;
	pthread_t thread;
	char *stack;

	if (access(sysfs(), F_OK) || access("/tmp/sys/devices/system/node/node1", F_OK))
		return KSFT_SKIP;
	stack = start_blocked_reader(&thread);
	if (!stack)
		return KSFT_FAIL;
	/* The pages the thread touched, and the node they are on. */
	for (i = 0; i < (int)(THREAD_STACK / PAGE); i++)
		pages[i] = stack + i * PAGE;
	syscall(__NR_move_pages, 0, THREAD_STACK / PAGE, pages, NULL, status, 0);
	for (i = 0; i < (int)(THREAD_STACK / PAGE); i++)
		if (status[i] >= 0)
			pages[n++] = pages[i];
	to = n ? !status[0] : 1;
	for (i = 0; i < n; i++)
		nodes[i] = to;
	if (n)
		syscall(__NR_move_pages, 0, n, pages, nodes, status, MPOL_MF_MOVE);
	for (i = 0; i < n; i++)
		moved += status[i] == to;
	if (!n || moved != n)
		ksft_print_msg("%d of %d stack pages moved to node %d\n", moved, n, to);
	if (!wake_reader(thread))
		return KSFT_FAIL;
	munmap(stack, THREAD_STACK);
	return n && moved == n ? KSFT_PASS : KSFT_FAIL;
}

/**
 * exceed_memcg() - use more memory than the memory cgroup allows
 * @unused: no argument
 *
 * The child moves itself into a memory cgroup of 8 MiB without swap and
 * touches 64 MiB: a page fault charges the page that does not fit, the
 * OOM killer picks the child and it dies of SIGKILL, in ring 0 as in
 * ring 3.
 *
 * Return: never; exit status 2 if the cgroup could not be set up.
 */
static noreturn void exceed_memcg(const char *unused)
{
	char pid[32], *p;
	size_t i;

	mkdir("/tmp/cg", 0755);
	mount("cgroup2", "/tmp/cg", "cgroup2", 0, NULL);
	write_file("/tmp/cg/cgroup.subtree_control", "+memory");
	mkdir("/tmp/cg/mmstress", 0755);
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (!write_file("/tmp/cg/mmstress/memory.max", "8M") ||
	    !write_file("/tmp/cg/mmstress/memory.swap.max", "0") ||
	    !write_file("/tmp/cg/mmstress/cgroup.procs", pid)) {
		ksft_perror("memory cgroup");
		_exit(2);
	}
	p = mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; p != MAP_FAILED && i < 64 << 20; i += PAGE)
		WRITE_ONCE(p[i], 1);
	_exit(3);
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
 * child_status() - run a function in a child process and wait for it
 * @fn: what the child runs (it does not return)
 * @arg: its argument
 *
 * Return: the child's wait status, or -1 if it could not run.
 */
static int child_status(void (*fn)(const char *), const char *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		fn(arg);
	return waitpid(pid, &status, 0) == pid ? status : -1;
}

/**
 * exits_with() - check that a child exits with a status
 * @fn: what the child runs
 * @arg: its argument
 * @code: the exit status it must end with
 *
 * Return: true if it did.
 */
static int exits_with(void (*fn)(const char *), const char *arg, int code)
{
	int status = child_status(fn, arg);

	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != code) {
		ksft_print_msg("child status 0x%x, expected exit %d\n", status, code);
		return 0;
	}
	return 1;
}

/**
 * dies_of() - check that a child is killed by a signal
 * @fn: what the child runs
 * @arg: its argument
 * @sig: the signal that must end it
 *
 * Return: true if it was.
 */
static int dies_of(void (*fn)(const char *), const char *arg, int sig)
{
	int status = child_status(fn, arg);

	if (status == -1 || !WIFSIGNALED(status) || WTERMSIG(status) != sig) {
		ksft_print_msg("child status 0x%x, expected death by signal %d\n",
			       status, sig);
		return 0;
	}
	return 1;
}

UKL_TEST_MAIN(mmstress)
{
	ksft_print_header();
	ksft_set_plan(7);

	ksft_test_result(dies_of(revoke_stack_in_read, "mprotect", SIGSEGV),
			 "stack_mprotected_in_read_segv\n");
	ksft_test_result(dies_of(revoke_stack_in_read, "munmap", SIGSEGV),
			 "stack_unmapped_in_read_segv\n");
	ksft_test_result(exits_with(exit_during_uffd_fault, NULL, 7),
			 "exit_group_during_waiting_fault\n");
	ksft_test_result(signal_during_uffd_fault(), "signal_interrupts_waiting_fault\n");
	ksft_test_result_report(page_out_stack_in_read(), "stack_paged_out_in_read\n");
	ksft_test_result_report(migrate_stack_in_read(), "stack_migrated_in_read\n");
	ksft_test_result(dies_of(exceed_memcg, NULL, SIGKILL), "memcg_oom_kills\n");

	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
