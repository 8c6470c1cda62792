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

#include <linux/sched.h>
#include <linux/ukl.h>
#include <asm/elf.h>
#include <asm/ptrace.h>
#include <asm/segment.h>

#ifdef CONFIG_UNIKERNEL_LINUX

/**
 * ukl_signal_selectors - keep the application's selectors across signals
 * @regs: the register state set up for a signal handler, or by sigreturn
 *
 * Signal delivery and sigreturn install ring-3 selectors.  The UKL
 * application runs its handlers in ring 0 too, and is always returned to
 * with the kernel's selectors, whatever a signal frame says.
 *
 * Context: the current task, in signal delivery or rt_sigreturn().
 */
static inline void ukl_signal_selectors(struct pt_regs *regs)
{
	if (is_ukl_task(current)) {
		regs->cs = __KERNEL_CS;
		regs->ss = __KERNEL_DS;
	}
}

#else /* !CONFIG_UNIKERNEL_LINUX */

static inline void ukl_signal_selectors(struct pt_regs *regs) { }

#endif /* CONFIG_UNIKERNEL_LINUX */

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
