// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for Unikernel Linux (UKL): the parts that work without
 * starting the application.
 *
 * - ukl_layout: the layout the application was linked with, and its data
 *   range as the kernel's user-pointer checks see it;
 * - ukl_binfmt: what fs/binfmt_ukl.c synthesizes from a layout (program
 *   headers, aux vector, initial stack, mm ranges), with the linked layout
 *   and with edge cases, and the strings a UKL file may carry;
 * - ukl_mode: how entry code tells application context from kernel and
 *   user context;
 * - ukl_exit: ukl.exit= and the status line that runners parse;
 * - ukl_entry: what the entry code changes for an event that tests cannot
 *   make, called directly (an NMI's move of the #PF IST entry);
 * - ukl_thunks: the application's return and retpoline thunk sites, which
 *   boot-time patching must treat as it treats the kernel's.
 *
 * Run them with kernel/ukl/.kunitconfig or the UKL scenario of
 * tools/testing/ukl (Documentation/ukl/testing.rst).
 *
 * Copyright (C) 2026 The UKL authors
 */

#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <kunit/visibility.h>
#include <linux/binfmts.h>
#include <linux/elf.h>
#include <linux/hw_breakpoint.h>
#include <linux/kprobes.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/ukl.h>

#include <asm/cpu_entry_area.h>
#include <asm/nospec-branch.h>
#include <asm/proto.h>
#include <asm/ptrace.h>
#include <asm/segment.h>
#include <asm/text-patching.h>

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define PHDR_SIZE	sizeof(struct elf_phdr)

/* --- ukl_layout: the linked layout and its image range ------------------ */

/*
 * The data range starts where vmlinux.lds.S links it and covers whole pages,
 * which vm_mmap(MAP_FIXED_NOREPLACE) in ukl_map_image() needs, and so does
 * its read-only part at its start; the load image and the TLS segment lie
 * inside it, the TLS segment in the writable part.
 */
static void ukl_layout_linked_test(struct kunit *test)
{
	struct ukl_layout l;

	ukl_get_layout(&l);
	kunit_info(test, "image %#lx-%#lx rodata end %#lx data end %#lx TLS %#lx-%#lx-%#lx align %lu\n",
		   l.image_start, l.image_end, l.rodata_end, l.data_end,
		   l.tdata_start, l.tdata_end, l.tbss_end, l.tls_align);

	KUNIT_EXPECT_EQ(test, l.image_start, (unsigned long)UKL_IMAGE_VADDR);
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(l.image_start));
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(l.image_end));
	KUNIT_EXPECT_TRUE(test, PAGE_ALIGNED(l.rodata_end));
	KUNIT_EXPECT_LE(test, l.image_start, l.rodata_end);
	KUNIT_EXPECT_LE(test, l.rodata_end, l.data_end);
	KUNIT_EXPECT_LE(test, l.data_end, l.image_end);
	/* The TLS initialization image is loaded: it ends the data. */
	KUNIT_EXPECT_LE(test, l.rodata_end, l.tdata_start);
	KUNIT_EXPECT_LE(test, l.tdata_start, l.tdata_end);
	KUNIT_EXPECT_LE(test, l.tdata_end, l.data_end);
	KUNIT_EXPECT_LE(test, l.tdata_end, l.tbss_end);
	KUNIT_EXPECT_TRUE_MSG(test, !l.tls_align || is_power_of_2(l.tls_align),
			      "TLS alignment %lu", l.tls_align);
	/* The entry point is code, in the kernel's half of the address space. */
	KUNIT_EXPECT_GE(test, l.entry, TASK_SIZE_MAX);
}

/*
 * Pointers into the application's data are ordinary user pointers: the
 * whole data range passes access_ok(), its code (kernel text) and kernel
 * data do not, and copying from them fails before touching them.
 */
static void ukl_layout_user_range_test(struct kunit *test)
{
	struct ukl_layout l;
	unsigned long size;
	char buf[8];

	ukl_get_layout(&l);
	size = l.image_end - l.image_start;

	KUNIT_EXPECT_GE(test, l.image_start, PAGE_SIZE);
	KUNIT_EXPECT_TRUE(test, access_ok((void __user *)l.image_start, size));
	KUNIT_EXPECT_TRUE(test, access_ok((void __user *)l.image_end - 1, 1));
	KUNIT_EXPECT_TRUE(test, access_ok((void __user *)l.tdata_start,
					  l.tbss_end - l.tdata_start));

	KUNIT_EXPECT_FALSE(test, access_ok((void __user *)l.entry, 1));
	KUNIT_EXPECT_FALSE(test, access_ok((void __user *)&l, sizeof(l)));
	KUNIT_EXPECT_EQ(test, copy_from_user(buf, (void __user *)l.entry, sizeof(buf)),
			sizeof(buf));
}

static struct kunit_case ukl_layout_cases[] = {
	KUNIT_CASE(ukl_layout_linked_test),
	KUNIT_CASE(ukl_layout_user_range_test),
	{}
};

static struct kunit_suite ukl_layout_suite = {
	.name = "ukl_layout",
	.test_cases = ukl_layout_cases,
};

/* --- ukl_binfmt: what the binary format synthesizes --------------------- */

/**
 * struct ukl_phdr_case - a layout and the program headers it must give
 * @name: what the case checks
 * @l: the layout
 * @rodata_sz: expected p_filesz and p_memsz of the read-only PT_LOAD
 * @load_filesz: expected p_filesz of the writable PT_LOAD
 * @load_memsz: expected p_memsz of the writable PT_LOAD
 * @tls_filesz: expected p_filesz of PT_TLS
 * @tls_memsz: expected p_memsz of PT_TLS
 */
struct ukl_phdr_case {
	const char *name;
	struct ukl_layout l;
	unsigned long rodata_sz, load_filesz, load_memsz, tls_filesz, tls_memsz;
};

#define VA(off)	(UKL_IMAGE_VADDR + (off))

static const struct ukl_phdr_case ukl_phdr_cases[] = {
	{
		.name = "typical",
		.l = { .image_start = VA(0), .rodata_end = VA(0x1000),
		       .data_end = VA(0x3040),
		       .image_end = VA(0x5000), .tdata_start = VA(0x3000),
		       .tdata_end = VA(0x3040), .tbss_end = VA(0x3080),
		       .tls_align = 64 },
		.rodata_sz = 0x1000, .load_filesz = 0x2040, .load_memsz = 0x4000,
		.tls_filesz = 0x40, .tls_memsz = 0x80,
	}, {
		/* libc computes the TLS offset from p_vaddr % p_align. */
		.name = "misaligned_tls",
		.l = { .image_start = VA(0), .rodata_end = VA(0),
		       .data_end = VA(0x1014),
		       .image_end = VA(0x2000), .tdata_start = VA(0x1008),
		       .tdata_end = VA(0x1014), .tbss_end = VA(0x1021),
		       .tls_align = 32 },
		.load_filesz = 0x1014, .load_memsz = 0x2000,
		.tls_filesz = 0xc, .tls_memsz = 0x19,
	}, {
		.name = "empty_tbss",
		.l = { .image_start = VA(0), .rodata_end = VA(0),
		       .data_end = VA(0x1010),
		       .image_end = VA(0x2000), .tdata_start = VA(0x1000),
		       .tdata_end = VA(0x1010), .tbss_end = VA(0x1010),
		       .tls_align = 8 },
		.load_filesz = 0x1010, .load_memsz = 0x2000,
		.tls_filesz = 0x10, .tls_memsz = 0x10,
	}, {
		.name = "tbss_only",
		.l = { .image_start = VA(0), .rodata_end = VA(0),
		       .data_end = VA(0x1000),
		       .image_end = VA(0x2000), .tdata_start = VA(0x1000),
		       .tdata_end = VA(0x1000), .tbss_end = VA(0x1100),
		       .tls_align = 16 },
		.load_filesz = 0x1000, .load_memsz = 0x2000,
		.tls_filesz = 0, .tls_memsz = 0x100,
	}, {
		.name = "no_tls",
		.l = { .image_start = VA(0), .rodata_end = VA(0),
		       .data_end = VA(0x800),
		       .image_end = VA(0x1000), .tdata_start = VA(0x800),
		       .tdata_end = VA(0x800), .tbss_end = VA(0x800),
		       .tls_align = 0 },
		.load_filesz = 0x800, .load_memsz = 0x1000,
		.tls_filesz = 0, .tls_memsz = 0,
	}, {
		.name = "zero_size_image",
		.l = { .image_start = VA(0), .rodata_end = VA(0),
		       .data_end = VA(0),
		       .image_end = VA(0), .tdata_start = VA(0),
		       .tdata_end = VA(0), .tbss_end = VA(0), .tls_align = 1 },
	}, {
		.name = "bss_only",
		.l = { .image_start = VA(0), .rodata_end = VA(0),
		       .data_end = VA(0),
		       .image_end = VA(0x3000), .tdata_start = VA(0),
		       .tdata_end = VA(0), .tbss_end = VA(0), .tls_align = 1 },
		.load_memsz = 0x3000,
	},
};

