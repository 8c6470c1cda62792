/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-64 parts of Unikernel Linux (UKL): see include/linux/ukl.h.
 */
#ifndef _ASM_X86_UKL_H
#define _ASM_X86_UKL_H

/*
 * User address the application's data is linked at: above the NULL guard
 * and above the per-CPU section, which SMP kernels link at address 0 (a
 * debug kernel's exceeds 2 MiB), and low enough for RIP-relative
 * references from the kernel text (see arch/x86/kernel/vmlinux.lds.S).
 */
#define UKL_IMAGE_VADDR		0x400000

#if !defined(__ASSEMBLY__) && !defined(LINKER_SCRIPT)

#include <linux/cc_platform.h>
#include <linux/cpufeature.h>
#include <linux/elf.h>
#include <linux/instrumentation.h>
#include <linux/jump_label.h>
#include <linux/printk.h>
#include <linux/sched.h>
#include <linux/sched/task_stack.h>
#include <linux/user.h>
#include <asm/debugreg.h>
#include <asm/hwcap2.h>
#include <asm/ptrace.h>
#include <asm/sections.h>
#include <asm/segment.h>
#include <asm/setup.h>
#include <asm/unistd.h>

struct ksignal;

#ifdef CONFIG_UNIKERNEL_LINUX

/* Also declared by linux/ukl.h, which includes this file. */
bool is_ukl_task(struct task_struct *tsk);

/*
 * The application's code, the end of the kernel's return and retpoline
 * thunks that follow it, and SRSO's alias return thunks after the entry
 * code (arch/x86/kernel/vmlinux.lds.S).
 */
extern char __ukl_text_start[], __ukl_text_end[], __ukl_thunks_end[];
extern char __ukl_rethunk_safe_start[], __ukl_rethunk_safe_end[];
extern char entry_SYSCALL_64_ukl[], entry_SYSCALL_64_ukl_irqs_off[];
extern char entry_SYSCALL_64_ukl_bypass[], entry_SYSCALL_64_ukl_direct[];
extern char entry_SYSCALL_64_ukl_leaf[];
extern char entry_SYSCALL_64_ukl_app_ret[];

/*
 * The lists of return and retpoline thunk sites that objtool made for
 * vmlinux.o, the application's included (arch/x86/kernel/vmlinux.lds.S),
 * which apply_returns() and apply_retpolines() patch at boot.  Init data;
 * the KUnit suite ukl_thunks checks them.
 */
extern s32 __retpoline_sites[], __retpoline_sites_end[];
extern s32 __return_sites[], __return_sites_end[];

/*
 * Kernel functions that the application calls, which run in application
 * context on its stack: their text joins the application's range.  They
 * are built without tracing (no fentry call into kernel text).
 */
#define __ukl_app_text	__section(".ukl.text")

struct __kernel_timespec;

/* The ring-0 vDSO (arch/x86/entry/vdso/vdso_ukl.c). */
int ukl_vdso_clock_gettime(clockid_t clock, struct __kernel_timespec *ts)
	__ukl_app_text;
long ukl_vdso_getcpu(unsigned int *cpu, unsigned int *node, void *unused)
	__ukl_app_text;

bool ukl_do_syscall_64(struct pt_regs *regs, int nr);

/* What ukl_do_syscall_leaf() returns to entry_SYSCALL_64_ukl_leaf: rax, dl. */
struct ukl_leaf_result {
	long ret;
	bool done;
};

struct ukl_leaf_result ukl_do_syscall_leaf(unsigned long ax);
bool ukl_do_syscall_bypass(struct pt_regs *regs, int nr);
bool ukl_do_syscall_direct(struct pt_regs *regs, int nr);

/*
 * Where the application's system call returns to: what its entry found
 * in pt_regs, for ukl_syscall_can_ret() to compare after the call.
 */
struct ukl_syscall_return {
	unsigned long ip;
	unsigned long sp;
};

