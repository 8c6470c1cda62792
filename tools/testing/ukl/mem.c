// SPDX-License-Identifier: GPL-2.0
/*
 * UKL memory test: mmap, munmap, mprotect, mremap, madvise and brk seen
 * from the application, and the faults that protections cause.
 *
 * Built as the UKL application (ring 0) and as an ordinary ring-3 program
 * (see suite.c); both must report the same results.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest.h"
#include "ukl_test.h"

#define PAGE	4096UL

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

static sigjmp_buf fault_jmp;
static int fault_sig, fault_code;
static void *fault_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	WRITE_ONCE(fault_sig, sig);
	WRITE_ONCE(fault_code, si->si_code);
	WRITE_ONCE(fault_addr, si->si_addr);
	siglongjmp(fault_jmp, 1);
}

/**
 * write_faults() - store a byte and report whether that faulted
 * @p: where to store
 * @code: the si_code the fault must have
 *
 * Return: true if the store raised SIGSEGV with @code and si_addr @p.
 */
static int write_faults(char *p, int code)
{
	WRITE_ONCE(fault_sig, 0);
	WRITE_ONCE(fault_addr, NULL);
	if (!sigsetjmp(fault_jmp, 1))
		WRITE_ONCE(*p, 1);
	return READ_ONCE(fault_sig) == SIGSEGV && READ_ONCE(fault_code) == code &&
	       READ_ONCE(fault_addr) == p;
}

/**
 * read_raises() - load a byte and report whether that raised a signal
 * @p: where to load from
 * @sig: the signal the load must raise
 * @code: the si_code it must have
 *
 * Return: true if the load raised @sig with @code and si_addr @p.
 */
static int read_raises(char *p, int sig, int code)
{
	WRITE_ONCE(fault_sig, 0);
	WRITE_ONCE(fault_addr, NULL);
	if (!sigsetjmp(fault_jmp, 1))
		(void)READ_ONCE(*p);
	return READ_ONCE(fault_sig) == sig && READ_ONCE(fault_code) == code &&
	       READ_ONCE(fault_addr) == p;
}

/* As read_raises() for SIGSEGV. */
static int read_faults(char *p, int code)
{
	return read_raises(p, SIGSEGV, code);
}

/**
 * copy_efault() - whether a system call that reads @p fails with EFAULT
 * @p: the buffer
 *
 * Return: true if write() of a byte at @p into a pipe fails with EFAULT
 * (the kernel's access faults; no signal).
 */
static int copy_efault(char *p)
{
	int fd[2], ok;

	if (pipe2(fd, O_CLOEXEC))
		return 0;
	WRITE_ONCE(fault_sig, 0);
	ok = write(fd[1], p, 1) == -1 && errno == EFAULT && !READ_ONCE(fault_sig);
	close(fd[0]);
	close(fd[1]);
	return ok;
}

/**
 * mapped() - whether a page is mapped
 * @p: an address in the page
 *
 * Return: true unless mincore() says ENOMEM (nothing mapped there).
 */
static int mapped(void *p)
{
	unsigned char vec;

	return !(mincore((void *)((uintptr_t)p & ~(PAGE - 1)), PAGE, &vec) && errno == ENOMEM);
}

