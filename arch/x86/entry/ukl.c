// SPDX-License-Identifier: GPL-2.0
/*
 * UKL: page faults on their own IST stack, and double faults of the
 * application's stack.
 *
 * The UKL application runs in ring 0, so an exception or interrupt that
 * hits it does not switch stacks: the CPU pushes its frame onto the
 * application's stack.  That stack is ordinary user memory.  Its next page
 * may not be present yet (a new thread, a stack that grows, a copy-on-write
 * page after fork) or may be the guard page below it.  If pushing the frame
 * faults, the CPU delivers a #PF, whose frame it pushes onto the same stack:
 * that faults again and becomes a double fault, which cannot be returned
 * from.
 *
 * With CONFIG_UNIKERNEL_LINUX, #PF therefore has an IST stack of its own,
 * so the CPU can always push its frame.  The entry code leaves it at once,
 * like #VC leaves its IST stack in vc_switch_off_ist():
 *
 * - from ring 3, error_entry() moves pt_regs to the task stack as usual,
 *   and nothing else happens: a page fault of an ordinary process takes
 *   the instructions it takes without UKL;
 * - from ring 0, error_entry() ends in ukl_pf_leave_ist(), which copies
 *   pt_regs of application context to the top of the task stack, where
 *   an entry from ring 3 has them, and those of kernel context to where
 *   the CPU would have pushed them without IST, below the interrupted
 *   stack pointer; the fault is handled there as before.
 *
 * A stack pointer that is not canonical makes the push fault with #SS,
 * which has no IST stack: the double fault that follows is handed to the
 * #SS entry by ukl_df_app_stack().
 *
 * An IST stack is not reentrant.  No #PF can come in before the entry has
 * left it (the code on it touches nothing that can fault), but an NMI can,
 * and NMI handlers may fault on user memory (perf's user stack traces):
 * ukl_nmi_ist_enter() moves the IST entry below the interrupted frame for
 * the duration of the NMI, as __sev_es_ist_enter() does for #VC.
 *
 * Kernels without UKL keep #PF without IST; this file is not built.
 */

#include <linux/instrumentation.h>
#include <linux/kernel.h>
#include <linux/pgtable.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/ukl.h>

#include <asm/apic.h>
#include <asm/cpu_entry_area.h>
#include <asm/ptrace.h>
#include <asm/stacktrace.h>
#include <asm/trap_pf.h>
#include <asm/trapnr.h>
#include <asm/traps.h>

/* Set by ukl_pf_leave_ist(), read by arch_ukl_enter_from_app(). */
DEFINE_PER_CPU(bool, ukl_frame_fault);

static __always_inline bool on_pf_ist_stack(unsigned long sp)
{
	return sp >= __this_cpu_ist_bottom_va(PF) &&
	       sp < __this_cpu_ist_top_va(PF);
}

static noinstr void __noreturn ukl_pf_bad_stack(struct pt_regs *regs)
{
	instrumentation_begin();
#ifdef CONFIG_VMAP_STACK
	{
		struct stack_info info;

		if (get_stack_guard_info((unsigned long *)regs->sp - 1, &info))
			handle_stack_overflow(regs, regs->sp, &info);
	}
#endif
	/*
	 * Without IST the CPU could not have pushed the frame either, and a
	 * double fault would have stopped the machine.
	 */
	die("page fault without a usable stack", regs, regs->orig_ax);
	panic("Machine halted.");
	instrumentation_end();
}

/* The kernel-mode part of ukl_pf_leave_ist(), which see. */
static noinstr struct pt_regs *ukl_pf_move_regs(struct pt_regs *regs)
{
	struct stack_info info;
	struct pt_regs *new;
	unsigned long sp;

	/* Between SYSCALL and the switch to the task stack, %rsp is the user's. */
	if (ip_within_syscall_gap(regs))
		ukl_pf_bad_stack(regs);

	sp = regs->sp;
	if (!get_stack_info_noinstr((unsigned long *)sp, current, &info) ||
	    info.type == STACK_TYPE_ENTRY ||
	    info.type == STACK_TYPE_EXCEPTION + ESTACK_PF)
		ukl_pf_bad_stack(regs);

	new = (struct pt_regs *)ALIGN_DOWN(sp, 16) - 1;
	if ((unsigned long)new < (unsigned long)info.begin)
		ukl_pf_bad_stack(regs);

	*new = *regs;
	return new;
}

