// SPDX-License-Identifier: GPL-2.0
/*
 * UKL core test: the basic process environment of the application.
 *
 * Built twice from this source: as the UKL application linked into the
 * kernel (UKL_APP defined, runs at CPL 0) and as an ordinary static ring-3
 * program.  Both are booted as init on the same kernel and must print the
 * same KTAP results; only the expected privilege level differs.
 *
 * It is also the "core" area of the suite (suite.c), which runs it as a
 * child process.
 *
 * Arguments (from the kernel command line after "--"): exit=N makes the
 * program exit with status N when every test passed, so that the runner
 * can check that the status reaches it.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "kselftest.h"
#include "ukl_test.h"

#ifdef UKL_APP
#include <ukl.h>
#endif

/*
 * The privilege level of this program, and what a ring-3 program without
 * CAP_SYS_RAWIO gets when it reaches into it (/cpl3's last argument).
 */
#ifdef UKL_APP
#define EXPECTED_CPL	0
#define REACH_EXPECT	"refused"
#else
#define EXPECTED_CPL	3
#define REACH_EXPECT	"allowed"
#endif

/* Content of the file that ukl-test.sh puts into every initramfs. */
#define DATA_FILE	"/etc/ukl-test.txt"
#define DATA_TEXT	"UKL test data\n"

static int ctor_ran;
static char static_buf[64] = "static data in the application image\n";
static __thread int tls_init = 42;
static __thread int tls_zero;

__attribute__((constructor)) static void core_ctor(void)
{
	ctor_ran = 0x55;
}

static int64_t ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static void test_cpl(void)
{
	ksft_test_result(ukl_test_cpl() == EXPECTED_CPL, "cpl\n");
}

/*
 * What arch_ukl_start_thread() gives the application, as start_thread()
 * gives a ring-3 program, and every return to it keeps: the code
 * selector, null DS and ES, EFLAGS.IF; EFLAGS.AC in ring 0, where its
 * stack and data are user pages under SMAP, not in ring 3; no TF, no DF.
 * SS is the user one in ring 3; in ring 0 it is whatever the CPU has,
 * __KERNEL_DS or the null selector an entry from ring 3 loads.
 */
#define EFL_TF	(1UL << 8)
#define EFL_IF	(1UL << 9)
#define EFL_DF	(1UL << 10)
#define EFL_AC	(1UL << 18)

static void test_selectors_and_flags(void)
{
	unsigned short cs, ss, ds, es;
	unsigned long flags;
	int ring0 = ukl_test_cpl() == 0, ok;

	__asm__ volatile ("mov %%cs, %0\n\tmov %%ss, %1\n\t"
			  "mov %%ds, %2\n\tmov %%es, %3"
			  : "=r" (cs), "=r" (ss), "=r" (ds), "=r" (es));
	__asm__ volatile ("pushfq\n\tpopq %0" : "=r" (flags));
	ok = cs == (ring0 ? 0x10 : 0x33) && (ring0 || ss == 0x2b) &&
	     ds == 0 && es == 0 && (flags & EFL_IF) &&
	     !!(flags & EFL_AC) == ring0 &&
	     !(flags & (EFL_TF | EFL_DF));
	if (!ok)
		ksft_print_msg("cs %#x ss %#x ds %#x es %#x eflags %#lx\n",
			       cs, ss, ds, es, flags);
	ksft_test_result(ok, "app_selectors_and_flags\n");
}

/*
 * Booted as init, the program is PID 1 without a parent; as an area of
 * the suite (suite.c), it is a child of init.
 */
static void test_ids(void)
{
	pid_t pid = getpid(), ppid = getppid();

	ksft_test_result(pid == syscall(SYS_getpid) &&
			 (pid == 1 ? ppid == 0 : ppid == 1), "getpid_getppid\n");
}

static void test_write_static(void)
{
	static const char msg[] = "# write from static data\n";
	ssize_t n = write(STDOUT_FILENO, msg, sizeof(msg) - 1);

	ksft_test_result(n == (ssize_t)sizeof(msg) - 1, "write_static\n");
}

static void test_clock(void)
{
	struct timespec a, b, req = { 0, 10 * 1000 * 1000 }, rt;
	int ok;

	ok = !clock_gettime(CLOCK_MONOTONIC, &a) && !nanosleep(&req, NULL) &&
	     !clock_gettime(CLOCK_MONOTONIC, &b) && !clock_gettime(CLOCK_REALTIME, &rt);
	ok = ok && ns(&b) - ns(&a) >= 10 * 1000 * 1000 && rt.tv_sec > 0;
	ksft_test_result(ok, "clock_gettime_nanosleep\n");
}

static void test_file(void)
{
	char buf[64];
	ssize_t n = -1;
	int fd = open(DATA_FILE, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, static_buf, sizeof(static_buf));
		memcpy(buf, static_buf, sizeof(buf));
		if (close(fd))
			n = -1;
	}
	ksft_test_result(n == (ssize_t)strlen(DATA_TEXT) &&
			 !memcmp(buf, DATA_TEXT, n), "open_read_close\n");
}

static void test_mmap(void)
{
	size_t len = 1 << 20;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ok = p != MAP_FAILED;
	size_t i;

	for (i = 0; ok && i < len; i += 4096)
		p[i] = (unsigned char)(i >> 12);
	for (i = 0; ok && i < len; i += 4096)
		ok = p[i] == (unsigned char)(i >> 12);
	ok = ok && !munmap(p, len);
	ksft_test_result(ok, "mmap_anonymous\n");
}

static void test_brk(void)
{
	size_t len = 64 << 20;
	uintptr_t start = syscall(SYS_brk, 0), end;
	unsigned char *p;
	size_t i;
	int ok;

	end = syscall(SYS_brk, start + len);
	ok = start && end == start + len;
	for (i = 0; ok && i < len; i += 4096)
		((unsigned char *)start)[i] = 1;
	ok = ok && (uintptr_t)syscall(SYS_brk, start) == start;
	ksft_test_result(ok, "brk_64MiB\n");

	p = malloc(len);
	ok = !!p;
	if (ok) {
		memset(p, 0xa5, len);
		ok = p[0] == 0xa5 && p[len - 1] == 0xa5;
		free(p);
	}
	ksft_test_result(ok, "malloc_64MiB\n");
}

static void test_tls(void)
{
	int ok = tls_init == 42 && tls_zero == 0;

	tls_init++;
	tls_zero = 7;
	ok = ok && tls_init == 43 && tls_zero == 7;
	/* TLS lives in user memory, whatever the privilege level. */
	ok = ok && (uintptr_t)&tls_init < (1UL << 47);
	ksft_test_result(ok, "thread_local\n");
}

static void test_ctor(void)
{
	ksft_test_result(ctor_ran == 0x55, "constructor\n");
}

static void test_auxv(void)
{
	ksft_test_result(getauxval(AT_RANDOM) != 0 && getauxval(AT_PAGESZ) == 4096,
			 "auxv\n");
}

/*
 * The whole aux vector, entry by entry, against the one an ordinary static
 * program gets from the same kernel (/cpl3, started with posix_spawn()).
 * Program-specific entries must be there; every other entry must be the
 * same, except what differs in ring 0 by design (Documentation/ukl/
 * porting.rst): no AT_SYSINFO_EHDR and no AT_RSEQ_*; AT_MINSIGSTKSZ with
 * room for an interrupt frame below the signal frame; AT_HWCAP2 without
 * HWCAP2_FSGSBASE.
 */
#define AUXV_MAX		64
#define HWCAP2_FSGSBASE		2UL	/* bit 1 */
#define UKL_APP_EVENT_FRAME	64	/* <asm/ukl.h> */
#ifndef AT_RSEQ_FEATURE_SIZE
#define AT_RSEQ_FEATURE_SIZE	27
#define AT_RSEQ_ALIGN		28
#endif

static int auxv_find(unsigned long (*av)[2], int n, unsigned long type,
		     unsigned long *val)
{
	int i, count = 0;

	for (i = 0; i < n; i++) {
		if (av[i][0] == type) {
			*val = av[i][1];
			count++;
		}
	}
	return count;
}

/* The ring-3 program's vector and AT_PLATFORM string, read from its stdout. */
static int auxv_of_ring3(unsigned long (*av)[2], char *platform, size_t size)
{
	char *const argv[] = { "/cpl3", "auxv", NULL };
	static char buf[AUXV_MAX * 16 + 256];
	posix_spawn_file_actions_t fa;
	ssize_t len = 0;
	int fds[2], status = -1, n;
	pid_t pid = -1;

	if (pipe(fds))
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	if (posix_spawn(&pid, "/cpl3", &fa, NULL, argv, NULL))
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (pid > 0)
		len = ukl_test_read_all(fds[0], buf, sizeof(buf));
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 42)
		return -1;
	for (n = 0; n < AUXV_MAX && (n + 1) * 16 <= (int)len; n++) {
		memcpy(av[n], buf + n * 16, 16);
		if (av[n][0] == AT_NULL)
			break;
	}
	if (n == AUXV_MAX || (n + 1) * 16 >= (int)len ||
	    !memchr(buf + (n + 1) * 16, 0, len - (n + 1) * 16))
		return -1;
	snprintf(platform, size, "%s", buf + (n + 1) * 16);
	return n;
}

static void test_auxv_as_ring3(void)
{
	static unsigned long own[AUXV_MAX][2], ring3[AUXV_MAX][2];
	const unsigned long program[] = {	/* or randomized for each process */
		AT_PHDR, AT_PHNUM, AT_ENTRY, AT_RANDOM, AT_EXECFN, AT_SYSINFO_EHDR,
	};
	int ring0 = ukl_test_cpl() == 0, ok = 1, i, j, n_own, n_ring3;
	char platform[64];

	n_own = ukl_test_auxv(own, AUXV_MAX);
	n_ring3 = auxv_of_ring3(ring3, platform, sizeof(platform));
	if (n_own < 0 || n_ring3 < 0) {
		ksft_print_msg("auxv: cannot read %s\n", n_own < 0 ? "own" : "/cpl3's");
		ksft_test_result_fail("auxv_as_ring3\n");
		return;
	}
	for (i = 0; i < n_own + n_ring3; i++) {
		unsigned long type = i < n_own ? own[i][0] : ring3[i - n_own][0];
		unsigned long mine = 0, theirs = 0, want;
		int have = auxv_find(own, n_own, type, &mine);
		int has = auxv_find(ring3, n_ring3, type, &theirs);
		int is_program = 0;
		const char *why = NULL;

		if (i >= n_own && have)
			continue;		/* compared already */
		for (j = 0; j < ARRAY_SIZE(program); j++)
			is_program |= type == program[j];
		want = theirs;
		if (type == AT_MINSIGSTKSZ && ring0)
			want = theirs + UKL_APP_EVENT_FRAME;
		if (type == AT_HWCAP2 && ring0)
			want = theirs & ~HWCAP2_FSGSBASE;

		if (have > 1 || has > 1)
			why = "more than once";
		else if (ring0 && (type == AT_SYSINFO_EHDR ||
				   type == AT_RSEQ_FEATURE_SIZE || type == AT_RSEQ_ALIGN))
			why = have ? "there in ring 0" : NULL;
		else if (have != has)
			why = have ? "not there in ring 3" : "missing";
		else if (is_program)
			why = mine ? NULL : "zero";
		else if (type == AT_PLATFORM)
			why = strcmp((const char *)mine, platform) ? "another string" : NULL;
		else if (mine != want)
			why = "another value";
		if (why) {
			ksft_print_msg("auxv: entry %lu %s: %#lx, ring 3 %#lx\n",
				       type, why, mine, theirs);
			ok = 0;
		}
	}
	ksft_test_result(ok && n_own > 15, "auxv_as_ring3\n");
}

/*
 * The root file system that every UKL application gets
 * (scripts/ukl/rootfs.list) has what a static program expects: a
 * writable /tmp for mkstemp() and tmpfile(), /dev/shm for shm_open(), the
 * usual device nodes, the users root and nobody for getpwnam(), and
 * procfs and sysfs mounted on /proc and /sys (by the kernel for the
 * application as init; suite.c mounts them as a ring-3 init).
 */
#define PROC_SUPER_MAGIC	0x9fa0
#define SYSFS_MAGIC		0x62656572

static int rootfs_check(int ok, const char *what)
{
	if (!ok)
		ksft_print_msg("rootfs: %s (%s)\n", what, strerror(errno));
	return ok;
}

static void test_rootfs(void)
{
	char tmpl[] = "/tmp/ukl-core-XXXXXX", buf[16], zeros[16] = { 0 };
	struct statfs proc, sys;
	struct passwd *pw;
	struct group *gr;
	int fd, ok = 1;
	FILE *f;

	fd = mkstemp(tmpl);
	ok &= rootfs_check(fd >= 0 && !unlink(tmpl), "mkstemp() in /tmp");
	if (fd >= 0)
		close(fd);
	f = tmpfile();
	ok &= rootfs_check(f && fputs("x", f) >= 0 && !fseek(f, 0, SEEK_SET) &&
			   fgetc(f) == 'x', "tmpfile()");
	if (f)
		fclose(f);
	fd = shm_open("/ukl-core", O_RDWR | O_CREAT | O_EXCL, 0600);
	ok &= rootfs_check(fd >= 0 && !shm_unlink("/ukl-core"), "shm_open() in /dev/shm");
	if (fd >= 0)
		close(fd);

	fd = open("/dev/null", O_RDWR);
	ok &= rootfs_check(fd >= 0 && write(fd, "x", 1) == 1 && read(fd, buf, 1) == 0,
			   "/dev/null");
	if (fd >= 0)
		close(fd);
	fd = open("/dev/zero", O_RDONLY);
	ok &= rootfs_check(fd >= 0 && read(fd, buf, sizeof(buf)) == sizeof(buf) &&
			   !memcmp(buf, zeros, sizeof(buf)), "/dev/zero");
	if (fd >= 0)
		close(fd);
	fd = open("/dev/full", O_WRONLY);
	errno = 0;
	ok &= rootfs_check(fd >= 0 && write(fd, "x", 1) < 0 && errno == ENOSPC,
			   "/dev/full");
	if (fd >= 0)
		close(fd);
	fd = open("/dev/urandom", O_RDONLY);
	ok &= rootfs_check(fd >= 0 && read(fd, buf, sizeof(buf)) == sizeof(buf) &&
			   memcmp(buf, zeros, sizeof(buf)), "/dev/urandom");
	if (fd >= 0)
		close(fd);
	ok &= rootfs_check(!access("/dev/random", R_OK) && !access("/dev/tty", F_OK),
			   "/dev/random, /dev/tty");
	pw = getpwnam("root");
	ok &= rootfs_check(pw && !pw->pw_uid && !strcmp(pw->pw_dir, "/root"),
			   "getpwnam(\"root\")");
	pw = getpwnam("nobody");
	gr = getgrgid(0);
	ok &= rootfs_check(pw && pw->pw_uid == 65534 && gr && !strcmp(gr->gr_name, "root"),
			   "getpwnam(\"nobody\"), getgrgid(0)");

	ok &= rootfs_check(!statfs("/proc", &proc) && proc.f_type == PROC_SUPER_MAGIC &&
			   !access("/proc/self/stat", R_OK) && !access("/dev/stdout", F_OK),
			   "procfs on /proc");
	ok &= rootfs_check(!statfs("/sys", &sys) && sys.f_type == SYSFS_MAGIC &&
			   !access("/sys/kernel", F_OK), "sysfs on /sys");
	ksft_test_result(ok, "rootfs_as_static_program_expects\n");
}

