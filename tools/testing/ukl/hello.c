// SPDX-License-Identifier: GPL-2.0
/*
 * Hello world, the application of the HELLO scenario: what ukl-bench.sh
 * measures the size, the least memory and the boot time of.  Reports how
 * long the machine took to get to main() (ukl_bench.h), greets, exits.
 */
#include <stdio.h>

#include "ukl_bench.h"

int main(void)
{
	ukl_bench_boot("hello");
	printf("Hello, world\n");
	ukl_test_exit(0);
}