/**
 * ukl_pf_leave_ist - move a #PF frame off the #PF IST stack
 * @regs: pt_regs that error_entry() saved
 *
 * The end of error_entry() for every entry from ring 0 that it handles
 * (interrupts and exceptions without IST, and #PF), with interrupts off
 * and the kernel's GS and CR3.  Only @regs of a #PF are on the #PF IST
 * stack; the others, and those of early #PFs, taken before the IST gate
 * is installed, are returned as they are.
 *
 * A #PF from application context gets its pt_regs copied to the top of
 * the task stack, where an entry from ring 3 has them (the task stack is
 * free while the application runs); if it faulted just below the stack
 * pointer, ukl_frame_fault tells arch_ukl_enter_from_app() to look for an
 * interrupt whose delivery it cut short.  A #PF from kernel context gets them
 * copied to the interrupted stack, where the CPU would have pushed them
 * without IST (it aligns the stack pointer down to 16 bytes first).  If
 * that stack is not one the kernel knows, or has no room, the CPU would
 * have double faulted: this dies the same way instead.
 *
 * Context: noinstr, on the stack of the entry; nothing here may fault.
 * Return: the pt_regs to continue with; the caller switches %rsp to them.
 */
__visible noinstr struct pt_regs *ukl_pf_leave_ist(struct pt_regs *regs)
{
	unsigned long address;
	struct pt_regs *new;

	if (!on_pf_ist_stack((unsigned long)regs))
		return regs;
	if (!ukl_app_regs(regs))
		return ukl_pf_move_regs(regs);
	/*
	 * A fault of the frame push, in the 64 bytes below the stack pointer
	 * (which wrap around below 0): see ukl_raise_lost_irqs().
	 */
	address = native_read_cr2();
	if (regs->sp - address - 1 < UKL_APP_EVENT_FRAME_SIZE)
		__this_cpu_write(ukl_frame_fault, true);
	new = (struct pt_regs *)current_top_of_stack() - 1;
	*new = *regs;
	return new;
}

/**
 * ukl_pf_iret_fault - finish a fault of IRET on the espfix64 stack
 * @regs: pt_regs of the page fault
 * @error_code: its hardware error code
 * @address: the faulting address
 *
 * An IRET to ring 3 with a 16-bit stack segment (from the LDT) runs on the
 * espfix64 stack, which is mapped read-only.  When that IRET faults (a bad
 * user SS or CS, as sigreturn() may set), the CPU cannot push the #GP
 * frame there and raises a #PF.  Without UKL, that #PF faults the same way
 * and becomes a double fault, which exc_double_fault() turns into the
 * #GP(0) from user mode that it stands for.  With #PF on its own IST stack
 * the #PF is delivered instead, and error_entry(), which sees a fault of
 * the IRET, hands it over as coming from ring 3 at the IRET's target:
 * a supervisor write to the espfix64 area "from user mode", which would
 * oops.  Deliver what the double fault path delivers: SIGSEGV for a
 * #GP(0), whose error code is lost.
 *
 * Context: do_kern_addr_fault(), for any fault on a kernel address.
 * Return: true if it was such a fault and the task got its signal.
 */
bool ukl_pf_iret_fault(struct pt_regs *regs, unsigned long error_code,
		       unsigned long address)
{
	if (!IS_ENABLED(CONFIG_X86_ESPFIX64) || !user_mode(regs) ||
	    (error_code & X86_PF_USER) ||
	    ((long)address >> P4D_SHIFT) != ESPFIX_PGD_ENTRY)
		return false;

	current->thread.error_code = 0;
	current->thread.trap_nr = X86_TRAP_GP;
	force_sig(SIGSEGV);
	return true;
}

/**
 * ukl_df_app_stack - hand a double fault on the application's stack to #SS
 * @regs: pt_regs of the double fault
 *
 * A stack pointer that is not canonical, which only the application can
 * have (one it corrupted, such as a frame pointer that "leave" restored),
 * makes a push fault with #SS (#GP under QEMU's TCG), and the CPU pushes
 * the frame of that exception onto the same stack: a double fault.  An
 * interrupt or another exception that comes meanwhile ends the same way.
 * A ring-3 program gets the #SS on its kernel stack, and SIGBUS.
 *
 * Hand the double fault to the #SS entry as the fault from application
 * context that it stands for, as exc_double_fault() hands a fault of IRET
 * on the espfix64 stack to the #GP entry: write the frame of #SS(0) at the
 * top of the task stack, where UKL_LEAVE_APP_STACK puts those of
 * application context, and return from the double fault to
 * asm_exc_stack_segment with interrupts off.  The task stack is free in
 * application context.  An interrupt whose delivery faulted is in service
 * at the local APIC: ukl_frame_fault has the #SS entry raise it again.
 *
 * Context: noinstr, exc_double_fault() on the #DF IST stack, before it
 * does anything else.
 * Return: true if the double fault was the application's; its IRET then
 * goes to the #SS entry.
 */