KUNIT_ARRAY_PARAM_DESC(ukl_phdr, ukl_phdr_cases, name);

/* @ph is a program header of @type and @flags with these values, at offset 0. */
static void ukl_expect_phdr(struct kunit *test, const struct elf_phdr *ph,
			    u32 type, u32 flags, unsigned long vaddr,
			    unsigned long filesz, unsigned long memsz,
			    unsigned long align)
{
	KUNIT_EXPECT_EQ(test, ph->p_type, type);
	KUNIT_EXPECT_EQ(test, ph->p_flags, flags);
	KUNIT_EXPECT_EQ(test, ph->p_offset, 0);
	KUNIT_EXPECT_EQ(test, ph->p_vaddr, vaddr);
	KUNIT_EXPECT_EQ(test, ph->p_paddr, vaddr);
	KUNIT_EXPECT_EQ(test, ph->p_filesz, filesz);
	KUNIT_EXPECT_EQ(test, ph->p_memsz, memsz);
	KUNIT_EXPECT_EQ(test, ph->p_align, align);
}

/*
 * The four program headers carry the layout unchanged: nothing is rounded
 * or aligned on the way, and nothing beyond them is written.
 */
static void ukl_binfmt_phdrs_test(struct kunit *test)
{
	const struct ukl_phdr_case *c = test->param_value;
	struct elf_phdr ph[UKL_NR_PHDRS + 1];
	struct elf_phdr *ro = &ph[UKL_PHDR_RODATA], *load = &ph[UKL_PHDR_LOAD];
	struct elf_phdr *tls = &ph[UKL_PHDR_TLS], *stack = &ph[UKL_PHDR_STACK];

	memset(ph, 0xa5, sizeof(ph));
	ukl_fill_phdrs(ph, &c->l);

	ukl_expect_phdr(test, ro, PT_LOAD, PF_R, c->l.image_start,
			c->rodata_sz, c->rodata_sz, PAGE_SIZE);
	ukl_expect_phdr(test, load, PT_LOAD, PF_R | PF_W, c->l.rodata_end,
			c->load_filesz, c->load_memsz, PAGE_SIZE);
	ukl_expect_phdr(test, tls, PT_TLS, PF_R, c->l.tdata_start,
			c->tls_filesz, c->tls_memsz, c->l.tls_align);
	/* The offset of the TLS image in its alignment is kept. */
	if (c->l.tls_align)
		KUNIT_EXPECT_EQ(test, tls->p_vaddr % c->l.tls_align,
				c->l.tdata_start % c->l.tls_align);

	KUNIT_EXPECT_EQ(test, stack->p_type, PT_GNU_STACK);
	KUNIT_EXPECT_EQ(test, stack->p_flags, PF_R | PF_W);
	KUNIT_EXPECT_EQ(test, stack->p_memsz, 0);

	KUNIT_EXPECT_NULL(test, memchr_inv(&ph[UKL_NR_PHDRS], 0xa5, PHDR_SIZE));
}

/*
 * With the linked layout: the read-only PT_LOAD starts page aligned, the
 * writable one right after it, also page aligned; its file part is within
 * its memory part, and the TLS image is inside the file part (it is copied
 * from the load image, not zeroed).
 */
static void ukl_binfmt_phdrs_linked_test(struct kunit *test)
{
	struct elf_phdr ph[UKL_NR_PHDRS];
	struct elf_phdr *ro = &ph[UKL_PHDR_RODATA], *load = &ph[UKL_PHDR_LOAD];
	struct elf_phdr *tls = &ph[UKL_PHDR_TLS];
	struct ukl_layout l;

	ukl_get_layout(&l);
	ukl_fill_phdrs(ph, &l);

	KUNIT_EXPECT_EQ(test, ro->p_vaddr % ro->p_align, 0);
	KUNIT_EXPECT_EQ(test, ro->p_vaddr + ro->p_memsz, load->p_vaddr);
	KUNIT_EXPECT_EQ(test, load->p_vaddr % load->p_align, 0);
	KUNIT_EXPECT_LE(test, load->p_filesz, load->p_memsz);
	KUNIT_EXPECT_GE(test, tls->p_vaddr, load->p_vaddr);
	KUNIT_EXPECT_LE(test, tls->p_vaddr + tls->p_filesz,
			load->p_vaddr + load->p_filesz);
	KUNIT_EXPECT_LE(test, tls->p_filesz, tls->p_memsz);
}

/* The value of aux vector entry @type in @auxv, counting how often it is there. */
static unsigned long ukl_auxv_get(const unsigned long *auxv, int words,
				  unsigned long type, int *count)
{
	unsigned long val = 0;
	int i;

	*count = 0;
	for (i = 0; i + 1 < words; i += 2) {
		if (auxv[i] == type) {
			val = auxv[i + 1];
			(*count)++;
		}
	}
	return val;
}

/*
 * Every entry a static libc needs is there once with its value, there is
 * no vDSO, AT_NULL ends the vector where %UKL_AUXV_WORDS says and the rest
 * of mm->saved_auxv is zeroed.
 */
