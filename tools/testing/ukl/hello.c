// SPDX-License-Identifier: GPL-2.0
/*
 * Hello world, the application of the HELLO scenario: what ukl-bench.sh
 * measures the size, the least memory and the boot time of.  Reports how
 * long the machine took to get to main() (ukl_bench.h), greets, exits.
 * Its first instruction is the stop marker of make bench's instruction
 * class counter, which then writes the counts from QEMU start to main().
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "ukl_bench.h"

int main(void)
{
	/* For make bench's plugin: the instructions by class to here. */
	ukl_bench_mark_stop();
	ukl_bench_boot("hello");
	printf("Hello, world\n");
	ukl_test_exit(0);
}