/*
 * A host directory shared over virtio 9p (ukl-run.sh --share, make run
 * UKL_SHARE=), on the path in UKL_TEST_SHARE: mounted by the kernel for
 * the application as init (ukl.share=), by suite.c as a ring-3 init.  The
 * runner (ukl-test.sh) put the file "in" there, UKL_TEST_SHARE_SIZE bytes
 * of share_byte(); the test reads it, lists the directory, and leaves
 * "in" backwards in "out" (written to a temporary name, synced and
 * renamed), which the runner checks on the host after the boot.
 */
static unsigned char share_byte(size_t i)
{
	return (i * 7 + i / 251) & 0xff;
}

/* Whether /proc/self/mounts lists a 9p file system on @dir. */
static int share_mounted(const char *dir)
{
	char line[512], mnt[256], type[32];
	int found = 0;
	FILE *f = fopen("/proc/self/mounts", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %255s %31s", mnt, type) == 2 &&
			!strcmp(mnt, dir) && !strcmp(type, "9p");
	if (f)
		fclose(f);
	return found;
}

static int share_check(int ok, const char *what)
{
	if (!ok)
		ksft_print_msg("share: %s (%s)\n", what, strerror(errno));
	return ok;
}

static void test_share(void)
{
	const char *dir = getenv("UKL_TEST_SHARE"), *size = getenv("UKL_TEST_SHARE_SIZE");
	char in[256], tmp[256], out[256], sub[256];
	size_t n = size ? strtoul(size, NULL, 10) : 0, i;
	unsigned char *buf = NULL, *rev = NULL;
	int fd, ok = 1, seen = 0;
	struct dirent *d;
	struct stat st;
	DIR *dp;

	if (!dir || !n) {
		ksft_test_result_skip("host_share (no UKL_TEST_SHARE)\n");
		return;
	}
	snprintf(in, sizeof(in), "%s/in", dir);
	snprintf(tmp, sizeof(tmp), "%s/out.tmp", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	/* 9p2000.L's statfs() gives the host's f_type, not V9FS_MAGIC. */
	ok &= share_check(share_mounted(dir), "9p mounted");
	buf = malloc(n + 1);
	rev = malloc(n);
	if (!buf || !rev)
		ksft_exit_fail_msg("share: out of memory\n");

	/* The host's file, byte for byte, and no more. */
	fd = open(in, O_RDONLY);
	ok &= share_check(fd >= 0 && !fstat(fd, &st) && st.st_size == (off_t)n &&
			  ukl_test_read_all(fd, buf, n + 1) == (ssize_t)n, "read in");
	if (fd >= 0)
		close(fd);
	for (i = 0; ok && i < n; i++)
		if (buf[i] != share_byte(i))
			ok = share_check(0, "in: wrong contents");

	dp = opendir(dir);
	while (dp && (d = readdir(dp)))
		seen |= !strcmp(d->d_name, "in");
	if (dp)
		closedir(dp);
	ok &= share_check(seen, "readdir lists in");
	ok &= share_check(!mkdir(sub, 0755) && !stat(sub, &st) && S_ISDIR(st.st_mode) &&
			  !rmdir(sub), "mkdir, rmdir");

	for (i = 0; i < n; i++)
		rev[i] = share_byte(n - 1 - i);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ok &= share_check(fd >= 0 && ukl_test_write_all(fd, rev, n) && !fsync(fd),
			  "write out.tmp");
	if (fd >= 0)
		close(fd);
	ok &= share_check(!rename(tmp, out) && access(tmp, F_OK) && !stat(out, &st) &&
			  st.st_size == (off_t)n, "rename to out");
	/* Without a cache= option 9p reads it from the host again. */
	fd = open(out, O_RDONLY);
	ok &= share_check(fd >= 0 && ukl_test_read_all(fd, buf, n + 1) == (ssize_t)n &&
			  !memcmp(buf, rev, n), "read out back");
	if (fd >= 0)
		close(fd);
	free(buf);
	free(rev);
	ksft_test_result(ok, "host_share\n");
}

static void test_efault(void)
{
	/* The start of the kernel image: never a valid user pointer. */
	const void *kptr = (const void *)0xffffffff81000000UL;
	ssize_t n;

	errno = 0;
	n = write(STDOUT_FILENO, kptr, 16);
	ksft_test_result(n == -1 && errno == EFAULT, "kernel_pointer_efault\n");
}

/* CPUID.(EAX=7,ECX=0):EBX, with the SMEP (7) and SMAP (20) bits. */
static unsigned int cpuid7_ebx(void)
{
	unsigned int a = 7, b, c = 0, d;

	__asm__ volatile ("cpuid" : "+a" (a), "=b" (b), "+c" (c), "=d" (d));
	return b;
}

static int kaslr_target(void)
{
	return 42;
}

/* A pointer to code in initialized data: .ukl.data holds it in ring 0. */
static int (*kaslr_target_ptr)(void) = kaslr_target;

/* True when the kernel command line has the word @word. */
static int cmdline_has(const char *word)
{
	char buf[1024], *tok, *save;
	ssize_t n = -1;
	int fd, found = 0;

	mkdir("/tmp/proc", 0755);
	mount("proc", "/tmp/proc", "proc", 0, NULL);
	fd = open("/tmp/proc/cmdline", O_RDONLY);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	umount("/tmp/proc");
	buf[n > 0 ? n : 0] = '\0';
	for (tok = strtok_r(buf, "\n ", &save); tok; tok = strtok_r(NULL, "\n ", &save))
		found |= !strcmp(tok, word);
	return found;
}

/*
 * With CONFIG_RANDOMIZE_BASE the kernel, and with it the application's
 * code, runs at a random address: a scenario that expects it sets
 * UKL_TEST_KASLR=1 on the kernel command line (and nokaslr there turns
 * it off).  The pointer to code in
 * the initialized data must have been relocated with the code: in ring 0
 * by the kernel's boot-time relocation of the application's data image.
 */
static int kaslr_expected(void)
{
	return getenv("UKL_TEST_KASLR") && !strcmp(getenv("UKL_TEST_KASLR"), "1") &&
	       !cmdline_has("nokaslr");
}

static void test_kaslr(int kaslr)
{
	int want = kaslr_expected();

	if (kaslr != want)
		ksft_print_msg("kaslr=%d, want %d\n", kaslr, want);
	/* READ_ONCE(): loaded from the data, not folded into kaslr_target. */
	if (READ_ONCE(kaslr_target_ptr) != kaslr_target)
		ksft_print_msg("pointer in data %p, code at %p\n",
			       (void *)READ_ONCE(kaslr_target_ptr), (void *)kaslr_target);
	ksft_test_result(kaslr == want && READ_ONCE(kaslr_target_ptr) == kaslr_target &&
			 READ_ONCE(kaslr_target_ptr)() == 42, "kaslr_code_pointers_relocated\n");
}

/*
 * Kernel code entered from this program runs with EFLAGS.AC clear and
 * CR4.SMAP and CR4.SMEP set where the CPU has them, so that a stray
 * access of the kernel to user memory faults, in ring 0 as in ring 3
 * (<debugfs>/ukl/entry_state, CONFIG_UKL_TEST_PROBE).
 */
static int entry_pti = -1;

static void test_entry_state(void)
{
	int cpl = -1, ac = -1, smap = -1, smep = -1, pti = -1, kaslr = -1;
	unsigned int ebx = cpuid7_ebx();
	char buf[128];
	ssize_t n = -1;
	int fd;

	mkdir("/tmp/debug", 0755);
	mount("debugfs", "/tmp/debug", "debugfs", 0, NULL);
	fd = open("/tmp/debug/ukl/entry_state", O_RDONLY);
#ifndef UKL_APP
	/* A ring-3 program on a kernel without UKL (configs/REF). */
	if (fd < 0 && errno == ENOENT) {
		ksft_test_result_skip("kernel_entry_ac_clear_smap_on (no UKL probe)\n");
		ksft_test_result_skip("kaslr_code_pointers_relocated (no UKL probe)\n");
		return;
	}
#endif
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	if (sscanf(buf, "cpl=%d ac=%d smap=%d smep=%d pti=%d kaslr=%d", &cpl,
		   &ac, &smap, &smep, &pti, &kaslr) != 6)
		ksft_print_msg("entry_state: '%s'\n", buf);
	entry_pti = pti;
	ksft_test_result(cpl == 0 && ac == 0 && smap == !!(ebx & (1 << 20)) &&
			 smep == !!(ebx & (1 << 7)), "kernel_entry_ac_clear_smap_on\n");
	test_kaslr(kaslr);
}

/*
 * What a boot line asks for is in force; else the boots that run the
 * suite under a setting would only repeat the default boot: the shortcut
 * level of UKL_LEVEL= in init's environment, which a constructor of the
 * application's C library sets (the level when this area started), the
 * ret level of ukl.ret=1 and PTI of pti=on on the kernel command line.
 */
static int start_level = -1;

static void test_boot_settings(void)
{
	const char *env = getenv("UKL_LEVEL");
	int want_level = !env ? 0 : !strcmp(env, "bypass") ? 1 :
			 !strcmp(env, "direct") ? 2 : 0;
	int ret = ukl_test_ret_level(-1), want_ret = cmdline_has("ukl.ret=1");
	int ok = 1;

	if (ukl_test_cpl() == 0 && start_level != want_level) {
		ksft_print_msg("level %d, UKL_LEVEL=%s\n", start_level, env ? env : "");
		ok = 0;
	}
	if (ret >= 0 ? ret != want_ret : want_ret) {
		ksft_print_msg("ret level %d, ukl.ret=1 %son the command line\n",
			       ret, want_ret ? "" : "not ");
		ok = 0;
	}
	if (cmdline_has("pti=on") && entry_pti >= 0 && entry_pti != 1) {
		ksft_print_msg("pti=on, but PTI is %d\n", entry_pti);
		ok = 0;
	}
	ksft_test_result(ok, "boot_settings_in_force\n");
}

static sig_atomic_t sig_count;
static int sig_si_code;
static unsigned long sig_uc_flags;
static int pipe_fds[2];

/* The kernel's UAPI <asm/ucontext.h>: the flags of a 64-bit signal frame. */
#define UC_SIGCONTEXT_SS	0x2
#define UC_STRICT_RESTORE_SS	0x4

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	WRITE_ONCE(sig_count, READ_ONCE(sig_count) + 1);
	WRITE_ONCE(sig_si_code, si->si_code);
	WRITE_ONCE(sig_uc_flags, ((ucontext_t *)uc)->uc_flags);
}

/*
 * Signal delivery on the way back from a system call, and sigreturn.  The
 * frame is a 64-bit program's, whose uc_flags say that it saved SS and
 * that sigreturn restores it as saved.
 */
static void test_signal(void)
{
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
	const unsigned long flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	int ok;

	WRITE_ONCE(sig_count, 0);
	ok = !sigaction(SIGUSR1, &sa, NULL) && !kill(getpid(), SIGUSR1);
	ok = ok && READ_ONCE(sig_count) == 1 && READ_ONCE(sig_si_code) == SI_USER;
	ksft_test_result(ok, "signal_handler_sigreturn\n");
	if ((READ_ONCE(sig_uc_flags) & flags) != flags)
		ksft_print_msg("uc_flags %#lx\n", READ_ONCE(sig_uc_flags));
	ksft_test_result(ok && (READ_ONCE(sig_uc_flags) & flags) == flags,
			 "signal_frame_uc_flags_64bit\n");
}

/* Whether the timer's signal found the program in its read(); SA_RESTART. */
static int alarm_in_read, alarm_restart;

/* The timer's handler writes the byte that the interrupted read waits for. */
static void on_alarm(int sig, siginfo_t *si, void *uc)
{
	WRITE_ONCE(sig_count, READ_ONCE(sig_count) + 1);
	WRITE_ONCE(alarm_in_read,
		   ukl_test_signal_in_call(uc, SYS_read, READ_ONCE(alarm_restart)));
	if (READ_ONCE(sig_count) == 1)
		(void)!write(pipe_fds[1], "x", 1);
}

/*
 * A read blocked in the kernel is interrupted by a signal: with SA_RESTART
 * the kernel restarts it by re-executing the two-byte system call
 * instruction (here the call), without it read() fails with EINTR.
 *
 * A signal that comes before the read (a guest that the host stalled for
 * the timer's 20 ms) leaves the byte for the read to find at once: that
 * try proves nothing, and the test tries again, up to three times.
 */
static int interrupted_read(int flags)
{
	struct sigaction sa = { .sa_sigaction = on_alarm, .sa_flags = SA_SIGINFO | flags };
	struct itimerval it = { .it_value = { 0, 20000 } };
	int tries = 0;
	char c = 0;
	ssize_t n;

	WRITE_ONCE(alarm_restart, !!(flags & SA_RESTART));
	sigaction(SIGALRM, &sa, NULL);
	do {
		if (pipe(pipe_fds))
			return -2;
		WRITE_ONCE(sig_count, 0);
		WRITE_ONCE(alarm_in_read, 0);
		setitimer(ITIMER_REAL, &it, NULL);
		n = read(pipe_fds[0], &c, 1);
		if (n < 0)
			n = -errno;
		else if (c != 'x')
			n = -1000;
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		if (!READ_ONCE(alarm_in_read))
			ksft_print_msg("SIGALRM, try %d: %s\n", tries + 1, UKL_TEST_NOT_IN_CALL);
	} while (!READ_ONCE(alarm_in_read) && ++tries < 3);
	signal(SIGALRM, SIG_DFL);
	if (!READ_ONCE(alarm_in_read))
		return -3000;
	return READ_ONCE(sig_count) == 1 ? n : -2000;
}

static void test_restart(void)
{
	ksft_test_result(interrupted_read(SA_RESTART) == 1, "sa_restart_restarts\n");
	ksft_test_result(interrupted_read(0) == -EINTR, "no_sa_restart_eintr\n");
}

/*
 * A compute loop that makes no system call: the timer's signal must still
 * arrive, on the way back from the timer interrupt that hit the loop.
 */
static void on_alarm_flag(int sig)
{
	WRITE_ONCE(sig_count, READ_ONCE(sig_count) + 1);
}

static void test_signal_interrupts_loop(void)
{
	struct sigaction sa = { .sa_handler = on_alarm_flag };
	struct itimerval it = { .it_value = { 0, 20000 } };
	unsigned long n = 0;

	WRITE_ONCE(sig_count, 0);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	while (!READ_ONCE(sig_count) && READ_ONCE(n) < 2000000000UL)
		WRITE_ONCE(n, n + 1);
	ksft_test_result(READ_ONCE(sig_count) == 1, "sigalrm_interrupts_compute_loop\n");
}

static sigjmp_buf fault_jmp;
/* In the NULL guard; read with READ_ONCE(), which the compiler cannot see through. */
static int *null_page = (int *)16;
static int fault_sig, fault_code;
static void *fault_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	WRITE_ONCE(fault_sig, sig);
	WRITE_ONCE(fault_code, si->si_code);
	WRITE_ONCE(fault_addr, si->si_addr);
	siglongjmp(fault_jmp, 1);
}