static void ukl_binfmt_auxv_test(struct kunit *test)
{
	const struct ukl_auxv_values v = {
		.minsigstksz = 0xce0, .hwcap = 0x1111, .hwcap2 = 0x2222,
		.phdrs = 0x7ffe0100, .entry = 0xffffffff81234567,
		.uid = 1001, .euid = 1002, .gid = 1003, .egid = 1004,
		.secure = 1, .random = 0x7ffe0200, .execfn = 0x7ffe0300,
		.platform = 0x7ffe0400,
	};
	const struct {
		unsigned long type, val;
	} want[] = {
		{ AT_MINSIGSTKSZ, v.minsigstksz },
		{ AT_HWCAP, v.hwcap }, { AT_PAGESZ, PAGE_SIZE },
		{ AT_CLKTCK, CLOCKS_PER_SEC }, { AT_PHDR, v.phdrs },
		{ AT_PHENT, PHDR_SIZE }, { AT_PHNUM, UKL_NR_PHDRS },
		{ AT_BASE, 0 }, { AT_FLAGS, 0 }, { AT_ENTRY, v.entry },
		{ AT_UID, v.uid }, { AT_EUID, v.euid }, { AT_GID, v.gid },
		{ AT_EGID, v.egid }, { AT_SECURE, v.secure },
		{ AT_RANDOM, v.random }, { AT_HWCAP2, v.hwcap2 },
		{ AT_EXECFN, v.execfn }, { AT_PLATFORM, v.platform },
	};
	unsigned long auxv[AT_VECTOR_SIZE];
	int words, i, count;

	memset(auxv, 0xff, sizeof(auxv));
	words = ukl_fill_auxv(auxv, ARRAY_SIZE(auxv), &v);
	KUNIT_ASSERT_EQ(test, words, UKL_AUXV_WORDS);
	KUNIT_EXPECT_EQ(test, words, 2 * (int)ARRAY_SIZE(want) + 2);

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		unsigned long val = ukl_auxv_get(auxv, words - 2, want[i].type, &count);

		KUNIT_EXPECT_EQ_MSG(test, count, 1, "aux vector entry %lu", want[i].type);
		KUNIT_EXPECT_EQ_MSG(test, val, want[i].val, "aux vector entry %lu",
				    want[i].type);
	}
	ukl_auxv_get(auxv, words - 2, AT_SYSINFO_EHDR, &count);
	KUNIT_EXPECT_EQ(test, count, 0);
	ukl_auxv_get(auxv, words - 2, AT_RSEQ_FEATURE_SIZE, &count);
	KUNIT_EXPECT_EQ(test, count, 0);
	ukl_auxv_get(auxv, words - 2, AT_NULL, &count);
	KUNIT_EXPECT_EQ(test, count, 0);

	KUNIT_EXPECT_EQ(test, auxv[words - 2], AT_NULL);
	for (i = words - 1; i < ARRAY_SIZE(auxv); i++)
		KUNIT_EXPECT_EQ_MSG(test, auxv[i], 0, "saved_auxv[%d]", i);
}

/*
 * What the arch says for ring 0: room for the largest signal frame and an
 * event frame below it, 16-byte aligned, and ELF_HWCAP2 without WRGSBASE,
 * which would change the kernel's GS base.
 */
static void ukl_binfmt_auxv_arch_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, arch_ukl_minsigstksz() % 16, 0);
	KUNIT_EXPECT_GE(test, arch_ukl_minsigstksz(), get_sigframe_size() + 56);
	KUNIT_EXPECT_FALSE(test, arch_ukl_hwcap2() & HWCAP2_FSGSBASE);
	KUNIT_EXPECT_EQ(test, arch_ukl_hwcap2() | HWCAP2_FSGSBASE,
			ELF_HWCAP2 | HWCAP2_FSGSBASE);
}

/* A vector that does not fit is refused, and nothing is written. */
static void ukl_binfmt_auxv_too_small_test(struct kunit *test)
{
	const struct ukl_auxv_values v = { .hwcap = 1 };
	unsigned long auxv[UKL_AUXV_WORDS + 1];

	KUNIT_EXPECT_LE(test, UKL_AUXV_WORDS, AT_VECTOR_SIZE);

	memset(auxv, 0x5a, sizeof(auxv));
	KUNIT_EXPECT_EQ(test, ukl_fill_auxv(auxv, UKL_AUXV_WORDS - 1, &v), -ENOSPC);
	KUNIT_EXPECT_NULL(test, memchr_inv(auxv, 0x5a, sizeof(auxv)));

	KUNIT_EXPECT_EQ(test, ukl_fill_auxv(auxv, UKL_AUXV_WORDS, &v), UKL_AUXV_WORDS);
	KUNIT_EXPECT_EQ(test, auxv[UKL_AUXV_WORDS - 2], AT_NULL);
	KUNIT_EXPECT_EQ(test, auxv[UKL_AUXV_WORDS - 1], 0);
	KUNIT_EXPECT_EQ(test, auxv[UKL_AUXV_WORDS], 0x5a5a5a5a5a5a5a5aUL);
}

/**
 * struct ukl_stack_case - the input of ukl_layout_stack()
 * @name: what the case checks
 * @p: the top of the free part of the stack
 * @platform_len: size of the AT_PLATFORM string
 * @argc: number of arguments
 * @envc: number of environment strings
 */
struct ukl_stack_case {
	const char *name;
	unsigned long p;
	size_t platform_len;
	int argc, envc;
};

static const struct ukl_stack_case ukl_stack_cases[] = {
	{ "aligned", 0x7ffffffde000, 7, 1, 0 },
	{ "p_plus_1", 0x7ffffffde001, 7, 1, 1 },
	{ "p_plus_8", 0x7ffffffde008, 7, 2, 3 },
	{ "p_plus_15", 0x7ffffffde00f, 7, 3, 2 },
	{ "platform_16", 0x7ffffffde000, 16, 1, 0 },
	{ "platform_17", 0x7ffffffde009, 17, 1, 0 },
	{ "no_args_no_env", 0x7ffffffde7f3, 7, 0, 0 },
	{ "many", 0x7fffffe00000, 7, 5000, 1000 },
};

KUNIT_ARRAY_PARAM_DESC(ukl_stack, ukl_stack_cases, name);

/*
 * The AT_PLATFORM string, AT_RANDOM bytes, program headers and the
 * argc/argv/envp/auxv table do not overlap, stay below @p without more
 * padding than 16-byte alignment needs, and the initial stack pointer is
 * 16-byte aligned as the x86-64 ABI wants it at process entry.
 */
static void ukl_binfmt_stack_test(struct kunit *test)
{
	const struct ukl_stack_case *c = test->param_value;
	unsigned long table = (1 + c->argc + 1 + c->envc + 1 + UKL_AUXV_WORDS) *
			      sizeof(long);
	struct ukl_stack_layout s;

	ukl_layout_stack(&s, c->p, c->platform_len, c->argc, c->envc,
			 UKL_AUXV_WORDS);

	KUNIT_EXPECT_EQ(test, s.platform + c->platform_len, c->p);
	KUNIT_EXPECT_EQ(test, s.random % 16, 0);
	KUNIT_EXPECT_EQ(test, s.phdrs % 16, 0);
	KUNIT_EXPECT_EQ(test, s.sp % 16, 0);

	KUNIT_EXPECT_LE(test, s.random + 16, s.platform);
	KUNIT_EXPECT_GT(test, s.random + 32, s.platform);
	KUNIT_EXPECT_LE(test, s.phdrs + UKL_NR_PHDRS * PHDR_SIZE, s.random);
	KUNIT_EXPECT_GT(test, s.phdrs + UKL_NR_PHDRS * PHDR_SIZE + 16, s.random);
	KUNIT_EXPECT_LE(test, s.sp + table, s.phdrs);
	KUNIT_EXPECT_GT(test, s.sp + table + 16, s.phdrs);
}

/*
 * The mm ranges: the code "range" is the entry point, the data range what
 * the load image initializes, and brk starts at the first page boundary at
 * or after the end of bss, so that the heap never overlaps the image.
 */
