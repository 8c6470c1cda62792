// SPDX-License-Identifier: GPL-2.0
/*
 * UKL I/O test: files in the initramfs and on tmpfs, directories, pipes,
 * eventfd, signalfd, epoll, poll and select with timeouts, timerfd,
 * sleeping and the clocks.
 *
 * Built as the UKL application (ring 0) and as an ordinary ring-3 program
 * (see suite.c); both must report the same results.  Both are started by
 * init as root, so they may mount tmpfs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/timerfd.h>

#include "kselftest.h"
#include "ukl_test.h"

#define TMPFS_MAGIC	0x01021994
#define MNT		"/tmp/ukl-io"

/**
 * now_ns() - CLOCK_MONOTONIC in nanoseconds
 *
 * Return: the time, or -1 if clock_gettime() failed.
 */
static int64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return -1;
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void test_initramfs_file(void)
{
	static const char text[] = "UKL test data\n";
	char buf[64] = "";
	struct stat st;
	int fd = open("/etc/ukl-test.txt", O_RDONLY | O_CLOEXEC), ok = fd >= 0;

	ok = ok && !fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size == sizeof(text) - 1;
	ok = ok && read(fd, buf, sizeof(buf)) == sizeof(text) - 1 && !strcmp(buf, text);
	ok = ok && read(fd, buf, sizeof(buf)) == 0 && lseek(fd, 4, SEEK_SET) == 4 &&
	     read(fd, buf, 4) == 4 && !memcmp(buf, "test", 4);
	if (fd >= 0)
		close(fd);
	ksft_test_result(ok, "initramfs_file_read_seek\n");
}

static int tmpfs_mounted;

static void test_tmpfs(void)
{
	static const char msg[] = "written to tmpfs\n";
	char buf[64] = "";
	struct statfs sfs;
	int fd, ok;

	ok = (!mkdir(MNT, 0755) || errno == EEXIST) &&
	     !mount("tmpfs", MNT, "tmpfs", 0, "size=4m,mode=0755");
	tmpfs_mounted = ok;
	ok = ok && !statfs(MNT, &sfs) && sfs.f_type == TMPFS_MAGIC;
	ksft_test_result(ok, "tmpfs_mount\n");

	fd = ok ? open(MNT "/a.txt", O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644) : -1;
	ok = fd >= 0 && write(fd, msg, sizeof(msg) - 1) == sizeof(msg) - 1 &&
	     pread(fd, buf, sizeof(buf), 0) == sizeof(msg) - 1 && !strcmp(buf, msg);
	/* A second open sees the data; O_EXCL refuses to create it again. */
	ok = ok && !close(fd) && open(MNT "/a.txt", O_CREAT | O_EXCL | O_RDWR, 0644) < 0 &&
	     errno == EEXIST;
	fd = open(MNT "/a.txt", O_RDONLY | O_CLOEXEC);
	memset(buf, 0, sizeof(buf));
	ok = ok && fd >= 0 && read(fd, buf, sizeof(buf)) == sizeof(msg) - 1 && !strcmp(buf, msg);
	if (fd >= 0)
		close(fd);
	ok = ok && !rename(MNT "/a.txt", MNT "/b.txt") && access(MNT "/a.txt", F_OK) &&
	     !unlink(MNT "/b.txt") && access(MNT "/b.txt", F_OK) && errno == ENOENT;
	ksft_test_result(ok, "tmpfs_create_write_read_rename_unlink\n");
}

/* getdents64 (through readdir()) lists exactly the files there are. */
static void test_getdents(void)
{
	static const char *const names[] = { "one", "two", "three", "four" };
	unsigned int found = 0, others = 0, i;
	struct dirent *d;
	char path[64];
	DIR *dir;
	int fd;

	for (i = 0; tmpfs_mounted && i < 4; i++) {
		snprintf(path, sizeof(path), MNT "/%s", names[i]);
		fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
	}
	dir = tmpfs_mounted ? opendir(MNT) : NULL;
	while (dir && (d = readdir(dir))) {
		for (i = 0; i < 4; i++)
			if (!strcmp(d->d_name, names[i]) && d->d_type == DT_REG)
				break;
		if (i < 4)
			found |= 1U << i;
		else if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			others++;
	}
	if (dir)
		closedir(dir);
	for (i = 0; tmpfs_mounted && i < 4; i++) {
		snprintf(path, sizeof(path), MNT "/%s", names[i]);
		unlink(path);
	}
	ksft_test_result(dir && found == 0xf && !others, "getdents64_lists_files\n");
	ksft_test_result(tmpfs_mounted && !umount2(MNT, 0) && !rmdir(MNT), "tmpfs_umount\n");
}