static __always_inline struct ukl_syscall_return
ukl_syscall_return(const struct pt_regs *regs)
{
	return (struct ukl_syscall_return){ .ip = regs->ip, .sp = regs->sp };
}

/**
 * ukl_syscall_can_ret - tell whether a system call may return with RET
 * @regs: pt_regs of the system call, after its exit work
 * @ret: ukl_syscall_return() of @regs before the system call
 *
 * The entry code returns to the application with RET, which loads the
 * return address that its call stored just below pt_regs->sp, when the
 * system call left ip and sp as they were and no child that may run on
 * the same stack (vfork(), clone(), clone3()) could have overwritten
 * that word.  Otherwise (a signal handler to run, sigreturn, execve() of
 * a ring-3 program, a child, a tracer's single step, whose trap flag must
 * come back with IRET to trap after the next instruction of the
 * application and not after the POPF of the entry code) it takes the
 * common return path with IRET.
 *
 * Context: the application's system call, after the exit work, interrupts
 * disabled; noinstr-safe.
 * Return: true for RET, false for IRET.
 */
static __always_inline bool ukl_syscall_can_ret(const struct pt_regs *regs,
						const struct ukl_syscall_return *ret)
{
	if (regs->ip != ret->ip || regs->sp != ret->sp ||
	    regs->cs != __KERNEL_CS || (regs->flags & X86_EFLAGS_TF))
		return false;
	/* The number as do_syscall_64() dispatched it: an int, maybe x32. */
	switch ((int)regs->orig_ax & ~__X32_SYSCALL_BIT) {
	case __NR_vfork:
	case __NR_clone:
	case __NR_clone3:
		return false;
	}
	return true;
}

DECLARE_STATIC_KEY_FALSE(ukl_ret_key);
DECLARE_PER_CPU(unsigned long, ukl_ret_sp);
void ukl_exit_prepare_ret(struct pt_regs *regs);

/**
 * arch_ukl_exit_prepare - the last step of the exit from an interrupt or exception
 * @regs: pt_regs of the return
 *
 * See ukl_exit_prepare().  With the ret level on, a return to application
 * context is prepared to take RET instead of IRET (ukl_exit_prepare_ret()).
 *
 * Context: irqentry_exit() for application context, interrupts disabled.
 */
static __always_inline void arch_ukl_exit_prepare(struct pt_regs *regs)
{
	if (static_branch_unlikely(&ukl_ret_key))
		ukl_exit_prepare_ret(regs);
}

DECLARE_PER_CPU(bool, ukl_frame_fault);
void ukl_raise_lost_irqs(void);

/**
 * arch_ukl_enter_from_app - the first step in application context
 * @regs: pt_regs of the interrupt or exception
 *
 * See ukl_enter_from_app().  When ukl_pf_leave_ist() found this entry to
 * be a page fault of the CPU's own frame push onto the application's
 * stack, an interrupt whose delivery faulted may be in service:
 * ukl_raise_lost_irqs().
 *
 * Context: irqentry_enter() for application context, interrupts disabled,
 * RCU watching.
 */
static __always_inline void arch_ukl_enter_from_app(struct pt_regs *regs)
{
	if (unlikely(__this_cpu_read(ukl_frame_fault))) {
		instrumentation_begin();
		ukl_raise_lost_irqs();
		instrumentation_end();
	}
}

/**
 * ukl_kernel_sp - tell whether a stack pointer may be on a kernel stack
 * @sp: a stack pointer
 *
 * The kernel's stacks lie in the kernel's half of the address space, whose
 * addresses have all ones in their top byte with 4-level and with 5-level
 * paging.  The application's stack pointer is a user address, or, when
 * the application has corrupted it (0xdeadbeef... from a frame pointer that
 * "leave" restored), not canonical: the CPU cannot push a frame there, and
 * exc_double_fault() must still see application context
 * (ukl_df_app_stack()).  UKL_APP_CONTEXT in entry_64.S compares the same
 * byte.
 *
 * Context: any; noinstr-safe.
 * Return: true if the top byte of @sp is all ones.
 */