static void ukl_binfmt_mm_test(struct kunit *test)
{
	const struct {
		unsigned long data_end, image_end, brk;
	} cases[] = {
		{ VA(0x1800), VA(0x3000), VA(0x3000) },
		{ VA(0x1800), VA(0x3001), VA(0x4000) },
		{ VA(0x1800), VA(0x3fff), VA(0x4000) },
		{ VA(0), VA(0), VA(0) },
		{ VA(0), VA(1), VA(0x1000) },
	};
	struct mm_struct *mm;
	struct ukl_layout l;
	int i;

	mm = kunit_kzalloc(test, sizeof(*mm), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mm);

	ukl_get_layout(&l);
	ukl_set_mm_layout(mm, &l);
	KUNIT_EXPECT_EQ(test, mm->start_code, l.entry);
	KUNIT_EXPECT_EQ(test, mm->end_code, l.entry);
	KUNIT_EXPECT_EQ(test, mm->start_data, l.rodata_end);
	KUNIT_EXPECT_EQ(test, mm->end_data, l.data_end);
	KUNIT_EXPECT_EQ(test, mm->start_brk, l.image_end);
	KUNIT_EXPECT_EQ(test, mm->brk, l.image_end);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		l.data_end = cases[i].data_end;
		l.image_end = cases[i].image_end;
		ukl_set_mm_layout(mm, &l);
		KUNIT_EXPECT_EQ_MSG(test, mm->end_data, cases[i].data_end, "case %d", i);
		KUNIT_EXPECT_EQ_MSG(test, mm->start_brk, cases[i].brk, "case %d", i);
		KUNIT_EXPECT_EQ_MSG(test, mm->brk, cases[i].brk, "case %d", i);
		KUNIT_EXPECT_GE_MSG(test, mm->start_brk, l.image_end, "case %d", i);
	}
}

/*
 * The strings a UKL file carries after its magic: tagged and NUL-ended,
 * of any other bytes; anything else is refused at the first string that
 * is not right.
 */
static void ukl_binfmt_strings_test(struct kunit *test)
{
	static const struct {
		const char *buf;
		size_t len;
		int ret, argc, envc;
		size_t bad;
	} cases[] = {
		{ "", 0, 0, 0, 0 },
		{ "aone\0atwo\0eX=1\0", 15, 0, 2, 1 },
		{ "a\0e\0", 4, 0, 1, 1 },			/* empty strings */
		{ "a'\"$\\\n\xc3\xa4\0", 9, 0, 1, 0 },	/* any bytes */
		{ "aone\0atwo", 9, -EINVAL, 0, 0, 5 },	/* no NUL */
		{ "aone\0xtwo\0", 10, -EINVAL, 0, 0, 5 },	/* no tag */
		{ "aone\0\0", 6, -EINVAL, 0, 0, 5 },		/* nothing */
		{ "Aone\0", 5, -EINVAL, 0, 0, 0 },
	};
	int i, argc, envc;
	size_t bad;
	char *big;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		bad = 0;
		KUNIT_EXPECT_EQ_MSG(test, ukl_count_strings(cases[i].buf, cases[i].len,
							    &argc, &envc, &bad),
				    cases[i].ret, "case %d", i);
		KUNIT_EXPECT_EQ_MSG(test, bad, cases[i].bad, "case %d", i);
		if (!cases[i].ret) {
			KUNIT_EXPECT_EQ_MSG(test, argc, cases[i].argc, "case %d", i);
			KUNIT_EXPECT_EQ_MSG(test, envc, cases[i].envc, "case %d", i);
		}
	}

	/* The longest string execve() takes, and one byte more. */
	big = kunit_kzalloc(test, MAX_ARG_STRLEN + 2, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, big);
	memset(big, 'x', MAX_ARG_STRLEN);
	big[0] = UKL_TAG_ARG;
	KUNIT_EXPECT_EQ(test, ukl_count_strings(big, MAX_ARG_STRLEN + 1, &argc, &envc,
						&bad), 0);
	KUNIT_EXPECT_EQ(test, argc, 1);
	big[MAX_ARG_STRLEN] = 'x';
	KUNIT_EXPECT_EQ(test, ukl_count_strings(big, MAX_ARG_STRLEN + 2, &argc, &envc,
						&bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, bad, 0);
}

static struct kunit_case ukl_binfmt_cases[] = {
	KUNIT_CASE_PARAM(ukl_binfmt_phdrs_test, ukl_phdr_gen_params),
	KUNIT_CASE(ukl_binfmt_phdrs_linked_test),
	KUNIT_CASE(ukl_binfmt_auxv_test),
	KUNIT_CASE(ukl_binfmt_auxv_arch_test),
	KUNIT_CASE(ukl_binfmt_auxv_too_small_test),
	KUNIT_CASE_PARAM(ukl_binfmt_stack_test, ukl_stack_gen_params),
	KUNIT_CASE(ukl_binfmt_mm_test),
	KUNIT_CASE(ukl_binfmt_strings_test),
	{}
};

static struct kunit_suite ukl_binfmt_suite = {
	.name = "ukl_binfmt",
	.test_cases = ukl_binfmt_cases,
};

/* --- ukl_mode: application, kernel and user context --------------------- */

/*
 * ukl_app_regs() is inline and compares against linker symbols that are
 * not exported to modules: these cases need the tests built in.  In a
 * module, kunit_skip() does not return and the references go away.
 */
#define UKL_MODE_NEED_BUILTIN(test)					\
	do {								\
		if (!IS_BUILTIN(CONFIG_UKL_KUNIT_TEST))			\
			kunit_skip(test, "needs CONFIG_UKL_KUNIT_TEST=y"); \
	} while (0)

/* A stack pointer in user space, where the application's stacks are. */
#define UKL_MODE_USER_SP	0x7ffffffde000UL

/*
 * The entry code's copy of the test, UKL_APP_CONTEXT in entry_64.S, must
 * agree with arch_ukl_app_regs() on every frame with kernel CS (the IDT
 * entries check the CPL before it): application context or not, and in
 * the entry code or not.
 */
static void ukl_mode_check_asm(struct pt_regs *regs, bool app)
{
	const unsigned long frame[] = { regs->ip, regs->cs, regs->flags, regs->sp, regs->ss };
	bool in_entry = regs->ip >= (unsigned long)__entry_text_start &&
			regs->ip < (unsigned long)__entry_text_end;

	if (!IS_BUILTIN(CONFIG_UKL_KUNIT_TEST) || (regs->cs & 3))
		return;
	KUNIT_EXPECT_EQ_MSG(kunit_get_current_test(), ukl_kunit_app_context(frame),
			    app ? 1 + in_entry : 0,
			    "UKL_APP_CONTEXT differs from C at ip %#lx sp %#lx",
			    regs->ip, regs->sp);
}

/**
 * ukl_mode_app_on - classify a register state like entry code does
 * @cs: the saved code segment selector
 * @ip: the saved instruction pointer
 * @sp: the saved stack pointer
 *
 * Return: what ukl_app_regs() says about pt_regs with @cs, @ip and @sp,
 * after a check that the entry code's asm says the same.
 */
static bool ukl_mode_app_on(unsigned long cs, unsigned long ip, unsigned long sp)
{
	struct pt_regs regs = { .cs = cs, .ss = __KERNEL_DS, .ip = ip, .sp = sp };
	bool app = ukl_app_regs(&regs);

	ukl_mode_check_asm(&regs, app);
	return app;
}

/* The same on a stack in user space, as the application runs. */
static bool ukl_mode_app(unsigned long cs, unsigned long ip)
{
	return ukl_mode_app_on(cs, ip, UKL_MODE_USER_SP);
}

/*
 * Kernel CS and an instruction pointer in the application's text, on its
 * stack; the kernel text around it too (ukl_mode_stack_test).
 */
static void ukl_mode_app_text_test(struct kunit *test)
{
	unsigned long start = (unsigned long)__ukl_text_start;
	unsigned long end = (unsigned long)__ukl_text_end;

	UKL_MODE_NEED_BUILTIN(test);

	KUNIT_ASSERT_LT(test, start, end);
	KUNIT_EXPECT_TRUE(test, ukl_mode_app(__KERNEL_CS, start));
	KUNIT_EXPECT_TRUE(test, ukl_mode_app(__KERNEL_CS, start + (end - start) / 2));
	KUNIT_EXPECT_TRUE(test, ukl_mode_app(__KERNEL_CS, end - 1));
}