/* A string literal: read-only data, which the application may not write. */
static const char *const rodata_str = "read-only";

/*
 * Faults in application code are signals to the process, with the siginfo
 * of a ring-3 fault, and a handler can recover with siglongjmp().  The
 * application's rodata is read-only as a ring-3 program's is.  A call to
 * a user address, an instruction fetch that SMEP refuses ring 0, is a
 * SIGSEGV too.
 */
static void test_faults(void)
{
	static const struct {
		const char *name;
		int sig, code;
	} want[] = {
		{ "fault_null_sigsegv", SIGSEGV, SEGV_MAPERR },
		{ "fault_readonly_sigsegv", SIGSEGV, SEGV_ACCERR },
		{ "fault_ud2_sigill", SIGILL, ILL_ILLOPN },
		{ "fault_div0_sigfpe", SIGFPE, FPE_INTDIV },
		{ "fault_int3_sigtrap", SIGTRAP, SI_KERNEL },
		{ "fault_rodata_sigsegv", SIGSEGV, SEGV_ACCERR },
		{ "fault_call_null_sigsegv", SIGSEGV, SEGV_MAPERR },
	};
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };
	struct sigaction old;
	int zero = 0, seven = 7, *ro;
	void *expect_addr;
	unsigned int i;

	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		sigaction(want[i].sig, &sa, &old);
		WRITE_ONCE(fault_sig, 0);
		expect_addr = NULL;
		WRITE_ONCE(fault_addr, NULL);
		if (!sigsetjmp(fault_jmp, 1)) {
			switch (i) {
			case 0:
				expect_addr = READ_ONCE(null_page);
				WRITE_ONCE(*(int *)expect_addr, 1);
				break;
			case 1:
				expect_addr = ro;
				WRITE_ONCE(*ro, 1);
				break;
			case 2:
				/* ud2, which the compiler knows not to return. */
				__builtin_trap();
			case 3:
				/* Not 1 / zero: GCC computes that without idiv. */
				WRITE_ONCE(zero, READ_ONCE(seven) / READ_ONCE(zero));
				break;
			case 4:
				__asm__ volatile ("int3");
				break;
			case 5:
				expect_addr = (void *)rodata_str;
				WRITE_ONCE(*(char *)expect_addr, 'R');
				break;
			case 6:
				/* A call through a null function pointer. */
				expect_addr = READ_ONCE(null_page);
				((void (*)(void))expect_addr)();
				break;
			}
		}
		ksft_test_result(READ_ONCE(fault_sig) == want[i].sig &&
				 READ_ONCE(fault_code) == want[i].code &&
				 (!expect_addr || READ_ONCE(fault_addr) == expect_addr),
				 "%s\n", want[i].name);
		/* A later fault must not jump back into this loop. */
		sigaction(want[i].sig, &old, NULL);
	}
	munmap(ro, 4096);
}

/*
 * The kernel logs a process that dies of a fault it has no handler for
 * ("segfault at", "trap invalid opcode") with its instruction pointer: a
 * user address in ring 3.  The application's code is kernel text, moved
 * by KASLR, so the log gives the address as linked (System.map's), which
 * tells a reader of the kernel log nothing about where the kernel is.
 * With KASLR on (UKL_TEST_KASLR=1, no nokaslr) the application's logged
 * address must not be near its code at run time.  The rate limit of these messages is
 * lifted meanwhile, so that the test's own are logged.
 */
static int fault_message_ip(const char *log, pid_t pid, const char *what,
			    unsigned long *ip)
{
	char key[64];
	const char *at, *end, *p;

	snprintf(key, sizeof(key), "[%d]%s", pid, what);
	at = strstr(log, key);
	if (!at)
		return 0;
	end = strchr(at, '\n');
	p = strstr(at, " ip");
	if (!p || (end && p > end))
		return 0;
	*ip = strtoul(p + 4, NULL, 16);
	return 1;
}

/* The kernel's log, NUL-terminated, to free(); NULL if it cannot be read. */
static char *kernel_log(void)
{
	int size = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	char *log = size > 0 ? malloc(size + 1) : NULL;
	int n = log ? klogctl(3, log, size) : -1;	/* SYSLOG_ACTION_READ_ALL */

	if (n <= 0) {
		free(log);
		return NULL;
	}
	log[n] = '\0';
	return log;
}

static void test_fault_messages(void)
{
	static const char *const what[] = { ": segfault at ", " trap invalid opcode" };
	int kaslr = ukl_test_cpl() == 0 && kaslr_expected();
	unsigned long here = (unsigned long)test_fault_messages, ip;
	char path[128], limit[32] = "", *log;
	int status, ok = 1, i;
	pid_t pid[2];

	/*
	 * KASLR may choose to leave the kernel where it was linked (one
	 * boot in a few hundred): the log then has nothing to hide.
	 */
	if (kaslr && ukl_test_kernel_symbol("_text") == UKL_TEST_KERNEL_LINKED_AT) {
		ksft_print_msg("KASLR left the kernel at %#lx: no offset to hide\n",
			       UKL_TEST_KERNEL_LINKED_AT);
		kaslr = 0;
	}

	snprintf(path, sizeof(path), "%s/sys/kernel/printk_ratelimit",
		 ukl_test_procfs());
	if (!ukl_test_read_file(path, limit, sizeof(limit)) ||
	    !ukl_test_write_file(path, "0")) {
		ksft_test_result_fail("fault_messages_hide_kaslr\n");
		return;
	}
	for (i = 0; i < 2; i++) {
		pid[i] = fork();
		if (pid[i] == 0) {
			signal(SIGSEGV, SIG_DFL);
			signal(SIGILL, SIG_DFL);
			if (i == 0)
				WRITE_ONCE(*READ_ONCE(null_page), 1);
			__builtin_trap();
		}
		ok = ok && pid[i] > 0 && waitpid(pid[i], &status, 0) == pid[i] &&
		     WIFSIGNALED(status);
	}
	ukl_test_write_file(path, limit);
	log = kernel_log();
	ok = ok && log;
	for (i = 0; ok && i < 2; i++) {
		if (!fault_message_ip(log, pid[i], what[i], &ip)) {
			ksft_print_msg("no message \"[%d]%s... ip\" in the kernel log\n",
				       pid[i], what[i]);
			ok = 0;
		} else if (kaslr && ip - here < 0x10000) {
			ksft_print_msg("[%d]%s... ip %#lx: the code is at %#lx\n",
				       pid[i], what[i], ip, here);
			ok = 0;
		}
	}
	free(log);
	ksft_test_result(ok, "fault_messages_hide_kaslr\n");
}

/*
 * With print-fatal-signals on, the kernel logs the registers of a process
 * that a signal with a core dump action kills: a ring-3 program's user
 * registers, without the control registers and without a call trace of
 * the kernel (show_regs()).  The application's registers are a process's
 * too: the log must not show the kernel's CR3 or per-CPU base, nor walk
 * the application's stack as the kernel's.
 */
static void test_fatal_signal_regs(void)
{
	char path[128], old[16] = "", key[40], *log, *at = NULL;
	int status = 0, ok;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/sys/kernel/print-fatal-signals",
		 ukl_test_procfs());
	if (!ukl_test_read_file(path, old, sizeof(old)) ||
	    !ukl_test_write_file(path, "1")) {
		ksft_test_result_fail("fatal_signal_regs_as_user\n");
		return;
	}
	pid = fork();
	if (pid == 0) {
		signal(SIGXFSZ, SIG_DFL);
		kill(getpid(), SIGXFSZ);
		_exit(3);
	}
	ok = pid > 0 && waitpid(pid, &status, 0) == pid &&
	     WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ;
	ukl_test_write_file(path, old);
	log = kernel_log();
	if (ok && log) {
		/* show_regs()'s first line names the process. */
		snprintf(key, sizeof(key), " PID: %d Comm: ", pid);
		at = strstr(log, key);
	}
	if (!at) {
		ksft_print_msg("no registers of PID %d in the kernel log (status %#x)\n",
			       pid, status);
		ok = 0;
	} else if (!strstr(at, "RIP: ") || strstr(at, "CR2: ") ||
		   strstr(at, "Call Trace:")) {
		ksft_print_msg("PID %d: RIP %s, control registers %s, call trace %s\n",
			       pid, strstr(at, "RIP: ") ? "logged" : "missing",
			       strstr(at, "CR2: ") ? "logged" : "not logged",
			       strstr(at, "Call Trace:") ? "logged" : "not logged");
		ok = 0;
	}
	free(log);
	ksft_test_result(ok, "fatal_signal_regs_as_user\n");
}

/*
 * A signal handler at an address where no code is: a non-canonical one,
 * which the return to the handler cannot load into RIP, and a user one.
 * The process dies of SIGSEGV, as in ring 3, and nothing else happens.
 */
static void test_bad_handler(void)
{
	static const unsigned long bad[] = { 0x4141414141414141UL, 0x1000 };
	struct sigaction sa = { 0 };
	int status, ok = 1;
	unsigned int i;
	pid_t pid;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		status = 0;
		pid = fork();
		if (pid == 0) {
			sa.sa_handler = (void (*)(int))bad[i];
			sigaction(SIGUSR1, &sa, NULL);
			raise(SIGUSR1);
			_exit(3);
		}
		if (pid > 0 && waitpid(pid, &status, 0) == pid &&
		    WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV)
			continue;
		ksft_print_msg("handler at %#lx: pid %d, status 0x%x\n", bad[i], pid, status);
		ok = 0;
	}
	ksft_test_result(ok, "bad_handler_address_sigsegv\n");
}

/*
 * PR_SET_TSC(PR_TSC_SIGSEGV) and ARCH_SET_CPUID(0) make RDTSC and CPUID
 * raise SIGSEGV in ring 3 (CR4.TSD, CPUID faulting, where the CPU has it:
 * ENODEV otherwise).  Neither faults at CPL 0, so the application must
 * learn it from the call's error (EINVAL, ENODEV, as where a kernel
 * cannot do it), not go on as if the instruction faulted.  Each case runs
 * in a child, which exits with 3 when the call failed with that error
 * and with 4 when the instruction ran after the call had succeeded.
 */
#ifndef ARCH_SET_CPUID
#define ARCH_SET_CPUID	0x1012
#endif