static void test_pipe(void)
{
	char buf[8] = "";
	int fds[2], ok;

	ok = !pipe2(fds, O_CLOEXEC | O_NONBLOCK);
	ok = ok && read(fds[0], buf, 1) == -1 && errno == EAGAIN;
	ok = ok && write(fds[1], "pipe", 4) == 4 && read(fds[0], buf, sizeof(buf)) == 4 &&
	     !memcmp(buf, "pipe", 4);
	/* Writing with no reader: EPIPE, and SIGPIPE (ignored here). */
	signal(SIGPIPE, SIG_IGN);
	ok = ok && !close(fds[0]) && write(fds[1], "x", 1) == -1 && errno == EPIPE;
	signal(SIGPIPE, SIG_DFL);
	close(fds[1]);
	ksft_test_result(ok, "pipe_nonblock_epipe\n");
}

static void test_eventfd(void)
{
	uint64_t v = 0, three = 3, four = 4;
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), sem, ok;

	ok = fd >= 0 && read(fd, &v, 8) == -1 && errno == EAGAIN;
	ok = ok && write(fd, &three, 8) == 8 && write(fd, &four, 8) == 8 &&
	     read(fd, &v, 8) == 8 && v == 7;
	sem = eventfd(2, EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE);
	ok = ok && sem >= 0 && read(sem, &v, 8) == 8 && v == 1 && read(sem, &v, 8) == 8 &&
	     v == 1 && read(sem, &v, 8) == -1 && errno == EAGAIN;
	close(fd);
	close(sem);
	ksft_test_result(ok, "eventfd_counter_semaphore\n");
}

static void test_signalfd(void)
{
	struct signalfd_siginfo ssi;
	sigset_t set, old;
	int fd, ok;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	ok = fd >= 0 && read(fd, &ssi, sizeof(ssi)) == -1 && errno == EAGAIN;
	ok = ok && !kill(getpid(), SIGUSR1) && read(fd, &ssi, sizeof(ssi)) == sizeof(ssi) &&
	     ssi.ssi_signo == SIGUSR1 && ssi.ssi_pid == (uint32_t)getpid();
	if (fd >= 0)
		close(fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	ksft_test_result(ok, "signalfd_read\n");
}

static void test_epoll(void)
{
	struct epoll_event ev, out[4];
	int ep = epoll_create1(EPOLL_CLOEXEC), efd = eventfd(0, EFD_CLOEXEC);
	int fds[2] = { -1, -1 }, ok, n, i, mask = 0;
	uint64_t one = 1;
	int64_t t0, t1;
	char c;

	ok = ep >= 0 && efd >= 0 && !pipe2(fds, O_CLOEXEC);
	ev.events = EPOLLIN;
	ev.data.u64 = 0x1111;
	ok = ok && !epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev);
	ev.data.u64 = 0x2222;
	ok = ok && !epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev);
	/* Nothing ready: waits out its 50 ms. */
	t0 = now_ns();
	ok = ok && epoll_wait(ep, out, 4, 50) == 0;
	t1 = now_ns();
	ok = ok && t1 - t0 >= 50 * 1000000LL;
	ok = ok && write(efd, &one, 8) == 8 && epoll_wait(ep, out, 4, 1000) == 1 &&
	     out[0].data.u64 == 0x2222 && (out[0].events & EPOLLIN);
	ok = ok && write(fds[1], "e", 1) == 1;
	n = ok ? epoll_wait(ep, out, 4, 1000) : 0;
	for (i = 0; i < n; i++)
		mask |= out[i].data.u64 == 0x1111 ? 1 : out[i].data.u64 == 0x2222 ? 2 : 4;
	ok = ok && n == 2 && mask == 3;
	/* Drained, both quiet again. */
	ok = ok && read(fds[0], &c, 1) == 1 && read(efd, &one, 8) == 8 &&
	     epoll_wait(ep, out, 4, 0) == 0;
	close(ep);
	close(efd);
	close(fds[0]);
	close(fds[1]);
	ksft_test_result(ok, "epoll_pipe_eventfd\n");
}