/*
 * The RET to the application and its system call entries (leaf, direct,
 * bypass, then base) count as application context until they have disabled
 * interrupts, and not from there on.
 */
static void ukl_mode_syscall_entry_test(struct kunit *test)
{
	unsigned long start = (unsigned long)entry_SYSCALL_64_ukl_app_ret;
	unsigned long leaf = (unsigned long)entry_SYSCALL_64_ukl_leaf;
	unsigned long direct = (unsigned long)entry_SYSCALL_64_ukl_direct;
	unsigned long bypass = (unsigned long)entry_SYSCALL_64_ukl_bypass;
	unsigned long base = (unsigned long)entry_SYSCALL_64_ukl;
	unsigned long end = (unsigned long)entry_SYSCALL_64_ukl_irqs_off;

	/*
	 * Computed at run time: "end - 1" folded into a relocation would
	 * point into the entry code, where IBT's objtool check wants ENDBR.
	 */
	OPTIMIZER_HIDE_VAR(start);
	OPTIMIZER_HIDE_VAR(leaf);
	OPTIMIZER_HIDE_VAR(direct);
	OPTIMIZER_HIDE_VAR(bypass);
	OPTIMIZER_HIDE_VAR(base);
	OPTIMIZER_HIDE_VAR(end);
	UKL_MODE_NEED_BUILTIN(test);

	KUNIT_ASSERT_LT(test, start, leaf);
	KUNIT_ASSERT_LT(test, leaf, direct);
	KUNIT_ASSERT_LT(test, direct, bypass);
	KUNIT_ASSERT_LT(test, bypass, base);
	KUNIT_ASSERT_LT(test, base, end);
	KUNIT_EXPECT_TRUE(test, ukl_mode_app(__KERNEL_CS, base));
	KUNIT_EXPECT_TRUE(test, ukl_mode_app(__KERNEL_CS, bypass));
	KUNIT_EXPECT_TRUE(test, ukl_mode_app(__KERNEL_CS, direct));
	KUNIT_EXPECT_TRUE(test, ukl_mode_app(__KERNEL_CS, leaf));
	KUNIT_EXPECT_TRUE(test, ukl_mode_app(__KERNEL_CS, start));
	KUNIT_EXPECT_TRUE(test, ukl_mode_app(__KERNEL_CS, end - 1));
	KUNIT_EXPECT_FALSE(test, ukl_mode_app(__KERNEL_CS, end));
	KUNIT_EXPECT_FALSE(test, ukl_mode_app(__KERNEL_CS, start - 1));
}

/*
 * Ordinary kernel code is kernel context, and ring 3 is user context
 * whatever its instruction pointer: only user_mode() applies to it.
 */
static void ukl_mode_kernel_user_test(struct kunit *test)
{
	unsigned long text = (unsigned long)__ukl_text_start;
	unsigned long sp = current_stack_pointer;

	UKL_MODE_NEED_BUILTIN(test);

	KUNIT_EXPECT_FALSE(test, ukl_mode_app_on(__KERNEL_CS,
						 (unsigned long)ukl_mode_kernel_user_test, sp));
	KUNIT_EXPECT_FALSE(test, ukl_mode_app_on(__KERNEL_CS, (unsigned long)schedule, sp));
	KUNIT_EXPECT_FALSE(test, ukl_mode_app(__USER_CS, text));
	KUNIT_EXPECT_FALSE(test, ukl_mode_app(__USER_CS, 0x401000));
}

/*
 * The stack tells the application from the kernel: kernel text that runs
 * on a user stack outside the entry code is kernel code that the
 * application called, such as the return and retpoline thunks its
 * returns and indirect branches go through (application context); the
 * application's text on a kernel stack is a kernel thread calling the
 * ring-0 vDSO (kernel context).  The kernel's system call entry from
 * ring 3 runs on the user stack too, with interrupts off, and is
 * kernel context.  A stack pointer that is not canonical is not the
 * kernel's whatever its sign: the application's, corrupted.
 */
static void ukl_mode_stack_test(struct kunit *test)
{
	unsigned long text = (unsigned long)__ukl_text_start;
	unsigned long sp = current_stack_pointer;

	UKL_MODE_NEED_BUILTIN(test);

	KUNIT_EXPECT_TRUE(test, ukl_mode_app(__KERNEL_CS, (unsigned long)schedule));
	KUNIT_EXPECT_FALSE(test, ukl_mode_app_on(__KERNEL_CS, text, sp));
	KUNIT_EXPECT_FALSE(test, ukl_mode_app_on(__KERNEL_CS, text, -PAGE_SIZE));
	KUNIT_EXPECT_TRUE(test, ukl_mode_app_on(__KERNEL_CS, text, 0));
	KUNIT_EXPECT_TRUE(test, ukl_mode_app_on(__KERNEL_CS, text, 0x4141414141414140UL));
	KUNIT_EXPECT_TRUE(test, ukl_mode_app_on(__KERNEL_CS, text, 0xdeadbeefdeadbee0UL));
	KUNIT_EXPECT_FALSE(test, ukl_mode_app_on(__KERNEL_CS, text, 0xff00000000000000UL));
	KUNIT_EXPECT_FALSE(test, ukl_mode_app(__KERNEL_CS, (unsigned long)entry_SYSCALL_64));
	KUNIT_EXPECT_FALSE(test, ukl_mode_app(__KERNEL_CS,
					      (unsigned long)__entry_text_start));
	KUNIT_EXPECT_TRUE(test, ukl_mode_app(__KERNEL_CS, (unsigned long)__entry_text_end));
}

/*
 * Trap handlers decide by ukl_user_mode() whether an exception hit user
 * space (a signal, the user-mode entry and exit work) or the kernel
 * (die, a fixup, the NMI-like entry): a split-lock #AC, the first use of
 * an XFD-armed feature (#NM), a UD2 before irqentry_enter(), #DB for a
 * tracer's watchpoint, #MC, #PF.  The application's text and its system
 * call entries up to the CLI are user space, like ring 3; the kernel's
 * text is not, nor is the system call entry once it has disabled
 * interrupts.
 */
static void ukl_mode_user_mode_test(struct kunit *test)
{
	unsigned long text = (unsigned long)__ukl_text_start;
	unsigned long irqs_off = (unsigned long)entry_SYSCALL_64_ukl_irqs_off;
	struct pt_regs regs = { .cs = __KERNEL_CS, .ss = __KERNEL_DS,
				.sp = UKL_MODE_USER_SP };

	OPTIMIZER_HIDE_VAR(irqs_off);
	UKL_MODE_NEED_BUILTIN(test);

	regs.ip = text;
	KUNIT_EXPECT_TRUE(test, ukl_user_mode(&regs));
	regs.ip = (unsigned long)entry_SYSCALL_64_ukl_app_ret;
	KUNIT_EXPECT_TRUE(test, ukl_user_mode(&regs));
	regs.ip = irqs_off;
	KUNIT_EXPECT_FALSE(test, ukl_user_mode(&regs));
	regs.ip = (unsigned long)schedule;
	regs.sp = current_stack_pointer;
	KUNIT_EXPECT_FALSE(test, ukl_user_mode(&regs));
	regs.cs = __USER_CS;
	regs.ss = __USER_DS;
	regs.ip = 0x401000;
	KUNIT_EXPECT_TRUE(test, ukl_user_mode(&regs));
	regs.ip = text;
	KUNIT_EXPECT_TRUE(test, ukl_user_mode(&regs));
}