static int insn_fault_status(int cpuid)
{
	int status = -1;
	pid_t pid = fork();

	if (pid == 0) {
		unsigned int a = 0, b, c = 0, d;

		if (cpuid ? syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) :
			    prctl(PR_SET_TSC, PR_TSC_SIGSEGV))
			_exit(errno == (cpuid ? ENODEV : EINVAL) ? 3 : 5);
		if (cpuid)
			__asm__ volatile ("cpuid" : "+a" (a), "=b" (b), "+c" (c), "=d" (d));
		else
			__asm__ volatile ("rdtsc" : "=a" (a), "=d" (d));
		_exit(4);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

static void test_insn_faults(void)
{
	int tsc = insn_fault_status(0), cpuid = insn_fault_status(1);
	int segv_tsc = WIFSIGNALED(tsc) && WTERMSIG(tsc) == SIGSEGV,
	    segv_cpuid = WIFSIGNALED(cpuid) && WTERMSIG(cpuid) == SIGSEGV,
	    refused_tsc = WIFEXITED(tsc) && WEXITSTATUS(tsc) == 3,
	    refused_cpuid = WIFEXITED(cpuid) && WEXITSTATUS(cpuid) == 3;
	int ok = EXPECTED_CPL == 3 ? segv_tsc && (segv_cpuid || refused_cpuid) :
				     refused_tsc && refused_cpuid;

	if (!ok)
		ksft_print_msg("status %#x (PR_SET_TSC), %#x (ARCH_SET_CPUID)\n",
			       tsc, cpuid);
	ksft_test_result(ok, "tsc_cpuid_faults_or_refused\n");
}

/* Start /cpl3 with @argv (argv[0] is "/cpl3"); its wait status, or -1. */
static int cpl3_status(char *const argv[])
{
	int status = -1;
	pid_t pid;

	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, NULL) ||
	    waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* The path of this program (/ukl for the application); false if unknown. */
static int self_exe(char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "%s/self/exe", ukl_test_procfs());
	n = readlink(link, buf, size - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return 1;
}

/*
 * The same mode set by a ring-3 program that then executes this one
 * (cpl3 tscexec): an ordinary program keeps it across execve() and gets
 * SIGSEGV from RDTSC, the application must find RDTSC allowed
 * (PR_GET_TSC), which is what it gets.  The new process runs tsc_check()
 * and exits with 3 when all is as said.
 */
static int tsc_check(void)
{
	int mode = 0;

	if (prctl(PR_GET_TSC, &mode))
		return 5;
	if (EXPECTED_CPL == 0)
		return mode == PR_TSC_ENABLE ? 3 : 4;
	if (mode != PR_TSC_SIGSEGV)
		return 4;
	__asm__ volatile ("rdtsc" : : : "eax", "edx");
	return 6;
}

static void test_tsc_exec(void)
{
	char exe[PATH_MAX] = "", prog[] = "/cpl3", verb[] = "tscexec";
	char area[] = "area=core", check[] = "tsc-check";
	char *const argv[] = { prog, verb, exe, area, check, NULL };
	int status = self_exe(exe, sizeof(exe)) ? cpl3_status(argv) : -1, ok;

	ok = EXPECTED_CPL == 0 ? WIFEXITED(status) && WEXITSTATUS(status) == 3 :
				 WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
	if (!ok)
		ksft_print_msg("%s after PR_SET_TSC in ring 3: status %#x\n", exe, status);
	ksft_test_result(ok, "tsc_mode_across_exec\n");
}

/*
 * posix_spawn() of an ordinary program (vfork and execve from the
 * application): it runs at CPL 3 and its exit status comes back.
 */
static void test_spawn_ring3(void)
{
	char *const argv[] = { "/cpl3", NULL };
	int status = cpl3_status(argv);

	ksft_test_result(WIFEXITED(status) && WEXITSTATUS(status) == 42,
			 "posix_spawn_ring3_program\n");
}

/*
 * A ring-3 program single-steps a SYSENTER from 64-bit mode (cpl3
 * sysenter): on an Intel CPU with IA32 emulation the kernel takes a #DB
 * in its entry code with the program's GS, and must return from it as
 * upstream does.  The program gets SIGSEGV or SIGILL and exits with 42.
 */
static void test_sysenter_step(void)
{
	char prog[] = "/cpl3", verb[] = "sysenter";
	char *const argv[] = { prog, verb, NULL };
	int status = cpl3_status(argv);

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 42)
		ksft_print_msg("cpl3 sysenter: status %#x\n", status);
	ksft_test_result(WIFEXITED(status) && WEXITSTATUS(status) == 42,
			 "ring3_sysenter_single_step\n");
}

/*
 * Reaching into a process that runs the application takes CAP_SYS_RAWIO,
 * as starting it does: such a process runs in ring 0.  A ring-3 program
 * (/cpl3) with all capabilities attaches to a forked copy of this
 * process, reads a word of its data and writes it; without
 * CAP_SYS_RAWIO, ptrace, /proc/PID/mem, process_vm_readv(),
 * process_vm_writev() and process_madvise() are refused.  In ring 3 the
 * same accesses work: the refusal is UKL's.
 */
static unsigned long reach_word = UKL_TEST_REACH_MAGIC;

static void test_reach_into(void)
{
	char expect[] = REACH_EXPECT;
	char pid_s[16], addr_s[24], verb[] = "reach", prog[] = "/cpl3";
	char *const argv[] = { prog, verb, pid_s, addr_s, expect, NULL };
	int status = -1;
	pid_t child, helper;

	child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	snprintf(pid_s, sizeof(pid_s), "%d", child);
	snprintf(addr_s, sizeof(addr_s), "%#lx", (unsigned long)&reach_word);
	if (child < 0 || posix_spawn(&helper, prog, NULL, NULL, argv, NULL) ||
	    waitpid(helper, &status, 0) != helper)
		status = -1;
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 42)
		ksft_print_msg("cpl3 reach %s: status %#x\n", expect, status);
	ksft_test_result(WIFEXITED(status) && WEXITSTATUS(status) == 42,
			 "reaching_in_takes_cap_sys_rawio\n");
}

/*
 * A process is the application's for the whole of its execve() of it, not
 * only once the image is mapped: a child executes this program again and
 * again (exec_loop()) while /cpl3, without CAP_SYS_RAWIO, opens its
 * /proc/PID/mem in a loop (cpl3 execrace), and every open must fail.  In
 * ring 3, where the child is an ordinary process, they work.
 *
 * "exec-loop N FD" executes N more times, and on until /cpl3 writes to FD
 * that it has opened the file enough times to count (a guest scheduler
 * may give it little time meanwhile), 10000 times at most.
 */
static int exec_loop(int argc, char **argv)
{
	char exe[PATH_MAX] = "", area[] = "area=core", verb[] = "exec-loop", n[16];
	char *const args[] = { exe, area, verb, n, argc >= 5 ? argv[4] : NULL, NULL };
	int left = argc >= 4 ? atoi(argv[3]) : 0;
	struct pollfd enough = { .fd = argc >= 5 ? atoi(argv[4]) : -1, .events = POLLIN };

	if (left <= 0 && (enough.fd < 0 || left <= -10000 || poll(&enough, 1, 0) == 1))
		return 3;
	snprintf(n, sizeof(n), "%d", left - 1);
	if (self_exe(exe, sizeof(exe)))
		execv(exe, args);
	return 4;
}

static void test_exec_guarded(void)
{
	char expect[] = REACH_EXPECT;
	char verb[] = "execrace", prog[] = "/cpl3", pid_s[16];
	char *const argv[] = { prog, verb, pid_s, expect, NULL };
	char enough[16], *loop[] = { NULL, "area=core", "exec-loop", "100", enough, NULL };
	int go[2], ready[2], status = -1, helper_status = -1;
	posix_spawn_file_actions_t fa;
	pid_t child, helper = -1;
	char c;

	if (pipe(go) || pipe(ready)) {
		ksft_test_result_fail("exec_guarded_throughout\n");
		return;
	}
	/* The helper's first byte on ready starts the child, its second ends it. */
	snprintf(enough, sizeof(enough), "%d", ready[0]);
	child = fork();
	if (child == 0) {
		/* The helper's end: its exit must end the parent's read. */
		close(ready[1]);
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(5);
		_exit(exec_loop(5, loop));
	}
	close(go[0]);
	snprintf(pid_s, sizeof(pid_s), "%d", child);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ready[1], 3);
	if (child > 0 && !posix_spawn(&helper, prog, &fa, NULL, argv, NULL)) {
		close(ready[1]);
		/* Once the helper opens in a loop, the child starts. */
		if (read(ready[0], &c, 1) == 1 && write(go[1], "", 1) == 1 &&
		    waitpid(child, &status, 0) == child)
			child = -1;
		waitpid(helper, &helper_status, 0);
	}
	posix_spawn_file_actions_destroy(&fa);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 3 ||
	    !WIFEXITED(helper_status) || WEXITSTATUS(helper_status) != 42)
		ksft_print_msg("exec loop: status %#x; cpl3 execrace %s: status %#x\n",
			       status, expect, helper_status);
	ksft_test_result(WIFEXITED(status) && WEXITSTATUS(status) == 3 &&
			 WIFEXITED(helper_status) && WEXITSTATUS(helper_status) == 42,
			 "exec_guarded_throughout\n");
}

/*
 * A process that ran the application stays the application's to /proc
 * until it is gone, not only while it has an mm to be known by: for an
 * exiting task, /proc/PID/syscall shows the instruction and stack
 * pointers of its last entry, and the application's instruction pointer
 * is kernel text, which tells where KASLR put the kernel.  A child holds
 * the only write end of a pipe and exits while a thread of this process
 * sleeps in vmsplice() from that pipe, in a fault on a page registered
 * with a userfaultfd, with the pipe locked: after it dropped its memory
 * the child waits for that lock when it closes its end (pipe_release()).
 * Then /cpl3, without CAP_SYS_RAWIO, reads the child's /proc/PID/stat
 * and /proc/PID/syscall (cpl3 exitregs), which must not give a kernel
 * address: in ring 0 the second is refused, in ring 3 it shows the
 * child's exit_group().  Skipped on a kernel without userfaultfd.
 */
static int exit_regs_uffd = -1;
static char *exit_regs_page;
static int exit_regs_pipe[2] = { -1, -1 };

/* Copies a byte of the pipe to the userfaultfd page: waits in its fault. */
static void *exit_regs_splicer(void *arg)
{
	struct iovec iov = { exit_regs_page, 1 };

	return (void *)syscall(SYS_vmsplice, exit_regs_pipe[0], &iov, 1, 0);
}

/* Wait, 5 s at most, for the first fault on the userfaultfd page. */
static int exit_regs_fault_waits(void)
{
	struct pollfd pfd = { .fd = exit_regs_uffd, .events = POLLIN };
	struct uffd_msg msg;

	return poll(&pfd, 1, 5000) == 1 &&
	       read(exit_regs_uffd, &msg, sizeof(msg)) == sizeof(msg) &&
	       msg.event == UFFD_EVENT_PAGEFAULT;
}

/* Wait, 5 s at most, until @pid sleeps uninterruptibly without memory. */
static int exit_regs_child_waits(pid_t pid)
{
	char path[32], buf[1024];
	unsigned long vsize;
	const char *p;
	int tries;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	for (tries = 0; tries < 500; tries++, usleep(10 * 1000)) {
		if (!ukl_test_read_file(path, buf, sizeof(buf)))
			continue;
		p = ukl_test_stat_field(buf, 3);	/* the state */
		if (!p || p[1] != 'D')
			continue;
		p = ukl_test_stat_field(buf, 23);	/* vsize */
		if (p && sscanf(p, " %lu", &vsize) == 1 && !vsize)
			return 1;
	}
	return 0;
}

static void test_exit_regs(void)
{
	char expect[] = REACH_EXPECT;
	char verb[] = "exitregs", prog[] = "/cpl3", pid_s[16];
	char *const argv[] = { prog, verb, pid_s, expect, NULL };
	struct uffdio_zeropage zero = { .range = { 0, 4096 } };
	int go[2] = { -1, -1 }, waiting = 0, status = -1, helper_status = -1;
	pid_t child = -1, helper = -1;
	void *spliced = NULL;
	pthread_t splicer;
	char c;

	exit_regs_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (exit_regs_page != MAP_FAILED)
		exit_regs_uffd = ukl_test_uffd(exit_regs_page, 4096, O_NONBLOCK, 0);
	if (exit_regs_uffd < 0 && errno == ENOSYS) {
		munmap(exit_regs_page, 4096);
		ksft_test_result_skip("exiting_application_regs_hidden (no userfaultfd)\n");
		return;
	}
	if (exit_regs_uffd < 0 || pipe(exit_regs_pipe) || pipe(go)) {
		ksft_perror("userfaultfd or pipes");
		goto out;
	}
	child = fork();
	if (child == 0) {
		close(exit_regs_pipe[0]);
		_exit(write(exit_regs_pipe[1], "x", 1) == 1 && read(go[0], &c, 1) == 1 ? 3 : 5);
	}
	/* The child's is the only write end: its close releases the pipe. */
	close(exit_regs_pipe[1]);
	exit_regs_pipe[1] = -1;
	if (child < 0 || pthread_create(&splicer, NULL, exit_regs_splicer, NULL))
		goto out;
	waiting = exit_regs_fault_waits() && write(go[1], "g", 1) == 1 &&
		  exit_regs_child_waits(child);
	snprintf(pid_s, sizeof(pid_s), "%d", child);
	if (waiting && (posix_spawn(&helper, prog, NULL, NULL, argv, NULL) ||
			waitpid(helper, &helper_status, 0) != helper))
		helper_status = -1;
	/* Let the splicer go on, then the child. */
	zero.range.start = (unsigned long)exit_regs_page;
	ioctl(exit_regs_uffd, UFFDIO_ZEROPAGE, &zero);
	pthread_join(splicer, &spliced);
	if (!waiting)
		kill(child, SIGKILL);
	waitpid(child, &status, 0);
	child = -1;
out:
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	if (!waiting || !WIFEXITED(helper_status) || WEXITSTATUS(helper_status) != 42 ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 3 || spliced != (void *)1L)
		ksft_print_msg("child %s its exit; cpl3 exitregs %s: status %#x; child status %#x, vmsplice %ld\n",
			       waiting ? "waited in" : "did not wait in", expect,
			       helper_status, status, (long)spliced);
	ksft_test_result(waiting && WIFEXITED(helper_status) &&
			 WEXITSTATUS(helper_status) == 42,
			 "exiting_application_regs_hidden\n");
	if (exit_regs_page != MAP_FAILED)
		munmap(exit_regs_page, 4096);
	close(exit_regs_uffd);
	close(exit_regs_pipe[0]);
	close(go[0]);
	close(go[1]);
}

/*
 * A tracer keeps its access to its tracee across execve(), so one without
 * CAP_SYS_RAWIO may not have its tracee start the application, as it may
 * not attach to it after the start: /cpl3 drops the capability, traces a
 * child that has it and lets it execute /ukl, which must fail with EPERM.
 * An ordinary program (/cpl3 again) starts under such a tracer.
 */
static void test_trace_exec(void)
{
	char expect[] = REACH_EXPECT;
#ifdef UKL_APP
	char path[] = "/ukl";
#else
	char path[] = "/cpl3";
#endif
	char verb[] = "traceexec", prog[] = "/cpl3";
	char *const argv[] = { prog, verb, path, expect, NULL };
	int status = cpl3_status(argv);

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 42)
		ksft_print_msg("cpl3 traceexec %s %s: status %#x\n", path, expect, status);
	ksft_test_result(WIFEXITED(status) && WEXITSTATUS(status) == 42,
			 "tracer_needs_cap_sys_rawio_at_exec\n");
}

