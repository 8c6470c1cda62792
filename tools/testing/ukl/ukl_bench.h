/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the UKL benchmarks (bench.c, hello.c; run by ukl-bench.sh).
 *
 * Every result is one console line that ukl-bench.sh parses:
 *
 *	# bench-boot PROGRAM cpl=N tsc=T boottime_ns=B
 *	# bench NAME MODE rep=I ops=N ns=T
 *
 * Under QEMU's -icount shift=0,sleep=off every guest instruction takes one
 * nanosecond of guest time, so ns counts instructions; the TSC then counts
 * them too, from the start of QEMU (firmware included).
 */
#ifndef __UKL_BENCH_H
#define __UKL_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "ukl_test.h"

static inline uint64_t ukl_bench_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile ("rdtsc" : "=a" (lo), "=d" (hi));
	return (uint64_t)hi << 32 | lo;
}

/**
 * ukl_bench_boot() - report how long the machine took to get to main()
 * @prog: name of the program, for the report
 *
 * Call first thing in main().  Prints the TSC (since QEMU started the
 * virtual machine, firmware included) and CLOCK_BOOTTIME (since the
 * kernel's timekeeping started).
 */
static inline void ukl_bench_boot(const char *prog)
{
	uint64_t tsc = ukl_bench_rdtsc();
	int64_t boot = ukl_test_ns(CLOCK_BOOTTIME);

	printf("# bench-boot %s cpl=%d tsc=%llu boottime_ns=%lld\n", prog,
	       ukl_test_cpl(), (unsigned long long)tsc, (long long)boot);
	fflush(stdout);
}

/*
 * The marker instructions of insn-classes/insn_class.h: NOPs that the QEMU
 * plugin of make bench (ukl-insn-plugin.so) takes as the start and the end
 * of a window in which it counts instructions by class.
 */
static inline void ukl_bench_mark_start(void)
{
	__asm__ volatile ("nopl 0x554b4c00(%%rax)" ::: "memory");
}

static inline void ukl_bench_mark_stop(void)
{
	__asm__ volatile ("nopl 0x554b4c01(%%rax)" ::: "memory");
}

#endif /* __UKL_BENCH_H */
