// SPDX-License-Identifier: GPL-2.0
/*
 * Helper for the UKL tests: an ordinary program that the application
 * starts with posix_spawn().  Exits with 42 if it runs at CPL 3, the
 * privilege level of every program but the UKL application, else 1.
 */
#include "ukl_test.h"

int main(void)
{
	return ukl_test_cpl() == 3 ? 42 : 1;
}