/*
 * A file that starts the application may carry arguments and environment
 * strings of any content after its magic (fs/binfmt_ukl.c): each a tag,
 * 'a' or 'e', the bytes and a NUL.  The test writes such a file, with
 * quotes, dollars, backslashes, newlines, UTF-8, empty strings and a
 * 100 KiB argument, and executes it with arguments and an environment of
 * its own.  The new process (the application again, in core_main())
 * checks that it got argv[0], the file's arguments, the caller's, then
 * the caller's environment and the file's, each byte for byte, and the
 * same in /proc/self/cmdline and environ.  On a kernel without UKL the
 * file is no program (ENOEXEC): the test is skipped.
 */
#define FILE_STRINGS_MAGIC	"\177UKL"
#define FILE_STRINGS_BIG	(100 << 10)

static const char *const file_args[] = {
	"area=core", "file-strings-check",
	"'single' \"double\"", "$HOME $(false) `false` ${x}", "back\\slash\\",
	"new\nline\n", "tab\tUTF-8: \xc3\xa4 \xe2\x82\xac \xf0\x9f\x98\x80", "",
	"-- exit=3", NULL,	/* and the big one */
};

static const char *const file_env[] = {
	"UKL_TEST_ODD=a=b c\n'\"$\\", "not NAME=VALUE", "", NULL,
};

/* The arguments and environment of the caller. */
static char *const caller_args[] = { "area=core", "file-strings-check", NULL };
static char *const caller_env[] = { "UKL_TEST_CALLER=1", NULL };

/* The 100 KiB argument: every byte but NUL, over and over. */
static const char *file_strings_big(void)
{
	static char big[FILE_STRINGS_BIG + 1];
	int i;

	for (i = 0; i < FILE_STRINGS_BIG; i++)
		big[i] = 1 + i % 255;
	return big;
}

/*
 * Compare the strings @got (@n of them, NULL-terminated) with the
 * expected ones, and with the NUL-separated contents of the procfs file
 * @file of this process.
 */
static int file_strings_same(const char *what, char **got, int n,
			     const char *const *want, int nwant, const char *file)
{
	static char buf[2 * FILE_STRINGS_BIG];
	char path[64];
	ssize_t len = 0, at = 0;
	int i, fd, ok = 1;

	if (n != nwant || got[n]) {
		ksft_print_msg("file strings: %d %s, not %d\n", n, what, nwant);
		return 0;
	}
	for (i = 0; i < n; i++)
		if (strcmp(got[i], want[i])) {
			ksft_print_msg("file strings: %s %d is not right (%zu bytes, not %zu)\n",
				       what, i, strlen(got[i]), strlen(want[i]));
			ok = 0;
		}
	snprintf(path, sizeof(path), "%s/self/%s", ukl_test_procfs(), file);
	fd = open(path, O_RDONLY);
	if (fd >= 0) {
		len = ukl_test_read_all(fd, buf, sizeof(buf));
		close(fd);
	}
	for (i = 0; i < n && at < len; i++) {
		if (memcmp(buf + at, want[i], strlen(want[i]) + 1))
			break;
		at += strlen(want[i]) + 1;
	}
	if (i < n || at != len) {
		ksft_print_msg("file strings: %s: string %d of %s is not right\n", path, i, what);
		ok = 0;
	}
	return ok;
}

/* In the new process: check what it got. */
static int file_strings_check(int argc, char **argv)
{
	const char *args[ARRAY_SIZE(file_args) + ARRAY_SIZE(caller_args) + 1];
	const char *env[ARRAY_SIZE(file_env) + ARRAY_SIZE(caller_env)];
	int na = 0, ne = 0, i, ok;

	args[na++] = argv[0];
	for (i = 0; file_args[i]; i++)
		args[na++] = file_args[i];
	args[na++] = file_strings_big();
	for (i = 0; caller_args[i]; i++)
		args[na++] = caller_args[i];
	for (i = 0; caller_env[i]; i++)
		env[ne++] = caller_env[i];
	for (i = 0; file_env[i]; i++)
		env[ne++] = file_env[i];

	for (i = 0; environ[i]; i++)
		;
	ok = file_strings_same("arguments", argv, argc, args, na, "cmdline");
	ok &= file_strings_same("environment strings", environ, i, env, ne, "environ");
	return ok ? 0 : 1;
}

/* Write one tagged string of the file; return false on an error. */
static int file_strings_put(FILE *f, char tag, const char *s)
{
	return fputc(tag, f) != EOF && fwrite(s, 1, strlen(s) + 1, f) == strlen(s) + 1;
}

/* Create a file at @path (a mkstemp() template) that starts with the magic. */
static FILE *file_strings_create(char *path)
{
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (f && fputs(FILE_STRINGS_MAGIC, f) == EOF) {
		fclose(f);
		return NULL;
	}
	return f;
}

/* Close it and make it executable; false if that or the writing (!@ok) failed. */
static int file_strings_finish(FILE *f, const char *path, int ok)
{
	if (f && fclose(f))
		ok = 0;
	return f && ok && !chmod(path, 0700);
}

static void test_file_strings(void)
{
	char path[] = "/tmp/ukl-strings-XXXXXX";
	int ok, i, status = -1;
	FILE *f;
	pid_t pid;

	f = file_strings_create(path);
	ok = f != NULL;
	for (i = 0; ok && file_args[i]; i++)
		ok = file_strings_put(f, 'a', file_args[i]);
	ok = ok && file_strings_put(f, 'a', file_strings_big());
	for (i = 0; ok && file_env[i]; i++)
		ok = file_strings_put(f, 'e', file_env[i]);
	if (!file_strings_finish(f, path, ok)) {
		ksft_perror(path);
		ksft_test_result_fail("file_strings_byte_for_byte\n");
		return;
	}

	pid = fork();
	if (!pid) {
		char *argv[ARRAY_SIZE(caller_args) + 1] = { path };

		memcpy(argv + 1, caller_args, sizeof(caller_args));
		execve(path, argv, caller_env);
		_exit(errno == ENOEXEC ? 4 : 3);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	unlink(path);
	if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 4) {
		ksft_test_result_skip("file_strings_byte_for_byte (no UKL: ENOEXEC)\n");
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		ksft_print_msg("file strings: status 0x%x\n", status);
	ksft_test_result(WIFEXITED(status) && !WEXITSTATUS(status),
			 "file_strings_byte_for_byte\n");
}

/*
 * Each string of such a file takes a pointer on the new stack besides its
 * bytes.  60000 empty arguments (60000 bytes) fit the room that execve()
 * gives strings with a 256 KiB stack limit (128 KiB, ARG_MAX), but their
 * pointers (480 KiB) do not fit the stack: execve() must fail with E2BIG,
 * as for as many arguments of the caller, and not kill the caller after
 * the point of no return.
 */
#define FILE_STRINGS_MANY	60000

static void test_file_strings_many(void)
{
	char path[] = "/tmp/ukl-many-XXXXXX";
	int ok, i, status = -1;
	FILE *f;
	pid_t pid;

	f = file_strings_create(path);
	ok = f != NULL;
	for (i = 0; ok && i < FILE_STRINGS_MANY; i++)
		ok = file_strings_put(f, 'a', "");
	if (!file_strings_finish(f, path, ok)) {
		ksft_perror(path);
		ksft_test_result_fail("file_strings_too_many_e2big\n");
		return;
	}

	pid = fork();
	if (!pid) {
		struct rlimit stack = { 256 << 10, 256 << 10 };
		char *argv[] = { path, NULL }, *envp[] = { NULL };

		if (setrlimit(RLIMIT_STACK, &stack))
			_exit(5);
		execve(path, argv, envp);
		_exit(errno == E2BIG ? 3 : errno == ENOEXEC ? 4 : 6);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	unlink(path);
	if (pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 4) {
		ksft_test_result_skip("file_strings_too_many_e2big (no UKL: ENOEXEC)\n");
		return;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 3)
		ksft_print_msg("%d file strings: status 0x%x\n", FILE_STRINGS_MANY, status);
	ksft_test_result(WIFEXITED(status) && WEXITSTATUS(status) == 3,
			 "file_strings_too_many_e2big\n");
}

/*
 * execve() starts a program with its general registers cleared
 * (ELF_PLAT_INIT): the caller's values, the system call's own arguments
 * among them, do not reach it.  A tracer stops a child right after its
 * execve() of this program (PTRACE_O_TRACEEXEC; the application itself
 * in ring 0), made with marked fourth to sixth arguments, and reads its
 * registers.
 */
static void test_exec_regs(void)
{
	char exe[PATH_MAX] = "", area[] = "area=none";
	int status = 0, ok, found = self_exe(exe, sizeof(exe));
	struct user_regs_struct r = { 0 };
	pid_t pid;

	pid = ukl_test_fork_tracee(&ok);
	if (pid == 0) {
		char *argv[] = { exe, area, NULL };

		syscall(SYS_execve, exe, argv, environ, 0x1111, 0x2222, 0x3333);
		_exit(2);
	}
	ok = ok && found &&
	     !ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)PTRACE_O_TRACEEXEC) &&
	     !ptrace(PTRACE_CONT, pid, NULL, NULL) &&
	     waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) &&
	     status >> 8 == (SIGTRAP | PTRACE_EVENT_EXEC << 8) &&
	     !ptrace(PTRACE_GETREGS, pid, NULL, &r);
	if (ok && (r.rbx | r.rcx | r.rdx | r.rsi | r.rdi | r.rbp | r.r8 | r.r9 |
		   r.r10 | r.r11 | r.r12 | r.r13 | r.r14 | r.r15)) {
		ksft_print_msg("after execve() of %s: rdx %#llx r10 %#llx r8 %#llx r9 %#llx\n",
			       exe, (unsigned long long)r.rdx, (unsigned long long)r.r10,
			       (unsigned long long)r.r8, (unsigned long long)r.r9);
		ok = 0;
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	ksft_test_result(ok, "exec_clears_registers\n");
}

/*
 * fork(): the child gets its own copy of the data, static data and stack
 * included, like any forked process; its stack pages are copy-on-write,
 * which in ring 0 faults while the CPU pushes frames onto them.
 */
static void test_fork(void)
{
	static int data = 1;
	int on_stack = 1;
	int status = 0, ok;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		data = 2;
		WRITE_ONCE(on_stack, 2);
		_exit(data == 2 && READ_ONCE(on_stack) == 2 ? 3 : 4);
	}
	ok = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	     WEXITSTATUS(status) == 3 && data == 1 && READ_ONCE(on_stack) == 1;
	ksft_test_result(ok, "fork_child_has_private_copy\n");
}

/*
 * vfork() with bits set above the low 32 of the number, which the kernel
 * ignores, as in ring 3: the number is an int.  The parent must go on
 * after the child's exit as it left off, although the child, on the same
 * stack, made a system call of its own.  The child exits in the same asm,
 * so that it touches no frame of the parent.
 */
static long vfork_wide_nr(void)
{
	long ret = (1L << 32) | SYS_vfork;

#ifdef UKL_APP
	/* The system calls of the C library: calls objtool vouches for. */
	__asm__ volatile ("mov %[entry], %%rcx\n\t"
			  "999: call *%%rcx\n\t"
			  ".pushsection .discard.retpoline_safe\n\t"
			  ".long 999b\n\t"
			  ".popsection\n\t"
			  "test %%rax, %%rax\n\t"
			  "jnz 1f\n\t"
			  "mov %[exit], %%eax\n\t"
			  "mov $3, %%edi\n\t"
			  "mov %[entry], %%rcx\n\t"
			  "999: call *%%rcx\n\t"
			  ".pushsection .discard.retpoline_safe\n\t"
			  ".long 999b\n\t"
			  ".popsection\n\t"
			  "ud2\n"
			  "1:"
			  : "+a" (ret)
			  : [entry] "i" (entry_SYSCALL_64_ukl), [exit] "i" (SYS_exit)
			  : "rcx", "rdi", "r11", "memory");
#else
	__asm__ volatile ("syscall\n\t"
			  "test %%rax, %%rax\n\t"
			  "jnz 1f\n\t"
			  "mov %[exit], %%eax\n\t"
			  "mov $3, %%edi\n\t"
			  "syscall\n\t"
			  "ud2\n"
			  "1:"
			  : "+a" (ret)
			  : [exit] "i" (SYS_exit)
			  : "rcx", "rdi", "r11", "memory");
#endif
	return ret;
}

static void test_vfork_wide_nr(void)
{
	int status = 0, ok;
	long pid;

	pid = vfork_wide_nr();
	ok = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	     WEXITSTATUS(status) == 3;
	if (!ok)
		ksft_print_msg("vfork with a wide number: %ld, status 0x%x\n", pid, status);
	ksft_test_result(ok, "vfork_number_upper_bits_ignored\n");
}

/*
 * libc's vfork(): the child runs on the parent's stack until it exits,
 * and its calls overwrite what lies below the parent's stack pointer,
 * where vfork()'s own call left its return address.  The parent must come
 * back from vfork() where it called it, with its locals as they were and
 * the child's stores to their shared memory visible (the ring-0 musl
 * keeps the return address in a register, tools/ukl/musl/patches/0002).
 */
static __attribute__((noinline)) int vfork_child_work(int depth)
{
	char buf[512];

	memset(buf, depth + 1, sizeof(buf));
	__asm__ volatile ("" : : "r" (buf) : "memory");
	return buf[1] + (depth ? vfork_child_work(depth - 1) : 0);
}

static void test_vfork_libc(void)
{
	static volatile int shared;
	int status = 0, ok, canary = 0x5eed;
	pid_t pid;

	shared = 0;
	pid = vfork();
	if (pid == 0) {
		shared = vfork_child_work(8);
		_exit(7);
	}
	ok = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	     WEXITSTATUS(status) == 7 && shared == 45 && canary == 0x5eed;
	if (!ok)
		ksft_print_msg("vfork: pid %d, status %#x, shared %d, canary %#x\n",
			       pid, status, shared, canary);
	ksft_test_result(ok, "vfork_child_on_parent_stack\n");
}

