/* SPDX-License-Identifier: GPL-2.0 */
/*
 * System call entry and return for the Unikernel Linux (UKL) application,
 * which runs in ring 0 as an ordinary process (Documentation/ukl/).
 *
 * The application does not execute SYSCALL.  It calls entry_SYSCALL_64_ukl
 * with the SYSCALL register ABI:
 *
 *	rax  system call number		rdi, rsi, rdx, r10, r8, r9  arguments
 *	rax  result			rcx, r11  clobbered
 *
 * and the call instruction must be the two-byte "call *%rcx" with rcx
 * holding the address of entry_SYSCALL_64_ukl: the system call restart
 * logic rewinds pt_regs->ip by two bytes, the length of SYSCALL, to run the
 * call again, and pt_regs->cx is saved and restored as the caller left it,
 * so rcx still points here when it does.
 *
 * pt_regs is built honestly: CS and SS are the kernel's selectors, ip is the
 * return address and sp the stack pointer before the call, exactly as SYSCALL
 * would have left them.  Code that needs to know whether pt_regs belong to
 * the application asks is_ukl_task(), never user_mode().
 *
 * Everything between entry and exit is the ordinary system call of
 * do_syscall_64() with its entry and exit work (seccomp, ptrace, audit,
 * signals, rescheduling, FPU state restore), in ukl_do_syscall_64(), which
 * differs from do_syscall_64() only in its return value.
 * entry_SYSCALL_64_ukl_bypass and entry_SYSCALL_64_ukl_direct, the entries
 * of the bypass and the direct level (Documentation/ukl/shortcuts.rst),
 * have the same ABI and contract and share all of the code below; they
 * call ukl_do_syscall_bypass() and ukl_do_syscall_direct() instead, which
 * skip that work when there is none to do, and the latter calls some
 * system calls' kernel functions directly.
 *
 * The C function decides the return (ukl_syscall_can_ret()): when the
 * system call left ip and sp as the call left them, and did not start a
 * child that may run on the same stack (vfork, clone), the call's return
 * address is still just below sp and the application is returned to with
 * RET (entry_SYSCALL_64_ukl_app_ret).  Otherwise (a signal handler to run,
 * sigreturn, execve()) the return is the one shared with every other way
 * into the application (fork and clone children, the end of execve()):
 * the common return path notices the kernel CS in pt_regs and returns with
 * IRET to ring 0 instead of ring 3.
 *
 * With the ret level on (ukl.ret=1), that return, and the return from an
 * interrupt or exception in application context, is a RET too when
 * ukl_exit_prepare_ret() could write the return address below the stack
 * pointer it returns to: ukl_restore_regs_and_return_to_kernel then
 * comes to ukl_ret_to_app.
 */
#include <linux/export.h>
#include <linux/linkage.h>
#include <asm/asm-offsets.h>
#include <asm/errno.h>
#include <asm/nospec-branch.h>
#include <asm/percpu.h>
#include <asm/processor-flags.h>
#include <asm/ptrace-abi.h>
#include <asm/segment.h>
#include <asm/smap.h>
#include <asm/unwind_hints.h>

#include "calling.h"

/*
 * Build pt_regs on the task stack for a system call from application
 * context, as entry_SYSCALL_64 does for SYSCALL: interrupts off, the
 * return address in r11, the stack pointer still the application's.
 * Leaves rdi pointing to pt_regs and the number, sign-extended, in rsi.
 */
.macro UKL_SYSCALL_PT_REGS
	/* The TSS word that entry_SYSCALL_64 uses as scratch too. */
	movq	%rsp, PER_CPU_VAR(cpu_tss_rw + TSS_sp2)
	movq	PER_CPU_VAR(pcpu_hot + X86_top_of_stack), %rsp

	/* Construct struct pt_regs on the task stack. */
	pushq	$__KERNEL_DS			/* pt_regs->ss */
	pushq	PER_CPU_VAR(cpu_tss_rw + TSS_sp2)
	addq	$8, (%rsp)			/* pt_regs->sp: before the call */
	pushfq
	orq	$X86_EFLAGS_IF, (%rsp)		/* pt_regs->flags: before the CLI */
	pushq	$__KERNEL_CS			/* pt_regs->cs */
	pushq	%r11				/* pt_regs->ip: the return address */
	pushq	%rax				/* pt_regs->orig_ax */

	pushq	$X86_EFLAGS_FIXED		/* the SYSCALL flag mask */
	popfq

	/*
	 * No CLEAR_REGS: the caller runs at the kernel's own privilege, so
	 * its register values are no lower privilege's to exploit.
	 */
	PUSH_REGS rax=$-ENOSYS

	/* IRQs are off. */
	movq	%rsp, %rdi
	/* Sign extend the lower 32bit as syscall numbers are treated as int */
	movslq	%eax, %rsi
