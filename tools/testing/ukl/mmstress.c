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
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "ukl_test.h"

#define PAGE		4096UL
#define THREAD_STACK	(64 * PAGE)

/* From the kernel's UAPI <linux/futex.h>, which musl does not ship. */
#define FUTEX_WAIT_PRIVATE	(0 | 128)
#define FUTEX_WAKE_PRIVATE	(1 | 128)

#ifndef __NR_pidfd_open
#define __NR_pidfd_open		434
#endif
#ifndef __NR_process_madvise
#define __NR_process_madvise	440
#endif

/* Seconds a test's child process may run before it is killed. */
#define CHILD_TIMEOUT	90

static int pipe_fds[2];

/* ukl_test_swap_on(), saying why it failed. */
static int swap_on(void)
{
	if (ukl_test_swap_on())
		return 1;
	ksft_perror("swap on zram0 (CONFIG_ZRAM)");
	return 0;
}

/* ukl_test_memcg_enter(), saying why it failed. */
static int memcg_enter(const char *name, const char *high, const char *max,
		       const char *swap_max)
{
	if (ukl_test_memcg_enter(name, high, max, swap_max))
		return 1;
	ksft_perror(name);
	fflush(stdout);
	return 0;
}

/**
 * wait_child() - wait for a child process, for a bounded time
 * @pid: the child
 * @seconds: how long it may take to end
 *
 * A child that is still there after @seconds is killed: a test that
 * hangs fails instead of stopping the boot.
 *
 * Return: the child's wait status, or -1 if it did not end in time.
 */
static int wait_child(pid_t pid, int seconds)
{
	int status, i;
	pid_t ret;

	for (i = 0; i < seconds * 100 + 500; i++) {
		ret = waitpid(pid, &status, WNOHANG);
		if (ret == pid)
			return i < seconds * 100 ? status : -1;
		if (ret < 0 && errno != EINTR)
			return -1;
		if (i == seconds * 100) {
			ksft_print_msg("child %d still runs after %d s: SIGKILL\n", pid, seconds);
			kill(pid, SIGKILL);
		}
		usleep(10 * 1000);
	}
	ksft_print_msg("child %d did not end after SIGKILL\n", pid);
	return -1;
}

/* Whether wait status @status (-1: none) is an exit with status @code. */
static int exited_with(int status, int code)
{
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

/* Whether wait status @status (-1: none) is a death by signal @sig. */
static int killed_by(int status, int sig)
{
	return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/**
 * memcg_stat() - one counter of a memory cgroup's memory.stat
 * @name: the cgroup's name below /tmp/cg
 * @key: the counter, e.g. "pgsteal"
 *
 * The kernel has no /proc/vmstat events (CONFIG_VM_EVENT_COUNTERS), but a
 * memory cgroup counts its own.
 *
 * Return: its value, or -1 if there is no such counter.
 */
static long memcg_stat(const char *name, const char *key)
{
	return ukl_test_memcg_counter(name, "memory.stat", key);
}

/**
 * went_to_swap() - check that a memory cgroup's pages went to swap and back
 * @name: the cgroup's name below /tmp/cg
 * @steal: its pgsteal before
 * @majfault: its pgmajfault before
 *
 * The cgroup holds anonymous pages only, so the pages reclaimed from it
 * (pgsteal) went to swap, and its major faults (pgmajfault) brought them
 * back.
 *
 * Return: true if both happened since @steal and @majfault.
 */
static int went_to_swap(const char *name, long steal, long majfault)
{
	steal = memcg_stat(name, "pgsteal") - steal;
	majfault = memcg_stat(name, "pgmajfault") - majfault;
	ksft_print_msg("%s: %ld pages swapped out, %ld in\n", name, steal, majfault);
	if (steal > 0 && majfault > 0)
		return 1;
	ksft_print_msg("%s: no swapping: no memory pressure\n", name);
	return 0;
}

/**
 * drain_lru_caches() - put the pages that CPUs hold back on the LRU lists
 *
 * A page that a CPU has just faulted in waits in that CPU's cache for its
 * LRU list, and MADV_PAGEOUT leaves it alone until then.  A write of 1 to
 * drop_caches empties the caches of all CPUs first (then it drops clean
 * page cache, of which the initramfs has none).  A write of 4 first keeps
 * it from logging each write.
 */
static void drain_lru_caches(void)
{
	ukl_test_write_file("/tmp/proc/sys/vm/drop_caches", "4");
	ukl_test_write_file("/tmp/proc/sys/vm/drop_caches", "1");
}

/**
 * fill_words() - fill memory with a pattern that depends on a seed
 * @p: the words
 * @n: their number
 * @seed: the pattern's seed
 *
 * Not inlined (nor seen through), so that the words are really stored
 * where @p points (on a stack, too) and check_words() really loads them
 * back.
 */
static __attribute__((noipa)) void fill_words(unsigned long *p, size_t n, unsigned long seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = seed + i * 0x9e3779b97f4a7c15UL;
}

/**
 * check_words() - check the pattern that fill_words() stored
 * @p: the words
 * @n: their number
 * @seed: the pattern's seed
 *
 * Return: the number of words that differ from the pattern.
 */
static __attribute__((noipa)) size_t check_words(const unsigned long *p, size_t n,
						  unsigned long seed)
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++)
		bad += p[i] != seed + i * 0x9e3779b97f4a7c15UL;
	return bad;
}

/**
 * child_exit() - end a test's child process, with its messages
 * @code: its exit status
 *
 * _exit(), since the child's parent process owns atexit() and kselftest's
 * counters, but with the child's stdio flushed first.
 */
static noreturn void child_exit(int code)
{
	fflush(NULL);
	_exit(code);
}

/**
 * thread_asleep() - tell whether a thread of this process sleeps
 * @tid: where the thread stores its id when it starts, 0 until then
 *
 * Return: true if the thread has started and is in state S, asleep in a
 * system call, in /proc/self/task/TID/stat.
 */
static int thread_asleep(pid_t *tid)
{
	pid_t t = __atomic_load_n(tid, __ATOMIC_ACQUIRE);
	char path[64];

	snprintf(path, sizeof(path), "%s/self/task/%d/stat", ukl_test_procfs(), t);
	return t && ukl_test_proc_state(path) == 'S';
}

/**
 * wait_asleep() - wait until a thread of this process sleeps, 5 s at most
 * @tid: where the thread stores its id when it starts, 0 until then
 *
 * Return: true if it does (thread_asleep()).
 */
static int wait_asleep(pid_t *tid)
{
	int tries;

	for (tries = 0; tries < 500; tries++) {
		if (thread_asleep(tid))
			return 1;
		usleep(10 * 1000);
	}
	return 0;
}

static pid_t reader_tid;