/*
 * x32 system calls (numbers with bit 30 set), on a kernel with the x32 ABI
 * turned on (syscall.x32=y): a ring-3 program may make them, while the
 * application, an x86-64 program in ring 0, gets ENOSYS as from a kernel
 * without x32.  Its x32 rt_sigaction() would install a handler with an
 * x32 signal frame, which returns to ring 3 at a truncated address: in a
 * child of the application, a signal after it must not kill it.
 */
#define X32_SYSCALL_BIT		0x40000000
#define X32_NR_getpid		39
#define X32_NR_rt_sigaction	512
#ifndef SA_RESTORER
#define SA_RESTORER		0x04000000
#endif

static void test_x32(void)
{
	struct {
		uint32_t handler, flags, restorer, mask[2];
	} act = { .handler = (uintptr_t)on_fault, .flags = SA_RESTORER };
	char on[8] = "";
	int status = -1, err, ok;
	long r;
	pid_t pid;

	ukl_test_read_file("/sys/module/syscall/parameters/x32", on, sizeof(on));
	if (on[0] != 'Y') {
		ksft_test_result_skip("x32_syscalls (x32 off in this kernel)\n");
		return;
	}
	r = syscall(X32_SYSCALL_BIT | X32_NR_getpid);
	err = errno;
	if (EXPECTED_CPL == 3) {
		ok = r == getpid();
	} else {
		ok = r == -1 && err == ENOSYS;
		pid = fork();
		if (pid == 0) {
			r = syscall(X32_SYSCALL_BIT | X32_NR_rt_sigaction,
				    SIGUSR1, &act, NULL, sizeof(act.mask));
			if (!r)
				raise(SIGUSR1);
			_exit(r == -1 && errno == ENOSYS ? 0 : 1);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			ok = 0;
	}
	if (!ok)
		ksft_print_msg("x32 getpid: %ld (errno %d), rt_sigaction child: status %#x\n",
			       r, err, status);
	ksft_test_result(ok, "x32_syscalls\n");
}

/*
 * A frame with a stack canary, made before fork() and left by both the
 * parent and the child, as a program built with -fstack-protector-strong
 * leaves main() or the C library's fork().  The canary is the process's,
 * the C library's in TLS, as in ring 3: the child must pass the check.
 */
static __attribute__((noinline, optimize("stack-protector-all")))
pid_t fork_in_protected_frame(void)
{
	char buf[64];

	memset(buf, 0, sizeof(buf));
	asm volatile("" : : "r" (buf) : "memory");
	return fork();
}

static void test_fork_stack_protector(void)
{
	int status = 0, ok;
	pid_t pid;

	pid = fork_in_protected_frame();
	if (pid == 0)
		_exit(3);
	ok = pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	     WEXITSTATUS(status) == 3;
	if (!ok)
		ksft_print_msg("fork in a protected frame: pid %d, status 0x%x\n",
			       pid, status);
	ksft_test_result(ok, "fork_child_leaves_protected_frame\n");
}

/* Let tracee @pid, stopped or not, exit; return its status. */
static int tracee_exit_status(pid_t pid, int status)
{
	if (pid > 0 && WIFSTOPPED(status)) {
		ptrace(PTRACE_CONT, pid, NULL, NULL);
		waitpid(pid, &status, 0);
	}
	return status;
}

/*
 * A tracer single-steps its tracee from its SIGSTOP to its exit, one
 * SIGTRAP stop per instruction, through the system calls of raise(),
 * getppid() and _exit().  In ring 0 a step over a system call (the call into an entry)
 * must come back at the application's next instruction, as in ring 3, and
 * never stop in the kernel's entry code.  Block stepping is refused to
 * the application with EIO.
 */
static int stopped_in_entry(pid_t pid)
{
#ifdef UKL_APP
	struct user_regs_struct regs;
	unsigned long leaf = (unsigned long)entry_SYSCALL_64_ukl_leaf;

	/* The entries of all levels lie within 64 bytes of the leaf entry. */
	return !ptrace(PTRACE_GETREGS, pid, NULL, &regs) &&
	       regs.rip >= leaf && regs.rip < leaf + 64;
#else
	return 0;
#endif
}

static void test_ptrace_singlestep(void)
{
	int status = 0, ok, steps = 0, in_entry = 0;
	long r;
	pid_t pid;

	pid = ukl_test_fork_tracee(&ok);
	if (pid == 0) {
		getppid();
		_exit(3);
	}
	if (ukl_test_cpl() == 0) {
		errno = 0;
		r = ptrace(PTRACE_SINGLEBLOCK, pid, NULL, NULL);
		ok = ok && r == -1 && errno == EIO;
	}
	while (ok && steps < 100000) {
		if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) ||
		    waitpid(pid, &status, 0) != pid)
			ok = 0;
		else if (!WIFSTOPPED(status))
			break;
		else if (WSTOPSIG(status) != SIGTRAP)
			ok = 0;
		steps++;
		in_entry += stopped_in_entry(pid);
	}
	status = tracee_exit_status(pid, status);
	if (!ok || in_entry || !WIFEXITED(status) || WEXITSTATUS(status) != 3)
		ksft_print_msg("%d steps, %d in the entry code, status %#x\n",
			       steps, in_entry, status);
	ksft_test_result(ok && !in_entry && steps > 10 && WIFEXITED(status) &&
			 WEXITSTATUS(status) == 3, "ptrace_singlestep\n");
}

/*
 * The SIGTRAP of a single step, as a tracer reads it with
 * PTRACE_GETSIGINFO, gives the address where the tracee stopped in
 * si_addr, as for a ring-3 program.
 */
static void test_ptrace_step_siginfo(void)
{
	struct user_regs_struct regs;
	int status = 0, ok, steps;
	siginfo_t si;
	pid_t pid;

	pid = ukl_test_fork_tracee(&ok);
	if (pid == 0) {
		getppid();
		_exit(3);
	}
	for (steps = 0; ok && steps < 8; steps++) {
		memset(&si, 0, sizeof(si));
		ok = !ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) &&
		     waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) &&
		     WSTOPSIG(status) == SIGTRAP &&
		     !ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) &&
		     !ptrace(PTRACE_GETREGS, pid, NULL, &regs);
		if (ok && (si.si_signo != SIGTRAP ||
			   si.si_addr != (void *)(uintptr_t)regs.rip)) {
			ksft_print_msg("step %d: signal %d code %d addr %p at rip %#llx\n",
				       steps, si.si_signo, si.si_code, si.si_addr,
				       (unsigned long long)regs.rip);
			ok = 0;
		}
	}
	status = tracee_exit_status(pid, status);
	ksft_test_result(ok && steps == 8 && WIFEXITED(status) &&
			 WEXITSTATUS(status) == 3, "ptrace_step_sigtrap_addr\n");
}

/*
 * ukl_test_fork_tracee(), then let the child run to a SIGSTOP of its own
 * outside raise(), which blocks all signals: from there on, a signal that
 * the tracer gives it reaches its handler.  Returns 0 in the child, as
 * ukl_test_fork_tracee() does.
 */
static pid_t fork_tracee_for_signals(int *stopped)
{
	int status = 0;
	pid_t pid = ukl_test_fork_tracee(stopped);

	if (pid == 0) {
		kill(getpid(), SIGSTOP);
		return 0;
	}
	*stopped = *stopped && !ptrace(PTRACE_CONT, pid, NULL, NULL) &&
		   waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) &&
		   WSTOPSIG(status) == SIGSTOP;
	return pid;
}

/*
 * A tracer single-steps its tracee through getppid() and delivers a signal
 * at every instruction where it stops for the first time: the handler runs
 * and its sigreturn brings the tracee back there, wherever that is.  The
 * application also stops in the kernel's return thunks, which it runs as
 * its own code (on an AMD Zen 3 or 4, SRSO's safe-RET sequence).
 */
static volatile int step_signals;

static void on_step_signal(int sig)
{
	step_signals++;
}

static void test_ptrace_signal_every_step(void)
{
	/* Not blocked in the handler: it is stepped through and signalled too. */
	struct sigaction sa = { .sa_handler = on_step_signal, .sa_flags = SA_NODEFER };
	static unsigned long seen[2048];
	struct user_regs_struct regs = { 0 };
	int status = 0, ok, steps = 0, nseen = 0, sig, i;
	pid_t pid;

	sigaction(SIGUSR1, &sa, NULL);
	pid = fork_tracee_for_signals(&ok);
	if (pid == 0) {
		getppid();
		_exit(step_signals ? 3 : 4);
	}
	sig = 0;
	while (ok && steps < 100000) {
		if (ptrace(PTRACE_GETREGS, pid, NULL, &regs)) {
			ok = 0;
			break;
		}
		for (i = 0; i < nseen && seen[i] != regs.rip; i++)
			;
		if (i == nseen && nseen < (int)ARRAY_SIZE(seen)) {
			seen[nseen++] = regs.rip;
			sig = SIGUSR1;
		}
		if (ptrace(PTRACE_SINGLESTEP, pid, NULL, (void *)(long)sig) ||
		    waitpid(pid, &status, 0) != pid)
			ok = 0;
		else if (!WIFSTOPPED(status))
			break;
		/* One given where it is blocked comes back (ptrace_signal()). */
		else if (WSTOPSIG(status) == SIGUSR1)
			sig = SIGUSR1;
		else if (WSTOPSIG(status) == SIGTRAP)
			sig = 0;
		else
			ok = 0;
		steps++;
	}
	status = tracee_exit_status(pid, status);
	signal(SIGUSR1, SIG_DFL);
	ok = ok && WIFEXITED(status) && WEXITSTATUS(status) == 3;
	if (!ok)
		ksft_print_msg("%d steps, %d signals, last at %#llx, status %#x\n",
			       steps, nseen, (unsigned long long)regs.rip, status);
	ksft_test_result(ok, "ptrace_signal_at_every_step\n");
}

/*
 * A tracer sets a hardware watchpoint on a variable of the tracee through
 * its debug registers (DR0, DR7): the tracee's write stops it with a
 * SIGTRAP of si_code TRAP_HWBKPT, DR6 says which watchpoint, and it
 * continues and exits normally once the watchpoint is removed.  The
 * application's write raises the debug exception in ring 0, and it must
 * still reach the tracer as a ring-3 one does.
 */
static int watched;

static int poke_debugreg(pid_t pid, int n, unsigned long val)
{
	return ptrace(PTRACE_POKEUSER, pid,
		      (void *)offsetof(struct user, u_debugreg[n]), (void *)val);
}

/*
 * What the tests need of <linux/perf_event.h>'s struct perf_event_attr,
 * up to PERF_ATTR_SIZE_VER7 (the suite is built without the kernel's
 * UAPI headers), and of its flags.
 */
struct test_perf_attr {
	uint32_t type, size;
	uint64_t config, sample_period, sample_type, read_format, flags;
	uint32_t wakeup_events, bp_type;
	uint64_t bp_addr, bp_len, branch_sample_type, sample_regs_user;
	uint32_t sample_stack_user;
	int32_t clockid;
	uint64_t sample_regs_intr;
	uint32_t aux_watermark;
	uint16_t sample_max_stack, reserved_2;
	uint32_t aux_sample_size, aux_action;
	uint64_t sig_data;
};

#define TEST_PERF_TYPE_BREAKPOINT	5
#define TEST_PERF_EXCLUDE_KERNEL	(1ULL << 5)
#define TEST_PERF_REMOVE_ON_EXEC	(1ULL << 36)
#define TEST_PERF_SIGTRAP		(1ULL << 37)
#define TEST_HW_BREAKPOINT_W		2
#define TEST_TRAP_PERF			6

static int perf_watched;
static siginfo_t perf_si;

static void on_perf_trap(int sig, siginfo_t *si, void *uc)
{
	perf_si = *si;
}

/*
 * A perf breakpoint event on the program's own data, user space only,
 * with sigtrap: the write sends SIGTRAP (TRAP_PERF) with the address of
 * the data, as in ring 3.  For the application, perf must take the write
 * for one of user space where it decides what the signal carries.
 */
static void test_perf_sigtrap(void)
{
	struct test_perf_attr attr = {
		.type = TEST_PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.sample_period = 1,
		.flags = TEST_PERF_EXCLUDE_KERNEL | TEST_PERF_REMOVE_ON_EXEC |
			 TEST_PERF_SIGTRAP,
		.bp_type = TEST_HW_BREAKPOINT_W,
		.bp_addr = (uintptr_t)&perf_watched,
		.bp_len = sizeof(perf_watched),
		.sig_data = UKL_TEST_REACH_MAGIC,
	};
	struct sigaction sa = { .sa_sigaction = on_perf_trap,
				.sa_flags = SA_SIGINFO }, old;
	long fd;
	int ok;

	memset(&perf_si, 0, sizeof(perf_si));
	sigaction(SIGTRAP, &sa, &old);
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd >= 0) {
		WRITE_ONCE(perf_watched, 1);
		close(fd);
	}
	sigaction(SIGTRAP, &old, NULL);
	ok = fd >= 0 && perf_si.si_signo == SIGTRAP &&
	     perf_si.si_code == TEST_TRAP_PERF && perf_si.si_addr == &perf_watched;
	if (!ok)
		ksft_print_msg("perf_event_open %ld (%s): signal %d code %d addr %p, expected %p\n",
			       fd, fd < 0 ? strerror(errno) : "ok", perf_si.si_signo,
			       perf_si.si_code, perf_si.si_addr, (void *)&perf_watched);
	ksft_test_result(ok, "perf_breakpoint_sigtrap_addr\n");
}

/*
 * The page faults of the program fire the page_fault_user tracepoint, as a
 * ring-3 program's do: a perf tracepoint event counts them while the
 * program touches fresh pages.  Skipped on kernels without tracepoints or
 * without perf's tracepoint events (CONFIG_EVENT_TRACING).
 */
