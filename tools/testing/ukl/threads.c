// SPDX-License-Identifier: GPL-2.0
/*
 * UKL threads test: musl's pthreads on the application's clone, futex,
 * signal and exit paths.
 *
 * Built as the UKL application (ring 0) and as an ordinary ring-3 program
 * (see suite.c); both must report the same results.  Deep thread stacks
 * are tested separately in stack.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest.h"
#include "ukl_test.h"

#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_PRIVATE_FLAG	128

/**
 * futex() - the raw futex system call, without libc's wrappers
 * @uaddr: the futex word
 * @op: FUTEX_WAIT or FUTEX_WAKE, with FUTEX_PRIVATE_FLAG
 * @val: expected value (WAIT) or number of waiters to wake (WAKE)
 * @timeout: relative timeout for WAIT, or NULL
 *
 * Return: the system call's result, -1 with errno set on failure.
 */
static long futex(int *uaddr, int op, int val, const struct timespec *timeout)
{
	return syscall(SYS_futex, uaddr, op | FUTEX_PRIVATE_FLAG, val, timeout, NULL, 0);
}

/**
 * sleep_ms() - sleep for some milliseconds
 * @ms: how long
 */
static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void *add_one(void *arg)
{
	return (void *)((uintptr_t)arg + 1);
}

static void test_create_join(void)
{
	void *ret = NULL;
	pthread_t t;
	int ok;

	ok = !pthread_create(&t, NULL, add_one, (void *)41) && !pthread_join(t, &ret);
	ksft_test_result(ok && ret == (void *)42, "pthread_create_join\n");
}

static sem_t detach_sem;
static int detach_ran;

static void *detached(void *arg)
{
	WRITE_ONCE(detach_ran, pthread_detach(pthread_self()) == 0 ? 1 : -1);
	sem_post(&detach_sem);
	return NULL;
}