static char *map_anon(size_t len, int prot)
{
	return mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

/**
 * fill() - write a pattern that depends on the offset into each page
 * @p: start
 * @pages: number of pages
 * @seed: varies the pattern
 */
static void fill(char *p, size_t pages, int seed)
{
	size_t i;

	for (i = 0; i < pages; i++)
		memset(p + i * PAGE, (int)(i * 7 + seed), PAGE);
}

/**
 * check() - test the pattern fill() wrote
 * @p: start
 * @pages: number of pages
 * @seed: as for fill()
 *
 * Return: true if every byte is as fill() left it.
 */
static int check(const char *p, size_t pages, int seed)
{
	size_t i, j;

	for (i = 0; i < pages; i++)
		for (j = 0; j < PAGE; j += 511)
			if (p[i * PAGE + j] != (char)(i * 7 + seed))
				return 0;
	return 1;
}

static void test_mmap_munmap(void)
{
	char *p = map_anon(16 * PAGE, PROT_READ | PROT_WRITE);
	int ok = p != MAP_FAILED;

	if (ok) {
		fill(p, 16, 1);
		ok = check(p, 16, 1) && !munmap(p + 4 * PAGE, PAGE);
		ok = ok && !mapped(p + 4 * PAGE) && mapped(p + 3 * PAGE) && mapped(p + 5 * PAGE);
		/* The hole faults, SEGV_MAPERR; its neighbours keep their data. */
		ok = ok && read_faults(p + 4 * PAGE, SEGV_MAPERR) && check(p + 5 * PAGE, 1, 36);
		ok = ok && !munmap(p, 16 * PAGE) && !mapped(p) && !mapped(p + 15 * PAGE);
	}
	ksft_test_result(ok, "mmap_munmap_hole_maperr\n");
}

static void test_mprotect(void)
{
	char *p = map_anon(2 * PAGE, PROT_READ | PROT_WRITE);
	int ok = p != MAP_FAILED, ro, none;

	if (!ok) {
		ksft_test_result_fail("mprotect_readonly_accerr\n");
		ksft_test_result_fail("mprotect_none_accerr\n");
		return;
	}
	fill(p, 2, 3);
	ro = !mprotect(p, PAGE, PROT_READ) && write_faults(p + 100, SEGV_ACCERR) &&
	     check(p, 2, 3) && !mprotect(p, PAGE, PROT_READ | PROT_WRITE);
	/* Writable again. */
	p[100] = 42;
	ro = ro && p[100] == 42;
	ksft_test_result(ro, "mprotect_readonly_accerr\n");

	none = !mprotect(p + PAGE, PAGE, PROT_NONE) && read_faults(p + PAGE + 8, SEGV_ACCERR) &&
	       !mprotect(p + PAGE, PAGE, PROT_READ) && check(p + PAGE, 1, 10);
	ksft_test_result(none, "mprotect_none_accerr\n");
	munmap(p, 2 * PAGE);
}

/* mremap() grows a mapping, moving it if needed, and keeps its contents. */
static void test_mremap(void)
{
	char *p = map_anon(4 * PAGE, PROT_READ | PROT_WRITE), *q = MAP_FAILED, *r = MAP_FAILED;
	char *target, *block = MAP_FAILED;
	size_t i;
	int ok = p != MAP_FAILED, zero = 1;

	if (ok) {
		fill(p, 4, 5);
		/* Block the way so that growing must move. */
		block = mmap(p + 4 * PAGE, PAGE, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		q = mremap(p, 4 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
		ok = q != MAP_FAILED && check(q, 4, 5);
	}
	for (i = 4 * PAGE; ok && i < 64 * PAGE; i += PAGE)
		zero = zero && q[i] == 0 && q[i + PAGE - 1] == 0;
	if (ok)
		memset(q + 63 * PAGE, 9, PAGE);
	ksft_test_result(ok && zero && q[64 * PAGE - 1] == 9, "mremap_grow_keeps_contents\n");

	/* Move to a fixed address: the old range is gone. */
	target = map_anon(64 * PAGE, PROT_NONE);
	ok = ok && target != MAP_FAILED;
	if (ok)
		r = mremap(q, 64 * PAGE, 64 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	ok = ok && r == target && check(r, 4, 5) && r[64 * PAGE - 1] == 9 && !mapped(q);
	ksft_test_result(ok, "mremap_fixed_moves\n");
	if (r != MAP_FAILED)
		munmap(r, 64 * PAGE);
	else if (q != MAP_FAILED)
		munmap(q, 64 * PAGE);
	if (block != MAP_FAILED)
		munmap(block, PAGE);
}

/* 256 MiB of address space, more than the guest's memory, some of it touched. */
static void test_large(void)
{
	size_t len = 256UL << 20, i;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	int ok = p != MAP_FAILED;

	for (i = 0; ok && i < len; i += 1 << 20)
		p[i] = (char)(i >> 20) | 1;
	for (i = 0; ok && i < len; i += 1 << 20)
		ok = p[i] == ((char)(i >> 20) | 1) && p[i + 1] == 0;
	ok = ok && !munmap(p, len);
	ksft_test_result(ok, "mmap_256MiB_touch_every_MiB\n");
}

/* MADV_DONTNEED drops private anonymous pages: they read back as zeroes. */
static void test_madvise(void)
{
	char *p = map_anon(8 * PAGE, PROT_READ | PROT_WRITE);
	size_t i;
	int ok = p != MAP_FAILED;

	if (ok) {
		fill(p, 8, 11);
		ok = !madvise(p + 2 * PAGE, 4 * PAGE, MADV_DONTNEED);
		for (i = 2 * PAGE; ok && i < 6 * PAGE; i++)
			ok = p[i] == 0;
		ok = ok && check(p, 2, 11) && check(p + 6 * PAGE, 2, 53);
		munmap(p, 8 * PAGE);
	}
	ksft_test_result(ok, "madvise_dontneed_zeroes\n");
}

/* brk grows and shrinks; the memory it gives back faults afterwards. */
static void test_brk(void)
{
	uintptr_t orig = syscall(SYS_brk, 0), start, end;
	int ok;

	/* Page aligned, so that the shrunk break leaves whole pages. */
	start = syscall(SYS_brk, (orig + PAGE - 1) & ~(PAGE - 1));
	end = syscall(SYS_brk, start + 64 * PAGE);
	ok = start && end == start + 64 * PAGE;
	if (ok) {
		memset((void *)start, 0x5a, 64 * PAGE);
		ok = ((char *)start)[64 * PAGE - 1] == 0x5a;
		ok = ok && (uintptr_t)syscall(SYS_brk, start + PAGE) == start + PAGE;
		ok = ok && ((char *)start)[PAGE - 1] == 0x5a;
		ok = ok && write_faults((char *)start + 2 * PAGE, SEGV_MAPERR);
		/* Grown again: fresh zero pages. */
		ok = ok && (uintptr_t)syscall(SYS_brk, start + 4 * PAGE) == start + 4 * PAGE &&
		     ((char *)start)[2 * PAGE] == 0;
		syscall(SYS_brk, orig);
	}
	ksft_test_result(ok, "brk_grow_shrink\n");
}

static void test_fixed_noreplace(void)
{
	char *p = map_anon(2 * PAGE, PROT_READ | PROT_WRITE), *q;
	int ok = p != MAP_FAILED;

	if (ok) {
		q = mmap(p + PAGE, PAGE, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		ok = q == MAP_FAILED && errno == EEXIST;
		q = mmap(p + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		ok = ok && q == p + PAGE && write_faults(q, SEGV_ACCERR);
		munmap(p, 2 * PAGE);
	}
	ksft_test_result(ok, "mmap_fixed_noreplace_and_fixed\n");
}

/* A file of the initramfs, mapped privately: its data, and private writes. */
static void test_file_mapping(void)
{
	static const char text[] = "UKL test data\n";
	int fd = open("/etc/ukl-test.txt", O_RDONLY | O_CLOEXEC), ok = fd >= 0;
	char *p = MAP_FAILED, buf[sizeof(text)] = "";

	if (ok)
		p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ok = ok && p != MAP_FAILED && !memcmp(p, text, sizeof(text) - 1) && p[sizeof(text)] == 0;
	if (ok) {
		p[0] = 'X';
		ok = pread(fd, buf, sizeof(text) - 1, 0) == sizeof(text) - 1 && buf[0] == 'U';
		munmap(p, PAGE);
	}
	if (fd >= 0)
		close(fd);
	ksft_test_result(ok, "mmap_private_file\n");
}

/* A shared anonymous mapping, read-only for a while. */
static void test_shared_anon(void)
{
	int *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int ok = p != MAP_FAILED;

	if (ok) {
		WRITE_ONCE(p[0], 1);
		ok = !mprotect(p, PAGE, PROT_READ) && READ_ONCE(p[0]) == 1 &&
		     write_faults((char *)p, SEGV_ACCERR) &&
		     !mprotect(p, PAGE, PROT_READ | PROT_WRITE);
		WRITE_ONCE(p[0], 2);
		ok = ok && READ_ONCE(p[0]) == 2 && !munmap(p, PAGE);
	}
	ksft_test_result(ok, "mmap_shared_anonymous\n");
}

/*
 * A shared file mapping past the file's end: SIGBUS (BUS_ADRERR) for a
 * load there, and once the file is truncated, for the page that was in
 * it; a system call that reads there fails with EFAULT.
 */
static void test_beyond_eof(void)
{
	int fd = memfd_create("ukl-mem", MFD_CLOEXEC), ok = fd >= 0;
	char *p = MAP_FAILED;

	ok = ok && !ftruncate(fd, PAGE);
	if (ok)
		p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ok = ok && p != MAP_FAILED;
	if (ok) {
		WRITE_ONCE(p[10], 1);
		ok = read_raises(p + PAGE + 10, SIGBUS, BUS_ADRERR) &&
		     copy_efault(p + PAGE) && !ftruncate(fd, 0) &&
		     read_raises(p + 10, SIGBUS, BUS_ADRERR);
		munmap(p, 2 * PAGE);
	}
	if (fd >= 0)
		close(fd);
	ksft_test_result(ok, "mmap_beyond_eof_sigbus\n");
}

/*
 * A page of the program's declared bad (MADV_HWPOISON: what the kernel
 * does with a page that hardware reports an uncorrected error in; needs
 * CONFIG_MEMORY_FAILURE): SIGBUS (BUS_MCEERR_AR) for the caller, and for
 * each load from the page later; a system call that reads it fails.
 */
static void test_hwpoison(void)
{
	char *p = map_anon(PAGE, PROT_READ | PROT_WRITE);
	int ok = p != MAP_FAILED, ret = 0, err = 0;

	if (ok) {
		fill(p, 1, 3);
		WRITE_ONCE(fault_sig, 0);
		if (!sigsetjmp(fault_jmp, 1)) {
			ret = madvise(p, PAGE, MADV_HWPOISON);
			err = errno;
		}
		if (ret && err == EINVAL) {
			ksft_test_result_skip("madvise_hwpoison_sigbus (%s)\n",
					      "no CONFIG_MEMORY_FAILURE");
			return;
		}
		ok = READ_ONCE(fault_sig) == SIGBUS && READ_ONCE(fault_code) == BUS_MCEERR_AR &&
		     READ_ONCE(fault_addr) == p;
		if (!ok)
			ksft_print_msg("madvise(MADV_HWPOISON): %d (%s), signal %d code %d at %p\n",
				       ret, strerror(err), fault_sig, fault_code, fault_addr);
		ok = ok && read_raises(p + 100, SIGBUS, BUS_MCEERR_AR) &&
		     read_raises(p + 100, SIGBUS, BUS_MCEERR_AR) && copy_efault(p);
	}
	ksft_test_result(ok, "madvise_hwpoison_sigbus\n");
}

UKL_TEST_MAIN(mem)
{
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_NODEFER };

	ksft_print_header();
	ksft_set_plan(13);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);

	test_mmap_munmap();
	test_mprotect();
	test_mremap();
	test_large();
	test_madvise();
	test_brk();
	test_fixed_noreplace();
	test_file_mapping();
	test_shared_anon();
	test_beyond_eof();
	test_hwpoison();

	ksft_print_cnts();
	ukl_test_exit(ksft_get_fail_cnt() ? 1 : 0);
}
