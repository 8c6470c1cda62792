// SPDX-License-Identifier: GPL-2.0
/*
 * Test of insn_classify(): read the output of "objdump -d --insn-width=16"
 * on standard input, classify every instruction twice, by its bytes with
 * insn_classify() and by the mnemonic and operands objdump printed, and
 * report every instruction on which the two disagree.  Run on
 * insn_class_cases.S (each class, its prefixed forms, and the instructions
 * that share its opcode bytes) and on a whole vmlinux.
 *
 * Usage: insn_class_test < objdump-output
 * Exit status 0 when the two agree on every instruction and at least one
 * instruction was read; the counts per class as "# " lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insn_class.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define MAX_REPORTS	20

/* The words objdump prints before a mnemonic for a prefix. */
static const char *const prefixes[] = {
	"lock", "rep", "repz", "repnz", "repe", "repne", "cs", "ds", "es", "ss",
	"fs", "gs", "data16", "data32", "addr32", "rex", "rex.W", "rex.R",
	"rex.X", "rex.B", "rex.WR", "rex.WB", "rex.WX", "rex.RB", "rex.RX",
	"rex.XB", "rex.WRB", "rex.WRX", "rex.WXB", "rex.RXB", "rex.WRXB",
	"notrack", "bnd", "xacquire", "xrelease", NULL
};

static const struct {
	const char *mnemonic;
	enum insn_class class;
} mnemonics[] = {
	{ "syscall", INSN_SYSCALL }, { "sysenter", INSN_SYSCALL },
	{ "sysret", INSN_SYSRET }, { "sysretl", INSN_SYSRET },
	{ "sysretq", INSN_SYSRET }, { "sysexit", INSN_SYSRET },
	{ "sysexitl", INSN_SYSRET }, { "sysexitq", INSN_SYSRET },
	{ "iret", INSN_IRET }, { "iretw", INSN_IRET }, { "iretl", INSN_IRET },
	{ "iretq", INSN_IRET },
	{ "swapgs", INSN_SWAPGS },
	{ "wrmsr", INSN_WRMSR },
	{ "verw", INSN_VERW },
	{ "lfence", INSN_FENCE }, { "mfence", INSN_FENCE },
	{ "sfence", INSN_FENCE },
	{ "fxsave", INSN_XSAVE }, { "fxsave64", INSN_XSAVE },
	{ "fxrstor", INSN_XSAVE }, { "fxrstor64", INSN_XSAVE },
	{ "xsave", INSN_XSAVE }, { "xsave64", INSN_XSAVE },
	{ "xrstor", INSN_XSAVE }, { "xrstor64", INSN_XSAVE },
	{ "xsaveopt", INSN_XSAVE }, { "xsaveopt64", INSN_XSAVE },
	{ "xsavec", INSN_XSAVE }, { "xsavec64", INSN_XSAVE },
	{ "xsaves", INSN_XSAVE }, { "xsaves64", INSN_XSAVE },
	{ "xrstors", INSN_XSAVE }, { "xrstors64", INSN_XSAVE },
	{ "stac", INSN_STAC_CLAC }, { "clac", INSN_STAC_CLAC },
	{ "cli", INSN_CLI_STI }, { "sti", INSN_CLI_STI },
	{ "pushf", INSN_PUSHF_POPF }, { "pushfq", INSN_PUSHF_POPF },
	{ "pushfw", INSN_PUSHF_POPF }, { "popf", INSN_PUSHF_POPF },
	{ "popfq", INSN_PUSHF_POPF }, { "popfw", INSN_PUSHF_POPF },
	{ "cpuid", INSN_CPUID },
	{ "invlpg", INSN_TLB }, { "invpcid", INSN_TLB },
};

static int is_prefix(const char *word)
{
	int i;

	for (i = 0; prefixes[i]; i++)
		if (!strcmp(word, prefixes[i]))
			return 1;
	return 0;
}

