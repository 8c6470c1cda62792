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

#if defined(__ASSEMBLY__) && !defined(LINKER_SCRIPT)

#ifdef CONFIG_UNIKERNEL_LINUX
/*
 * UKL_LEAVE_APP_STACK - move an entry frame off the application's stack
 *
 * First thing in an IDT entry without IST, and in #PF, whose IST stack
 * UKL_LEAVE_IST leaves.  In ring 0 the CPU pushes the hardware frame onto
 * the interrupted stack (or the #PF IST stack); when that is the
 * application's (a user page, that SMAP protects once the entry code has
 * cleared AC, and whose frame a signal could overwrite), copy the frame and
 * the error code to the top of the task stack, as an entry from ring 3
 * would have found them there, and go on from there.  The entry frame on
 * the task stack then still says kernel CS: C code tells application
 * context by ukl_app_regs().
 *
 * Application context is an instruction pointer in the application's text
 * or in its system call entries (entry_SYSCALL_64_ukl_direct, which falls
 * through to the bypass and base entries) before they disable interrupts.
 * The task stack is free then: the application only runs with nothing of
 * the kernel on it.
 * Interrupts are off (IDT gates are interrupt gates); only registers of the
 * interrupted context are live, and the flags are already saved.
 */
.macro UKL_LEAVE_APP_STACK has_error_code:req
	cmpq	$__ukl_text_start, \has_error_code*8(%rsp)
	jb	.Lukl_not_text_\@
	cmpq	$__ukl_text_end, \has_error_code*8(%rsp)
	jb	.Lukl_app_\@
.Lukl_not_text_\@:
	cmpq	$entry_SYSCALL_64_ukl_direct, \has_error_code*8(%rsp)
	jb	.Lukl_done_\@
	cmpq	$entry_SYSCALL_64_ukl_irqs_off, \has_error_code*8(%rsp)
	jae	.Lukl_done_\@
.Lukl_app_\@:
	/*
	 * Nothing more may go onto the application's stack: the word below
	 * the frame may be on a page that is not present or is copy-on-write
	 * after fork(), and a fault here, in entry code, would be a kernel
	 * fault without a usable stack.  So %rax is saved where
	 * entry_SYSCALL_64 keeps its scratch word, in the TSS: interrupts
	 * are off, and NMIs and the other IST entries do not use it.
	 */
	movq	%rax, PER_CPU_VAR(cpu_tss_rw + TSS_sp2)
	movq	%rsp, %rax
	movq	PER_CPU_VAR(pcpu_hot + X86_top_of_stack), %rsp
	pushq	(4 + \has_error_code) * 8(%rax)	/* SS */
	pushq	(3 + \has_error_code) * 8(%rax)	/* RSP */
	pushq	(2 + \has_error_code) * 8(%rax)	/* EFLAGS */
	pushq	(1 + \has_error_code) * 8(%rax)	/* CS */
	pushq	(0 + \has_error_code) * 8(%rax)	/* RIP */
	.if \has_error_code
	pushq	(%rax)				/* error code */
	.endif
	movq	PER_CPU_VAR(cpu_tss_rw + TSS_sp2), %rax
	UNWIND_HINT_IRET_ENTRY offset=\has_error_code*8
.Lukl_done_\@:
.endm

/*
 * UKL_NO_INT3_GAP - no call emulation gap in a #BP entry from the application
 *
 * The #BP entry from kernel context copies its frame six words down, so
 * that the int3 handler can emulate a call in kernel text that
 * text_poke_bp() is patching.  The application's text is never patched,
 * and an entry from application context must keep its pt_regs at the
 * top of the task stack, where UKL_LEAVE_APP_STACK put them: that is
 * task_pt_regs(), which signal delivery, ptrace and core dumps use.
 * Jump to @label, past the gap, for a #BP in the application's text.
 */
.macro UKL_NO_INT3_GAP label:req
	/* The stack is ORIG_RAX, RIP, CS, EFLAGS, RSP, SS. */
	cmpq	$__ukl_text_start, 8(%rsp)
	jb	.Lukl_gap_\@
	cmpq	$__ukl_text_end, 8(%rsp)
	jb	\label
.Lukl_gap_\@:
.endm

/*
 * UKL_RET_TO_APP - the ret level's test in restore_regs_and_return_to_kernel
 *
 * First thing on the IRET path to kernel mode, with pt_regs on the stack
 * and interrupts off: when ukl_exit_prepare_ret() prepared a return to
 * application context on this CPU, ukl_ret_to_app takes RET for it.
 */
.macro UKL_RET_TO_APP
	cmpq	$0, PER_CPU_VAR(ukl_ret_sp)
	jne	ukl_ret_to_app
.endm

/*
 * UKL_LEAVE_IST - leave the #PF IST stack
 *
 * In idtentry_body, after error_entry() saved pt_regs and made GS and CR3
 * the kernel's.  An entry from ring 3 or from application context is on
 * the task stack by then; a #PF from kernel context is still on its IST
 * stack, and ukl_pf_leave_ist() copies pt_regs to where the CPU would
 * have pushed them without IST: below the interrupted stack pointer.
 * Nothing here can fault, so no #PF can reuse the IST stack before it is
 * left; an NMI that comes in meanwhile moves the IST entry below
 * (ukl_nmi_ist_enter()).
 */