static __always_inline bool ukl_kernel_sp(unsigned long sp)
{
	return sp >> 56 == 0xff;
}

/**
 * arch_ukl_app_regs - tell whether pt_regs were saved in application context
 * @regs: registers saved on entry to the kernel
 *
 * See UKL_APP_CONTEXT in arch/x86/entry/entry_64.S: ring 0 on a stack
 * that is not the kernel's (ukl_kernel_sp()), outside the entry code but
 * for entry_64_ukl.S from the RET that returns to the application to the
 * CLI of its system call entries.  Outside the entry code only the
 * application runs kernel-mode code on such a stack: its own text, and
 * the kernel's return and retpoline thunks and ring-0 vDSO that it calls,
 * which run in application context like its text.  In the entry code,
 * the ring-3 SYSCALL entry does too, with interrupts off; the
 * application's entries load from its stack before they disable
 * interrupts (entry_SYSCALL_64_ukl_irqs_off), and so far are application
 * context.
 *
 * Context: any; noinstr-safe.
 * Return: true if @regs were saved while application code ran.
 */
static __always_inline bool arch_ukl_app_regs(struct pt_regs *regs)
{
	unsigned long ip = regs->ip;

	if (user_mode(regs) || ukl_kernel_sp(regs->sp))
		return false;
	return ip < (unsigned long)__entry_text_start ||
	       ip >= (unsigned long)__entry_text_end ||
	       (ip >= (unsigned long)entry_SYSCALL_64_ukl_app_ret &&
		ip < (unsigned long)entry_SYSCALL_64_ukl_irqs_off);
}

/**
 * ukl_user_64bit_mode - user_64bit_mode() that knows the UKL application
 * @regs: registers saved on entry to the kernel
 *
 * The application is a 64-bit program whose CS is the kernel's: a tracer
 * gets its registers in the 64-bit view, and its signal frames are a
 * 64-bit program's.  Without CONFIG_UNIKERNEL_LINUX this is
 * user_64bit_mode().
 *
 * Context: any; noinstr-safe.
 * Return: true if @regs were saved in 64-bit user mode or in application
 * context.
 */
static __always_inline bool ukl_user_64bit_mode(struct pt_regs *regs)
{
	return user_64bit_mode(regs) || arch_ukl_app_regs(regs);
}

/**
 * ukl_log_ip - the instruction pointer that the kernel log may show
 * @regs: registers of a task that a message reports on
 *
 * The messages about a process that dies of a fault it does not handle
 * (show_unhandled_signals) give its instruction pointer, a user address
 * in ring 3.  The application's code is kernel text, which KASLR moves:
 * they give its address as linked (System.map's, what addr2line takes
 * with vmlinux), which tells a reader of the log nothing of where the
 * kernel is.
 *
 * Context: any.
 * Return: @regs->ip, without the KASLR offset for the application.
 */
static inline unsigned long ukl_log_ip(struct pt_regs *regs)
{
	return arch_ukl_app_regs(regs) ? regs->ip - kaslr_offset() : regs->ip;
}

/**
 * ukl_app_code - tell whether the application's code may run at an address
 * @ip: an instruction pointer
 *
 * The application runs its text (with the kernel functions it calls in
 * application context, __ukl_app_text), the kernel's return and retpoline
 * thunks, which the linker script places right after it, SRSO's alias
 * return thunks, which it places after the entry code (AMD Zen 3 and 4),
 * and the entry code from the RET that returns to it to the CLI of its
 * system call entries (see arch_ukl_app_regs()).  An interrupt, a signal
 * or a ptrace stop finds it at one of these addresses, or in one of the
 * kernel's per-site ITS thunks (ukl_app_may_run_at()).
 *
 * Context: any.
 * Return: true if @ip is in the application's code.
 */
