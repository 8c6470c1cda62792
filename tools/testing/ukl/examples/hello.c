// SPDX-License-Identifier: GPL-2.0
/*
 * Hello world as a UKL application: an ordinary C program, built with
 * "make CC=ukl-gcc" and booted with
 * "make UKL_APP=tools/testing/ukl/examples/hello run" from the top.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("Hello, world from %s\n", argc > 0 ? argv[0] : "UKL");
	return 0;
}
