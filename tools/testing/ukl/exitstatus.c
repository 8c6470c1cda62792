// SPDX-License-Identifier: GPL-2.0
/*
 * exitstatus N: end the guest with exit status N (0..127), which
 * ukl-run.sh reports, as the test programs do with ukl_test_exit().  For
 * shell scripts that run as init (the kselftest boot of ukl-test.sh):
 * they exec it as PID 1, since only init may end the guest this way.
 */
#define _GNU_SOURCE
#include <stdlib.h>

#include "kselftest.h"
#include "ukl_test.h"

int main(int argc, char **argv)
{
	int status = argc > 1 ? atoi(argv[1]) : 0;

	ukl_test_exit(status < 0 || status > 127 ? 127 : status);
}
