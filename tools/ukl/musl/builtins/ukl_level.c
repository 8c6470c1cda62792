// SPDX-License-Identifier: MIT
/*
 * The shortcut level of a UKL application's system calls (<ukl.h>).
 *
 * __ukl_syscall_entry is the kernel entry that the system calls of libc's
 * C code call (include/syscall_arch.h); ukl_set_level() changes it for the
 * whole process.  It lives in the application's data, so every process
 * has its own, and fork() copies it.  A constructor sets the level of a
 * newly executed application from the environment variable UKL_LEVEL.
 */

#include "../include/ukl.h"
#include "ukl_level.h"

unsigned long __ukl_syscall_entry = (unsigned long)entry_SYSCALL_64_ukl;

int ukl_set_level(int level)
{
	switch (level) {
	case UKL_LEVEL_BASE:
		__ukl_syscall_entry = (unsigned long)entry_SYSCALL_64_ukl;
		return 0;
	case UKL_LEVEL_BYPASS:
		__ukl_syscall_entry = (unsigned long)entry_SYSCALL_64_ukl_bypass;
		return 0;
	}
	return -1;
}

int ukl_get_level(void)
{
	if (__ukl_syscall_entry == (unsigned long)entry_SYSCALL_64_ukl_bypass)
		return UKL_LEVEL_BYPASS;
	return UKL_LEVEL_BASE;
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
 * Runs after libc's own initialization, before main(): UKL_LEVEL=bypass
 * selects the bypass level; anything else leaves the base level.
 */
__attribute__((constructor)) static void ukl_level_from_env(void)
{
	char **e;
	const char *v;

	for (e = __environ; e && *e; e++) {
		v = after(*e, "UKL_LEVEL=");
		if (v && after(v, "bypass") && !*after(v, "bypass"))
			ukl_set_level(UKL_LEVEL_BYPASS);
	}
}