/*
 * The application's entry point with kernel CS, on a user stack, is
 * application context.  (What arch_ukl_start_thread() sets, it checks in
 * the running application: core.c's app_selectors_and_flags.)
 */
static void ukl_mode_start_test(struct kunit *test)
{
	struct ukl_layout l;

	UKL_MODE_NEED_BUILTIN(test);

	ukl_get_layout(&l);
	KUNIT_EXPECT_TRUE(test, ukl_mode_app(__KERNEL_CS, l.entry));
}

/*
 * What a tracer or sigreturn may make the application's instruction
 * pointer: its text and the ring-0 vDSO in it, the thunks it calls, its
 * system call entries up to the CLI; not the rest of the kernel's code or
 * a user address.
 */
static void ukl_mode_app_code_test(struct kunit *test)
{
	unsigned long irqs_off = (unsigned long)entry_SYSCALL_64_ukl_irqs_off;

	UKL_MODE_NEED_BUILTIN(test);

	KUNIT_EXPECT_TRUE(test, ukl_app_code((unsigned long)__ukl_text_start));
	KUNIT_EXPECT_TRUE(test, ukl_app_code((unsigned long)ukl_vdso_getcpu));
	KUNIT_EXPECT_TRUE(test, ukl_app_code((unsigned long)__x86_return_thunk));
	KUNIT_EXPECT_TRUE(test, ukl_app_code((unsigned long)__x86_indirect_thunk_rax));
	if (IS_ENABLED(CONFIG_MITIGATION_SRSO))
		KUNIT_EXPECT_TRUE(test, ukl_app_code((unsigned long)srso_alias_return_thunk));
	KUNIT_EXPECT_TRUE(test, ukl_app_code((unsigned long)entry_SYSCALL_64_ukl_app_ret));
	KUNIT_EXPECT_TRUE(test, ukl_app_code((unsigned long)entry_SYSCALL_64_ukl));
	KUNIT_EXPECT_TRUE(test, ukl_app_code(irqs_off - 1));
	KUNIT_EXPECT_FALSE(test, ukl_app_code(irqs_off));
	KUNIT_EXPECT_FALSE(test, ukl_app_code((unsigned long)ukl_do_syscall_64));
	KUNIT_EXPECT_FALSE(test, ukl_app_code((unsigned long)_stext));
	KUNIT_EXPECT_FALSE(test, ukl_app_code(UKL_IMAGE_VADDR));

	/* Where a tracer or a signal frame may send it: no other place. */
	KUNIT_EXPECT_TRUE(test, ukl_app_may_run_at((unsigned long)ukl_vdso_getcpu));
	KUNIT_EXPECT_FALSE(test, ukl_app_may_run_at((unsigned long)ukl_do_syscall_64));
	KUNIT_EXPECT_FALSE(test, ukl_app_may_run_at((unsigned long)&init_task));
	KUNIT_EXPECT_FALSE(test, ukl_app_may_run_at(UKL_IMAGE_VADDR));
}

/*
 * The kernel's ITS thunks, "jmp *%reg; int3" (its_allocate_thunk()), for
 * every register, and what they are not.
 */
static void ukl_mode_its_thunk_test(struct kunit *test)
{
	static const u8 not_thunks[][4] = {
		{ 0xff, 0xd0, 0xcc },		/* call *%rax */
		{ 0xff, 0xe0, 0x90 },		/* jmp *%rax; nop */
		{ 0x41, 0xff, 0xd3, 0xcc },	/* call *%r11 */
		{ 0x48, 0xff, 0xe0, 0xcc },	/* REX.W jmp *%rax */
		{ 0xcc, 0xcc, 0xcc, 0xcc },
	};
	u8 insn[4];
	int reg, i;

	for (reg = 0; reg < 16; reg++) {
		i = 0;
		memset(insn, 0, sizeof(insn));
		if (reg >= 8)
			insn[i++] = 0x41;
		insn[i++] = 0xff;
		insn[i++] = 0xe0 + (reg & 7);
		insn[i] = INT3_INSN_OPCODE;
		KUNIT_EXPECT_TRUE_MSG(test, ukl_its_thunk_insn(insn), "register %d", reg);
	}
	for (i = 0; i < ARRAY_SIZE(not_thunks); i++)
		KUNIT_EXPECT_FALSE_MSG(test, ukl_its_thunk_insn(not_thunks[i]), "case %d", i);
}

/*
 * Signal delivery keeps ring-3 selectors and flags for tasks other than
 * the application, such as this test's kernel thread.
 */
static void ukl_mode_signal_selectors_test(struct kunit *test)
{
	struct pt_regs regs = { .cs = __USER_CS, .ss = __USER_DS,
				.flags = X86_EFLAGS_FIXED };

	KUNIT_ASSERT_FALSE(test, is_ukl_task(current));
	ukl_signal_regs(&regs);
	KUNIT_EXPECT_EQ(test, regs.cs, __USER_CS);
	KUNIT_EXPECT_EQ(test, regs.ss, __USER_DS);
	KUNIT_EXPECT_EQ(test, regs.flags, X86_EFLAGS_FIXED);
}

/*
 * The ring-0 vDSO runs in application context when the application calls
 * it: its functions are in the application's text.  It writes through
 * the application's pointers in ring 0, so it must refuse a kernel
 * address as the system call does: called from here with pointers to
 * this kernel stack, clock_gettime() leaves them to the system call
 * (-EOPNOTSUPP) and getcpu() fails with -EFAULT, and neither writes
 * anything.  vdso.c checks the values that the application reads.
 */
static void ukl_mode_vdso_test(struct kunit *test)
{
	struct __kernel_timespec ts = { .tv_sec = -1, .tv_nsec = -1 };
	unsigned int cpu = UINT_MAX, node = UINT_MAX;

	UKL_MODE_NEED_BUILTIN(test);

	KUNIT_EXPECT_TRUE(test, ukl_mode_app(__KERNEL_CS,
					     (unsigned long)ukl_vdso_clock_gettime));
	KUNIT_EXPECT_TRUE(test, ukl_mode_app(__KERNEL_CS,
					     (unsigned long)ukl_vdso_getcpu));

	KUNIT_EXPECT_EQ(test, ukl_vdso_clock_gettime(CLOCK_MONOTONIC, &ts), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, ts.tv_sec, -1);
	KUNIT_EXPECT_EQ(test, ts.tv_nsec, -1);
	KUNIT_EXPECT_EQ(test, ukl_vdso_getcpu(&cpu, NULL, NULL), -EFAULT);
	KUNIT_EXPECT_EQ(test, ukl_vdso_getcpu(NULL, &node, NULL), -EFAULT);
	KUNIT_EXPECT_EQ(test, cpu, UINT_MAX);
	KUNIT_EXPECT_EQ(test, node, UINT_MAX);
}

static int ukl_mode_kprobe_handler(struct kprobe *p, struct pt_regs *regs)
{
	return 0;
}

/* Register a kprobe at @addr or on @symbol and remove it again. */
static int ukl_mode_try_kprobe(void *addr, const char *symbol)
{
	struct kprobe kp = {
		.pre_handler = ukl_mode_kprobe_handler,
		.addr = addr,
		.symbol_name = symbol,
	};
	int ret = register_kprobe(&kp);

	if (!ret)
		unregister_kprobe(&kp);
	return ret;
}

/*
 * No kprobe goes into the application's text (kernel/ukl/ukl.c): neither
 * at its entry point nor on the ring-0 vDSO in it.  A kernel function
 * takes one, so that kprobes themselves work.
 */