static __always_inline bool ukl_app_code(unsigned long ip)
{
	return (ip >= (unsigned long)__ukl_text_start &&
		ip < (unsigned long)__ukl_thunks_end) ||
	       (ip >= (unsigned long)entry_SYSCALL_64_ukl_app_ret &&
		ip < (unsigned long)entry_SYSCALL_64_ukl_irqs_off) ||
	       (IS_ENABLED(CONFIG_MITIGATION_SRSO) &&
		ip >= (unsigned long)__ukl_rethunk_safe_start &&
		ip < (unsigned long)__ukl_rethunk_safe_end);
}

/*
 * EFLAGS bits that ptrace (set_flags()) and sigreturn (FIX_EFLAGS) may
 * change for a task and that the application has fixed values of: AC set,
 * so that it may touch its user pages under SMAP (arch_ukl_start_thread()),
 * and TF clear, since a trap flag would single-step ring 0.  IF and IOPL
 * are out of their reach for every task.
 */
#define UKL_APP_FLAGS_FIXED	(X86_EFLAGS_AC | X86_EFLAGS_TF)
#define UKL_APP_FLAGS		X86_EFLAGS_AC

#if IS_ENABLED(CONFIG_KUNIT)
bool ukl_its_thunk_insn(const u8 *insn);
#endif
bool ukl_app_may_run_at(unsigned long ip);
void __ukl_signal_in_entry(struct ksignal *ksig, struct pt_regs *regs);

/**
 * ukl_signal_in_entry - let a signal find the application in its own code
 * @ksig: the signal about to be delivered
 * @regs: the task's registers
 *
 * See __ukl_signal_in_entry(), which this calls for an instruction pointer
 * in the application context of the system call entry and return
 * (arch_ukl_app_regs()): never a ring-3 task's.
 *
 * Context: signal delivery to the current task, before its frame is set up.
 */
static inline void ukl_signal_in_entry(struct ksignal *ksig,
				       struct pt_regs *regs)
{
	if (unlikely(regs->ip >= (unsigned long)entry_SYSCALL_64_ukl_app_ret &&
		     regs->ip < (unsigned long)entry_SYSCALL_64_ukl_irqs_off))
		__ukl_signal_in_entry(ksig, regs);
}

/**
 * ukl_app_may_use_stack - tell whether the application may run on a stack
 * @sp: a stack pointer that a signal frame or a tracer gives it
 *
 * The application's stacks are user memory, as a ring-3 program's: a
 * stack pointer into the kernel's half would have the CPU push exception
 * frames onto kernel memory in ring 0.
 *
 * Context: any.
 * Return: true if @sp is a user address.
 */
static inline bool ukl_app_may_use_stack(unsigned long sp)
{
	return sp < TASK_SIZE_MAX;
}

/* The application's selectors are the kernel's, whatever a frame says. */
static inline void __ukl_app_selectors(struct pt_regs *regs)
{
	regs->cs = __KERNEL_CS;
	regs->ss = __KERNEL_DS;
}

/**
 * ukl_putreg - check a tracer's write of one of the application's registers
 * @child: the tracee
 * @offset: the register, as offsetof(struct user_regs_struct, ...)
 * @value: what the tracer writes
 *
 * putreg() lets a tracer write what is safe for a task in ring 3.  The
 * application's ring-0 state is the kernel's: a tracer may not point its
 * instruction pointer outside its code (ukl_app_may_run_at()) or its stack
 * pointer outside user space, give it EFLAGS with AC clear or TF set
 * (UKL_APP_FLAGS_FIXED), or change its CS or SS.  The trap flag of a
 * single step is ptrace's own: get_flags() hides it from the tracer and
 * set_flags() keeps it.  Writing CS and SS back unchanged, as
 * PTRACE_SETREGS of what PTRACE_GETREGS read does, succeeds here, since
 * putreg() refuses their kernel selectors.
 *
 * Context: putreg(), for PTRACE_POKEUSER, PTRACE_SETREGS and
 * PTRACE_SETREGSET; @child is stopped.
 * Return: 1 if putreg() is to write @value, 0 if there is nothing to
 * write, -EIO if the write is refused.
 */
