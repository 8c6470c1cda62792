// SPDX-License-Identifier: GPL-2.0
/*
 * A QEMU TCG plugin that counts the guest's executed instructions by
 * class (insn_class.h): the privilege changes, page table switches and
 * serialising instructions whose cost an instruction count hides.
 *
 *	qemu-system-x86_64 ... -plugin ukl-insn-plugin.so,out=FILE
 *
 * Counting is between marker instructions (insn_class.h), which bench.c
 * executes around each repetition of a benchmark: the start marker sets
 * the counts to zero, the stop marker appends one line to FILE,
 *
 *	mark N insns=I syscall=C sysret=C ... tlb=C
 *
 * with N counting the stop markers from 1, I the instructions executed in
 * the window and C those of each class, whatever the privilege level or
 * the vCPU (use one vCPU, as make bench does, for the window to hold only
 * the benchmark's work).  The instructions of a translation block count
 * when the block starts: one that an exception cuts short counts whole.
 * At exit, a line "total insns=I ..." with the counts since the start.
 *
 * With trace=N, the first N instructions executed in each window are
 * written to FILE too, one "  ADDRESS SYMBOL DISASSEMBLY" line each: what
 * one operation of a benchmark executes.
 *
 * With at=ADDRESS:NAME (repeatable, the address in hex), the first
 * execution of the instruction at that guest virtual address appends
 *
 *	at NAME insns=I syscall=C ... rep-string=C
 *
 * with the counts since QEMU started: where a boot spends its
 * instructions before the kernel can say (ADDRESS from System.map).
 *
 * With stall=CLASS:USEC, each executed instruction of CLASS (a name of
 * insn_class_names, "cpuid" for example) holds its vCPU USEC microseconds
 * of host time, as a VM exit does that a nested hypervisor handles: an
 * interrupt then arrives, in guest time, where it could on such a host.
 * This is for tests; it leaves the counts alone.
 *
 * Built against the qemu-plugin.h of the QEMU it runs in (Makefile).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <qemu/qemu-plugin.h>

#include "insn_class.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* [0] is the count of all instructions, [class] that of a class. */
static uint64_t counts[NR_INSN_CLASSES], window_base[NR_INSN_CLASSES];
static uint64_t totals_base[NR_INSN_CLASSES];
static unsigned long marks, trace, traced;
static bool in_window;
#define MAX_AT	64
static struct {
	uint64_t addr;
	char *name;
	bool seen;
} at[MAX_AT];
static int nr_at;
static enum insn_class stall_class = INSN_REST;
static struct timespec stall_time;
static FILE *out;

static void print_counts(const char *what, const uint64_t *base)
{
	int i;

	fprintf(out, "%s insns=%llu", what,
		(unsigned long long)(counts[0] - base[0]));
	for (i = 1; i < NR_INSN_CLASSES; i++)
		fprintf(out, " %s=%llu", insn_class_names[i],
			(unsigned long long)(counts[i] - base[i]));
	fputc('\n', out);
	fflush(out);
}

static void mark_start(unsigned int vcpu_index, void *udata)
{
	memcpy(window_base, counts, sizeof(counts));
	in_window = true;
	traced = 0;
}

/* trace=N: one line per executed instruction, udata its text. */
static void trace_insn(unsigned int vcpu_index, void *udata)
{
	if (in_window && traced < trace) {
		fprintf(out, "  %s\n", (const char *)udata);
		traced++;
	}
}

/* at=ADDRESS:NAME: the counts when the instruction first executes. */
static void at_insn(unsigned int vcpu_index, void *udata)
{
	long i = (long)udata;
	char what[128];

	if (at[i].seen)
		return;
	at[i].seen = true;
	snprintf(what, sizeof(what), "at %s", at[i].name);
	print_counts(what, totals_base);
}

/* stall=CLASS:USEC: host time that an instruction of CLASS takes. */
static void stall_insn(unsigned int vcpu_index, void *udata)
{
	struct timespec left = stall_time;

	while (nanosleep(&left, &left))
		;
}