/* The string instructions, without their size suffix b, w, l or q. */
static const char *const strings[] = {
	"movs", "cmps", "stos", "lods", "scas", "ins", "outs", NULL
};

static int is_string(const char *word)
{
	size_t n;
	int i;

	for (i = 0; strings[i]; i++) {
		n = strlen(strings[i]);
		if (!strncmp(word, strings[i], n) &&
		    (!word[n] || (strchr("bwlq", word[n]) && !word[n + 1])))
			return 1;
	}
	return 0;
}

/* The class of "mnemonic operands" as objdump (AT&T syntax) prints it. */
static enum insn_class class_of_text(char *text)
{
	char *word, *ops, *save;
	int rep = 0;
	size_t i;

	for (word = strtok_r(text, " ", &save); word && is_prefix(word);
	     word = strtok_r(NULL, " ", &save))
		rep |= !strncmp(word, "rep", 3);
	if (!word)
		return INSN_REST;
	if (is_string(word))
		return rep ? INSN_REP_STRING : INSN_REST;
	ops = strtok_r(NULL, " #<", &save);
	if (!strcmp(word, "mov") && ops) {
		char *dst = strrchr(ops, ',');

		if (dst && !strcmp(dst, ",%cr3"))
			return INSN_MOV_CR3;
		if (dst && (!strncmp(dst, ",%cr", 4) || !strncmp(dst, ",%db", 4)))
			return INSN_MOV_CR;
		return INSN_REST;
	}
	for (i = 0; i < ARRAY_SIZE(mnemonics); i++)
		if (!strcmp(word, mnemonics[i].mnemonic))
			return mnemonics[i].class;
	return INSN_REST;
}

/* Parse "  addr:\tHEX HEX ...\tTEXT"; return the number of bytes, or 0. */
static size_t parse_line(char *line, unsigned char *bytes, size_t max,
			 char **text)
{
	char *tab1 = strchr(line, '\t'), *tab2, *p, *end;
	size_t n = 0;

	if (!tab1 || tab1 == line || tab1[-1] != ':')
		return 0;
	tab2 = strchr(tab1 + 1, '\t');
	if (!tab2)
		return 0;
	*tab2 = '\0';
	for (p = tab1 + 1; n < max; p = end) {
		unsigned long b = strtoul(p, &end, 16);

		if (end == p)
			break;
		bytes[n++] = b;
	}
	*text = tab2 + 1;
	p = strchr(*text, '\n');
	if (p)
		*p = '\0';
	return n;
}

int main(void)
{
	unsigned long count[NR_INSN_CLASSES] = { 0 }, total = 0, bad = 0;
	unsigned long markers = 0;
	char line[1024], copy[1024], *text;
	unsigned char bytes[16];
	int i;

	while (fgets(line, sizeof(line), stdin)) {
		enum insn_class by_bytes, by_text;
		size_t n = parse_line(line, bytes, sizeof(bytes), &text);

		if (!n || !strncmp(text, "(bad)", 5))
			continue;
		snprintf(copy, sizeof(copy), "%s", text);
		by_bytes = insn_classify(bytes, n);
		by_text = class_of_text(copy);
		total++;
		count[by_bytes]++;
		if (insn_marker(bytes, n) >= 0)
			markers++;
		if (by_bytes == by_text)
			continue;
		if (++bad <= MAX_REPORTS) {
			printf("# mismatch: %s is %s by its bytes (", text,
			       insn_class_names[by_bytes]);
			for (i = 0; i < (int)n; i++)
				printf("%s%02x", i ? " " : "", bytes[i]);
			printf("), %s by objdump's text\n",
			       insn_class_names[by_text]);
		}
	}
	printf("# %lu instructions, %lu markers", total, markers);
	for (i = 1; i < NR_INSN_CLASSES; i++)
		printf(", %s %lu", insn_class_names[i], count[i]);
	printf("\n");
	if (bad)
		printf("# %lu instructions classified differently\n", bad);
	return bad || !total ? 1 : 0;
}