static inline int ukl_putreg(struct task_struct *child, unsigned long offset,
			     unsigned long value)
{
	struct pt_regs *regs = task_pt_regs(child);

	if (!is_ukl_task(child))
		return 1;
	switch (offset) {
	case offsetof(struct user_regs_struct, cs):
		return (u16)value == regs->cs ? 0 : -EIO;
	case offsetof(struct user_regs_struct, ss):
		return (u16)value == regs->ss ? 0 : -EIO;
	case offsetof(struct user_regs_struct, ip):
		return value == regs->ip || ukl_app_may_run_at(value) ? 1 : -EIO;
	case offsetof(struct user_regs_struct, sp):
		return value == regs->sp || ukl_app_may_use_stack(value) ? 1 : -EIO;
	case offsetof(struct user_regs_struct, flags):
		return (value & UKL_APP_FLAGS_FIXED) == UKL_APP_FLAGS ? 1 : -EIO;
	}
	return 1;
}

/**
 * ukl_step_into_syscall - let a single step go over a system call
 * @regs: pt_regs of a debug exception in application context
 * @dr6: its reasons (debug_read_reset_dr6())
 *
 * A tracer single-steps the application with the trap flag, as a ring-3
 * program.  A step over its system call, the call into one of the system
 * call entries, traps at the entry's first instruction, which is still
 * application context, and so does a step from a stop there or further
 * in up to the CLI (a watchpoint on the return address's word stops the
 * application at the first instruction).  Clear the trap flag there, as
 * SYSCALL does with its flag mask in ring 3, and let the system call run:
 * its exit work reports the step after it (SYSCALL_WORK_SYSCALL_EXIT_TRAP,
 * which PTRACE_SINGLESTEP sets), as for a ring-3 program.  Stepping on
 * with the trap flag would run kernel code under it.
 *
 * Context: exc_debug_user(), for application context.
 * Return: true if it was such a step and nothing else, which needs no
 * SIGTRAP now.
 */
static __always_inline bool ukl_step_into_syscall(struct pt_regs *regs,
						  unsigned long dr6)
{
	unsigned long ip = regs->ip;

	if (!(dr6 & DR_STEP) || !(regs->flags & X86_EFLAGS_TF) ||
	    ip < (unsigned long)entry_SYSCALL_64_ukl_leaf ||
	    ip >= (unsigned long)entry_SYSCALL_64_ukl_irqs_off)
		return false;
	regs->flags &= ~X86_EFLAGS_TF;
	return dr6 == DR_STEP;
}

/**
 * ukl_step_after_entry_cli - let a single step from the entry's CLI go over a system call
 * @regs: pt_regs of a debug exception in kernel context
 * @dr6: its reasons (debug_read_reset_dr6())
 *
 * The CLI of the system call entries is the last instruction of
 * application context, where a tracer may find the application stopped
 * (a watchpoint on the return address's word breaks on the entry's load
 * of it).  A single step from there traps after the CLI, in the entry
 * code, before it saves the flags.  Clear the trap flag there, as
 * ukl_step_into_syscall() does before the CLI: the system call's exit
 * work reports the step.
 *
 * Context: exc_debug_kernel(), noinstr.
 * Return: true if it was such a step, whose DR_STEP is then handled.
 */
static __always_inline bool ukl_step_after_entry_cli(struct pt_regs *regs,
						     unsigned long dr6)
{
	if (!(dr6 & DR_STEP) || !(regs->flags & X86_EFLAGS_TF) ||
	    regs->ip != (unsigned long)entry_SYSCALL_64_ukl_irqs_off)
		return false;
	regs->flags &= ~X86_EFLAGS_TF;
	return true;
}

/**
 * ukl_signal_regs - run the application's signal handler in its ring-0 state
 * @regs: the register state set up for a signal handler
 *
 * Signal delivery installs ring-3 selectors.  The UKL application runs its
 * handlers in ring 0 too, with the kernel's selectors, and with interrupts
 * on, as all of its code runs.  (The one place where an exception finds
 * it with IF clear is the STI before the RET of a system call's return,
 * which ukl_signal_in_entry() moves past that RET, with IF set, unless
 * the return address is not one to go to.  The frame then keeps IF
 * clear; sigreturn leaves IF alone, and the STI runs again.)
 *
 * Context: the current task, in signal delivery.
 */
