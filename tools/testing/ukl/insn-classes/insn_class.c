// SPDX-License-Identifier: GPL-2.0
/*
 * A decoder of just enough of the x86-64 instruction set to find the
 * instructions of enum insn_class: the legacy and REX prefixes, and the
 * opcode and ModRM byte of the one- and two-byte opcode maps.  VEX, EVEX
 * and XOP encoded instructions are never in a class.  It trusts QEMU for
 * the instruction's length, and decodes as in 64-bit mode.
 */
#include <stdint.h>
#include <string.h>

#include "insn_class.h"

const char *const insn_class_names[NR_INSN_CLASSES] = {
	[INSN_REST]		= "rest",
	[INSN_SYSCALL]		= "syscall",
	[INSN_SYSRET]		= "sysret",
	[INSN_IRET]		= "iret",
	[INSN_SWAPGS]		= "swapgs",
	[INSN_MOV_CR3]		= "mov-cr3",
	[INSN_MOV_CR]		= "mov-cr",
	[INSN_WRMSR]		= "wrmsr",
	[INSN_VERW]		= "verw",
	[INSN_FENCE]		= "fence",
	[INSN_XSAVE]		= "xsave",
	[INSN_STAC_CLAC]	= "stac-clac",
	[INSN_CLI_STI]		= "cli-sti",
	[INSN_PUSHF_POPF]	= "pushf-popf",
	[INSN_CPUID]		= "cpuid",
	[INSN_TLB]		= "tlb",
	[INSN_REP_STRING]	= "rep-string",
};

#define PFX_66		0x1
#define PFX_F3		0x2
#define PFX_F2		0x4
#define PFX_SIMD	(PFX_66 | PFX_F3 | PFX_F2)
#define PFX_REX_R	0x8	/* ModRM.reg + 8 */

#define MODRM_MOD(m)	((m) >> 6)
#define MODRM_REG(m)	(((m) >> 3) & 7)

/* 0f ae: the fences (register forms) and the FXSAVE/XSAVE group. */
static enum insn_class grp15(unsigned int pfx, uint8_t modrm)
{
	unsigned int reg = MODRM_REG(modrm);

	if (MODRM_MOD(modrm) == 3)
		/* f3/66 prefixed: RDFSBASE..., INCSSP, UMONITOR, TPAUSE... */
		return !pfx && reg >= 5 ? INSN_FENCE : INSN_REST;
	/* FXSAVE, FXRSTOR, XSAVE, XRSTOR, XSAVEOPT (66: CLWB) */
	if (pfx & (PFX_F3 | PFX_F2))
		return INSN_REST;
	if (reg == 0 || reg == 1 || reg == 4 || reg == 5 ||
	    (reg == 6 && !(pfx & PFX_66)))
		return INSN_XSAVE;
	return INSN_REST;
}

/* 0f 01: SWAPGS, STAC, CLAC, INVLPG among the system instructions. */
static enum insn_class grp7(uint8_t modrm)
{
	switch (modrm) {
	case 0xf8:
		return INSN_SWAPGS;
	case 0xca:
	case 0xcb:
		return INSN_STAC_CLAC;
	}
	if (MODRM_MOD(modrm) != 3 && MODRM_REG(modrm) == 7)
		return INSN_TLB;		/* INVLPG m */
	return INSN_REST;
}

static enum insn_class two_byte(const uint8_t *p, size_t left, unsigned int pfx)
{
	uint8_t modrm = left >= 2 ? p[1] : 0;

	switch (p[0]) {
	case 0x05:
	case 0x34:
		return INSN_SYSCALL;
	case 0x07:
	case 0x35:
		return INSN_SYSRET;
	case 0x30:
		return INSN_WRMSR;
	case 0xa2:
		return INSN_CPUID;
	case 0x22:
		if (left < 2)
			return INSN_REST;
		/* CR8 (REX.R) is the TPR, not CR3. */
		return MODRM_REG(modrm) == 3 && !(pfx & PFX_REX_R) ?
			INSN_MOV_CR3 : INSN_MOV_CR;
	case 0x23:
		return left >= 2 ? INSN_MOV_CR : INSN_REST;
	case 0x00:
		return left >= 2 && MODRM_REG(modrm) == 5 ? INSN_VERW : INSN_REST;
	case 0x01:
		return left >= 2 ? grp7(modrm) : INSN_REST;
	case 0xae:
		return left >= 2 ? grp15(pfx & PFX_SIMD, modrm) : INSN_REST;
	case 0xc7:
		/* XRSTORS, XSAVEC, XSAVES; not CMPXCHG8B/16B, RDRAND, ... */
		if (left < 2 || MODRM_MOD(modrm) == 3 || (pfx & PFX_SIMD))
			return INSN_REST;
		return MODRM_REG(modrm) >= 3 && MODRM_REG(modrm) <= 5 ?
			INSN_XSAVE : INSN_REST;
	case 0x38:
		/* 66 0f 38 82: INVPCID */
		return left >= 2 && p[1] == 0x82 && (pfx & PFX_SIMD) == PFX_66 ?
			INSN_TLB : INSN_REST;
	}
	return INSN_REST;
}

enum insn_class insn_classify(const unsigned char *p, size_t len)
{
	unsigned int pfx = 0;
	size_t i = 0;

	/* Legacy prefixes, in any order. */
	for (; i < len; i++) {
		switch (p[i]) {
		case 0x66:
			pfx |= PFX_66;
			continue;
		case 0xf3:
			pfx |= PFX_F3;
			continue;
		case 0xf2:
			pfx |= PFX_F2;
			continue;
		case 0x67: case 0xf0:
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
			continue;
		}
		break;
	}
	/* A REX prefix; only its R bit matters here. */
	if (i < len && (p[i] & 0xf0) == 0x40) {
		if (p[i] & 0x4)
			pfx |= PFX_REX_R;
		i++;
	}
	if (i >= len)
		return INSN_REST;

	switch (p[i]) {
	case 0x0f:
		return i + 1 < len ? two_byte(p + i + 1, len - i - 1, pfx) :
			INSN_REST;
	case 0x6c ... 0x6f:	/* INS, OUTS */
	case 0xa4 ... 0xa7:	/* MOVS, CMPS */
	case 0xaa ... 0xaf:	/* STOS, LODS, SCAS */
		return pfx & (PFX_F3 | PFX_F2) ? INSN_REP_STRING : INSN_REST;
	case 0xcf:
		return INSN_IRET;
	case 0xfa:
	case 0xfb:
		return INSN_CLI_STI;
	case 0x9c:
	case 0x9d:
		return INSN_PUSHF_POPF;
	}
	/* VEX (c4, c5), EVEX (62), XOP (8f) and the rest. */
	return INSN_REST;
}

int insn_marker(const unsigned char *p, size_t len)
{
	uint32_t disp;

	if (len != 7 || p[0] != 0x0f || p[1] != 0x1f || p[2] != 0x80)
		return -1;
	memcpy(&disp, p + 3, sizeof(disp));	/* little-endian */
	if (disp == UKL_INSN_MARK + UKL_INSN_MARK_START)
		return UKL_INSN_MARK_START;
	if (disp == UKL_INSN_MARK + UKL_INSN_MARK_STOP)
		return UKL_INSN_MARK_STOP;
	return -1;
}
