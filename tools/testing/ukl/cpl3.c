// SPDX-License-Identifier: GPL-2.0
/*
 * Helper for the UKL tests: an ordinary program that the application
 * starts with posix_spawn().  It checks the view of a ring-3 process
 * beside the ring-0 application and exits with 42 if all is as on any
 * kernel, else with the number of the first check that failed:
 *
 * 1. it runs at CPL 3, the privilege level of every program but the
 *    UKL application;
 * 2. reading kernel memory gives SIGSEGV;
 * 3. the meltdown entry of /sys/devices/system/cpu/vulnerabilities does
 *    not say "Vulnerable", and says "Mitigation: PTI" only when page table
 *    isolation is on (<debugfs>/ukl/entry_state, if the kernel has
 *    CONFIG_UKL_TEST_PROBE);
 * 4. kernel code serving its system calls runs with EFLAGS.AC clear.
 *
 * Started as "cpl3 auxv", it writes its aux vector instead, for core.c to
 * compare with the application's: the entries up to AT_NULL, as
 * /proc/self/auxv has them, then the AT_PLATFORM string with its NUL.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest.h"
#include "ukl_test.h"

static sigjmp_buf jmp;

static void on_segv(int sig)
{
	siglongjmp(jmp, 1);
}

static int kernel_memory_faults(void)
{
	const char *kernel = (const char *)0xffffffff81000000UL;

	signal(SIGSEGV, on_segv);
	if (!sigsetjmp(jmp, 1)) {
		(void)READ_ONCE(*kernel);
		return 0;
	}
	signal(SIGSEGV, SIG_DFL);
	return 1;
}

static int write_auxv(void)
{
	unsigned long av[64][2];
	const char *platform = (const char *)getauxval(AT_PLATFORM);
	int n = ukl_test_auxv(av, ARRAY_SIZE(av) - 1);

	if (n < 0 || !platform)
		return 5;
	av[n][0] = AT_NULL;
	av[n][1] = 0;
	if (write(1, av, (n + 1) * sizeof(av[0])) != (ssize_t)((n + 1) * sizeof(av[0])) ||
	    write(1, platform, strlen(platform) + 1) != (ssize_t)(strlen(platform) + 1))
		return 5;
	return 42;
}

int main(int argc, char **argv)
{
	char meltdown[128], state[128];
	int cpl = -1, ac = -1, smap, smep, pti = -1, probe;

	if (argc > 1 && !strcmp(argv[1], "auxv"))
		return write_auxv();

	if (ukl_test_cpl() != 3)
		return 1;
	if (!kernel_memory_faults())
		return 2;

	mkdir("/tmp/sys", 0755);
	mount("sysfs", "/tmp/sys", "sysfs", 0, NULL);
	mount("debugfs", "/tmp/sys/kernel/debug", "debugfs", 0, NULL);
	if (!ukl_test_read_file("/tmp/sys/devices/system/cpu/vulnerabilities/meltdown",
				meltdown, sizeof(meltdown)) ||
	    !strncmp(meltdown, "Vulnerable", 10)) {
		fprintf(stderr, "cpl3: meltdown '%s'\n", meltdown);
		return 3;
	}
	probe = ukl_test_read_file("/tmp/sys/kernel/debug/ukl/entry_state", state,
				   sizeof(state)) &&
		sscanf(state, "cpl=%d ac=%d smap=%d smep=%d pti=%d",
		       &cpl, &ac, &smap, &smep, &pti) == 5;
	/* pti=on also isolates page tables on CPUs that are "Not affected". */
	if (probe && !pti && !strncmp(meltdown, "Mitigation: PTI", 15)) {
		fprintf(stderr, "cpl3: meltdown '%s' but %s", meltdown, state);
		return 3;
	}
	if (probe && (cpl != 0 || ac != 0)) {
		fprintf(stderr, "cpl3: %s", state);
		return 4;
	}
	return 42;
}