.endm

/* Undo the pushes of a leaf call (.Lukl_leaf), back on the application stack. */
.macro UKL_LEAF_POP
	popfq
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rdx
	popq	%rsi
	popq	%rdi
	popq	%rsp
.endm

	.section .entry.text, "ax"

/*
 * Application context in this file: from entry_SYSCALL_64_ukl_app_ret up
 * to entry_SYSCALL_64_ukl_irqs_off (arch_ukl_app_regs(), and
 * UKL_LEAVE_APP_STACK in entry_64.S).  The application's stack is a user
 * page that reclaim, migration, NUMA balancing or another thread's
 * mprotect() can take away whenever interrupts are on, and between
 * entries even while they are off: only instructions in this range load
 * from it, so that a fault there is an ordinary fault of the application,
 * which the kernel resolves (or turns into a signal) and IRET retries.
 * Nothing else in the entry code touches it.
 */

/*
 * entry_SYSCALL_64_ukl_app_ret - the RET to the application
 *
 * The system call return below, and ukl_ret_to_app at the ret level,
 * come here with interrupts off, the application's registers and flags
 * (but IF), and its stack pointer at the return address.  STI's shadow
 * covers the RET, so no interrupt comes in between; a #PF of the RET's
 * load, or an NMI, is one of application context.
 */
SYM_CODE_START(entry_SYSCALL_64_ukl_app_ret)
	UNWIND_HINT_END_OF_STACK
	ANNOTATE_NOENDBR
	sti
	ANNOTATE_UNRET_SAFE
	ret
	int3

/*
 * entry_SYSCALL_64_ukl_leaf, entry_SYSCALL_64_ukl_direct,
 * entry_SYSCALL_64_ukl_bypass, entry_SYSCALL_64_ukl - system call entries
 * for ring-0 application code: of the leaf calls of the direct level, of
 * the direct, the bypass and the base level
 *
 * Called on the application's stack with interrupts enabled, as the
 * application always runs.  The one load from that stack, of the return
 * address, comes before the CLI, in application context; like SYSCALL,
 * the entry then has the return address in a register (r11, which the
 * ABI clobbers) and takes the flags as they are (IF aside).  Interrupts
 * are off from the CLI until ukl_do_syscall_64() or its like enables
 * them; the POPF of X86_EFLAGS_FIXED then clears DF, AC, TF and NT the
 * way the kernel's SYSCALL mask does.
 */
SYM_INNER_LABEL(entry_SYSCALL_64_ukl_leaf, SYM_L_GLOBAL)
	/* Not UNWIND_HINT_ENTRY: a call from ring 0 needs no UNTRAIN_RET. */
	UNWIND_HINT_END_OF_STACK
	ENDBR
	/*
	 * The other entries are the base entry but for the C function it
	 * calls, chosen by the caller's rcx, the address it called.  A jump,
	 * not a fall through the entries below, so that no level executes
	 * another's ENDBR; all are application context until the CLI below.
	 */
	jmp	.Lukl_entry
SYM_INNER_LABEL(entry_SYSCALL_64_ukl_direct, SYM_L_GLOBAL)
	UNWIND_HINT_END_OF_STACK
	ENDBR
	jmp	.Lukl_entry
SYM_INNER_LABEL(entry_SYSCALL_64_ukl_bypass, SYM_L_GLOBAL)
	UNWIND_HINT_END_OF_STACK
	ENDBR
	jmp	.Lukl_entry
SYM_INNER_LABEL(entry_SYSCALL_64_ukl, SYM_L_GLOBAL)
	UNWIND_HINT_END_OF_STACK
	ENDBR
.Lukl_entry:

	/*
	 * The return address that the call just stored may be gone again
	 * (an interrupt's exit work, another CPU's reclaim): loaded here, a
	 * fault is the application's.
	 */
	movq	(%rsp), %r11
	cli
SYM_INNER_LABEL(entry_SYSCALL_64_ukl_irqs_off, SYM_L_GLOBAL)
	ANNOTATE_NOENDBR
	/* The other levels are out of line: the base level falls through. */
	cmpq	$entry_SYSCALL_64_ukl, %rcx
	jne	.Lukl_shortcut

	UKL_SYSCALL_PT_REGS
	/*
	 * No IBRS_ENTER, UNTRAIN_RET or CLEAR_BRANCH_HISTORY at any level:
	 * they protect the kernel from branch predictions trained at a
	 * lower privilege, and the application runs in ring 0.
	 */
	call	ukl_do_syscall_64	/* returns with IRQs disabled */