/* Blocks in read() until the parent thread writes; returns on its stack. */
static void *blocked_reader(void *arg)
{
	char c;

	__atomic_store_n(&reader_tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	if (read(pipe_fds[0], &c, 1) != 1)
		return (void *)1;
	return NULL;
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
 * start_blocked_reader() - a thread blocked in read() on a stack of its own
 * @thread: the thread
 *
 * Return: the thread's stack (THREAD_STACK bytes), once the thread sleeps
 * in its read(), or NULL.
 */
static char *start_blocked_reader(pthread_t *thread)
{
	pthread_attr_t attr;
	char *stack;

	stack = mmap(NULL, THREAD_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (stack == MAP_FAILED)
		return NULL;
	if (pipe(pipe_fds)) {
		munmap(stack, THREAD_STACK);
		return NULL;
	}
	pthread_attr_init(&attr);
	pthread_attr_setstack(&attr, stack, THREAD_STACK);
	__atomic_store_n(&reader_tid, 0, __ATOMIC_RELEASE);
	if (pthread_create(thread, &attr, blocked_reader, NULL)) {
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		munmap(stack, THREAD_STACK);
		return NULL;
	}
	if (!wait_asleep(&reader_tid)) {
		ksft_print_msg("the reader is not asleep in read() after 5 s\n");
		/*
		 * Not left behind to read the next test's pipe; its stack
		 * stays if it cannot be woken.
		 */
		if (wake_reader(*thread))
			munmap(stack, THREAD_STACK);
		return NULL;
	}
	return stack;
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
		child_exit(2);
	if (!strcmp(how, "munmap"))
		munmap(stack, THREAD_STACK);
	else
		mprotect(stack, THREAD_STACK, PROT_NONE);
	wake_reader(thread);
	_exit(0);
}

/**
 * resident_pages() - count the pages of a process's range that are mapped
 * @pid: the process, 0 for this one
 * @p: its start
 * @len: its length, THREAD_STACK at most
 * @which: if not NULL, gets bit i set for each page i that is present
 *
 * A page that MADV_PAGEOUT wrote to swap may stay in the swap cache for a
 * while, and mincore() counts it as in memory; what makes the next access
 * fault is that its page table entry is not present, which
 * /proc/PID/pagemap tells (bit 63).
 *
 * Return: the number of pages of @p..@p+@len that are present, or -1.
 */
static int resident_pages(pid_t pid, char *p, size_t len, uint64_t *which)
{
	uint64_t map[THREAD_STACK / PAGE];
	char path[64];
	int fd, i, n = 0;
	ssize_t got;

	if (len > THREAD_STACK)
		return -1;
	if (pid)
		snprintf(path, sizeof(path), "%s/%d/pagemap", ukl_test_procfs(), pid);
	else
		snprintf(path, sizeof(path), "%s/self/pagemap", ukl_test_procfs());
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	got = pread(fd, map, len / PAGE * sizeof(map[0]),
		    (uintptr_t)p / PAGE * sizeof(map[0]));
	close(fd);
	if (got != (ssize_t)(len / PAGE * sizeof(map[0])))
		return -1;
	if (which)
		*which = 0;
	for (i = 0; i < (int)(len / PAGE); i++) {
		n += map[i] >> 63;
		if (which && map[i] >> 63)
			*which |= 1ULL << i;
	}
	return n;
}

/**
 * page_out_stack_in_read() - swap a blocked thread's stack out, then wake it
 *
 * The return of the thread's read() loads from its stack, and the
 * application's system call return does so in its entry code: the load
 * must fault the pages back in, as in ring 3.  The stack's pages go on
 * their LRU lists first (drain_lru_caches()): MADV_PAGEOUT skips a page
 * that the CPU which faulted it in still holds.
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
	before = resident_pages(0, stack, THREAD_STACK, NULL);
	drain_lru_caches();
	if (madvise(stack, THREAD_STACK, MADV_PAGEOUT))
		ksft_perror("MADV_PAGEOUT");
	after = resident_pages(0, stack, THREAD_STACK, NULL);
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

	if (access(ukl_test_sysfs(), F_OK) || access("/tmp/sys/devices/system/node/node1", F_OK))
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
	char *p;
	size_t i;

	if (!memcg_enter("mmstress", NULL, "8M", "0"))
		_exit(2);
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
	uffd_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (uffd_page != MAP_FAILED)
		uffd = ukl_test_uffd(uffd_page, PAGE, O_NONBLOCK, 0);
	if (uffd_page == MAP_FAILED || uffd < 0) {
		ksft_perror("userfaultfd");
		return 0;
	}
	return 1;
}

/**
 * uffd_wait_fault() - wait, 5 s at most, until a thread waits in a fault
 *
 * Takes the fault's message from the userfaultfd; the fault waits on.
 *
 * Return: true if a fault came.
 */
static int uffd_wait_fault(void)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	if (poll(&pfd, 1, 5000) == 1 && read(uffd, &msg, sizeof(msg)) == sizeof(msg) &&
	    msg.event == UFFD_EVENT_PAGEFAULT)
		return 1;
	ksft_print_msg("no fault on the userfaultfd page within 5 s\n");
	return 0;
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

	if (!uffd_setup() || pthread_create(&thread, NULL, uffd_toucher, NULL) ||
	    !uffd_wait_fault())
		child_exit(2);
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
	if (uffd_wait_fault())
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

/*
 * System calls that block until another thread, or time, ends them: what
 * the threads of blocking_call() wait in.
 */
enum blocking {
	CALL_READ,		/* a pipe read */
	CALL_FUTEX,		/* FUTEX_WAIT */
	CALL_NANOSLEEP,		/* CALL_SLEEP_MS of nanosleep() */
	CALL_ACCEPT,		/* accept() on an AF_UNIX listener */
	NR_CALLS
};

static const char *const call_name[NR_CALLS] = {
	"read", "futex_wait", "nanosleep", "accept",
};

#define CALL_SLEEP_MS	300
#define CALL_FRAME	2048		/* words: 16 KiB of the caller's stack */
#define CALL_ROUNDS	10

/**
 * struct call - a thread blocked in a system call
 * @what: the call
 * @thread: the thread
 * @stack: its stack (THREAD_STACK bytes), or NULL for a default one
 * @tid: its thread ID, set just before the call
 * @start: CLOCK_MONOTONIC just before the call
 * @ret: what the call returned
 * @err: errno after the call
 * @frame_bad: words of the caller's stack frame that changed meanwhile
 * @ok: the call returned what it should, and the frame is intact
 * @done: the thread is about to end
 */
struct call {
	enum blocking what;
	pthread_t thread;
	char *stack;
	pid_t tid;
	struct timespec start;
	long ret;
	int err;
	size_t frame_bad;
	int ok;
	int done;
};

/* What the calls wait for, set up by calls_setup(). */
static int call_pipe[2] = { -1, -1 };
static int call_futex;
static int call_listener = -1;
static struct sockaddr_un call_addr;

/**
 * ms_since() - milliseconds from a CLOCK_MONOTONIC time to now
 * @t: the time
 *
 * Return: the milliseconds.
 */
static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/**
 * calls_setup() - set up what blocking_call() waits for
 *
 * Return: true if the pipe and the listening socket are there.
 */
static int calls_setup(void)
{
	call_addr.sun_family = AF_UNIX;
	/* An abstract address: no file to remove afterwards. */
	snprintf(call_addr.sun_path + 1, sizeof(call_addr.sun_path) - 1,
		 "ukl-mmstress-%d", getpid());
	call_listener = socket(AF_UNIX, SOCK_STREAM, 0);
	if (pipe(call_pipe) || call_listener < 0 ||
	    bind(call_listener, (struct sockaddr *)&call_addr, sizeof(call_addr)) ||
	    listen(call_listener, NR_CALLS)) {
		ksft_perror("pipe or AF_UNIX listener");
		return 0;
	}
	return 1;
}

/**
 * blocking_call() - make a call that blocks, with a pattern on the stack
 * @arg: the struct call
 *
 * The pattern in the thread's stack frame must still be there when the
 * call returns, wherever its pages went in between.
 *
 * Return: NULL.
 */
static void *blocking_call(void *arg)
{
	struct timespec ts = { 0, CALL_SLEEP_MS * 1000000L };
	unsigned long frame[CALL_FRAME];
	struct call *c = arg;
	char byte = 0;
	long fd;

	fill_words(frame, CALL_FRAME, (unsigned long)c);
	clock_gettime(CLOCK_MONOTONIC, &c->start);
	__atomic_store_n(&c->tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	errno = 0;
	switch (c->what) {
	case CALL_READ:
		c->ret = read(call_pipe[0], &byte, 1);
		c->ok = c->ret == 1 && byte == 'x';
		break;
	case CALL_FUTEX:
		c->ret = syscall(SYS_futex, &call_futex, FUTEX_WAIT_PRIVATE, 0, NULL);
		c->ok = !c->ret;
		break;
	case CALL_NANOSLEEP:
		c->ret = nanosleep(&ts, NULL);
		c->ok = !c->ret && ms_since(&c->start) >= CALL_SLEEP_MS;
		break;
	default:
		fd = accept(call_listener, NULL, NULL);
		c->ret = fd;
		c->ok = fd >= 0 && read(fd, &byte, 1) == 1 && byte == 'y';
		if (fd >= 0)
			close(fd);
		break;
	}
	c->err = errno;
	c->frame_bad = check_words(frame, CALL_FRAME, (unsigned long)c);
	if (c->frame_bad)
		c->ok = 0;
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/**
 * calls_start() - start a thread blocked in each call
 * @calls: NR_CALLS calls, zeroed but for @what
 * @own_stacks: give each thread a stack of its own mmap()
 *
 * Waits, 5 s at most, until each thread sleeps in its call (state S in
 * /proc/self/task/TID/stat) or, for nanosleep(), has already returned.
 *
 * Return: true if every thread started and sleeps in its call.
 */
static int calls_start(struct call *calls, int own_stacks)
{
	pthread_attr_t attr;
	int i, asleep = 0, tries;

	for (i = 0; i < NR_CALLS; i++) {
		pthread_attr_init(&attr);
		if (own_stacks) {
			calls[i].stack = mmap(NULL, THREAD_STACK, PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (calls[i].stack == MAP_FAILED)
				return 0;
			pthread_attr_setstack(&attr, calls[i].stack, THREAD_STACK);
		}
		if (pthread_create(&calls[i].thread, &attr, blocking_call, &calls[i])) {
			ksft_print_msg("%s: no thread\n", call_name[calls[i].what]);
			return 0;
		}
	}
	for (tries = 0; tries < 500 && asleep < NR_CALLS; tries++) {
		usleep(10 * 1000);
		for (i = asleep = 0; i < NR_CALLS; i++)
			asleep += thread_asleep(&calls[i].tid) ||
				  __atomic_load_n(&calls[i].done, __ATOMIC_ACQUIRE);
	}
	if (asleep < NR_CALLS)
		ksft_print_msg("%d of %d threads asleep in their calls after 5 s\n",
			       asleep, NR_CALLS);
	return asleep == NR_CALLS;
}

/**
 * calls_wake() - end each call, and check what it returned
 * @calls: the calls, started by calls_start()
 *
 * Writes to the pipe, wakes the futex, connects to the listener and lets
 * nanosleep() run out, then joins the threads and unmaps their stacks.
 * A call that does not return leaves its thread, and the caller, blocked:
 * the test's alarm() ends that.
 *
 * Return: true if every call returned what it should, on an intact stack.
 */
static int calls_wake(struct call *calls)
{
	int i, ok = 1, s;
	long woken;

	if (write(call_pipe[1], "x", 1) != 1)
		ok = 0;
	WRITE_ONCE(call_futex, 1);
	woken = syscall(SYS_futex, &call_futex, FUTEX_WAKE_PRIVATE, INT_MAX);
	if (woken != 1) {
		ksft_print_msg("FUTEX_WAKE woke %ld threads, not 1\n", woken);
		ok = 0;
	}
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&call_addr, sizeof(call_addr)) ||
	    write(s, "y", 1) != 1) {
		ksft_perror("connect to the listener");
		ok = 0;
	}
	for (i = 0; i < NR_CALLS; i++) {
		pthread_join(calls[i].thread, NULL);
		if (!calls[i].ok) {
			ksft_print_msg("%s returned %ld (errno %d), %zu frame words changed\n",
				       call_name[calls[i].what], calls[i].ret, calls[i].err,
				       calls[i].frame_bad);
			ok = 0;
		}
		if (calls[i].stack)
			munmap(calls[i].stack, THREAD_STACK);
	}
	if (s >= 0)
		close(s);
	WRITE_ONCE(call_futex, 0);
	return ok;
}

/*
 * A signal as a system call returns, while the return waits for the page
 * of the stack that holds the return address: a thread blocks in read()
 * on a stack registered with a userfaultfd, the pages of its call's
 * frames are taken away (MADV_DONTNEED), and the first fault after the
 * pipe is written, which in ring 0 is the load of the return address by
 * the RET of the kernel's system call return and in ring 3 the C
 * library's RET after its SYSCALL, gets SIGUSR1 sent to the thread before
 * it is resolved.  The handler must find the thread right after its
 * system call, in its own code in both rings, never in the kernel's
 * entry code, and the read() must return the byte.
 *
 * With "bad", the fault is resolved with RET_BAD, an address no code may
 * run at, in place of the return address: the RET must fault, and the
 * handler must not find the thread there either, but where the RET is:
 * after its SYSCALL in ring 3, at the kernel's RET in ring 0.  It leaves
 * the thread's call with siglongjmp().
 */
#define RET_PAD		(4 * PAGE)	/* below musl's TLS at the stack's top */
#define RET_BAD		0x8000dead0000beefUL

static char ret_byte;
static char *ret_frame;
static pid_t ret_tid;
static unsigned long ret_ip;
static int ret_bad;
static sigjmp_buf ret_jmp;

static void on_ret_signal(int sig, siginfo_t *si, void *uc)
{
	WRITE_ONCE(ret_ip, ((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP]);
	if (ret_bad)
		siglongjmp(ret_jmp, 1);
}

/* The read, in a frame below RET_PAD bytes of the thread's stack. */
static __attribute__((noipa)) long ret_read(void)
{
	char here;

	WRITE_ONCE(ret_frame, &here);
	__atomic_store_n(&ret_tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	/* Into a static byte: the kernel must not touch the stack's pages. */
	return read(call_pipe[0], &ret_byte, 1);
}

/* Return: what read() returned, or -2 if the handler left the call. */
static void *ret_reader(void *arg)
{
	volatile char pad[RET_PAD];

	pad[0] = 0;
	if (sigsetjmp(ret_jmp, 1))
		return (void *)-2L;
	return (void *)(ret_read() + pad[0]);
}

/**
 * ret_serve() - resolve the faults of the reader's stack until it returns
 * @reader: the reader
 * @saved: what the taken pages held
 * @taken: the first of the two taken pages
 * @result: set to what the reader returned
 *
 * The first fault gets the reader its SIGUSR1 before it is resolved,
 * with RET_BAD at the faulting word if ret_bad.  Taken pages get their
 * old contents back, others a zero page.
 *
 * Return: true if a fault came, every fault was resolved and the reader
 * ended, within 5 s of its last fault.
 */
static int ret_serve(pthread_t reader, char *saved, char *taken, long *result)
{
	struct uffdio_zeropage zero = { .range = { 0, PAGE } };
	struct uffdio_copy copy = { .len = PAGE };
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	int faults = 0, waited = 0, joined = 0, n;
	struct uffd_msg msg;
	char *page;

	while (!joined && waited < 50) {
		if (read(uffd, &msg, sizeof(msg)) != sizeof(msg)) {
			if (errno != EAGAIN) {
				ksft_perror("reading the userfaultfd");
				return 0;
			}
			if (poll(&pfd, 1, 100) != 1) {
				joined = !pthread_tryjoin_np(reader, (void **)result);
				waited++;
			}
			continue;
		}
		if (msg.event != UFFD_EVENT_PAGEFAULT) {
			ksft_print_msg("userfaultfd event %#x\n", msg.event);
			return 0;
		}
		page = (char *)(unsigned long)(msg.arg.pagefault.address & ~(PAGE - 1));
		if (!faults++) {
			syscall(SYS_tgkill, getpid(), ret_tid, SIGUSR1);
			if (ret_bad && (page == taken || page == taken + PAGE))
				*(unsigned long *)(saved + (page - taken) +
						   (msg.arg.pagefault.address & (PAGE - 8))) = RET_BAD;
		}
		if (page == taken || page == taken + PAGE) {
			copy.dst = (unsigned long)page;
			copy.src = (unsigned long)(saved + (page - taken));
			n = ioctl(uffd, UFFDIO_COPY, &copy);
		} else {
			zero.range.start = (unsigned long)page;
			n = ioctl(uffd, UFFDIO_ZEROPAGE, &zero);
		}
		if (n && errno != EEXIST) {
			ksft_perror("resolving a fault of the reader's stack");
			return 0;
		}
		waited = 0;
	}
	if (!faults || !joined)
		ksft_print_msg("%d faults of the reader's stack; the reader %s\n", faults,
			       joined ? "returned" : "did not return within 5 s");
	return faults && joined;
}

/**
 * signal_at_waiting_return() - the child process of the test above
 * @how: NULL, or "bad" for a return address no code may run at
 *
 * Return: never; exit status 0 if the handler found the reader right
 * after its system call and the read returned the byte, 1 if not, 2 if
 * the test could not be set up.
 */
static noreturn void signal_at_waiting_return(const char *how)
{
	struct sigaction sa = { .sa_sigaction = on_ret_signal, .sa_flags = SA_SIGINFO };
	static char saved[2 * PAGE];
	char *stack, *taken;
	pthread_attr_t attr;
	unsigned long want = 0;
	pthread_t reader;
	long result = 0;
	int ok;

	alarm(CHILD_TIMEOUT);
	ret_bad = how && !strcmp(how, "bad");
#ifdef UKL_APP
	if (ret_bad) {
		/* The RET of entry_SYSCALL_64_ukl_app_ret, after its STI. */
		want = ukl_test_kernel_symbol("entry_SYSCALL_64_ukl_app_ret");
		if (!want)
			child_exit(2);
		want++;
	}
#endif
	stack = mmap(NULL, THREAD_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/*
	 * Present before it is registered: this thread resolves its faults,
	 * polling for them, and needs their address to the byte (RET_BAD).
	 */
	if (stack != MAP_FAILED) {
		memset(stack, 0, THREAD_STACK);
		uffd = ukl_test_uffd(stack, THREAD_STACK, O_NONBLOCK,
				     UFFD_FEATURE_EXACT_ADDRESS);
	}
	if (uffd < 0 || stack == MAP_FAILED || !calls_setup() ||
	    sigaction(SIGUSR1, &sa, NULL)) {
		ksft_perror("userfaultfd, stack or pipe");
		child_exit(2);
	}
	pthread_attr_init(&attr);
	pthread_attr_setstack(&attr, stack, THREAD_STACK);
	if (pthread_create(&reader, &attr, ret_reader, NULL))
		child_exit(2);
	if (!wait_asleep(&ret_tid)) {
		ksft_print_msg("the reader is not asleep in read() after 5 s\n");
		child_exit(2);
	}
	/* The page of its frame and the one below: its call's frames. */
	taken = (char *)((unsigned long)READ_ONCE(ret_frame) & ~(PAGE - 1)) - PAGE;
	memcpy(saved, taken, sizeof(saved));
	if (madvise(taken, sizeof(saved), MADV_DONTNEED) ||
	    write(call_pipe[1], "x", 1) != 1) {
		ksft_perror("MADV_DONTNEED or the pipe");
		child_exit(2);
	}
	ok = ret_serve(reader, saved, taken, &result);
	ok = ok && READ_ONCE(ret_byte) == 'x' && result == (ret_bad ? -2 : 1) &&
	     (want ? READ_ONCE(ret_ip) == want :
		     READ_ONCE(ret_ip) && ukl_test_syscall_insn(READ_ONCE(ret_ip) - 2));
	if (!ok)
		ksft_print_msg("the handler found the reader at %#lx, read %#x, returned %ld\n",
			       READ_ONCE(ret_ip), READ_ONCE(ret_byte), result);
	child_exit(!ok);
}

/**
 * struct attack - the stacks that stack_attacker() is to work on
 * @round: the round: even rounds page out first, odd ones migrate first
 * @stacks: the stacks, THREAD_STACK bytes each
 */
struct attack {
	int round;
	char *stacks[NR_CALLS];
};

/**
 * struct attack_result - what stack_attacker()'s calls returned
 * @pageout: process_madvise(MADV_PAGEOUT): bytes advised, or -errno
 * @cold: process_madvise(MADV_COLD): bytes advised, or -errno
 * @present: stack pages in memory that move_pages() was to move
 * @moved: how many of them it moved
 * @to: the node it moved them to, -1 if none
 * @again: how many more times it paged out what the first calls left
 * @left: for each stack, its pages below the top one that were mapped
 *	  after these calls (bit i: page i), to tell in a report the pages
 *	  that the calls left from those that came back
 */
struct attack_result {
	long pageout, cold;
	int present, moved, to, again;
	uint64_t left[NR_CALLS];
};

/* How many more times stack_attacker() pages out what is left. */
#define PAGEOUT_AGAIN	2

#define ATTACK_PAGES	(NR_CALLS * THREAD_STACK / PAGE)

/**
 * remote_madvise() - process_madvise() on another process's ranges
 * @pidfd: the process
 * @iov: the ranges
 * @n: their number
 * @advice: MADV_PAGEOUT or MADV_COLD
 *
 * Return: the bytes advised, or -errno.
 */
static long remote_madvise(int pidfd, const struct iovec *iov, int n, int advice)
{
	long ret = syscall(__NR_process_madvise, pidfd, iov, n, advice, 0);

	return ret < 0 ? -errno : ret;
}

/**
 * move_to_other_node() - move another process's pages to the other node
 * @pid: the process
 * @pages: the pages' addresses
 * @n: their number, ATTACK_PAGES at most
 * @res: where to put the pages present, moved and the node
 *
 * The node is the other one of the first page in memory; the pages not
 * in memory (swapped out, or never touched) stay where they are.
 */
static void move_to_other_node(pid_t pid, void **pages, int n, struct attack_result *res)
{
	int nodes[ATTACK_PAGES], status[ATTACK_PAGES];
	void *present[ATTACK_PAGES];
	int i;

	res->present = 0;
	res->moved = 0;
	res->to = -1;
	if (syscall(__NR_move_pages, pid, n, pages, NULL, status, 0))
		return;
	for (i = 0; i < n; i++) {
		if (status[i] < 0)
			continue;
		if (res->to < 0)
			res->to = !status[i];
		present[res->present++] = pages[i];
	}
	for (i = 0; i < res->present; i++)
		nodes[i] = res->to;
	if (res->present)
		syscall(__NR_move_pages, pid, res->present, present, nodes, status,
			MPOL_MF_MOVE);
	for (i = 0; i < res->present; i++)
		res->moved += status[i] == res->to;
}

/**
 * stack_attacker() - page out, deactivate and migrate another process's stacks
 * @target: the process
 * @req: read end of a pipe of struct attack
 * @ans: write end of a pipe for the struct attack_result of each
 *
 * The other process of calls_attacked_remotely(): it works on the stacks
 * of the target's blocked threads through a pidfd and the target's pid,
 * as a memory management daemon would.  First it empties the CPUs'
 * caches of pages on their way to an LRU list (drain_lru_caches()), or
 * the pages touched last could not be paged out.  Even rounds then
 * page the stacks out, deactivate them and try to migrate them (which
 * finds nothing to move), odd rounds migrate them, deactivate them and
 * page them out.  Without a second node, nothing is migrated.  A page that
 * MADV_PAGEOUT could not take then (one that reclaim or a migration had
 * taken off its LRU list for a moment) stays in memory: it pages out what
 * is left again, PAGEOUT_AGAIN times at most, as a daemon that checks
 * its work would.
 *
 * Return: never; exit status 0 when @req is closed.
 */
static noreturn void stack_attacker(pid_t target, int req, int ans)
{
	void *pages[ATTACK_PAGES];
	struct iovec iov[NR_CALLS];
	struct attack_result res;
	struct attack a;
	int pidfd, numa, i, j, n, left;

	alarm(CHILD_TIMEOUT);
	numa = !access("/tmp/sys/devices/system/node/node1", F_OK);
	pidfd = syscall(__NR_pidfd_open, target, 0);
	while (read(req, &a, sizeof(a)) == sizeof(a)) {
		drain_lru_caches();
		memset(&res, 0, sizeof(res));
		res.to = -1;
		for (i = n = 0; i < NR_CALLS; i++) {
			iov[i].iov_base = a.stacks[i];
			iov[i].iov_len = THREAD_STACK;
			for (j = 0; j < (int)(THREAD_STACK / PAGE); j++)
				pages[n++] = a.stacks[i] + j * PAGE;
		}
		if (a.round & 1) {
			if (numa)
				move_to_other_node(target, pages, n, &res);
			res.cold = remote_madvise(pidfd, iov, NR_CALLS, MADV_COLD);
			res.pageout = remote_madvise(pidfd, iov, NR_CALLS, MADV_PAGEOUT);
		} else {
			res.pageout = remote_madvise(pidfd, iov, NR_CALLS, MADV_PAGEOUT);
			res.cold = remote_madvise(pidfd, iov, NR_CALLS, MADV_COLD);
			if (numa)
				move_to_other_node(target, pages, n, &res);
		}
		for (;;) {
			for (i = left = 0; i < NR_CALLS; i++)
				left += resident_pages(target, a.stacks[i], THREAD_STACK - PAGE,
						       &res.left[i]) != 0;
			if (!left || res.again == PAGEOUT_AGAIN)
				break;
			drain_lru_caches();
			remote_madvise(pidfd, iov, NR_CALLS, MADV_PAGEOUT);
			res.again++;
		}
		if (write(ans, &res, sizeof(res)) != sizeof(res))
			break;
	}
	_exit(0);
}

/**
 * calls_attacked_remotely() - another process pages out and migrates the
 *			       stacks of threads blocked in system calls
 * @unused: no argument
 *
 * In each of CALL_ROUNDS rounds, threads on stacks of their own block in
 * a pipe read, FUTEX_WAIT, nanosleep() and accept(); a child process
 * (stack_attacker()) pages their stacks out with process_madvise(),
 * deactivates them (MADV_COLD) and moves them to the other NUMA node
 * with move_pages(), and /proc/self/pagemap must then show none of their
 * pages mapped.  Then this process ends each call, and each must return
 * what it should to a thread that carries on normally on the pages it
 * gets back: in ring 0 the call's return itself is the first to load
 * from them.
 *
 * Return: never; exit status 0 if every round went right, 1 if not, 2 if
 * the test could not be set up.
 */
static noreturn void calls_attacked_remotely(const char *unused)
{
	const long total = NR_CALLS * THREAD_STACK;
	struct call calls[NR_CALLS];
	struct attack_result res;
	struct attack a;
	int req[2], ans[2], i, r, n, bad = 0, numa;
	uint64_t which;
	pid_t pid;

	alarm(CHILD_TIMEOUT);
	numa = !access("/tmp/sys/devices/system/node/node1", F_OK);
	if (!calls_setup() || pipe(req) || pipe(ans))
		child_exit(2);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		child_exit(2);
	if (!pid) {
		close(req[1]);
		close(ans[0]);
		stack_attacker(getppid(), req[0], ans[1]);
	}
	close(req[0]);
	close(ans[1]);
	for (r = 0; r < CALL_ROUNDS; r++) {
		memset(calls, 0, sizeof(calls));
		for (i = 0; i < NR_CALLS; i++)
			calls[i].what = i;
		if (!calls_start(calls, 1))
			child_exit(1);
		a.round = r;
		for (i = 0; i < NR_CALLS; i++) {
			a.stacks[i] = calls[i].stack;
			n = resident_pages(0, calls[i].stack, THREAD_STACK, NULL);
			if (n <= 0 && !calls[i].done) {
				ksft_print_msg("round %d: %s: %d stack pages in memory\n",
					       r, call_name[i], n);
				bad++;
			}
		}
		if (write(req[1], &a, sizeof(a)) != sizeof(a) ||
		    read(ans[0], &res, sizeof(res)) != sizeof(res)) {
			ksft_print_msg("round %d: no answer from the other process\n", r);
			child_exit(1);
		}
		if (res.pageout != total || res.cold != total) {
			ksft_print_msg("round %d: MADV_PAGEOUT %ld, MADV_COLD %ld of %ld bytes\n",
				       r, res.pageout, res.cold, total);
			bad++;
		}
		if (numa && r & 1 && (!res.present || res.moved != res.present)) {
			ksft_print_msg("round %d: %d of %d stack pages moved to node %d\n",
				       r, res.moved, res.present, res.to);
			bad++;
		}
		for (i = 0; i < NR_CALLS; i++) {
			/*
			 * Not the top page: musl keeps the thread's descriptor
			 * there, and a thread that exits (nanosleep's, once its
			 * sleep is over) writes its neighbours' in the list of
			 * threads.
			 */
			n = resident_pages(0, calls[i].stack, THREAD_STACK - PAGE, &which);
			/* A sleep that is over has taken its stack back. */
			if (n && (i != CALL_NANOSLEEP ||
				  ms_since(&calls[i].start) < CALL_SLEEP_MS)) {
				/* @left: right after the other process's calls. */
				ksft_print_msg("round %d: %s: pages 0x%llx in memory (%s 0x%llx)\n",
					       r, call_name[i], (unsigned long long)which,
					       res.again ? "after page-outs" : "after the calls",
					       (unsigned long long)res.left[i]);
				bad++;
			}
		}
		if (!calls_wake(calls)) {
			ksft_print_msg("round %d: a call went wrong\n", r);
			bad++;
		}
	}
	close(req[1]);
	r = wait_child(pid, 10);
	if (!exited_with(r, 0)) {
		ksft_print_msg("the other process: status 0x%x\n", r);
		bad++;
	}
	child_exit(bad ? 1 : 0);
}

#define PRESSURE_THREADS	3
#define PRESSURE_ROUNDS		4
#define PRESSURE_HEAP		(1024 << 10)	/* bytes of heap, a thread */
#define PRESSURE_DATA		4096		/* words of .data, a thread */
#define PRESSURE_BSS		32768		/* words of .bss, a thread */
#define PRESSURE_DEPTH		8		/* levels of pressure_calls() */
#define PRESSURE_FRAME		256		/* words of stack, a level */
#define PRESSURE_STACK		(256 << 10)
#define PRESSURE_HIGH		"3584K"		/* memory.high: 0.9 of all that */
#define PRESSURE_MAX		"8M"		/* memory.max: twice all that */

/* The seed of a pattern: thread @t, memory @what, round @r. */
#define PRESSURE_SEED(t, what, r) \
	(0x5eed000000000000UL | (unsigned long)(t) << 32 | (unsigned long)(what) << 16 | (r))

/* Memory of the application that pressure_thread() works on. */
static unsigned long pressure_data[PRESSURE_THREADS][PRESSURE_DATA] = {
	[0 ... PRESSURE_THREADS - 1] = { [0 ... PRESSURE_DATA - 1] = 1 },
};

static unsigned long pressure_bss[PRESSURE_THREADS][PRESSURE_BSS];
static pid_t pressure_ppid;
/* Keeps the rounds of the threads together: their memory adds up. */
static pthread_barrier_t pressure_round;

/**
 * open_null() - open /dev/null, which the initramfs may not have
 *
 * Return: a file descriptor for writing, or -1.
 */
static int open_null(void)
{
	mknod("/tmp/null", S_IFCHR | 0666, makedev(1, 3));
	return open("/tmp/null", O_WRONLY);
}

/**
 * pressure_calls() - recurse on the stack, with system calls at each level
 * @depth: levels still to go
 * @seed: the pattern of the levels' frames
 * @fds: a pipe of the thread's own
 * @null: /dev/null
 *
 * Each level fills a frame with a pattern, sends it through the pipe
 * (copied from and to the stack by the kernel), writes it to /dev/null
 * and calls getppid() and sched_yield() before it goes a level deeper,
 * and checks the frame when it comes back.
 *
 * Return: the number of calls that returned what they should not, and of
 * frames that changed.
 */
static __attribute__((noipa)) int pressure_calls(int depth, unsigned long seed, int *fds, int null)
{
	unsigned long frame[PRESSURE_FRAME], copy[PRESSURE_FRAME];
	int bad = 0;

	fill_words(frame, PRESSURE_FRAME, seed + depth);
	bad += getppid() != pressure_ppid;
	bad += write(null, frame, sizeof(frame)) != sizeof(frame);
	bad += write(fds[1], frame, sizeof(frame)) != sizeof(frame);
	bad += read(fds[0], copy, sizeof(copy)) != sizeof(copy) ||
	       memcmp(copy, frame, sizeof(frame));
	bad += sched_yield() != 0;
	if (depth)
		bad += pressure_calls(depth - 1, seed, fds, null);
	bad += !!check_words(frame, PRESSURE_FRAME, seed + depth);
	return bad;
}

/**
 * pressure_thread() - compute and make calls over memory that does not fit
 * @arg: the thread's number
 *
 * Each round fills the thread's heap with a pattern, checks and renews
 * its part of .data and .bss, waits for the other threads to do the same
 * (or one that ran ahead could end before another starts, and their
 * memory would fit), recurses on its stack with system calls at each
 * level, and checks the heap again: meanwhile, the work of the other
 * threads has pushed the pages out to swap.
 *
 * Return: the number of failures, as a pointer.
 */
static void *pressure_thread(void *arg)
{
	const size_t words = PRESSURE_HEAP / sizeof(long);
	unsigned long *heap = malloc(PRESSURE_HEAP), *data, *bss;
	int t = (long)arg, r, i, fds[2], null = open_null();
	long bad = 0;
	size_t n;

	data = pressure_data[t];
	bss = pressure_bss[t];
	if (!heap || null < 0 || pipe(fds)) {
		/* The others wait for it: the test's alarm() ends them. */
		ksft_print_msg("thread %d: no heap, /dev/null or pipe\n", t);
		return (void *)1L;
	}
	for (r = 0; r < PRESSURE_ROUNDS; r++) {
		fill_words(heap, words, PRESSURE_SEED(t, 0, r));
		for (i = n = 0; i < PRESSURE_DATA; i++)
			n += data[i]++ != 1UL + r;
		if (r)
			n += check_words(bss, PRESSURE_BSS, PRESSURE_SEED(t, 1, r - 1));
		fill_words(bss, PRESSURE_BSS, PRESSURE_SEED(t, 1, r));
		if (n)
			ksft_print_msg("thread %d, round %d: %zu words of .data and .bss changed\n",
				       t, r, n);
		bad += !!n;
		pthread_barrier_wait(&pressure_round);
		n = pressure_calls(PRESSURE_DEPTH, PRESSURE_SEED(t, 2, r), fds, null);
		if (n)
			ksft_print_msg("thread %d, round %d: %zu calls or frames went wrong\n",
				       t, r, n);
		bad += !!n;
		n = check_words(heap, words, PRESSURE_SEED(t, 0, r));
		if (n)
			ksft_print_msg("thread %d, round %d: %zu words of the heap changed\n",
				       t, r, n);
		bad += !!n;
	}
	for (i = n = 0; i < PRESSURE_DATA; i++)
		n += data[i] != 1UL + PRESSURE_ROUNDS;
	n += check_words(bss, PRESSURE_BSS, PRESSURE_SEED(t, 1, PRESSURE_ROUNDS - 1));
	if (n)
		ksft_print_msg("thread %d: %zu words of .data and .bss changed\n", t, n);
	bad += !!n;
	free(heap);
	close(fds[0]);
	close(fds[1]);
	close(null);
	return (void *)bad;
}

/**
 * compute_and_call() - threads compute and call in a memory cgroup too small
 * @unused: no argument
 *
 * The child moves itself into a memory cgroup with swap whose memory.high
 * is 3.5 MiB, and PRESSURE_THREADS threads work on about 4 MiB of heap,
 * .data, .bss and stack (pressure_thread()): the cgroup's reclaim swaps
 * their memory out on their returns to application context and in their
 * page faults and system calls, and their loads swap it back in.  Its
 * memory.max, twice that, only guards the rest of the machine: with it at
 * 3.5 MiB, three threads reclaiming at once found nothing to reclaim
 * often enough for the OOM killer to end all three tries of a run
 * (run_in_memcg()) in one of DEBUG's boots.  fork_cow_stacks() keeps the
 * reclaim at memory.max, in the page faults.
 * Every pattern must be intact, every call must return what it should,
 * and pages must have gone to swap and back (went_to_swap()).
 *
 * Return: never; exit status 0 if all went right, 1 if not, 2 if the test
 * could not be set up.
 */
static noreturn void compute_and_call(const char *unused)
{
	pthread_t threads[PRESSURE_THREADS];
	pthread_attr_t attr;
	long steal, majfault, bad = 0;
	void *ret;
	int t;

	alarm(CHILD_TIMEOUT);
	if (!memcg_enter("mmstress-swap", PRESSURE_HIGH, PRESSURE_MAX, "max"))
		child_exit(2);
	pressure_ppid = getppid();
	steal = memcg_stat("mmstress-swap", "pgsteal");
	majfault = memcg_stat("mmstress-swap", "pgmajfault");
	pthread_barrier_init(&pressure_round, NULL, PRESSURE_THREADS);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PRESSURE_STACK);
	for (t = 0; t < PRESSURE_THREADS; t++)
		if (pthread_create(&threads[t], &attr, pressure_thread, (void *)(long)t))
			child_exit(2);
	for (t = 0; t < PRESSURE_THREADS; t++) {
		pthread_join(threads[t], &ret);
		bad += (long)ret;
	}
	if (!went_to_swap("mmstress-swap", steal, majfault))
		bad++;
	child_exit(bad ? 1 : 0);
}

#define FAULT_AREA	(64 * PAGE)
#define END_ROUNDS	6

/* The round of faults_and_calls(): how long it runs before its end. */
static int end_round;
/* Where faults_and_calls() tells its parent that it is set up. */
static int ready_fd = -1;

/**
 * fault_loop() - take page faults for ever
 * @arg: no argument
 *
 * Drops an area (MADV_DONTNEED) or pages it out (MADV_PAGEOUT), and
 * touches each of its pages again: the thread is always in a page fault
 * or in madvise(), or on its way there.
 *
 * Return: NULL if the area could not be mapped; never otherwise.
 */
static void *fault_loop(void *arg)
{
	char *p = mmap(NULL, FAULT_AREA, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long n;
	size_t i;

	if (p == MAP_FAILED)
		return NULL;
	for (n = 0;; n++) {
		madvise(p, FAULT_AREA, n & 1 ? MADV_PAGEOUT : MADV_DONTNEED);
		for (i = 0; i < FAULT_AREA; i += PAGE)
			WRITE_ONCE(p[i], READ_ONCE(p[i]) + 1);
	}
	return NULL;
}

/**
 * call_loop() - make system calls for ever
 * @arg: no argument
 *
 * Return: NULL if it has no pipe; never otherwise.
 */
static void *call_loop(void *arg)
{
	char buf[256] = "";
	int fds[2];

	if (pipe(fds))
		return NULL;
	for (;;) {
		getppid();
		if (write(fds[1], buf, sizeof(buf)) != sizeof(buf) ||
		    read(fds[0], buf, sizeof(buf)) != sizeof(buf))
			return NULL;
		sched_yield();
	}
}

/**
 * faults_and_calls() - threads in faults and system calls, to the end
 * @how: "exit": exit_group() after a while; "kill": tell the parent it
 *       is set up (a byte to ready_fd), and wait for its SIGKILL
 *
 * One thread waits in a userfaultfd fault that nobody resolves, four
 * block in calls (blocking_call()), one takes page faults and one makes
 * calls in a loop.  The process must end however far each has come:
 * end_round * end_round * 8 ms after they start, from right after
 * pthread_create() to when all of them wait.  A thread must neither
 * keep it alive nor oops the kernel.
 *
 * Return: never; exit status 7 for "exit", 2 if it could not be set up.
 */
static noreturn void faults_and_calls(const char *how)
{
	static struct call calls[NR_CALLS];
	pthread_t thread;
	int i;

	alarm(CHILD_TIMEOUT / 2);
	if (!uffd_setup() || !calls_setup() ||
	    pthread_create(&thread, NULL, uffd_toucher, NULL) ||
	    pthread_create(&thread, NULL, fault_loop, NULL) ||
	    pthread_create(&thread, NULL, call_loop, NULL))
		child_exit(2);
	for (i = 0; i < NR_CALLS; i++) {
		calls[i].what = i;
		if (pthread_create(&calls[i].thread, NULL, blocking_call, &calls[i]))
			child_exit(2);
	}
	if (!strcmp(how, "exit")) {
		usleep(end_round * end_round * 8 * 1000);
		_exit(7);
	}
	if (write(ready_fd, "r", 1) != 1)
		child_exit(2);
	for (;;)
		pause();
}

#define COW_THREADS	3
#define COW_FORKS	3
#define COW_DEPTH	6		/* levels of cow_frames() */
#define COW_FRAME	512		/* words of stack, a level */
#define COW_HEAP	(768 << 10)	/* bytes of heap, a thread */
#define COW_STACK	(256 << 10)
#define COW_MAX		"2M"		/* memory.max: less than the heaps */

/* The seed of a pattern: thread @t, frame @level (COW_DEPTH: the heap), @gen. */
#define COW_SEED(t, level, gen) \
	(0xc0e0000000000000UL | (unsigned long)(t) << 32 | (unsigned long)(level) << 16 | (gen))

/**
 * struct cow - a thread of fork_cow_stacks(), whose memory its children share
 * @t: the thread's number
 * @heap: its heap, COW_HEAP bytes
 * @frames: its stack frames, one a level of cow_frames()
 * @bad: what went wrong
 */
struct cow {
	int t;
	unsigned long *heap;
	unsigned long *frames[COW_DEPTH];
	int bad;
};

/**
 * cow_fill() - fill a thread's frames and heap with a pattern
 * @c: the thread
 * @gen: the pattern's generation
 */
static void cow_fill(struct cow *c, unsigned int gen)
{
	int level;

	for (level = 0; level < COW_DEPTH; level++)
		fill_words(c->frames[level], COW_FRAME, COW_SEED(c->t, level, gen));
	fill_words(c->heap, COW_HEAP / sizeof(long), COW_SEED(c->t, COW_DEPTH, gen));
}

/**
 * cow_check() - check the pattern of cow_fill()
 * @c: the thread
 * @gen: the pattern's generation
 *
 * Return: the number of words that differ from it.
 */
static size_t cow_check(const struct cow *c, unsigned int gen)
{
	size_t bad = 0;
	int level;

	for (level = 0; level < COW_DEPTH; level++)
		bad += check_words(c->frames[level], COW_FRAME, COW_SEED(c->t, level, gen));
	return bad + check_words(c->heap, COW_HEAP / sizeof(long),
				 COW_SEED(c->t, COW_DEPTH, gen));
}

/**
 * say() - print a message from a process forked by one of several threads
 * @fmt: printf() format
 * @...: its arguments
 *
 * Another thread may have held stdout's lock at the fork, for ever in
 * the child: format on the stack and write(2) it instead.
 */
static __printf(1, 2) void say(const char *fmt, ...)
{
	char buf[256];
	va_list args;
	int n;

	va_start(args, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, args);
	va_end(args);
	if (n > 0 && write(STDOUT_FILENO, buf, n < (int)sizeof(buf) ? n : sizeof(buf) - 1) < 0)
		return;
}

/**
 * cow_child() - the child of a fork by a thread of fork_cow_stacks()
 * @c: the thread
 * @gen: the generation of the pattern in its memory at the fork
 *
 * Runs on its copy of the thread's stack, below the frames of the
 * pattern.  Checks the pattern in its copies of the frames and the heap,
 * writes another one over it, which copies the pages (after swapping
 * them in, maybe), and checks that.
 *
 * Return: never; exit status 0 if both patterns were right, 3 if the one
 * of the fork was not, 4 if its own was not.
 */
static noreturn void cow_child(struct cow *c, unsigned int gen)
{
	size_t bad;

	alarm(CHILD_TIMEOUT / 2);
	bad = cow_check(c, gen);
	if (bad) {
		say("# thread %d, fork %u: %zu words of the child's copy differ\n",
		    c->t, gen, bad);
		_exit(3);
	}
	cow_fill(c, gen + 1000);
	bad = cow_check(c, gen + 1000);
	if (bad) {
		say("# thread %d, fork %u: %zu words the child wrote differ\n",
		    c->t, gen, bad);
		_exit(4);
	}
	_exit(0);
}

/**
 * cow_forks() - fork children that share a thread's stack and heap
 * @c: the thread
 *
 * After each fork the thread writes the next pattern to its own frames
 * and heap while the child checks the old one in its copies, and after
 * the child's exit the thread checks its own.
 */
static void cow_forks(struct cow *c)
{
	unsigned int gen;
	int status;
	size_t bad;
	pid_t pid;

	for (gen = 0; gen < COW_FORKS; gen++) {
		pid = fork();
		if (!pid)
			cow_child(c, gen);
		if (pid < 0) {
			ksft_perror("fork");
			c->bad++;
			return;
		}
		cow_fill(c, gen + 1);
		status = wait_child(pid, CHILD_TIMEOUT / 2);
		if (!exited_with(status, 0)) {
			ksft_print_msg("thread %d, fork %u: child status 0x%x\n",
				       c->t, gen, status);
			c->bad++;
		}
		bad = cow_check(c, gen + 1);
		if (bad) {
			ksft_print_msg("thread %d, fork %u: %zu words of the parent's changed\n",
				       c->t, gen, bad);
			c->bad++;
		}
	}
}

/**
 * cow_frames() - put COW_DEPTH frames with a pattern on the stack, and fork
 * @c: the thread
 * @level: the level of this frame
 */
static __attribute__((noipa)) void cow_frames(struct cow *c, int level)
{
	unsigned long frame[COW_FRAME];

	c->frames[level] = frame;
	fill_words(frame, COW_FRAME, COW_SEED(c->t, level, 0));
	if (level + 1 < COW_DEPTH)
		cow_frames(c, level + 1);
	else
		cow_forks(c);
	/* The frame lives until here: no tail call reuses it. */
	__asm__ volatile ("" : : "r" (frame) : "memory");
}

/**
 * cow_thread() - a thread of fork_cow_stacks()
 * @arg: its struct cow
 *
 * Return: NULL.
 */
static void *cow_thread(void *arg)
{
	struct cow *c = arg;

	c->heap = malloc(COW_HEAP);
	if (!c->heap) {
		c->bad++;
		return NULL;
	}
	fill_words(c->heap, COW_HEAP / sizeof(long), COW_SEED(c->t, COW_DEPTH, 0));
	cow_frames(c, 0);
	free(c->heap);
	return NULL;
}

/**
 * fork_cow_stacks() - threads fork copy-on-write children in a cgroup too small
 * @unused: no argument
 *
 * The child moves itself into a memory cgroup of 2 MiB with swap, where
 * COW_THREADS threads, each with a pattern in its stack frames and heap,
 * fork COW_FORKS children each (cow_forks()).  Their heaps alone do not
 * fit, and the children's copies add to them: the copies are
 * made of pages in swap, and swapped out again.  Pages must have gone to
 * swap and back (went_to_swap()).
 *
 * Return: never; exit status 0 if every child exited with status 0 and
 * every pattern was right, 1 if not, 2 if the test could not be set up.
 */
static noreturn void fork_cow_stacks(const char *unused)
{
	static struct cow cows[COW_THREADS];
	pthread_t threads[COW_THREADS];
	pthread_attr_t attr;
	long steal, majfault;
	int t, bad = 0;

	alarm(CHILD_TIMEOUT);
	if (!memcg_enter("mmstress-cow", NULL, COW_MAX, "max"))
		child_exit(2);
	steal = memcg_stat("mmstress-cow", "pgsteal");
	majfault = memcg_stat("mmstress-cow", "pgmajfault");
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, COW_STACK);
	for (t = 0; t < COW_THREADS; t++) {
		cows[t].t = t;
		if (pthread_create(&threads[t], &attr, cow_thread, &cows[t]))
			child_exit(2);
	}
	for (t = 0; t < COW_THREADS; t++) {
		pthread_join(threads[t], NULL);
		bad += cows[t].bad;
	}
	if (!went_to_swap("mmstress-cow", steal, majfault))
		bad++;
	child_exit(bad ? 1 : 0);
}

/**
 * ksm_pages_sharing() - read how many pages KSM shares now
 *
 * Return: /sys/kernel/mm/ksm/pages_sharing, or -1 without KSM.
 */
static long ksm_pages_sharing(void)
{
	char buf[32];

	if (!ukl_test_read_file("/tmp/sys/kernel/mm/ksm/pages_sharing", buf, sizeof(buf)))
		return -1;
	return atol(buf);
}

/**
 * ksm_merge_stack_in_read() - KSM merges a blocked thread's stack page
 *
 * A thread blocks in read() on a stack of its own; its stack is copied
 * to a twin mapping, both are made MADV_MERGEABLE, and ksmd merges the
 * pages that hold its frames (stable while it waits) with their twins
 * into write-protected KSM pages.  The thread's return then reads
 * that page and its next writes break the sharing with a copy-on-write
 * fault, which in ring 0 can be the CPU's own push of an interrupt frame.
 *
 * Return: KSFT_PASS, KSFT_FAIL, or KSFT_SKIP without KSM.
 */
static int ksm_merge_stack_in_read(void)
{
	char *stack, *twin;
	long before, now = -1;
	pthread_t thread;
	int i, ok;

	if (!ukl_test_sysfs() || ksm_pages_sharing() < 0)
		return KSFT_SKIP;
	ukl_test_write_file("/tmp/sys/kernel/mm/ksm/pages_to_scan", "10000");
	ukl_test_write_file("/tmp/sys/kernel/mm/ksm/sleep_millisecs", "10");
	ukl_test_write_file("/tmp/sys/kernel/mm/ksm/run", "1");
	before = ksm_pages_sharing();
	stack = start_blocked_reader(&thread);
	if (!stack)
		return KSFT_FAIL;
	twin = mmap(NULL, THREAD_STACK, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (twin == MAP_FAILED) {
		if (wake_reader(thread))
			munmap(stack, THREAD_STACK);
		return KSFT_FAIL;
	}
	memcpy(twin, stack, THREAD_STACK);
	madvise(stack, THREAD_STACK, MADV_MERGEABLE);
	madvise(twin, THREAD_STACK, MADV_MERGEABLE);
	for (i = 0; i < 100 && (now = ksm_pages_sharing()) <= before; i++)
		usleep(20 * 1000);
	if (now <= before)
		ksft_print_msg("KSM shared no more pages within 2 s (%ld)\n", now);
	ok = wake_reader(thread) && now > before;
	ukl_test_write_file("/tmp/sys/kernel/mm/ksm/run", "2");	/* unmerge all */
	munmap(twin, THREAD_STACK);
	munmap(stack, THREAD_STACK);
	return ok ? KSFT_PASS : KSFT_FAIL;
}

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif
#define HPAGE		(2UL << 20)

/* Blocks in read() on a huge-page-aligned stack; see collapse_stack_in_read(). */
static void *thp_reader(void *arg)
{
	char c, deep[3 * PAGE];

	memset(deep, 0x5a, sizeof(deep));
	__atomic_store_n(&reader_tid, syscall(SYS_gettid), __ATOMIC_RELEASE);
	if (read(pipe_fds[0], &c, 1) != 1)
		return (void *)1;
	return (void *)(long)(READ_ONCE(deep[PAGE]) != 0x5a);
}

/**
 * collapse_stack_in_read() - compaction and THP collapse under a blocked thread
 *
 * A thread blocks in read() on a 2 MiB stack aligned to a huge page; the
 * kernel compacts memory and MADV_COLLAPSE copies the stack's pages into
 * one transparent huge page, replacing the page table the thread's
 * frames were mapped by.  Its return and its data must not notice.
 *
 * Return: KSFT_PASS, KSFT_FAIL, or KSFT_SKIP without THP.
 */
static int collapse_stack_in_read(void)
{
	pthread_attr_t attr;
	pthread_t thread;
	void *ret = (void *)1;
	char *map, *stack;
	int err;

	ukl_test_sysfs();
	ukl_test_procfs();
	if (access("/tmp/sys/kernel/mm/transparent_hugepage/enabled", F_OK))
		return KSFT_SKIP;
	map = mmap(NULL, 2 * HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED || pipe(pipe_fds))
		return KSFT_FAIL;
	stack = (char *)(((unsigned long)map + HPAGE - 1) & ~(HPAGE - 1));
	madvise(stack, HPAGE, MADV_HUGEPAGE);
	pthread_attr_init(&attr);
	pthread_attr_setstack(&attr, stack, HPAGE);
	__atomic_store_n(&reader_tid, 0, __ATOMIC_RELEASE);
	if (pthread_create(&thread, &attr, thp_reader, NULL))
		return KSFT_FAIL;
	if (!wait_asleep(&reader_tid))
		ksft_print_msg("the reader is not asleep in read() after 5 s\n");
	ukl_test_write_file("/tmp/proc/sys/vm/compact_memory", "1");
	err = madvise(stack, HPAGE, MADV_COLLAPSE) ? errno : 0;
	if (err)
		ksft_print_msg("MADV_COLLAPSE: %s\n", strerror(err));
	if (write(pipe_fds[1], "x", 1) != 1)
		return KSFT_FAIL;
	pthread_join(thread, &ret);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	munmap(map, 2 * HPAGE);
	return !err && !ret ? KSFT_PASS : KSFT_FAIL;
}

/**
 * child_status() - run a function in a child process and wait for it
 * @fn: what the child runs (it does not return)
 * @arg: its argument
 *
 * Return: the child's wait status, or -1 if it could not run or did not
 * end within CHILD_TIMEOUT seconds.
 */
static int child_status(void (*fn)(const char *), const char *arg)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid)
		fn(arg);
	return wait_child(pid, CHILD_TIMEOUT);
}

/**
 * ended_with() - check a child's wait status, and say what it was if wrong
 * @status: the wait status
 * @code: the exit status it must be
 *
 * Return: true if it is.
 */
static int ended_with(int status, int code)
{
	if (!exited_with(status, code)) {
		ksft_print_msg("child status 0x%x, expected exit %d\n", status, code);
		return 0;
	}
	return 1;
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
	return ended_with(child_status(fn, arg), code);
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

	if (!killed_by(status, sig)) {
		ksft_print_msg("child status 0x%x, expected death by signal %d\n",
			       status, sig);
		return 0;
	}
	return 1;
}

#define REVOKE_ROUNDS	200	/* UKL_TEST_REVOKE_ROUNDS overrides it */
#define REVOKE_ALTSTACK	(16 * PAGE)

/*
 * What revoke_stack_in_calls() takes away: the pages of a thread's stack
 * that its calls use, up to revoke_end, not the thread's TLS and
 * descriptor, which musl keeps at the top of the stack; and how often.
 */
static char *revoke_stack, *revoke_end;
static int revoke_faults;

/* SIGSEGV on the revoked stack: give it back, and let the caller go on. */
static void on_revoked(int sig, siginfo_t *si, void *uc)
{
	char *addr = si->si_addr;

	if (addr < revoke_stack || addr >= revoke_end)
		_exit(3);
	mprotect(revoke_stack, revoke_end - revoke_stack, PROT_READ | PROT_WRITE);
	__atomic_add_fetch(&revoke_faults, 1, __ATOMIC_RELEASE);
}

/*
 * Makes system calls for ever, below the page of its own frame.  Declared
 * _Noreturn, so that its caller has no return path after the call, which
 * objtool would find unreachable.
 */
static _Noreturn __attribute__((noipa)) void calling(void)
{
	char here;

	__atomic_store_n(&revoke_end, (char *)((uintptr_t)&here & ~(PAGE - 1)) + PAGE,
			 __ATOMIC_RELEASE);
	for (;;)
		getppid();
}

/* Runs calling() well below the TLS; its signals run on the stack @arg. */
static void *calling_loop(void *arg)
{
	stack_t ss = { .ss_sp = arg, .ss_size = REVOKE_ALTSTACK };
	char pad[4 * PAGE];

	if (sigaltstack(&ss, NULL))
		_exit(2);
	__asm__ volatile("" : : "r"(pad) : "memory");
	calling();
}

/**
 * revoke_stack_in_calls() - take a calling thread's stack away at any time
 * @unused: no argument
 *
 * A thread makes system calls in a loop on a stack of its own; the main
 * thread makes the part of it that the calls use PROT_NONE, round after
 * round, after a while that depends on the round.  Whichever instruction
 * the thread is at when the change reaches its CPU (an interrupt's exit
 * work on one CPU, the TLB flush IPI on several), its next access to the
 * stack must be a fault of the application: in the system call entry
 * too, between the application's last access to its stack and the
 * instruction that disables interrupts.  The SIGSEGV handler, on an alternate stack, gives
 * the stack back, and the thread goes on where it faulted.  Under QEMU's
 * TCG an interrupt comes only between translated blocks; a boot with
 * -singlestep lets it come between any two instructions.
 *
 * Return: never; exit status 0 when every round ended in one SIGSEGV.
 */
static noreturn void revoke_stack_in_calls(const char *unused)
{
	const char *env = getenv("UKL_TEST_REVOKE_ROUNDS");
	int rounds = env ? atoi(env) : REVOKE_ROUNDS;
	struct sigaction sa = {
		.sa_sigaction = on_revoked,
		.sa_flags = SA_SIGINFO | SA_ONSTACK,
	};
	pthread_attr_t attr;
	pthread_t thread;
	void *altstack;
	int r;

	alarm(CHILD_TIMEOUT);
	revoke_stack = mmap(NULL, THREAD_STACK, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	altstack = malloc(REVOKE_ALTSTACK);
	if (revoke_stack == MAP_FAILED || !altstack ||
	    sigaction(SIGSEGV, &sa, NULL))
		child_exit(2);
	pthread_attr_init(&attr);
	pthread_attr_setstack(&attr, revoke_stack, THREAD_STACK);
	if (pthread_create(&thread, &attr, calling_loop, altstack))
		child_exit(2);
	while (!__atomic_load_n(&revoke_end, __ATOMIC_ACQUIRE))
		sched_yield();
	for (r = 0; r < rounds; r++) {
		usleep(r * 37 % 500);
		mprotect(revoke_stack, revoke_end - revoke_stack, PROT_NONE);
		while (__atomic_load_n(&revoke_faults, __ATOMIC_ACQUIRE) == r)
			sched_yield();
	}
	ksft_print_msg("%d rounds, %d faults\n", rounds, revoke_faults);
	child_exit(revoke_faults == rounds ? 0 : 1);
}

/**
 * stacks_attacked_in_calls() - run calls_attacked_remotely(), with swap
 *
 * Return: KSFT_PASS, KSFT_FAIL, or KSFT_SKIP without swap.
 */
static int stacks_attacked_in_calls(void)
{
	if (!swap_on())
		return KSFT_SKIP;
	ukl_test_sysfs();
	ukl_test_procfs();
	return exits_with(calls_attacked_remotely, NULL, 0) ? KSFT_PASS : KSFT_FAIL;
}

/**
 * oom_kills() - how many processes a memory cgroup's OOM killer killed
 * @name: the cgroup's name below /tmp/cg
 *
 * Return: oom_kill of its memory.events; 0 before the cgroup exists.
 */
static long oom_kills(const char *name)
{
	long n = ukl_test_memcg_counter(name, "memory.events", "oom_kill");

	return n < 0 ? 0 : n;
}

/**
 * run_in_memcg() - run a test whose child works in a memory cgroup with swap
 * @name: the cgroup's name below /tmp/cg, which the child creates
 * @fn: what the child runs; it must exit with status 0
 *
 * Threads and processes that reclaim a small cgroup at once can find
 * nothing to reclaim often enough for its memory.max to OOM-kill one of
 * them (seen in make test for both tests that use this, on the UKL, the
 * DEBUG and the unpatched kernel): the memory controller doing its job,
 * not a fault of the entry or fault code.  A run that failed while the cgroup's OOM
 * killer fired is run again, twice at most; one that failed without is a
 * failure.
 *
 * Return: KSFT_PASS, KSFT_FAIL, or KSFT_SKIP without swap.
 */
static int run_in_memcg(const char *name, void (*fn)(const char *))
{
	long kills = oom_kills(name);
	int status, ok, tries = 0;

	if (!swap_on())
		return KSFT_SKIP;
	for (;;) {
		long now;

		status = child_status(fn, NULL);
		ok = ended_with(status, 0);
		now = oom_kills(name);
		if (ok || now <= kills || ++tries > 2)
			break;
		ksft_print_msg("status 0x%x after an OOM kill in the memory cgroup: again\n",
			       status);
		kills = now;
	}
	return ok ? KSFT_PASS : KSFT_FAIL;
}

/**
 * compute_and_call_swapped() - run compute_and_call(), with swap
 *
 * Return: KSFT_PASS, KSFT_FAIL, or KSFT_SKIP without swap.
 */
static int compute_and_call_swapped(void)
{
	return run_in_memcg("mmstress-swap", compute_and_call);
}

/**
 * exit_group_during_faults_and_calls() - exit_group() in END_ROUNDS windows
 *
 * Return: true if faults_and_calls() exited with status 7 every time.
 */
static int exit_group_during_faults_and_calls(void)
{
	int ok = 1;

	for (end_round = 0; end_round < END_ROUNDS; end_round++)
		if (!exits_with(faults_and_calls, "exit", 7)) {
			ksft_print_msg("round %d: exit_group() went wrong\n", end_round);
			ok = 0;
		}
	return ok;
}

/**
 * killed_while() - check that the parent's SIGKILL ends a child
 * @fn: what the child runs; it writes a byte to ready_fd once set up
 * @arg: its argument
 * @delay_ms: how long after that byte the child is killed
 *
 * Return: true if the child died of the SIGKILL.
 */
static int killed_while(void (*fn)(const char *), const char *arg, int delay_ms)
{
	struct pollfd pfd = { .events = POLLIN };
	int fds[2], status;
	pid_t pid;
	char c;

	fflush(NULL);
	if (pipe(fds)) {
		ksft_perror("pipe");
		return 0;
	}
	pid = fork();
	if (pid < 0) {
		ksft_perror("fork");
		return 0;
	}
	if (!pid) {
		close(fds[0]);
		ready_fd = fds[1];
		fn(arg);
	}
	close(fds[1]);
	pfd.fd = fds[0];
	if (poll(&pfd, 1, 10 * 1000) != 1 || read(fds[0], &c, 1) != 1)
		ksft_print_msg("the child did not get ready\n");
	close(fds[0]);
	usleep(delay_ms * 1000);
	kill(pid, SIGKILL);
	status = wait_child(pid, 10);
	if (!killed_by(status, SIGKILL)) {
		ksft_print_msg("child status 0x%x, expected death by SIGKILL\n", status);
		return 0;
	}
	return 1;
}

/**
 * sigkill_during_faults_and_calls() - SIGKILL in END_ROUNDS windows
 *
 * Return: true if faults_and_calls() died of SIGKILL every time.
 */
static int sigkill_during_faults_and_calls(void)
{
	int ok = 1;

	for (end_round = 0; end_round < END_ROUNDS; end_round++)
		if (!killed_while(faults_and_calls, "kill", end_round * end_round * 8)) {
			ksft_print_msg("round %d: SIGKILL went wrong\n", end_round);
			ok = 0;
		}
	return ok;
}

/**
 * fork_cow_stacks_swapped() - run fork_cow_stacks(), with swap
 *
 * Return: KSFT_PASS, KSFT_FAIL, or KSFT_SKIP without swap.
 */
static int fork_cow_stacks_swapped(void)
{
	return run_in_memcg("mmstress-cow", fork_cow_stacks);
}

UKL_TEST_MAIN(mmstress)
{
	ksft_print_header();
	ksft_set_plan(17);

	ksft_test_result(dies_of(revoke_stack_in_read, "mprotect", SIGSEGV),
			 "stack_mprotected_in_read_segv\n");
	ksft_test_result(dies_of(revoke_stack_in_read, "munmap", SIGSEGV),
			 "stack_unmapped_in_read_segv\n");
	ksft_test_result(exits_with(revoke_stack_in_calls, NULL, 0),
			 "stack_revoked_in_calls_segv\n");
	ksft_test_result(exits_with(exit_during_uffd_fault, NULL, 7),
			 "exit_group_during_waiting_fault\n");
	ksft_test_result(signal_during_uffd_fault(), "signal_interrupts_waiting_fault\n");
	ksft_test_result(exits_with(signal_at_waiting_return, NULL, 0),
			 "signal_at_waiting_return_sees_return\n");
	ksft_test_result(exits_with(signal_at_waiting_return, "bad", 0),
			 "signal_at_bad_return_sees_ret\n");
	ksft_test_result_report(page_out_stack_in_read(), "stack_paged_out_in_read\n");
	ksft_test_result_report(migrate_stack_in_read(), "stack_migrated_in_read\n");
	ksft_test_result(dies_of(exceed_memcg, NULL, SIGKILL), "memcg_oom_kills\n");
	ksft_test_result_report(stacks_attacked_in_calls(),
				"stacks_paged_out_remotely_in_calls\n");
	ksft_test_result_report(compute_and_call_swapped(),
				"compute_and_call_swapped_in_memcg\n");
	ksft_test_result(sigkill_during_faults_and_calls(),
			 "sigkill_during_faults_and_calls\n");
	ksft_test_result(exit_group_during_faults_and_calls(),
			 "exit_group_during_faults_and_calls\n");
	ksft_test_result_report(fork_cow_stacks_swapped(),
				"fork_cow_stacks_swapped_in_memcg\n");
	ksft_test_result_report(ksm_merge_stack_in_read(), "stack_ksm_merged_in_read\n");
	ksft_test_result_report(collapse_stack_in_read(), "stack_thp_collapsed_in_read\n");

	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
