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
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
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

int main(void)
{
	char meltdown[128], state[128];
	int cpl = -1, ac = -1, smap, smep, pti = -1, probe;

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