static void mark_stop(unsigned int vcpu_index, void *udata)
{
	char what[32];

	in_window = false;
	snprintf(what, sizeof(what), "mark %lu", ++marks);
	print_counts(what, window_base);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb), i;

	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &counts[0], n);
	for (i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		const unsigned char *p = qemu_plugin_insn_data(insn);
		size_t len = qemu_plugin_insn_size(insn);
		enum insn_class class = insn_classify(p, len);

		if (class != INSN_REST)
			qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64,
								   &counts[class], 1);
		if (class != INSN_REST && class == stall_class)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, stall_insn,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
		for (long a = 0; a < nr_at; a++)
			if (!at[a].seen && at[a].addr == qemu_plugin_insn_vaddr(insn))
				qemu_plugin_register_vcpu_insn_exec_cb(insn, at_insn,
								       QEMU_PLUGIN_CB_NO_REGS,
								       (void *)a);
		if (trace) {
			const char *sym = qemu_plugin_insn_symbol(insn);
			char *dis = qemu_plugin_insn_disas(insn);
			char *text;

			/* Never freed: a debugging aid. */
			if (asprintf(&text, "%llx %s %s",
				     (unsigned long long)qemu_plugin_insn_vaddr(insn),
				     sym ? sym : "-", dis) > 0)
				qemu_plugin_register_vcpu_insn_exec_cb(insn, trace_insn,
								       QEMU_PLUGIN_CB_NO_REGS,
								       text);
			free(dis);
		}
		switch (insn_marker(p, len)) {
		case UKL_INSN_MARK_START:
			qemu_plugin_register_vcpu_insn_exec_cb(insn, mark_start,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
			break;
		case UKL_INSN_MARK_STOP:
			qemu_plugin_register_vcpu_insn_exec_cb(insn, mark_stop,
							       QEMU_PLUGIN_CB_NO_REGS, NULL);
			break;
		}
	}
}

static void plugin_exit(qemu_plugin_id_t id, void *p)
{
	print_counts("total", totals_base);
	fclose(out);
}

/* "CLASS:USEC" of stall=: false when it is not one. */
static bool parse_stall(const char *arg)
{
	const char *colon = strchr(arg, ':');
	unsigned long usec;
	char *end;
	int i;

	if (!colon)
		return false;
	for (i = INSN_REST + 1; i < NR_INSN_CLASSES; i++)
		if (strlen(insn_class_names[i]) == (size_t)(colon - arg) &&
		    !strncmp(arg, insn_class_names[i], colon - arg))
			break;
	if (i == NR_INSN_CLASSES)
		return false;
	usec = strtoul(colon + 1, &end, 10);
	if (end == colon + 1 || *end || !usec || usec > 1000000)
		return false;
	stall_class = i;
	stall_time.tv_sec = usec / 1000000;
	stall_time.tv_nsec = (usec % 1000000) * 1000;
	return true;
}

/* "ADDRESS:NAME" of at=: false when it is not one. */
static bool parse_at(const char *arg)
{
	char *end;

	if (nr_at == MAX_AT)
		return false;
	at[nr_at].addr = strtoull(arg, &end, 16);
	if (end == arg || *end != ':' || !end[1])
		return false;
	at[nr_at].name = strdup(end + 1);
	return !!at[nr_at++].name;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	const char *path = NULL;
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4)) {
			path = argv[i] + 4;
		} else if (!strncmp(argv[i], "trace=", 6)) {
			trace = strtoul(argv[i] + 6, NULL, 0);
		} else if (!strncmp(argv[i], "at=", 3)) {
			if (!parse_at(argv[i] + 3)) {
				fprintf(stderr, "ukl-insn-plugin: at=%s: want HEXADDRESS:NAME",
					argv[i] + 3);
				fprintf(stderr, ", %d of them at most\n", MAX_AT);
				return -1;
			}
		} else if (!strncmp(argv[i], "stall=", 6)) {
			if (!parse_stall(argv[i] + 6)) {
				fprintf(stderr, "ukl-insn-plugin: stall=%s: want CLASS:USEC,",
					argv[i] + 6);
				fprintf(stderr, " CLASS cpuid, wrmsr, ..., USEC 1..1000000\n");
				return -1;
			}
		} else {
			fprintf(stderr, "ukl-insn-plugin: unknown argument '%s'",
				argv[i]);
			fprintf(stderr, " (out=FILE, trace=N, at=ADDRESS:NAME,");
			fprintf(stderr, " stall=CLASS:USEC)\n");
			return -1;
		}
	}
	if (strcmp(info->target_name, "x86_64")) {
		fprintf(stderr, "ukl-insn-plugin: decodes x86_64 only, not %s\n",
			info->target_name);
		return -1;
	}
	out = path ? fopen(path, "w") : stdout;
	if (!out) {
		perror(path);
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, plugin_exit, NULL);
	return 0;
}
