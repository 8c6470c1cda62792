/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-64 parts of Unikernel Linux (UKL): see include/linux/ukl.h.
 */
#ifndef _ASM_X86_UKL_H
#define _ASM_X86_UKL_H

/*
 * User address the application's data is linked at: above the NULL guard,
 * and low enough for RIP-relative references from the kernel text (see
 * include/asm-generic/ukl.lds.h).
 */
#define UKL_IMAGE_VADDR		0x200000

#if !defined(__ASSEMBLY__) && !defined(LINKER_SCRIPT)

#include <asm/elf.h>

struct pt_regs;

void arch_ukl_start_thread(struct pt_regs *regs, unsigned long new_ip,
			   unsigned long new_sp);

/**
 * arch_ukl_set_personality - set up the personality for the application
 *
 * Context: execve(), after begin_new_exec().
 */
static inline void arch_ukl_set_personality(void)
{
	set_personality_64bit();
}

#endif /* !__ASSEMBLY__ && !LINKER_SCRIPT */

#endif /* _ASM_X86_UKL_H */
