/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Classes of x86-64 instructions whose cost an instruction count hides:
 * privilege changes, page table switches, serialising and barrier
 * instructions; and the string instructions with a REP prefix, whose every
 * iteration TCG executes, and counts, as an instruction, where hardware
 * moves many bytes a cycle.  Used by the QEMU TCG plugin ukl-insn-plugin.c, which
 * counts executed guest instructions by class for "make bench", and by its
 * test insn_class_test.c.  Documentation/ukl/benchmarks.rst gives what
 * each class costs on hardware.
 */
#ifndef UKL_INSN_CLASS_H
#define UKL_INSN_CLASS_H

#include <stddef.h>

enum insn_class {
	INSN_REST,		/* everything else */
	INSN_SYSCALL,		/* SYSCALL, SYSENTER */
	INSN_SYSRET,		/* SYSRET, SYSEXIT */
	INSN_IRET,		/* IRET, IRETQ */
	INSN_SWAPGS,
	INSN_MOV_CR3,		/* MOV to CR3: a page table switch */
	INSN_MOV_CR,		/* MOV to another control or a debug register */
	INSN_WRMSR,
	INSN_VERW,		/* the MDS buffer clear, among others */
	INSN_FENCE,		/* LFENCE, MFENCE, SFENCE */
	INSN_XSAVE,		/* FXSAVE, FXRSTOR, XSAVE*, XRSTOR* */
	INSN_STAC_CLAC,
	INSN_CLI_STI,
	INSN_PUSHF_POPF,
	INSN_CPUID,
	INSN_TLB,		/* INVLPG, INVPCID */
	INSN_REP_STRING,	/* REP MOVS, STOS, ...: one per iteration */
	NR_INSN_CLASSES
};

/* Short names ("syscall", "mov-cr3", ...), indexed by enum insn_class. */
extern const char *const insn_class_names[NR_INSN_CLASSES];

/**
 * insn_classify - the class of one 64-bit mode instruction
 * @p: the instruction's bytes
 * @len: their number, the instruction's length
 *
 * Return: its enum insn_class; INSN_REST for anything it does not know,
 * including bytes that are not a whole instruction.
 */
enum insn_class insn_classify(const unsigned char *p, size_t len);

/*
 * The marker instructions of the benchmarks: "nopl UKL_INSN_MARK(%rax)"
 * starts a window of counting, "nopl UKL_INSN_MARK+1(%rax)" ends it
 * (0f 1f 80 followed by the displacement).  Harmless NOPs anywhere else.
 */
#define UKL_INSN_MARK		0x554b4c00
#define UKL_INSN_MARK_START	0
#define UKL_INSN_MARK_STOP	1

/**
 * insn_marker - is this instruction a marker, and which
 * @p: the instruction's bytes
 * @len: their number
 *
 * Return: UKL_INSN_MARK_START or UKL_INSN_MARK_STOP for a marker, -1
 * otherwise.
 */
int insn_marker(const unsigned char *p, size_t len);

#endif /* UKL_INSN_CLASS_H */