.Lukl_return:
	/*
	 * SYSRET is never an option.  Unless the C code found that RET can
	 * return (ukl_syscall_can_ret()), take the common return path: it
	 * goes back to ring 3 if execve() just replaced the application with
	 * an ordinary program, and to the application with IRET otherwise.
	 */
	testb	%al, %al
	jz	swapgs_restore_regs_and_return_to_usermode

	/*
	 * RET to the return address on the application stack, the word
	 * below pt_regs->sp, in entry_SYSCALL_64_ukl_app_ret: that load is
	 * application context.  POPF, still on the task stack, restores the
	 * flags but IF (AC included: the application runs with AC set).
	 */
.Lukl_ret:
	POP_REGS pop_rdi=0

	/* The stack is now RDI, orig_ax, RIP, CS, EFLAGS, RSP, SS. */
	movq	RSP-RDI(%rsp), %rdi
	subq	$8, %rdi
	pushq	%rdi				/* the stack pointer for RET */
	pushq	EFLAGS-RDI+8(%rsp)
	andq	$~X86_EFLAGS_IF, (%rsp)
	movq	2*8(%rsp), %rdi			/* the application's rdi */
	popfq					/* its flags but IF */
	popq	%rsp
	UNWIND_HINT_END_OF_STACK
	jmp	entry_SYSCALL_64_ukl_app_ret

/*
 * ukl_ret_to_app - the ret level's return from an interrupt or exception
 *
 * ukl_restore_regs_and_return_to_kernel, the return to kernel mode of
 * interrupts and of error_return, jumps here, with pt_regs on the stack
 * and interrupts off, when ukl_exit_prepare_ret() wrote the return
 * address of a return to application context below its stack pointer,
 * and recorded that stack pointer in ukl_ret_sp.  If pt_regs are those it
 * prepared (the same stack pointer), the return is the RET above instead
 * of IRET; otherwise back to the IRET.  Either way ukl_ret_sp is consumed.
 */
SYM_INNER_LABEL(ukl_ret_to_app, SYM_L_GLOBAL)
	UNWIND_HINT_REGS
	ANNOTATE_NOENDBR
	movq	PER_CPU_VAR(ukl_ret_sp), %rax
	movq	$0, PER_CPU_VAR(ukl_ret_sp)
	cmpq	%rax, RSP(%rsp)
	je	.Lukl_ret
	jmp	restore_regs_and_return_to_kernel

	/* The bypass and the direct level, and the leaf calls. */
.Lukl_shortcut:
	cmpq	$entry_SYSCALL_64_ukl_leaf, %rcx
	je	.Lukl_leaf
.Lukl_shortcut_regs:
	UKL_SYSCALL_PT_REGS
	cmpq	$entry_SYSCALL_64_ukl_bypass, RCX(%rdi)
	jne	.Lukl_direct
	call	ukl_do_syscall_bypass	/* returns with IRQs disabled */
	jmp	.Lukl_return
.Lukl_direct:
	call	ukl_do_syscall_direct	/* returns with IRQs disabled */
	jmp	.Lukl_return

	/*
	 * The leaf calls: ukl_do_syscall_leaf() runs the system call, with
	 * interrupts off throughout, when it needs no pt_regs and there is
	 * no work to do.  No pt_regs: the task stack holds, below the
	 * pt_regs of the last full entry, the application's stack pointer,
	 * the registers that the C function may clobber but the ABI keeps,
	 * and the flags (AC, which the C code runs without).  When
	 * ukl_do_syscall_leaf() declines, rax is the number again and the
	 * call takes the full path of the direct level.
	 */
.Lukl_leaf:
	movq	%rsp, PER_CPU_VAR(cpu_tss_rw + TSS_sp2)
	movq	PER_CPU_VAR(pcpu_hot + X86_top_of_stack), %rsp
	UNWIND_HINT_END_OF_STACK
	subq	$PTREGS_SIZE, %rsp
	pushq	PER_CPU_VAR(cpu_tss_rw + TSS_sp2)	/* the application's rsp */
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11				/* the return address */
	pushfq					/* IF already off */
	ASM_CLAC
	movq	%rax, %rdi
	call	ukl_do_syscall_leaf		/* rax: result or rdi; dl: done */
	testb	%dl, %dl
	jz	.Lukl_leaf_declined
	UKL_LEAF_POP
	jmp	entry_SYSCALL_64_ukl_app_ret
.Lukl_leaf_declined:
	UKL_LEAF_POP
	movq	$entry_SYSCALL_64_ukl_direct, %rcx
	jmp	.Lukl_shortcut_regs
SYM_CODE_END(entry_SYSCALL_64_ukl_app_ret)
