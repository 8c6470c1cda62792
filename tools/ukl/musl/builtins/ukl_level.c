// SPDX-License-Identifier: MIT
/*
 * The shortcut level of a UKL application's system calls (<ukl.h>).
 *
 * __ukl_syscall_entry is the kernel entry that the system calls of libc's
 * C code call (include/syscall_arch.h); ukl_set_level() changes it for the
 * calling thread.  It is a thread-local variable of the application (the
 * local-exec model: an offset from %fs, which the kernel link resolves),
 * so every thread has its own; pthread_create() copies the creator's into
 * the new thread (__ukl_inherit_level(), musl diff 0013), and fork()
 * copies the whole process.  A constructor sets the level of a newly
 * executed application from the environment variable UKL_LEVEL.
 */

#include "../include/syscall_arch.h"
#include "../include/ukl.h"
#include "ukl_level.h"

__attribute__((tls_model("local-exec")))
__thread unsigned long __ukl_syscall_entry =
	(unsigned long)entry_SYSCALL_64_ukl;

/*
 * The entry of the leaf calls (__syscall0() with a constant leaf number,
 * syscall_arch.h): entry_SYSCALL_64_ukl_leaf at the direct level, the
 * level's entry otherwise.  Set with __ukl_syscall_entry, always.
 */
__attribute__((tls_model("local-exec")))
__thread unsigned long __ukl_leaf_entry =
	(unsigned long)entry_SYSCALL_64_ukl;

#define NR_LEVELS (UKL_LEVEL_DIRECT + 1)

static const unsigned long entries[NR_LEVELS] = {
	[UKL_LEVEL_BASE] = (unsigned long)entry_SYSCALL_64_ukl,
	[UKL_LEVEL_BYPASS] = (unsigned long)entry_SYSCALL_64_ukl_bypass,
	[UKL_LEVEL_DIRECT] = (unsigned long)entry_SYSCALL_64_ukl_direct,
};

int ukl_set_level(int level)
{
	if (level < 0 || level >= NR_LEVELS)
		return -1;
	__ukl_syscall_entry = entries[level];
	__ukl_leaf_entry = level == UKL_LEVEL_DIRECT ?
		(unsigned long)entry_SYSCALL_64_ukl_leaf : entries[level];
	return 0;
}

int ukl_get_level(void)
{
	int level;

	for (level = 0; level < NR_LEVELS; level++)
		if (__ukl_syscall_entry == entries[level])
			return level;
	return UKL_LEVEL_BASE;
}

/*
 * Called by pthread_create() with the new thread's descriptor, which on
 * x86-64 is its thread pointer, before the thread runs: variant II TLS puts
 * a variable at the same offset from every thread's pointer.
 */
void __ukl_inherit_level(void *new_tp)
{
	char *tp;

	__asm__ ("mov %%fs:0, %0" : "=r"(tp));
	*(unsigned long *)((char *)new_tp +
			   ((char *)&__ukl_syscall_entry - tp)) =
		__ukl_syscall_entry;
	*(unsigned long *)((char *)new_tp +
			   ((char *)&__ukl_leaf_entry - tp)) = __ukl_leaf_entry;
}

/*
 * The calling thread's level, kept by the thread of a SIGEV_THREAD timer
 * across the reset of its TLS after each notification (musl diff 0013).
 */
void __ukl_save_level(unsigned long saved[2])
{
	saved[0] = __ukl_syscall_entry;
	saved[1] = __ukl_leaf_entry;
}

void __ukl_restore_level(const unsigned long saved[2])
{
	__ukl_syscall_entry = saved[0];
	__ukl_leaf_entry = saved[1];
}

/*
 * The direct calls of <ukl.h>: __ukl_syscall6_at() of syscall_arch.h, always
 * to the entry of the direct level.  x86-64 system call numbers.
 */
#define NR_read		0
#define NR_write	1
#define NR_sendto	44
#define NR_recvfrom	45

static long direct6(long n, long a1, long a2, long a3, long a4, long a5,
		    long a6)
{
	return __ukl_syscall6_at((unsigned long)entry_SYSCALL_64_ukl_direct,
				 n, a1, a2, a3, a4, a5, a6);
}

long ukl_read(int fd, void *buf, unsigned long count)
{
	return direct6(NR_read, fd, (long)buf, count, 0, 0, 0);
}

long ukl_write(int fd, const void *buf, unsigned long count)
{
	return direct6(NR_write, fd, (long)buf, count, 0, 0, 0);
}

long ukl_send(int fd, const void *buf, unsigned long len, int flags)
{
	return direct6(NR_sendto, fd, (long)buf, len, flags, 0, 0);
}

long ukl_recv(int fd, void *buf, unsigned long len, int flags)
{
	return direct6(NR_recvfrom, fd, (long)buf, len, flags, 0, 0);
}

/* The rest of @s after @prefix, or 0 if @s does not start with it. */
static const char *after(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return 0;
	return s;
}

/*
 * Runs in the main thread after libc's own initialization, before main():
 * UKL_LEVEL=bypass or UKL_LEVEL=direct selects that level; anything else
 * leaves the base level.
 */
__attribute__((constructor)) static void ukl_level_from_env(void)
{
	static const char *const names[NR_LEVELS] = {
		[UKL_LEVEL_BYPASS] = "bypass",
		[UKL_LEVEL_DIRECT] = "direct",
	};
	const char *v, *rest;
	char **e;
	int level;

	for (e = __environ; e && *e; e++) {
		v = after(*e, "UKL_LEVEL=");
		for (level = 0; v && level < NR_LEVELS; level++) {
			rest = names[level] ? after(v, names[level]) : 0;
			if (rest && !*rest)
				ukl_set_level(level);
		}
	}
}