#define TEST_PERF_TYPE_TRACEPOINT	2
#define TEST_PERF_DISABLED		(1ULL << 0)
#define TEST_PERF_IOC_ENABLE		0x2400
#define TEST_PERF_IOC_DISABLE		0x2401
#define TEST_FAULT_PAGES		64

static void test_fault_tracepoint(void)
{
	struct test_perf_attr attr = {
		.type = TEST_PERF_TYPE_TRACEPOINT,
		.size = sizeof(attr),
		.flags = TEST_PERF_DISABLED,
	};
	const char *id_file = "/tmp/tracing/events/exceptions/page_fault_user/id";
	uint64_t count = 0;
	char id[32], *p = MAP_FAILED;
	long fd = -1;
	int i, ok;

	mkdir("/tmp/tracing", 0755);
	if (access(id_file, F_OK))
		mount("tracefs", "/tmp/tracing", "tracefs", 0, NULL);
	if (!ukl_test_read_file(id_file, id, sizeof(id))) {
		ksft_test_result_skip("page_fault_user_tracepoint (no tracepoints)\n");
		return;
	}
	attr.config = strtoull(id, NULL, 10);
	fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0 && errno == ENOENT) {
		ksft_test_result_skip("page_fault_user_tracepoint (no perf tracepoint events)\n");
		return;
	}
	ok = fd >= 0;
	if (ok)
		p = mmap(NULL, TEST_FAULT_PAGES * 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ok = ok && p != MAP_FAILED && !ioctl(fd, TEST_PERF_IOC_ENABLE, 0);
	for (i = 0; ok && i < TEST_FAULT_PAGES; i++)
		WRITE_ONCE(p[i * 4096], 1);
	ok = ok && !ioctl(fd, TEST_PERF_IOC_DISABLE, 0) &&
	     read(fd, &count, sizeof(count)) == sizeof(count);
	if (!ok || count < TEST_FAULT_PAGES)
		ksft_print_msg("page_fault_user: fd %ld (%s), %llu faults, at least %d expected\n",
			       fd, fd < 0 ? strerror(errno) : "ok",
			       (unsigned long long)count, TEST_FAULT_PAGES);
	if (p != MAP_FAILED)
		munmap(p, TEST_FAULT_PAGES * 4096);
	if (fd >= 0)
		close(fd);
	ksft_test_result(ok && count >= TEST_FAULT_PAGES,
			 "page_fault_user_tracepoint\n");
}

/*
 * A process that starts the application loses the perf events attached
 * to it, as one that executes a set-user-ID program does: their owners
 * passed ptrace_may_access() for a process that did not run in ring 0,
 * and would go on counting and sampling the application's ring-0
 * registers and stack without CAP_SYS_RAWIO.  A forked child, with a
 * task-clock event of this process attached to it, executes /ukl, the
 * application in both rings (perf_exec_target()); while the application
 * runs there, the event must be detached (POLLHUP), as it is not before.
 * (perf_poll() reports POLLHUP for an event without a ring buffer: the
 * test maps one.)  On a kernel without UKL there is no /ukl: the test is
 * skipped.
 */
#define TEST_PERF_TYPE_SOFTWARE		1
#define TEST_PERF_COUNT_SW_TASK_CLOCK	1

/* Executed by test_perf_exec(): tell it on fd 4, wait for a byte on fd 3. */
static int perf_exec_target(void)
{
	char c = 'r';

	return write(4, &c, 1) == 1 && read(3, &c, 1) == 1 ? 3 : 4;
}

static void test_perf_exec(void)
{
	struct test_perf_attr attr = {
		.type = TEST_PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = TEST_PERF_COUNT_SW_TASK_CLOCK,
	};
	char *const args[] = { "/ukl", "area=core", "perf-exec-target", NULL };
	struct pollfd pfd = { .fd = -1, .events = POLLIN };
	int go[2] = { -1, -1 }, ready[2] = { -1, -1 };
	int before = -1, after = -1, status = -1, ok, i;
	void (*old_pipe)(int);
	void *rb = MAP_FAILED;
	pid_t child = -1;
	char c;

	if (access(args[0], X_OK)) {
		ksft_test_result_skip("perf_events_detached_at_application_exec (no UKL: no /ukl)\n");
		return;
	}
	/* A child that is gone makes the writes below fail, not kill us. */
	old_pipe = signal(SIGPIPE, SIG_IGN);
	/* Close-on-exec: the program executed keeps only fds 3 and 4. */
	if (!pipe2(go, O_CLOEXEC) && !pipe2(ready, O_CLOEXEC))
		child = fork();
	if (child == 0) {
		/* dup2() of a descriptor to itself keeps its close-on-exec. */
		if (dup2(go[0], 3) != 3 || dup2(ready[1], 4) != 4 ||
		    fcntl(3, F_SETFD, 0) || fcntl(4, F_SETFD, 0) || read(3, &c, 1) != 1)
			_exit(5);
		execv(args[0], args);
		_exit(6);
	}
	/* The child's ends: a child that ends early ends the read below. */
	close(go[0]);
	close(ready[1]);
	go[0] = ready[1] = -1;
	if (child > 0)
		pfd.fd = syscall(SYS_perf_event_open, &attr, child, -1, -1, 0);
	if (pfd.fd >= 0)
		rb = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, pfd.fd, 0);
	if (rb != MAP_FAILED && poll(&pfd, 1, 0) >= 0)
		before = pfd.revents;
	/* Once the application runs in the child, it writes a byte. */
	if (before == 0 && write(go[1], "g", 1) == 1 && read(ready[0], &c, 1) == 1 &&
	    poll(&pfd, 1, 0) >= 0)
		after = pfd.revents;
	if (child > 0) {
		if (after < 0 || write(go[1], "x", 1) != 1)
			kill(child, SIGKILL);
		waitpid(child, &status, 0);
	}
	signal(SIGPIPE, old_pipe);
	ok = before == 0 && after >= 0 && (after & POLLHUP) && WIFEXITED(status) &&
	     WEXITSTATUS(status) == 3;
	if (!ok)
		ksft_print_msg("perf event %d (%s): poll %#x before the exec of /ukl, %#x after; status %#x\n",
			       pfd.fd, pfd.fd < 0 || rb == MAP_FAILED ? strerror(errno) : "ok",
			       before, after, status);
	if (rb != MAP_FAILED)
		munmap(rb, 2 * 4096);
	if (pfd.fd >= 0)
		close(pfd.fd);
	for (i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (ready[i] >= 0)
			close(ready[i]);
	}
	ksft_test_result(ok, "perf_events_detached_at_application_exec\n");
}

/*
 * Clear DR7 of a tracee of the debug register tests and let it go on if
 * it is stopped (one that is not has exited, and @status says how).
 * Return: whether it exited with 3.
 */
static int debugreg_tracee_done(pid_t pid, int status)
{
	poke_debugreg(pid, 7, 0);
	if (WIFSTOPPED(status) &&
	    (ptrace(PTRACE_CONT, pid, NULL, NULL) || waitpid(pid, &status, 0) != pid))
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 3;
}

static void test_ptrace_watchpoint(void)
{
	/* DR7: local enable of DR0, break on data writes, 4 bytes. */
	const unsigned long dr7 = 1 | (1UL << 16) | (3UL << 18);
	siginfo_t si = { 0 };
	int status = 0, ok;
	long dr6 = 0;
	pid_t pid;

	pid = ukl_test_fork_tracee(&ok);
	if (pid == 0) {
		WRITE_ONCE(watched, 5);
		_exit(READ_ONCE(watched) == 5 ? 3 : 4);
	}
	ok = ok && !poke_debugreg(pid, 0, (unsigned long)&watched) &&
	     !poke_debugreg(pid, 7, dr7);
	ok = ok && !ptrace(PTRACE_CONT, pid, NULL, NULL) &&
	     waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) &&
	     WSTOPSIG(status) == SIGTRAP;
	if (ok) {
		ptrace(PTRACE_GETSIGINFO, pid, NULL, &si);
		errno = 0;
		dr6 = ptrace(PTRACE_PEEKUSER, pid,
			     (void *)offsetof(struct user, u_debugreg[6]), NULL);
		ok = si.si_code == TRAP_HWBKPT && !errno && (dr6 & 1);
		if (!ok)
			ksft_print_msg("SIGTRAP with si_code %d, DR6 0x%lx\n",
				       si.si_code, dr6);
	} else if (pid > 0) {
		ksft_print_msg("tracee status 0x%x, expected a SIGTRAP stop\n", status);
	}
	if (pid > 0)
		ok = debugreg_tracee_done(pid, status) && ok;
	ksft_test_result(ok, "ptrace_hw_watchpoint_sigtrap\n");
}

/*
 * A tracer stops its tracee at a system call entry and single-steps on
 * from there.  A watchpoint on the word below the stack pointer at the
 * system call stops it there: in ring 0 the call into the entry writes
 * the return address to that word, and the entry's first instruction is
 * still application context.  The next step must go over the whole
 * system call, as a step over the call does, and stop at the return
 * address, never at a later instruction of the entry or in the kernel.
 * (In ring 3 SYSCALL writes no stack: a later call stops the tracee, and
 * it steps on to its exit.)
 *
 * stop_in_syscall_entry() runs tracee @pid, stopped, to its next system
 * call and on with a watchpoint on the word below its stack pointer
 * there.  Return whether that stopped it in the system call entry, with
 * @regs and the return address (@ret_addr) there; @status is its state
 * after it.  With @at_cli, the watchpoint breaks on reads too, and the
 * tracee goes on from that stop to the next: after the entry's load of
 * the return address, at its CLI, the last instruction of application
 * context.
 */
static int stop_in_syscall_entry(pid_t pid, struct user_regs_struct *regs,
				 unsigned long *ret_addr, int *status, int at_cli)
{
	/* DR7: local enable of DR0, break on data writes (or any access), 8 bytes. */
	const unsigned long dr7 = 1 | ((at_cli ? 3UL : 1UL) << 16) | (2UL << 18);
	int ok = 1, steps = 0, stopped = 0;

	/* Step to the tracee's next system call. */
	while (ok && steps++ < 10000) {
		ok = !ptrace(PTRACE_GETREGS, pid, NULL, regs);
		if (!ok || ukl_test_syscall_insn(regs->rip))
			break;
		ok = !ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) &&
		     waitpid(pid, status, 0) == pid && WIFSTOPPED(*status) &&
		     WSTOPSIG(*status) == SIGTRAP;
	}
	ok = ok && ukl_test_syscall_insn(regs->rip) &&
	     !poke_debugreg(pid, 0, regs->rsp - 8) && !poke_debugreg(pid, 7, dr7) &&
	     !ptrace(PTRACE_CONT, pid, NULL, NULL) && waitpid(pid, status, 0) == pid;
	if (ok && at_cli && WIFSTOPPED(*status) && WSTOPSIG(*status) == SIGTRAP &&
	    stopped_in_entry(pid))
		ok = !ptrace(PTRACE_CONT, pid, NULL, NULL) && waitpid(pid, status, 0) == pid;
	if (ok && WIFSTOPPED(*status) && WSTOPSIG(*status) == SIGTRAP) {
		stopped = !ptrace(PTRACE_GETREGS, pid, NULL, regs) &&
			  stopped_in_entry(pid) &&
			  (!at_cli || *(const unsigned char *)regs->rip == 0xfa);
		/* The return address, as the call wrote it. */
		errno = 0;
		*ret_addr = ptrace(PTRACE_PEEKDATA, pid, (void *)regs->rsp, NULL);
		stopped = !poke_debugreg(pid, 7, 0) && !errno && stopped;
	}
	return stopped;
}

/*
 * A single step from a stop in the system call entry, or from one at its
 * CLI (@at_cli), which traps after the CLI, in the kernel's entry code:
 * either goes over the system call, as a ring-3 single step of SYSCALL
 * does, without a warning of the kernel.
 */
static void test_ptrace_step_from_entry(int at_cli)
{
	struct user_regs_struct regs = { 0 };
	unsigned long ret_addr = 0;
	int status = 0, ok, steps, stopped = 0, over = 1;
	pid_t pid;

	pid = ukl_test_fork_tracee(&ok);
	if (pid == 0) {
		getppid();
		_exit(3);
	}
	stopped = ok && stop_in_syscall_entry(pid, &regs, &ret_addr, &status, at_cli);
	if (stopped) {
		ok = !ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) &&
		     waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) &&
		     WSTOPSIG(status) == SIGTRAP &&
		     !ptrace(PTRACE_GETREGS, pid, NULL, &regs);
		over = regs.rip == ret_addr;
		if (ok && !over)
			ksft_print_msg("step from the entry stopped at %#llx, not %#lx\n",
				       (unsigned long long)regs.rip, ret_addr);
	}
	/* Then step on to the exit: no step may trap in the kernel. */
	for (steps = 0; ok && WIFSTOPPED(status) && steps < 100000; steps++)
		ok = !ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) &&
		     waitpid(pid, &status, 0) == pid;
	status = tracee_exit_status(pid, status);
	ok = ok && over && (stopped || ukl_test_cpl() == 3) && WIFEXITED(status) &&
	     WEXITSTATUS(status) == 3;
	if (!ok)
		ksft_print_msg("stopped in the entry: %d, status %#x\n", stopped, status);
	ksft_test_result(ok, "ptrace_step_from_syscall_entry%s\n", at_cli ? "_cli" : "");
}

/*
 * A signal that comes while the application is in a system call entry
 * before the system call began, as an interrupt's may: its handler finds
 * it at its call into the entry, as a ring-3 handler finds a program
 * before or after its SYSCALL, never in the kernel's code.  C libraries
 * depend on that: musl's pthread_cancel() acts on a signal that comes
 * before a cancellable system call only if the interrupted address is
 * in that call's range.  The tracer stops the tracee in the entry (as in
 * ptrace_step_from_syscall_entry) and gives it SIGUSR1 there.
 */
static volatile unsigned long entry_signal_ip;