static void ukl_mode_kprobe_test(struct kunit *test)
{
	struct ukl_layout l;

	if (!IS_ENABLED(CONFIG_KPROBES))
		kunit_skip(test, "no kprobes (CONFIG_KPROBES)");
	UKL_MODE_NEED_BUILTIN(test);

	ukl_get_layout(&l);
	KUNIT_EXPECT_EQ_MSG(test, ukl_mode_try_kprobe((void *)l.entry, NULL), -EINVAL,
			    "kprobe at the entry point %pS", (void *)l.entry);
	KUNIT_EXPECT_EQ_MSG(test, ukl_mode_try_kprobe(ukl_vdso_clock_gettime, NULL),
			    -EINVAL, "kprobe on ukl_vdso_clock_gettime()");
	KUNIT_EXPECT_EQ_MSG(test, ukl_mode_try_kprobe(NULL, "kernel_clone"), 0,
			    "kprobe on kernel_clone()");
}

/*
 * What a tracer of the application may watch or break on as its own code
 * (ukl_bp_on_app_code()): an instruction breakpoint on any byte of the
 * text, its last included, although its length is sizeof(long); a
 * watchpoint only with all of its bytes in the text.
 */
static void ukl_mode_bp_test(struct kunit *test)
{
	unsigned long start = (unsigned long)__ukl_text_start;
	unsigned long end = (unsigned long)__ukl_text_end;
	const struct {
		unsigned long addr;
		u64 len;
		u32 type;
		bool in;
	} cases[] = {
		{ start, sizeof(long), HW_BREAKPOINT_X, true },
		{ end - 1, sizeof(long), HW_BREAKPOINT_X, true },
		{ end, sizeof(long), HW_BREAKPOINT_X, false },
		{ start - 1, sizeof(long), HW_BREAKPOINT_X, false },
		{ end - 8, 8, HW_BREAKPOINT_W, true },
		{ end - 1, 8, HW_BREAKPOINT_RW, false },
		{ start - 4, 8, HW_BREAKPOINT_W, false },
		/* Its end wraps around to 0. */
		{ -8UL, 8, HW_BREAKPOINT_W, false },
		{ -1UL, sizeof(long), HW_BREAKPOINT_X, false },
	};
	struct perf_event_attr attr = { .type = PERF_TYPE_BREAKPOINT };
	int i;

	UKL_MODE_NEED_BUILTIN(test);

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		attr.bp_addr = cases[i].addr;
		attr.bp_len = cases[i].len;
		attr.bp_type = cases[i].type;
		KUNIT_EXPECT_EQ_MSG(test, ukl_bp_in_app_text(&attr), cases[i].in,
				    "type %u, %llu bytes at %#lx", cases[i].type,
				    cases[i].len, cases[i].addr);
	}
}

static struct kunit_case ukl_mode_cases[] = {
	KUNIT_CASE(ukl_mode_app_text_test),
	KUNIT_CASE(ukl_mode_vdso_test),
	KUNIT_CASE(ukl_mode_syscall_entry_test),
	KUNIT_CASE(ukl_mode_kernel_user_test),
	KUNIT_CASE(ukl_mode_stack_test),
	KUNIT_CASE(ukl_mode_user_mode_test),
	KUNIT_CASE(ukl_mode_start_test),
	KUNIT_CASE(ukl_mode_app_code_test),
	KUNIT_CASE(ukl_mode_its_thunk_test),
	KUNIT_CASE(ukl_mode_signal_selectors_test),
	KUNIT_CASE(ukl_mode_kprobe_test),
	KUNIT_CASE(ukl_mode_bp_test),
	{}
};

static struct kunit_suite ukl_mode_suite = {
	.name = "ukl_mode",
	.test_cases = ukl_mode_cases,
};

/* --- ukl_exit: ukl.exit= and the exit status line ----------------------- */

/* The four actions by their exact names, nothing else. */
static void ukl_exit_parse_test(struct kunit *test)
{
	static const char * const bad[] = {
		"", "POWEROFF", "power", "poweroffx", "poweroff ", " halt",
		"reboot\n", "0", "panic=1",
	};
	int i;

	KUNIT_EXPECT_EQ(test, ukl_parse_exit("poweroff"), UKL_EXIT_POWEROFF);
	KUNIT_EXPECT_EQ(test, ukl_parse_exit("halt"), UKL_EXIT_HALT);
	KUNIT_EXPECT_EQ(test, ukl_parse_exit("reboot"), UKL_EXIT_REBOOT);
	KUNIT_EXPECT_EQ(test, ukl_parse_exit("panic"), UKL_EXIT_PANIC);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, ukl_parse_exit(bad[i]), -EINVAL,
				    "ukl.exit=\"%s\"", bad[i]);
}

/*
 * The wait(2) status of init becomes "exited with status N" or "killed by
 * signal N", which ukl-run.sh turns into its own exit status.
 */
static void ukl_exit_decode_test(struct kunit *test)
{
	const struct {
		int code, n;
		bool signaled;
	} cases[] = {
		{ 0, 0, false },
		{ 7 << 8, 7, false },
		{ 255 << 8, 255, false },
		{ SIGKILL, SIGKILL, true },
		{ 0x80 | SIGSEGV, SIGSEGV, true },	/* core dumped */
		{ 0x7f, 0x7f, true },
	};
	bool signaled;
	int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		signaled = !cases[i].signaled;
		KUNIT_EXPECT_EQ_MSG(test, ukl_decode_exit(cases[i].code, &signaled),
				    cases[i].n, "status %#x", cases[i].code);
		KUNIT_EXPECT_EQ_MSG(test, signaled, cases[i].signaled,
				    "status %#x", cases[i].code);
	}
}

static struct kunit_case ukl_exit_cases[] = {
	KUNIT_CASE(ukl_exit_parse_test),
	KUNIT_CASE(ukl_exit_decode_test),
	{}
};

static struct kunit_suite ukl_exit_suite = {
	.name = "ukl_exit",
	.test_cases = ukl_exit_cases,
};

/* --- ukl_entry: entry code state, outside an event ----------------------- */

/* The #PF IST entry of this CPU's TSS. */
static unsigned long ukl_entry_pf_ist(void)
{
	return __this_cpu_read(cpu_tss_rw.x86_tss.ist[IST_INDEX_PF]);
}

/*
 * ukl_nmi_ist_enter() with an NMI frame whose stack pointer is @sp, then
 * ukl_nmi_ist_exit(): the IST entry in between, the word it points to,
 * and the entry after.
 */
static void ukl_entry_nmi_ist(unsigned long sp, unsigned long *moved,
			      unsigned long *kept, unsigned long *after)
{
	struct pt_regs regs = { .sp = sp, .cs = __KERNEL_CS, .ss = __KERNEL_DS };

	ukl_nmi_ist_enter(&regs);
	*moved = ukl_entry_pf_ist();
	*kept = *(unsigned long *)*moved;
	ukl_nmi_ist_exit();
	*after = ukl_entry_pf_ist();
}

/*
 * An NMI that interrupted a #PF entry on the #PF IST stack moves the IST
 * entry below the interrupted stack pointer, 16-byte aligned, and keeps
 * the old entry in the word it points to; any other NMI moves it down by
 * 16 bytes.  ukl_nmi_ist_exit() restores it.  Interrupts are off and the
 * calls take no page fault, so no #PF uses the stack meanwhile; an NMI
 * would move and restore the entry itself.  A stack pointer at the very
 * bottom of the stack would have the old entry written below it, into
 * its guard page: the lowest one tried leaves room for a #PF frame.
 */