noinstr bool ukl_df_app_stack(struct pt_regs *regs)
{
	struct pt_regs *ssregs;

	/*
	 * A kernel stack pointer that is not canonical, such as a poison
	 * value, passes ukl_app_regs(): that is a kernel bug, which must
	 * stay a double fault.  So it must be the application's task in its
	 * own code, with IDT event delivery (FRED calls this too).
	 */
	if (!ukl_app_regs(regs) || !ukl_app_code(regs->ip) ||
	    __is_canonical_address(regs->sp, __VIRTUAL_MASK_SHIFT + 1) ||
	    cpu_feature_enabled(X86_FEATURE_FRED) || !is_ukl_task(current))
		return false;

	ssregs = (struct pt_regs *)current_top_of_stack() - 1;
	ssregs->ss = regs->ss;
	ssregs->sp = regs->sp;
	ssregs->flags = regs->flags | X86_EFLAGS_RF;	/* as for any fault */
	ssregs->cs = regs->cs;
	ssregs->ip = regs->ip;
	ssregs->orig_ax = 0;	/* the error code of #SS for an address */
	__this_cpu_write(ukl_frame_fault, true);

	/* The IDT gate's entry state: no interrupts, no trap flag. */
	regs->flags &= ~(X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_NT |
			 X86_EFLAGS_RF);
	regs->ip = (unsigned long)asm_exc_stack_segment;
	regs->sp = (unsigned long)&ssregs->orig_ax;
	return true;
}

/**
 * ukl_nmi_ist_enter - protect an interrupted #PF entry from the NMI's faults
 * @regs: the NMI's pt_regs
 *
 * If the NMI came in while a #PF entry was still on the #PF IST stack, a
 * page fault in the NMI handler would push its frame over the interrupted
 * one.  Point the IST entry below the interrupted stack pointer until
 * ukl_nmi_ist_exit(), keeping the old entry in the word just below it.
 * The entry is moved by a word even when the NMI did not interrupt a #PF
 * entry, so that ukl_nmi_ist_exit() need not know.
 *
 * Context: noinstr, exc_nmi() on the NMI IST stack, before anything may
 * fault; NMIs do not nest there.
 */
noinstr void ukl_nmi_ist_enter(struct pt_regs *regs)
{
	unsigned long old_ist, new_ist;

	old_ist = __this_cpu_read(cpu_tss_rw.x86_tss.ist[IST_INDEX_PF]);
	if (!old_ist)		/* no IST stack set up yet */
		return;
	new_ist = old_ist;
	if (on_pf_ist_stack(regs->sp))
		new_ist = ALIGN_DOWN(regs->sp, 16);

	new_ist -= 16;		/* keeps the stack 16-byte aligned */
	*(unsigned long *)new_ist = old_ist;
	__this_cpu_write(cpu_tss_rw.x86_tss.ist[IST_INDEX_PF], new_ist);
}

/**
 * ukl_nmi_ist_exit - undo ukl_nmi_ist_enter()
 *
 * Context: noinstr, exc_nmi() on the NMI IST stack, after the handlers.
 */
noinstr void ukl_nmi_ist_exit(void)
{
	unsigned long ist = __this_cpu_read(cpu_tss_rw.x86_tss.ist[IST_INDEX_PF]);

	if (!ist)
		return;
	__this_cpu_write(cpu_tss_rw.x86_tss.ist[IST_INDEX_PF],
			 *(unsigned long *)ist);
}

/**
 * ukl_raise_lost_irqs - raise again interrupts whose delivery faulted
 *
 * An external interrupt that arrives while the application's stack
 * pointer sits just above a page that is not present faults while the CPU
 * pushes its frame: the CPU delivers the #PF instead and resumes the
 * interrupted instruction afterwards, but the interrupt, already accepted
 * by the local APIC (in service), is not delivered again and never gets
 * its EOI; the APIC then holds back every interrupt of its priority and
 * below, the local timer included.  Application context never runs inside
 * an interrupt handler, so a vector in service at such a fault can only be
 * one of these: end it and send it to this CPU again.  A level-triggered
 * one comes back by itself once it is ended, as long as its line is
 * asserted.
 *
 * Only a fault in the frame below the stack pointer can be one:
 * ukl_pf_leave_ist() sets ukl_frame_fault for it, and other faults do not
 * look at the APIC.
 *
 * Context: the page fault's irqentry_enter() in application context
 * (arch_ukl_enter_from_app()), interrupts off, before the fault is
 * handled.
 */
void ukl_raise_lost_irqs(void)
{
	int i;

	__this_cpu_write(ukl_frame_fault, false);
	if (!boot_cpu_has(X86_FEATURE_APIC))
		return;

	for (i = APIC_ISR_NR - 1; i >= 0; i--) {
		u32 isr = apic_read(APIC_ISR + i * 0x10);
		u32 tmr = isr ? apic_read(APIC_TMR + i * 0x10) : 0;

		while (isr) {
			int bit = fls(isr) - 1;

			isr &= ~BIT(bit);
			/* The EOI ends the highest vector in service: this one. */
			apic_eoi();
			if (!(tmr & BIT(bit)))
				__apic_send_IPI_self(i * 32 + bit);
		}
	}
}
