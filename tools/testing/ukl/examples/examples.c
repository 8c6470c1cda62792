// SPDX-License-Identifier: GPL-2.0
/*
 * All examples in one application, for the EXAMPLES test scenario: a
 * kernel links one application, and one kernel for several examples is
 * cheaper than one kernel each.
 *
 * Usage: examples hello|echo|http|kallsyms [ARGS...]
 *
 * The Makefile compiles each example a second time with its main()
 * renamed (-Dmain=NAME_main) into libexamples.a.  "kallsyms" is a test,
 * not an example: it checks, printing KTAP, that the application's
 * functions are in /proc/kallsyms with the prefix "ukl." (ukl.main), as
 * local text symbols inside the kernel's UKL text, and that the kernel's
 * own functions keep their names (Documentation/ukl/debugging.rst).
 */
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "examples.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int kallsyms_main(int argc, char **argv);

static const struct {
	const char *name;
	int (*main)(int argc, char **argv);
} examples[] = {
	{ "hello", hello_main },
	{ "echo", echo_server_main },
	{ "http", http_server_main },
	{ "kallsyms", kallsyms_main },
};

static void result(int *n, int ok, const char *name)
{
	printf("%sok %d %s\n", ok ? "" : "not ", ++*n, name);
}

static int kallsyms_main(int argc, char **argv)
{
	unsigned long long addr, main_addr = 0, start = 0, end = 0;
	int n = 0, fails = 0, entry = 0, plain_main = 0;
	char type, name[256];
	FILE *f;

	mkdir("/proc", 0755);
	mount("proc", "/proc", "proc", 0, NULL);
	printf("KTAP version 1\n1..5\n");
	f = fopen("/proc/kallsyms", "r");
	result(&n, !!f, "kallsyms_readable");
	while (f && fscanf(f, "%llx %c %255s%*[^\n]", &addr, &type, name) == 3) {
		if (!strcmp(name, "ukl.main") && type == 't')
			main_addr = addr ? addr : 1;
		else if (!strcmp(name, "main"))
			plain_main = 1;
		else if (!strcmp(name, "__ukl_app_entry") && type == 'T')
			entry = 1;
		else if (!strcmp(name, "__ukl_text_start"))
			start = addr;
		else if (!strcmp(name, "__ukl_text_end"))
			end = addr;
	}
	result(&n, main_addr != 0, "ukl_main_is_local_text_symbol");
	result(&n, !plain_main, "no_unprefixed_main");
	result(&n, entry, "ukl_app_entry_is_global_text_symbol");
	if (!start || !end || main_addr < 2)
		printf("ok %d main_in_ukl_text # SKIP no addresses\n", ++n);
	else
		result(&n, main_addr >= start && main_addr < end, "main_in_ukl_text");
	fails = !f || !main_addr || !entry || plain_main ||
		(start && end && main_addr > 1 &&
		 (main_addr < start || main_addr >= end));
	if (f)
		fclose(f);
	return fails;
}

int main(int argc, char **argv)
{
	unsigned int i;

	for (i = 0; argc > 1 && i < ARRAY_SIZE(examples); i++)
		if (!strcmp(argv[1], examples[i].name))
			return examples[i].main(argc - 1, argv + 1);
	fprintf(stderr, "usage: examples hello|echo|http [ARGS...]\n");
	return 2;
}