static inline void ukl_signal_regs(struct pt_regs *regs)
{
	if (is_ukl_task(current)) {
		__ukl_app_selectors(regs);
		regs->flags |= X86_EFLAGS_IF;
	}
}

/**
 * ukl_sigreturn_frame - check where a signal frame returns the application to
 * @regs: the registers of the rt_sigreturn() system call, not yet restored
 * @ip: the instruction pointer that rt_sigreturn() read from the frame
 * @sp: the stack pointer it read
 *
 * A signal frame is the application's memory, and a handler may change it.
 * An instruction pointer outside its code (ukl_app_may_run_at()) or a stack
 * pointer outside user space makes the frame a bad one, and the task gets
 * SIGSEGV, as a ring-3 task gets it from the CPU when it returns to a kernel
 * address.  The check comes before any register is restored: a tracer may
 * suppress that SIGSEGV, and the application then goes on after its call
 * into the kernel, never where the frame says.  A system call from
 * ring 3 needs no further look.
 *
 * Context: the current task, in rt_sigreturn().
 * Return: false if the frame must not be restored.
 */
static inline bool ukl_sigreturn_frame(struct pt_regs *regs, unsigned long ip,
				       unsigned long sp)
{
	return user_mode(regs) || !is_ukl_task(current) ||
	       (ukl_app_may_run_at(ip) && ukl_app_may_use_stack(sp));
}

/**
 * ukl_sigreturn_regs - keep the application's ring-0 state across sigreturn
 * @regs: the registers restore_sigcontext() read from a signal frame
 *
 * Whatever the frame says, the application goes on in ring 0 with the
 * kernel's selectors and its fixed EFLAGS bits (UKL_APP_FLAGS_FIXED).  Its
 * instruction and stack pointers passed ukl_sigreturn_frame().
 *
 * Context: the current task, in rt_sigreturn().
 */
static inline void ukl_sigreturn_regs(struct pt_regs *regs)
{
	if (!is_ukl_task(current))
		return;
	__ukl_app_selectors(regs);
	regs->flags = (regs->flags & ~UKL_APP_FLAGS_FIXED) | UKL_APP_FLAGS;
}

/**
 * ukl_signal_handler - check the handler a signal is to run in the application
 * @regs: the registers the signal interrupts, the application's when their
 *	CS is the kernel's
 * @handler: the handler's address, from the task's sigaction()
 *
 * The application enters its handlers in ring 0: a non-canonical address
 * would make the IRET to it fault as an IRET to the kernel, and a user
 * address is not code it can run (SMEP).  Such a handler fails the
 * signal frame, and the task gets SIGSEGV, as a ring-3 task gets it from
 * the CPU when it is returned to an address without code.  A handler in
 * the application's text needs no further look.
 *
 * Context: the current task, in signal delivery (x64_setup_rt_frame()).
 * Return: false if the current task may not be returned to @handler.
 */
static inline bool ukl_signal_handler(struct pt_regs *regs,
				      const void __user *handler)
{
	unsigned long ip = (unsigned long)handler;

	return user_mode(regs) ||
	       (ip >= (unsigned long)__ukl_text_start &&
		ip < (unsigned long)__ukl_text_end) ||
	       ukl_app_may_run_at(ip);
}

struct pt_regs *ukl_pf_leave_ist(struct pt_regs *regs);
bool ukl_pf_iret_fault(struct pt_regs *regs, unsigned long error_code,
		       unsigned long address);
bool ukl_df_app_stack(struct pt_regs *regs);
void ukl_nmi_ist_enter(struct pt_regs *regs);
void ukl_nmi_ist_exit(void);
/* In entry_64.S, with CONFIG_UKL_KUNIT_TEST=y. */
asmlinkage int ukl_kunit_app_context(const unsigned long *frame);

