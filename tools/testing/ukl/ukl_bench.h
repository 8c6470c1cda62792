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

static inline int64_t ukl_bench_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
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
	int64_t boot = ukl_bench_ns(CLOCK_BOOTTIME);

	printf("# bench-boot %s cpl=%d tsc=%llu boottime_ns=%lld\n", prog,
	       ukl_test_cpl(), (unsigned long long)tsc, (long long)boot);
	fflush(stdout);
}

#endif /* __UKL_BENCH_H */