static void ukl_entry_nmi_ist_test(struct kunit *test)
{
	static const char *const what[] = {
		"200 bytes below the top", "a word below the top",
		"1 KiB above the bottom", "the top (not on the stack)",
		"the task's stack",
	};
	unsigned long sp[ARRAY_SIZE(what)], want[ARRAY_SIZE(what)];
	unsigned long moved[ARRAY_SIZE(what)], kept[ARRAY_SIZE(what)];
	unsigned long after[ARRAY_SIZE(what)];
	unsigned long old, top, bottom, flags;
	unsigned int i;

	UKL_MODE_NEED_BUILTIN(test);

	/* This CPU's stack and TSS, read with interrupts off: no migration. */
	local_irq_save(flags);
	top = __this_cpu_ist_top_va(PF);
	bottom = __this_cpu_ist_bottom_va(PF);
	old = ukl_entry_pf_ist();
	sp[0] = top - 200;
	want[0] = ALIGN_DOWN(top - 200, 16) - 16;
	sp[1] = top - 8;
	want[1] = top - 32;
	sp[2] = bottom + 1024;
	want[2] = bottom + 1024 - 16;
	sp[3] = top;
	want[3] = top - 16;
	sp[4] = current_stack_pointer;
	want[4] = top - 16;
	for (i = 0; old == top && i < ARRAY_SIZE(what); i++)
		ukl_entry_nmi_ist(sp[i], &moved[i], &kept[i], &after[i]);
	local_irq_restore(flags);

	KUNIT_ASSERT_EQ_MSG(test, old, top, "the #PF IST entry is not its stack's top");
	for (i = 0; i < ARRAY_SIZE(what); i++) {
		KUNIT_EXPECT_EQ_MSG(test, moved[i], want[i], "sp %s", what[i]);
		KUNIT_EXPECT_EQ_MSG(test, kept[i], old, "sp %s", what[i]);
		KUNIT_EXPECT_EQ_MSG(test, after[i], old, "sp %s", what[i]);
	}
}

static struct kunit_case ukl_entry_cases[] = {
	KUNIT_CASE(ukl_entry_nmi_ist_test),
	{}
};

static struct kunit_suite ukl_entry_suite = {
	.name = "ukl_entry",
	.test_cases = ukl_entry_cases,
};

/* --- ukl_thunks: the application's thunk sites, patched like the kernel's - */

/*
 * The lists of thunk sites are init data, and not exported: the suite runs
 * at boot only, built in.  Return thunks need retpolines.
 */
#if IS_BUILTIN(CONFIG_UKL_KUNIT_TEST) && defined(CONFIG_MITIGATION_RETPOLINE)

/**
 * ukl_thunk_site - what alternatives patching made of a thunk site
 * @site: an entry of a site list (an offset from itself)
 * @app: whether the site is in the application's text, set on return
 *
 * A call or jump to a thunk, as the compiler emitted it, is E8 or E9 and
 * a 32-bit displacement, optionally after a CS prefix; patching replaces
 * it with RET, with an indirect call or jump (FF, after an LFENCE or a
 * REX prefix), or with a call or jump to another thunk.
 *
 * Return: the opcode byte; for a relative call or jump its target, the
 * start of the per-register thunk array it is in, or 1 for a thunk
 * outside the kernel image (ITS thunks are allocated one per site).
 */
static unsigned long ukl_thunk_site(s32 *site, bool *app)
{
	unsigned long array = (unsigned long)__x86_indirect_thunk_array;
	unsigned long its = (unsigned long)__x86_indirect_its_thunk_array;
	u8 *p = (u8 *)site + *site;
	unsigned long target;

	*app = p >= (u8 *)__ukl_text_start && p < (u8 *)__ukl_text_end;
	if (p[0] == 0x2e)
		p++;
	if (p[0] == 0xe8 || p[0] == 0xe9) {
		target = (unsigned long)p + 5 + *(s32 *)(p + 1);
		if (!core_kernel_text(target))
			return 1;
		if (target - array < 16 * RETPOLINE_THUNK_SIZE)
			return array;
		if (IS_ENABLED(CONFIG_MITIGATION_ITS) && target - its < 16 * ITS_THUNK_SIZE)
			return its;
		return target;
	}
	if (p[0] == 0x0f && p[1] == 0xae && p[2] == 0xe8)	/* LFENCE */
		p += 3;
	if (p[0] == 0x41)					/* REX.B */
		p++;
	return p[0];
}

/* Whether @kind is one of the @n in @kinds. */
static bool ukl_thunk_kind_seen(const unsigned long *kinds, unsigned int n,
				unsigned long kind)
{
	while (n--)
		if (kinds[n] == kind)
			return true;
	return false;
}

/**
 * ukl_thunk_sites_test - check the application's sites in one site list
 * @test: the test
 * @start: the list
 * @end: its end
 * @what: its name, for messages
 *
 * The application and its ring-0 libc are compiled with the kernel's
 * thunks (scripts/ukl/ukl-mkapp).  objtool must list their sites with the
 * kernel's, and patching must treat each of them as it treated the
 * kernel's own sites: its result, an opcode or a thunk, must be one that
 * a kernel site got.  A site that objtool missed keeps its jump to
 * __x86_return_thunk, which no kernel site keeps.
 */
static void ukl_thunk_sites_test(struct kunit *test, s32 *start, s32 *end,
				 const char *what)
{
	unsigned long kinds[16], kind;
	unsigned int nkinds = 0, napp = 0;
	bool app;
	s32 *s;

	for (s = start; s < end; s++) {
		kind = ukl_thunk_site(s, &app);
		if (!app && !ukl_thunk_kind_seen(kinds, nkinds, kind) &&
		    nkinds < ARRAY_SIZE(kinds))
			kinds[nkinds++] = kind;
	}
	for (s = start; s < end; s++) {
		kind = ukl_thunk_site(s, &app);
		if (!app)
			continue;
		napp++;
		KUNIT_EXPECT_TRUE_MSG(test, ukl_thunk_kind_seen(kinds, nkinds, kind),
				      "%s site %pS patched unlike the kernel's (%#lx)",
				      what, (u8 *)s + *s, kind);
	}
	kunit_info(test, "%s sites: %u of the application's, %td in all\n",
		   what, napp, end - start);
	KUNIT_EXPECT_GT_MSG(test, napp, 0, "no %s site in the application", what);
}

static void ukl_thunks_return_test(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_MITIGATION_RETHUNK))
		kunit_skip(test, "no return thunks (CONFIG_MITIGATION_RETHUNK)");
	ukl_thunk_sites_test(test, __return_sites, __return_sites_end, "return");
}

static void ukl_thunks_retpoline_test(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_MITIGATION_RETPOLINE))
		kunit_skip(test, "no retpolines (CONFIG_MITIGATION_RETPOLINE)");
	ukl_thunk_sites_test(test, __retpoline_sites, __retpoline_sites_end,
			     "retpoline");
}

static struct kunit_case ukl_thunks_cases[] = {
	KUNIT_CASE(ukl_thunks_return_test),
	KUNIT_CASE(ukl_thunks_retpoline_test),
	{}
};

static struct kunit_suite ukl_thunks_suite = {
	.name = "ukl_thunks",
	.test_cases = ukl_thunks_cases,
};

kunit_test_init_section_suites(&ukl_thunks_suite);
#endif /* built in, CONFIG_MITIGATION_RETPOLINE */

kunit_test_suites(&ukl_layout_suite, &ukl_binfmt_suite, &ukl_mode_suite,
		  &ukl_exit_suite, &ukl_entry_suite);

MODULE_DESCRIPTION("KUnit tests for Unikernel Linux");
MODULE_LICENSE("GPL");