.macro UKL_LEAVE_IST vector:req
	.if \vector == X86_TRAP_PF
	UNWIND_HINT_REGS
	movq	%rsp, %rdi			/* pt_regs on the IST stack */
	call	ukl_pf_leave_ist
	movq	%rax, %rsp			/* where they are now */
	.endif
.endm
#else
.macro UKL_RET_TO_APP
.endm
.macro UKL_LEAVE_APP_STACK has_error_code:req
.endm
.macro UKL_LEAVE_IST vector:req
.endm
.macro UKL_NO_INT3_GAP label:req
.endm
#endif /* CONFIG_UNIKERNEL_LINUX */

#endif /* __ASSEMBLY__ && !LINKER_SCRIPT */

#if !defined(__ASSEMBLY__) && !defined(LINKER_SCRIPT)

#include <linux/cpufeature.h>
#include <linux/elf.h>
#include <linux/jump_label.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <asm/ptrace.h>
#include <asm/segment.h>

#ifdef CONFIG_UNIKERNEL_LINUX

/* Also declared by linux/ukl.h, which includes this file. */
bool is_ukl_task(struct task_struct *tsk);

/* The application's code (include/asm-generic/ukl.lds.h). */
extern char __ukl_text_start[], __ukl_text_end[];
extern char entry_SYSCALL_64_ukl[], entry_SYSCALL_64_ukl_irqs_off[];
extern char entry_SYSCALL_64_ukl_bypass[], entry_SYSCALL_64_ukl_direct[];

void ukl_do_syscall_bypass(struct pt_regs *regs, int nr);
void ukl_do_syscall_direct(struct pt_regs *regs, int nr);

DECLARE_STATIC_KEY_FALSE(ukl_ret_key);
DECLARE_PER_CPU(unsigned long, ukl_ret_sp);
void ukl_exit_prepare_ret(struct pt_regs *regs);

/**
 * arch_ukl_exit_prepare - the last step of the exit to user mode for UKL
 * @regs: pt_regs of the return
 *
 * See ukl_exit_prepare().  With the ret level on, a return to application
 * context is prepared to take RET instead of IRET (ukl_exit_prepare_ret()).
 *
 * Context: arch_exit_to_user_mode_prepare(), interrupts disabled.
 */
static __always_inline void arch_ukl_exit_prepare(struct pt_regs *regs)
{
	if (static_branch_unlikely(&ukl_ret_key))
		ukl_exit_prepare_ret(regs);
}

/**
 * arch_ukl_app_regs - tell whether pt_regs were saved in application context
 * @regs: registers saved on entry to the kernel
 *
 * See UKL_LEAVE_APP_STACK: an instruction pointer in the application's
 * text, or at the first instructions of its system call entries.
 *
 * Context: any; noinstr-safe.
 * Return: true if @regs were saved while application code ran.
 */
static __always_inline bool arch_ukl_app_regs(struct pt_regs *regs)
{
	unsigned long ip = regs->ip;

	if (user_mode(regs))
		return false;
	return (ip >= (unsigned long)__ukl_text_start &&
		ip < (unsigned long)__ukl_text_end) ||
	       (ip >= (unsigned long)entry_SYSCALL_64_ukl_direct &&
		ip < (unsigned long)entry_SYSCALL_64_ukl_irqs_off);
}

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

struct pt_regs *ukl_pf_leave_ist(struct pt_regs *regs);
void arch_ukl_app_page_fault(struct pt_regs *regs, unsigned long address);
void ukl_nmi_ist_enter(struct pt_regs *regs);
void ukl_nmi_ist_exit(void);

#else /* !CONFIG_UNIKERNEL_LINUX */

static inline void ukl_signal_selectors(struct pt_regs *regs) { }
static __always_inline void ukl_nmi_ist_enter(struct pt_regs *regs) { }
static __always_inline void ukl_nmi_ist_exit(void) { }

#endif /* CONFIG_UNIKERNEL_LINUX */

void arch_ukl_start_thread(struct pt_regs *regs, unsigned long new_ip,
			   unsigned long new_sp);

/**
 * arch_ukl_can_run - tell whether the application can run on this system
 *
 * Its entry from application context relies on IDT event delivery
 * (UKL_LEAVE_APP_STACK, the #PF IST stack); FRED delivers events through
 * other entry code, which does not know the application.  FRED is off
 * unless the kernel is booted with fred=on.
 *
 * Context: execve() of the application, before the point of no return.
 * Return: 0, or -EOPNOTSUPP (with a message, once) when FRED is in use.
 */
static inline int arch_ukl_can_run(void)
{
	if (cpu_feature_enabled(X86_FEATURE_FRED)) {
		pr_err_once("ukl: the application cannot run with FRED event delivery; boot without fred=on\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

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