static void test_poll_select(void)
{
	struct pollfd pfd = { .events = POLLIN };
	struct timeval tv = { 0, 50000 };
	int fds[2], ok, okp, oks;
	int64_t t0, t1;
	fd_set rd;

	ok = !pipe2(fds, O_CLOEXEC);
	pfd.fd = fds[0];
	t0 = now_ns();
	okp = ok && poll(&pfd, 1, 50) == 0;
	t1 = now_ns();
	okp = okp && t1 - t0 >= 50 * 1000000LL;
	FD_ZERO(&rd);
	FD_SET(fds[0], &rd);
	t0 = now_ns();
	oks = ok && select(fds[0] + 1, &rd, NULL, NULL, &tv) == 0 && !FD_ISSET(fds[0], &rd);
	t1 = now_ns();
	oks = oks && t1 - t0 >= 50 * 1000000LL;

	ok = ok && write(fds[1], "p", 1) == 1;
	okp = okp && ok && poll(&pfd, 1, 1000) == 1 && pfd.revents == POLLIN;
	FD_SET(fds[0], &rd);
	tv.tv_sec = 1;
	oks = oks && ok && select(fds[0] + 1, &rd, NULL, NULL, &tv) == 1 && FD_ISSET(fds[0], &rd);
	close(fds[0]);
	close(fds[1]);
	ksft_test_result(okp, "poll_timeout_and_ready\n");
	ksft_test_result(oks, "select_timeout_and_ready\n");
}

/* A periodic timerfd counts its expirations. */
static void test_timerfd(void)
{
	struct itimerspec its = { { 0, 10000000 }, { 0, 10000000 } };
	struct timespec ts = { 0, 55000000 };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), ok;
	uint64_t n = 0;
	int64_t t0, t1;

	t0 = now_ns();
	ok = fd >= 0 && !timerfd_settime(fd, 0, &its, NULL) && !nanosleep(&ts, NULL);
	ok = ok && read(fd, &n, 8) == 8;
	t1 = now_ns();
	/* At least 5 in 55 ms, and no more than the time allows. */
	ok = ok && n >= 5 && n <= (uint64_t)(t1 - t0) / 10000000 + 1;
	if (!ok)
		ksft_print_msg("timerfd: %llu expirations in %lld ns\n",
			       (unsigned long long)n, (long long)(t1 - t0));
	if (fd >= 0)
		close(fd);
	ksft_test_result(ok, "timerfd_periodic_count\n");
}

static void test_sleep(void)
{
	struct timespec req = { 0, 20000000 }, abs;
	int64_t t0, t1, t2;
	int ok;

	t0 = now_ns();
	ok = !nanosleep(&req, NULL);
	t1 = now_ns();
	ok = ok && t1 - t0 >= 20000000 && !clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 30000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	ok = ok && !clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
	t2 = now_ns();
	ok = ok && t2 >= abs.tv_sec * 1000000000LL + abs.tv_nsec;
	ksft_test_result(ok, "nanosleep_clock_nanosleep_abstime\n");
}

/*
 * The clocks work and CLOCK_MONOTONIC never goes back.  In ring 0 there
 * is no vDSO (it is user code), so clock_gettime() is a system call there;
 * ring-3 programs get the vDSO.
 */
static void test_clocks(void)
{
	struct timespec res, rt, boot;
	int64_t prev = now_ns(), t;
	int i, ok = prev > 0;

	for (i = 0; ok && i < 10000; i++) {
		t = now_ns();
		ok = t >= prev;
		prev = t;
	}
	ok = ok && !clock_getres(CLOCK_MONOTONIC, &res) && res.tv_sec == 0 && res.tv_nsec > 0 &&
	     !clock_gettime(CLOCK_REALTIME, &rt) && rt.tv_sec > 1600000000 &&
	     !clock_gettime(CLOCK_BOOTTIME, &boot) &&
	     boot.tv_sec * 1000000000LL + boot.tv_nsec >= prev - 1000000000LL;
	ksft_test_result(ok, "clock_gettime_monotonic\n");
	ksft_test_result(ukl_test_cpl() == 0 ? getauxval(AT_SYSINFO_EHDR) == 0 :
			 getauxval(AT_SYSINFO_EHDR) != 0, "vdso_only_in_ring3\n");
}

UKL_TEST_MAIN(io)
{
	ksft_print_header();
	ksft_set_plan(15);

	test_initramfs_file();
	test_tmpfs();
	test_getdents();
	test_pipe();
	test_eventfd();
	test_signalfd();
	test_epoll();
	test_poll_select();
	test_timerfd();
	test_sleep();
	test_clocks();

	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