static void test_detach(void)
{
	struct timespec ts;
	pthread_t t;
	int ok;

	sem_init(&detach_sem, 0, 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	ok = !pthread_create(&t, NULL, detached, NULL) &&
	     !sem_timedwait(&detach_sem, &ts) && READ_ONCE(detach_ran) == 1;
	ksft_test_result(ok, "pthread_detach\n");
}

/* Cancellation of a thread blocked in a system call that is a cancellation point. */
static int cancel_fds[2];
static int cancel_state, cleanup_ran;

static void cleanup(void *arg)
{
	WRITE_ONCE(cleanup_ran, 1);
}

static void *blocked_reader(void *arg)
{
	char c;

	pthread_cleanup_push(cleanup, NULL);
	WRITE_ONCE(cancel_state, 1);
	if ((uintptr_t)arg) {
		struct timespec ts = { 60, 0 };

		nanosleep(&ts, NULL);
	} else {
		(void)!read(cancel_fds[0], &c, 1);
	}
	WRITE_ONCE(cancel_state, 2);	/* not reached */
	pthread_cleanup_pop(0);
	return NULL;
}

static void test_cancel(int in_nanosleep)
{
	void *ret = NULL;
	pthread_t t;
	int ok, i;

	WRITE_ONCE(cancel_state, 0);
	WRITE_ONCE(cleanup_ran, 0);
	ok = !pipe(cancel_fds) &&
	     !pthread_create(&t, NULL, blocked_reader, (void *)(uintptr_t)in_nanosleep);
	/* Let it block in the kernel first. */
	for (i = 0; ok && !READ_ONCE(cancel_state) && i < 1000; i++)
		sleep_ms(1);
	sleep_ms(50);
	ok = ok && !pthread_cancel(t) && !pthread_join(t, &ret);
	ksft_test_result(ok && ret == PTHREAD_CANCELED && READ_ONCE(cancel_state) == 1 &&
			 READ_ONCE(cleanup_ran),
			 "pthread_cancel_in_%s\n", in_nanosleep ? "nanosleep" : "read");
	close(cancel_fds[0]);
	close(cancel_fds[1]);
}

/* The futex word the raw futex test waits on, and what the waiter saw. */
static int futex_word;
static int futex_woken, futex_waiting;

static void *futex_waiter(void *arg)
{
	WRITE_ONCE(futex_waiting, 1);
	while (!__atomic_load_n(&futex_word, __ATOMIC_SEQ_CST))
		if (!futex(&futex_word, FUTEX_WAIT, 0, NULL))
			WRITE_ONCE(futex_woken, READ_ONCE(futex_woken) + 1);
	return NULL;
}

/*
 * FUTEX_WAIT fails at once with EAGAIN when the word differs, times out
 * with ETIMEDOUT, and a FUTEX_WAKE finds a thread that waits.
 */
static void test_futex_raw(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int word = 5;
	long woke = 0, again, timedout;
	pthread_t t;
	int ok, i;

	again = futex(&word, FUTEX_WAIT, 4, NULL) == -1 && errno == EAGAIN;
	timedout = futex(&word, FUTEX_WAIT, 5, &ts) == -1 && errno == ETIMEDOUT;
	ksft_test_result(again && timedout, "futex_wait_eagain_etimedout\n");

	WRITE_ONCE(futex_word, 0);
	WRITE_ONCE(futex_woken, 0);
	WRITE_ONCE(futex_waiting, 0);
	ok = !pthread_create(&t, NULL, futex_waiter, NULL);
	/* Wake until a wake finds the waiter; it goes back to sleep. */
	for (i = 0; ok && i < 2000 && woke != 1; i++) {
		woke = futex(&futex_word, FUTEX_WAKE, 1, NULL);
		if (woke != 1)
			sleep_ms(2);
	}
	__atomic_store_n(&futex_word, 1, __ATOMIC_SEQ_CST);
	futex(&futex_word, FUTEX_WAKE, INT_MAX, NULL);
	ok = ok && !pthread_join(t, NULL);
	ksft_test_result(ok && woke == 1 && READ_ONCE(futex_woken) >= 1, "futex_wait_wake\n");
}

/* Mutex and condition variables under contention. */
#define CONTENDERS	4
#define INCREMENTS	20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;

static void *incrementer(void *arg)
{
	int i;

	for (i = 0; i < INCREMENTS; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		if (!(i % 64))
			sched_yield();
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void test_mutex(void)
{
	pthread_t t[CONTENDERS];
	int i, created = 0;

	counter = 0;
	for (i = 0; i < CONTENDERS; i++)
		created += !pthread_create(&t[i], NULL, incrementer, NULL);
	for (i = 0; i < created; i++)
		pthread_join(t[i], NULL);
	ksft_test_result(created == CONTENDERS && counter == (long)CONTENDERS * INCREMENTS,
			 "pthread_mutex_contention\n");
}

/* A one-slot queue: producers wait for it to empty, consumers to fill. */
#define ITEMS	2000
static long slot, slot_full, consumed_sum;

static void *producer(void *arg)
{
	long i;

	for (i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&lock);
		while (slot_full)
			pthread_cond_wait(&cond, &lock);
		slot = i;
		slot_full = 1;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	long i;

	for (i = 0; i < ITEMS; i++) {
		pthread_mutex_lock(&lock);
		while (!slot_full)
			pthread_cond_wait(&cond, &lock);
		consumed_sum += slot;
		slot_full = 0;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void test_cond(void)
{
	pthread_t p, c;
	int ok;

	slot = 0;
	slot_full = 0;
	consumed_sum = 0;
	ok = !pthread_create(&c, NULL, consumer, NULL);
	ok = ok && !pthread_create(&p, NULL, producer, NULL);
	ok = ok && !pthread_join(p, NULL) && !pthread_join(c, NULL);
	ksft_test_result(ok && consumed_sum == (long)ITEMS * (ITEMS + 1) / 2,
			 "pthread_cond_producer_consumer\n");
}

/* A thousand threads, created and joined in batches. */
#define MANY	1000
#define BATCH	100

static unsigned short seen[MANY];

static void *mark(void *arg)
{
	seen[(uintptr_t)arg]++;
	return arg;
}

static void test_many(void)
{
	pthread_t t[BATCH];
	unsigned int i, j, bad = 0;
	void *ret;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < MANY; i += BATCH) {
		for (j = 0; j < BATCH; j++)
			if (pthread_create(&t[j], NULL, mark, (void *)(uintptr_t)(i + j)))
				break;
		if (j < BATCH)
			ksft_print_msg("pthread_create of thread %u: failed\n", i + j);
		while (j--)
			if (pthread_join(t[j], &ret) || ret != (void *)(uintptr_t)(i + j))
				bad++;
	}
	for (i = 0; i < MANY; i++)
		bad += seen[i] != 1;
	ksft_test_result(!bad, "threads_1000\n");
}

/*
 * A detached thread's exit unmaps its own stack (musl's __unmapself: munmap
 * and exit without touching the stack in between).  Each iteration waits
 * until the stack of the last thread is gone, so none leaks.
 */
#define UNMAP_ROUNDS	200
static void *unmap_stack;
static sem_t unmap_sem;

static void *note_stack(void *arg)
{
	char here;

	pthread_detach(pthread_self());
	WRITE_ONCE(unmap_stack, (void *)((uintptr_t)&here & ~4095UL));
	sem_post(&unmap_sem);
	return NULL;
}

static void test_unmapself(void)
{
	unsigned char vec;
	pthread_attr_t attr;
	unsigned int i, gone = 0;
	pthread_t t;
	int j;

	sem_init(&unmap_sem, 0, 0);
	pthread_attr_init(&attr);
	/* A stack of its own each time, not one from a cache. */
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (i = 0; i < UNMAP_ROUNDS; i++) {
		WRITE_ONCE(unmap_stack, NULL);
		if (pthread_create(&t, &attr, note_stack, NULL))
			break;
		while (sem_wait(&unmap_sem))
			;
		/* mincore() fails with ENOMEM once the page is unmapped. */
		for (j = 0; j < 5000; j++) {
			if (mincore(READ_ONCE(unmap_stack), 4096, &vec) && errno == ENOMEM)
				break;
			sleep_ms(1);
		}
		if (j == 5000)
			break;
		gone++;
	}
	pthread_attr_destroy(&attr);
	ksft_test_result(gone == UNMAP_ROUNDS, "detached_exit_unmaps_stack\n");
}

/* Every thread has its own copy of __thread variables. */
#define TLS_THREADS	8
static __thread long tls_value = 1000;
static __thread char tls_buf[256];
static pthread_barrier_t tls_barrier;

static void *tls_worker(void *arg)
{
	long id = (long)(uintptr_t)arg;
	int ok;

	ok = tls_value == 1000 && !tls_buf[0];
	tls_value = id;
	memset(tls_buf, (int)id, sizeof(tls_buf));
	pthread_barrier_wait(&tls_barrier);
	ok = ok && tls_value == id && tls_buf[0] == (char)id && tls_buf[255] == (char)id;
	return ok ? (void *)&tls_value : NULL;
}

static void test_tls(void)
{
	pthread_t t[TLS_THREADS];
	void *addr[TLS_THREADS];
	int i, j, ok = 1;

	tls_value = 7;
	pthread_barrier_init(&tls_barrier, NULL, TLS_THREADS);
	for (i = 0; i < TLS_THREADS; i++)
		if (pthread_create(&t[i], NULL, tls_worker, (void *)(uintptr_t)(i + 1)))
			break;
	if (i < TLS_THREADS) {
		/* The barrier would never open: give up on the program. */
		ksft_exit_fail_msg("pthread_create failed\n");
	}
	for (i = 0; i < TLS_THREADS; i++)
		if (pthread_join(t[i], &addr[i]) || !addr[i] || addr[i] == &tls_value)
			ok = 0;
	for (i = 0; ok && i < TLS_THREADS; i++)
		for (j = i + 1; j < TLS_THREADS; j++)
			ok = ok && addr[i] != addr[j];
	pthread_barrier_destroy(&tls_barrier);
	ksft_test_result(ok && tls_value == 7, "thread_local_per_thread\n");
}

/* pthread_kill() and real-time signals aimed at one thread. */
static pid_t handler_tid;
static int handler_sig;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	WRITE_ONCE(handler_tid, syscall(SYS_gettid));
	WRITE_ONCE(handler_sig, sig);
}

static pid_t target_tid;
static int target_stop;
static int waited_value;

static void *signal_target(void *arg)
{
	struct timespec ts = { 10, 0 };
	siginfo_t si;
	sigset_t set;

	WRITE_ONCE(target_tid, syscall(SYS_gettid));
	while (!READ_ONCE(target_stop))
		sleep_ms(1);
	/* Then take a queued real-time signal with sigtimedwait(). */
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 2);
	if (sigtimedwait(&set, &si, &ts) == SIGRTMIN + 2 && si.si_code == SI_QUEUE)
		WRITE_ONCE(waited_value, si.si_value.sival_int);
	return NULL;
}

static void test_thread_signals(void)
{
	struct sigaction sa = { .sa_sigaction = on_rt, .sa_flags = SA_SIGINFO };
	sigset_t set, old;
	siginfo_t si;
	pthread_t t;
	int ok, i;

	/* The thread inherits the mask: SIGRTMIN + 2 stays blocked for sigtimedwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 2);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	sigaction(SIGRTMIN + 1, &sa, NULL);
	WRITE_ONCE(handler_tid, 0);
	WRITE_ONCE(handler_sig, 0);
	WRITE_ONCE(waited_value, 0);
	WRITE_ONCE(target_tid, 0);
	WRITE_ONCE(target_stop, 0);
	ok = !pthread_create(&t, NULL, signal_target, NULL);
	for (i = 0; ok && !READ_ONCE(target_tid) && i < 5000; i++)
		sleep_ms(1);
	ok = ok && READ_ONCE(target_tid) && !pthread_kill(t, SIGRTMIN + 1);
	for (i = 0; ok && !READ_ONCE(handler_sig) && i < 5000; i++)
		sleep_ms(1);
	ksft_test_result(ok && READ_ONCE(handler_sig) == SIGRTMIN + 1 &&
			 READ_ONCE(handler_tid) == READ_ONCE(target_tid),
			 "pthread_kill_rt_signal_runs_in_target\n");

	memset(&si, 0, sizeof(si));
	si.si_signo = SIGRTMIN + 2;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = 4242;
	WRITE_ONCE(target_stop, 1);
	ok = ok && !syscall(SYS_rt_tgsigqueueinfo, getpid(), READ_ONCE(target_tid),
			    SIGRTMIN + 2, &si);
	ok = ok && !pthread_join(t, NULL);
	ksft_test_result(ok && READ_ONCE(waited_value) == 4242, "rt_tgsigqueueinfo_sigtimedwait\n");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	signal(SIGRTMIN + 1, SIG_DFL);
}

/* A signal handler on an alternate stack, in a thread. */
#define ALT_SIZE	(64 * 1024)
static char *alt_base;
static int alt_on_stack, alt_flags;

static void on_usr2(int sig)
{
	char here;
	stack_t cur;

	WRITE_ONCE(alt_on_stack, &here >= alt_base && &here < alt_base + ALT_SIZE);
	if (!sigaltstack(NULL, &cur))
		WRITE_ONCE(alt_flags, cur.ss_flags);
}

static void *altstack_thread(void *arg)
{
	stack_t ss = { .ss_size = ALT_SIZE }, cur;
	struct sigaction sa = { .sa_handler = on_usr2, .sa_flags = SA_ONSTACK };

	alt_base = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (alt_base == MAP_FAILED)
		return NULL;
	ss.ss_sp = alt_base;
	if (sigaltstack(&ss, NULL) || sigaction(SIGUSR2, &sa, NULL))
		return NULL;
	pthread_kill(pthread_self(), SIGUSR2);
	if (sigaltstack(NULL, &cur) || cur.ss_flags & SS_ONSTACK)
		return NULL;
	return (void *)1;
}

static void test_thread_altstack(void)
{
	void *ret = NULL;
	pthread_t t;

	WRITE_ONCE(alt_on_stack, 0);
	WRITE_ONCE(alt_flags, 0);
	if (pthread_create(&t, NULL, altstack_thread, NULL) || pthread_join(t, &ret))
		ret = NULL;
	ksft_test_result(ret && READ_ONCE(alt_on_stack) && (READ_ONCE(alt_flags) & SS_ONSTACK),
			 "sigaltstack_in_thread\n");
	if (alt_base && alt_base != MAP_FAILED)
		munmap(alt_base, ALT_SIZE);
}

UKL_TEST_MAIN(threads)
{
	ksft_print_header();
	ksft_set_plan(14);

	test_create_join();
	test_detach();
	test_cancel(0);
	test_cancel(1);
	test_futex_raw();
	test_mutex();
	test_cond();
	test_many();
	test_unmapself();
	test_tls();
	test_thread_signals();
	test_thread_altstack();

	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