#else /* !CONFIG_UNIKERNEL_LINUX */

static __always_inline bool ukl_user_64bit_mode(struct pt_regs *regs)
{
	return user_64bit_mode(regs);
}

static inline unsigned long ukl_log_ip(struct pt_regs *regs)
{
	return regs->ip;
}

static inline void ukl_signal_regs(struct pt_regs *regs) { }
static inline int ukl_putreg(struct task_struct *child, unsigned long offset,
			     unsigned long value)
{
	return 1;
}

static inline bool ukl_sigreturn_frame(struct pt_regs *regs, unsigned long ip,
				       unsigned long sp)
{
	return true;
}

static inline void ukl_sigreturn_regs(struct pt_regs *regs) { }

static inline bool ukl_signal_handler(struct pt_regs *regs,
				      const void __user *handler)
{
	return true;
}

static inline void ukl_signal_in_entry(struct ksignal *ksig,
				       struct pt_regs *regs) { }

static __always_inline bool ukl_step_into_syscall(struct pt_regs *regs,
						  unsigned long dr6)
{
	return false;
}

static __always_inline bool ukl_step_after_entry_cli(struct pt_regs *regs,
						     unsigned long dr6)
{
	return false;
}

static inline bool ukl_pf_iret_fault(struct pt_regs *regs, unsigned long error_code,
				     unsigned long address)
{
	return false;
}

static __always_inline bool ukl_df_app_stack(struct pt_regs *regs)
{
	return false;
}

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
 * unless the kernel is booted with fred=on.  In an SEV-ES or SEV-SNP
 * guest, the application's CPUID raises a #VC in application context,
 * whose handler finds the interrupted stack pointer on no stack it knows
 * and panics.
 *
 * Context: execve() of the application, before the point of no return.
 * Return: 0, or -EOPNOTSUPP (with a message, once) when FRED is in use or
 * the guest's register state is encrypted.
 */
static inline int arch_ukl_can_run(void)
{
	if (cpu_feature_enabled(X86_FEATURE_FRED)) {
		pr_err_once("ukl: the application cannot run with FRED event delivery; boot without fred=on\n");
		return -EOPNOTSUPP;
	}
	if (cc_platform_has(CC_ATTR_GUEST_STATE_ENCRYPT)) {
		pr_err_once("ukl: the application cannot run in an SEV-ES or SEV-SNP guest\n");
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

/*
 * Stack that the CPU uses below the application's stack pointer on its
 * own: an event delivered in application context without an IST stack
 * pushes its frame there (RSP first aligned down to 16 bytes, then SS,
 * RSP, RFLAGS, CS, RIP and an error code), at most 63 bytes.
 */
#define UKL_APP_EVENT_FRAME_SIZE	64

/**
 * arch_ukl_minsigstksz - the application's AT_MINSIGSTKSZ
 *
 * What a ring-3 process is told, the largest signal frame, and room below
 * it for the frame of an event that hits the handler before it has used
 * any stack: the least alternate signal stack that nothing but the
 * handler's own use can overflow.
 *
 * Context: execve() of the application.
 * Return: the minimum signal stack size, a multiple of 16.
 */
static inline unsigned long arch_ukl_minsigstksz(void)
{
	return get_sigframe_size() + UKL_APP_EVENT_FRAME_SIZE;
}

/**
 * arch_ukl_hwcap2 - the application's AT_HWCAP2
 *
 * ELF_HWCAP2 without HWCAP2_FSGSBASE: the application runs on the kernel's
 * GS base, so it must not be told that WRGSBASE is there for it.
 *
 * Context: execve() of the application.
 * Return: the HWCAP2 bits that hold for the application.
 */
static inline unsigned long arch_ukl_hwcap2(void)
{
	return ELF_HWCAP2 & ~HWCAP2_FSGSBASE;
}

#endif /* !__ASSEMBLY__ && !LINKER_SCRIPT */

#endif /* _ASM_X86_UKL_H */