static void on_entry_signal(int sig, siginfo_t *si, void *uc)
{
	entry_signal_ip = ((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
}

static void test_ptrace_signal_in_entry(void)
{
	struct sigaction sa = { .sa_sigaction = on_entry_signal, .sa_flags = SA_SIGINFO };
	struct user_regs_struct regs = { 0 };
	unsigned long ret_addr = 0;
	int status = 0, ok, stopped = 0;
	pid_t pid;

	sigaction(SIGUSR1, &sa, NULL);
	pid = fork_tracee_for_signals(&ok);
	if (pid == 0) {
		getppid();
		/*
		 * At the system call; in ring 3, where the tracer cannot stop
		 * the tracee in the entry, no signal may come at all.
		 */
		if (entry_signal_ip ? ukl_test_syscall_insn(entry_signal_ip) :
				      ukl_test_cpl() == 3)
			_exit(3);
		ksft_print_msg("the handler found the tracee at %#lx\n", entry_signal_ip);
		_exit(4);
	}
	stopped = ok && stop_in_syscall_entry(pid, &regs, &ret_addr, &status, 0);
	if (stopped)
		ok = !ptrace(PTRACE_CONT, pid, NULL, (void *)SIGUSR1) &&
		     waitpid(pid, &status, 0) == pid;
	status = tracee_exit_status(pid, status);
	signal(SIGUSR1, SIG_DFL);
	ok = ok && (stopped || ukl_test_cpl() == 3) && WIFEXITED(status) &&
	     WEXITSTATUS(status) == 3;
	if (!ok)
		ksft_print_msg("stopped in the entry: %d, status %#x\n", stopped, status);
	ksft_test_result(ok, "signal_in_syscall_entry_sees_call\n");
}

/*
 * Write @regs back to the stopped tracee @pid and let it go on.
 * Return: whether it then exited with 3.
 */
static int tracee_restore_exit3(pid_t pid, struct user_regs_struct *regs)
{
	int status = 0;

	if (pid <= 0)
		return 0;
	ptrace(PTRACE_SETREGS, pid, NULL, regs);
	return !ptrace(PTRACE_CONT, pid, NULL, NULL) &&
	       waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 3;
}

/*
 * A tracer writes the tracee's registers with PTRACE_POKEUSER and
 * PTRACE_SETREGS.  Writing back what PTRACE_GETREGS read works (a
 * debugger does that), and EFLAGS.IF and IOPL stay as they are whatever
 * the tracer writes, as for any task.  The application runs in ring 0, so
 * more of its state is the kernel's: a kernel address as its instruction
 * or stack pointer, user selectors, EFLAGS.AC clear or TF set are refused
 * with EIO and leave the register as it was.  The tracee then goes on
 * and exits normally.
 */
struct ptrace_bad_reg {
	const char *name;
	size_t offset;
	unsigned long value;
};

static int ptrace_refuses(pid_t pid, const struct ptrace_bad_reg *bad)
{
	unsigned long old, now;
	long r;

	errno = 0;
	old = ptrace(PTRACE_PEEKUSER, pid, (void *)bad->offset, NULL);
	if (errno)
		return 0;
	r = ptrace(PTRACE_POKEUSER, pid, (void *)bad->offset, (void *)bad->value);
	if (r == 0 || errno != EIO)
		ksft_print_msg("%s %#lx: %s\n", bad->name, bad->value,
			       r ? strerror(errno) : "written");
	now = ptrace(PTRACE_PEEKUSER, pid, (void *)bad->offset, NULL);
	if (now != old) {
		ksft_print_msg("%s is %#lx after the write, was %#lx\n",
			       bad->name, now, old);
		ptrace(PTRACE_POKEUSER, pid, (void *)bad->offset, (void *)old);
	}
	return r == -1 && errno == EIO && now == old;
}

static void test_ptrace_regs(void)
{
	const unsigned long iopl3 = 3UL << 12, tf = 1UL << 8, ifl = 1UL << 9,
			    ac = 1UL << 18;
	unsigned long kernel = ukl_test_kernel_text();
	struct user_regs_struct regs, now;
	int status = 0, ok, kept = 1, i;
	pid_t pid;

	pid = ukl_test_fork_tracee(&ok);
	if (pid == 0)
		_exit(3);
	ok = ok && !ptrace(PTRACE_GETREGS, pid, NULL, &regs);
	if (ok && ptrace(PTRACE_SETREGS, pid, NULL, &regs)) {
		ksft_print_msg("PTRACE_SETREGS of what PTRACE_GETREGS read: %s\n",
			       strerror(errno));
		kept = 0;
	}
	/* The same after a single step, whose trap flag ptrace hides. */
	ok = ok && !ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) &&
	     waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) &&
	     WSTOPSIG(status) == SIGTRAP && !ptrace(PTRACE_GETREGS, pid, NULL, &regs);
	if (ok && ptrace(PTRACE_SETREGS, pid, NULL, &regs)) {
		ksft_print_msg("PTRACE_SETREGS after a single step: %s\n", strerror(errno));
		kept = 0;
	}
	if (ok && ukl_test_cpl() == 0) {
		const struct ptrace_bad_reg bad[] = {
			{ "rip", offsetof(struct user_regs_struct, rip), kernel },
			{ "rsp", offsetof(struct user_regs_struct, rsp), kernel },
			{ "cs", offsetof(struct user_regs_struct, cs), 0x33 },
			{ "ss", offsetof(struct user_regs_struct, ss), 0x2b },
			{ "eflags", offsetof(struct user_regs_struct, eflags),
			  regs.eflags & ~ac },
			{ "eflags", offsetof(struct user_regs_struct, eflags),
			  regs.eflags | tf },
		};

		for (i = 0; i < (int)ARRAY_SIZE(bad); i++)
			kept = ptrace_refuses(pid, &bad[i]) && kept;
	}
	if (ptrace(PTRACE_POKEUSER, pid,
		   (void *)offsetof(struct user_regs_struct, eflags),
		   (void *)((regs.eflags & ~ifl) | iopl3)) ||
	    ptrace(PTRACE_GETREGS, pid, NULL, &now) || now.eflags != regs.eflags) {
		ksft_print_msg("eflags with IF clear and IOPL 3: %#llx, was %#llx\n",
			       (unsigned long long)now.eflags,
			       (unsigned long long)regs.eflags);
		kept = 0;
	}
	/* Whatever was written, the tracee goes on as it stopped. */
	ok = tracee_restore_exit3(pid, &regs) && ok;
	ksft_test_result(ok && kept, "ptrace_regs_keep_ring0_state\n");
}

/*
 * A tracer reads and writes the tracee's registers with PTRACE_GETREGSET
 * and PTRACE_SETREGSET, as gdb and strace do: the application is a 64-bit
 * program, whose general registers (NT_PRSTATUS) are those of
 * PTRACE_GETREGS, and whose FPU state (NT_PRFPREG) is the FXSAVE area, also
 * on a kernel with 32-bit emulation, where a 32-bit view would be shorter.
 * Writing back what was read works.
 */
static void test_ptrace_regset(void)
{
	struct user_regs_struct regs, set;
	struct user_fpregs_struct fp;
	struct iovec iov = { &set, sizeof(set) };
	struct iovec fiov = { &fp, sizeof(fp) };
	int ok, views;
	pid_t pid;

	pid = ukl_test_fork_tracee(&ok);
	if (pid == 0)
		_exit(3);
	memset(&set, 0, sizeof(set));
	ok = ok && !ptrace(PTRACE_GETREGS, pid, NULL, &regs) &&
	     !ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov) &&
	     !ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRFPREG, &fiov);
	views = ok && iov.iov_len == sizeof(set) && set.rip == regs.rip &&
		set.rsp == regs.rsp && fiov.iov_len == sizeof(fp);
	if (ok && !views)
		ksft_print_msg("NT_PRSTATUS %zu bytes, rip %#llx (%#llx), NT_PRFPREG %zu bytes\n",
			       iov.iov_len, (unsigned long long)set.rip,
			       (unsigned long long)regs.rip, fiov.iov_len);
	if (views && ptrace(PTRACE_SETREGSET, pid, (void *)NT_PRSTATUS, &iov)) {
		ksft_print_msg("PTRACE_SETREGSET of what was read: %s\n",
			       strerror(errno));
		views = 0;
	}
	ok = tracee_restore_exit3(pid, &regs) && ok;
	ksft_test_result(ok && views, "ptrace_regset_64bit\n");
}

/*
 * A tracer sets a hardware breakpoint on a function of the tracee (DR0,
 * DR7 with an instruction breakpoint): the call stops it with a SIGTRAP
 * of si_code TRAP_HWBKPT at the function's address, and it goes on and
 * exits normally once the breakpoint is removed.  The application's code
 * is kernel text, on which ptrace breakpoints are otherwise refused.
 */
static int bp_target(int x)
{
	__asm__ volatile ("" : "+r" (x));
	return x + 1;
}

static void test_ptrace_breakpoint(void)
{
	siginfo_t si = { 0 };
	struct user_regs_struct regs = { 0 };
	int status = 0, ok;
	pid_t pid;

	pid = ukl_test_fork_tracee(&ok);
	if (pid == 0) {
		/* Called through a pointer, so that the call is not inlined. */
		int (*fn)(int) = bp_target;

		__asm__ volatile ("" : "+r" (fn));
		_exit(fn(2));
	}
	if (ok && (poke_debugreg(pid, 0, (unsigned long)bp_target) ||
		   poke_debugreg(pid, 7, 1))) {
		ksft_print_msg("breakpoint at %p: %s\n", bp_target, strerror(errno));
		ok = 0;
	}
	ok = ok && !ptrace(PTRACE_CONT, pid, NULL, NULL) &&
	     waitpid(pid, &status, 0) == pid && WIFSTOPPED(status) &&
	     WSTOPSIG(status) == SIGTRAP &&
	     !ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) &&
	     !ptrace(PTRACE_GETREGS, pid, NULL, &regs);
	if (ok && (si.si_code != TRAP_HWBKPT || regs.rip != (unsigned long)bp_target)) {
		ksft_print_msg("SIGTRAP with si_code %d at %#llx\n", si.si_code,
			       (unsigned long long)regs.rip);
		ok = 0;
	}
	if (pid > 0)
		ok = debugreg_tracee_done(pid, status) && ok;
	ksft_test_result(ok, "ptrace_hw_breakpoint_sigtrap\n");
}

/*
 * A watchpoint whose range ends at the top of the address space covers
 * kernel memory: a tracer's write of its address is refused, as for any
 * kernel address, also when the tracee runs the application, whose code
 * is kernel text (its end plus the length must not wrap around to 0).
 */
static void test_ptrace_watchpoint_top(void)
{
	/* DR7: local enable of DR0, break on data writes, 8 bytes. */
	const unsigned long dr7 = 1 | (1UL << 16) | (2UL << 18);
	int status = 0, ok, set;
	pid_t pid;

	pid = ukl_test_fork_tracee(&ok);
	if (pid == 0)
		_exit(3);
	ok = ok && !poke_debugreg(pid, 7, dr7);
	set = ok && !poke_debugreg(pid, 0, -8UL);
	if (set)
		ksft_print_msg("a watchpoint on 8 bytes at %#lx was accepted\n", -8UL);
	/* Still stopped at its SIGSTOP, unless it failed to stop there. */
	if (pid > 0) {
		ok = !poke_debugreg(pid, 7, 0) && !ptrace(PTRACE_CONT, pid, NULL, NULL) && ok;
		ok = waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		     WEXITSTATUS(status) == 3 && ok;
	}
	ksft_test_result(ok && !set, "ptrace_watchpoint_at_top_refused\n");
}

/* Last, since it cannot be undone: a seccomp filter sees the calls. */
static void test_seccomp(void)
{
	ksft_test_result(ukl_test_seccomp_getppid(), "seccomp_filter\n");
}

UKL_TEST_MAIN(core)
{
	int status = 0, i;

	/* Executed by test_file_strings(). */
	if (argc >= 3 && !strcmp(argv[2], "file-strings-check"))
		return file_strings_check(argc, argv);
	/* Executed by test_tsc_exec(). */
	if (argc >= 3 && !strcmp(argv[2], "tsc-check"))
		return tsc_check();
	/* Executed by test_exec_guarded(). */
	if (argc >= 3 && !strcmp(argv[2], "exec-loop"))
		return exec_loop(argc, argv);
	/* Executed by test_perf_exec(). */
	if (argc >= 3 && !strcmp(argv[2], "perf-exec-target"))
		return perf_exec_target();
#ifdef UKL_APP
	start_level = ukl_get_level();
#endif

	ksft_print_header();
	ksft_set_plan(66);

	test_cpl();
	test_selectors_and_flags();
	test_ids();
	test_write_static();
	test_clock();
	test_file();
	test_mmap();
	test_brk();
	test_tls();
	test_ctor();
	test_auxv();
	test_auxv_as_ring3();
	test_rootfs();
	test_share();
	test_efault();
	test_entry_state();
	test_boot_settings();
	ksft_test_result(argc >= 1 && argv[0] && getenv("HOME"), "argv_envp\n");
	test_signal();
	test_restart();
	test_signal_interrupts_loop();
	test_faults();
	test_bad_handler();
	test_fault_messages();
	test_fatal_signal_regs();
	test_insn_faults();
	test_tsc_exec();
	test_spawn_ring3();
	test_sysenter_step();
	test_reach_into();
	test_trace_exec();
	test_exec_guarded();
	test_exit_regs();
	test_file_strings();
	test_file_strings_many();
	test_exec_regs();
	test_fork();
	test_fork_stack_protector();
	test_vfork_wide_nr();
	test_vfork_libc();
	test_x32();
	test_ptrace_singlestep();
	test_ptrace_step_siginfo();
	test_ptrace_signal_every_step();
	test_ptrace_watchpoint();
	test_perf_sigtrap();
	test_perf_exec();
	test_fault_tracepoint();
	test_ptrace_step_from_entry(0);
	test_ptrace_step_from_entry(1);
	test_ptrace_signal_in_entry();
	test_ptrace_regs();
	test_ptrace_regset();
	test_ptrace_breakpoint();
	test_ptrace_watchpoint_top();
	test_seccomp();

	for (i = 1; i < argc; i++)
		if (!strncmp(argv[i], "exit=", 5))
			status = atoi(argv[i] + 5);

	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : status);
}
