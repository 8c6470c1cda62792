// SPDX-License-Identifier: GPL-2.0
/*
 * UKL: the bypass and direct levels of the application's system calls.
 *
 * The ring-0 UKL application selects a level by the entry it calls
 * (Documentation/ukl/shortcuts.rst).  entry_SYSCALL_64_ukl_bypass and
 * entry_SYSCALL_64_ukl_direct build the same pt_regs on the task stack as
 * the base entry and call ukl_do_syscall_bypass() or
 * ukl_do_syscall_direct() instead of do_syscall_64().  Both run the system
 * call without the entry and exit work when no flag asks for it, and fall
 * back to the full path of do_syscall_64() otherwise:
 *
 * - on entry, when any SYSCALL_WORK_ENTER bit is set (seccomp, ptrace,
 *   audit, the syscall tracepoint, syscall user dispatch) or the number is
 *   not an x86-64 system call, do_syscall_64() runs the whole call;
 * - on exit, when a SYSCALL_WORK_EXIT bit is set,
 *   syscall_exit_to_user_mode() does the whole exit.
 *
 * What is always kept: pt_regs on the task stack, the context tracking and
 * lockdep bookkeeping of enter_from_user_mode() and exit_to_user_mode(),
 * and all of exit_to_user_mode_prepare(): the thread flags tested with
 * interrupts off, the work of exit_to_user_mode_loop() when one asks for
 * it (signals, rescheduling, notify-resume, uprobes, live patching), and
 * the x86 work of every exit (the FPU registers, the I/O bitmap, user
 * return notifiers, an IBPB that is due).  What is skipped: the kernel
 * stack offset randomization and, in the entry code, the mitigations
 * against predictions trained at a lower privilege (the application runs
 * in ring 0).
 *
 * The direct level differs from the bypass in the system call itself: for
 * read(), write(), sendto() and recvfrom() it calls the kernel functions
 * behind them (ksys_read(), ksys_write(), __sys_sendto(), __sys_recvfrom())
 * with the caller's registers as their C arguments, instead of the
 * dispatch through x64_sys_call() and the system call's pt_regs wrapper.
 * They are the functions the system calls run, so the locking, the
 * accounting (rchar/wchar, syscr/syscw), fsnotify and the LSM hooks are
 * the same.
 *
 * The ret level (ukl.ret=1, off by default, also writable at run time in
 * /sys/module/ukl/parameters/ret) is not a system call entry: it makes the
 * returns to the application from interrupts and exceptions (with a
 * signal handler to run, if the exit work set one up) take RET instead of
 * IRET where ukl_exit_prepare_ret() can prepare that.
 *
 * Last, where the application may be sent by its rt_sigreturn() or by a
 * tracer: ukl_app_may_run_at().
 */

#include <linux/context_tracking.h>
#include <linux/entry-common.h>
#include <linux/moduleparam.h>
#include <linux/nospec.h>
#include <linux/sched/signal.h>
#include <linux/socket.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>
#include <linux/ukl.h>

#include <asm/syscall.h>
#include <asm/text-patching.h>

#include <kunit/visibility.h>

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "ukl."

/**
 * ukl_bypass_exit_prepare - prepare the exit unless it has system call work
 * @regs: pt_regs of the system call
 *
 * Called by ukl_do_syscall_bypass() after the system call, with interrupts
 * enabled, in an instrumentation section.  Does what
 * syscall_exit_to_user_mode() does before exit_to_user_mode() when no
 * SYSCALL_WORK_EXIT bit asks for the one-time system call exit work, in
 * its order: rseq_syscall(), then, with interrupts off,
 * exit_to_user_mode_prepare(), which runs exit_to_user_mode_loop() only
 * when a thread flag asks for it.  A flag that a remote CPU sets after
 * that last test comes with an interrupt, which arrives in application
 * context once the entry code has enabled interrupts right before its RET,
 * and takes the exit work there.
 *
 * Context: process context of the application, interrupts enabled.
 * Return: true with interrupts disabled and the exit prepared; false, with
 * nothing done, for syscall_exit_to_user_mode() to do the whole exit.
 */
static __always_inline bool ukl_bypass_exit_prepare(struct pt_regs *regs)
{
	unsigned long work = READ_ONCE(current_thread_info()->syscall_work);

	if (unlikely(work & SYSCALL_WORK_EXIT))
		return false;
	/* syscall_exit_to_user_mode_prepare() warns and repairs that. */
	if (IS_ENABLED(CONFIG_PROVE_LOCKING) && irqs_disabled())
		return false;

	CT_WARN_ON(ct_state() != CT_STATE_KERNEL);
	rseq_syscall(regs);

	local_irq_disable_exit_to_user();
	exit_to_user_mode_prepare(regs);
	return true;
}

/**
 * ukl_direct_call - run a system call of the direct level
 * @regs: pt_regs of the system call
 * @nr: its number, checked against NR_syscalls and clamped by the caller
 *
 * The system calls of the direct level call their kernel function with
 * the arguments converted as their SYSCALL_DEFINE wrappers would; every
 * other one goes through x64_sys_call() as at the bypass level.
 *
 * Context: process context of the application, interrupts enabled.
 * Return: the system call's result.
 */
static __always_inline long ukl_direct_call(struct pt_regs *regs,
					    unsigned int nr)
{
	switch (nr) {
	case __NR_read:
		return ksys_read(regs->di, (char __user *)regs->si, regs->dx);
	case __NR_write:
		return ksys_write(regs->di, (const char __user *)regs->si,
				  regs->dx);
#ifdef CONFIG_NET
	case __NR_sendto:
		return __sys_sendto(regs->di, (void __user *)regs->si, regs->dx,
				    regs->r10,
				    (struct sockaddr __user *)regs->r8,
				    regs->r9);
	case __NR_recvfrom:
		return __sys_recvfrom(regs->di, (void __user *)regs->si,
				      regs->dx, regs->r10,
				      (struct sockaddr __user *)regs->r8,
				      (int __user *)regs->r9);
#endif
	}
	return x64_sys_call(regs, nr);
}

/*
 * The body of ukl_do_syscall_bypass() and ukl_do_syscall_direct(), which
 * differ in @direct, a constant.
 */
static __always_inline bool ukl_do_syscall_shortcut(struct pt_regs *regs,
						    int nr, bool direct)
{
	unsigned long work = READ_ONCE(current_thread_info()->syscall_work);
	struct ukl_syscall_return ret = ukl_syscall_return(regs);
	unsigned int unr = nr;

	if (unlikely(work & SYSCALL_WORK_ENTER) || unlikely(unr >= NR_syscalls))
		return ukl_do_syscall_64(regs, nr);

	enter_from_user_mode(regs);

	instrumentation_begin();
	local_irq_enable();
	unr = array_index_nospec(unr, NR_syscalls);
	if (direct)
		regs->ax = ukl_direct_call(regs, unr);
	else
		regs->ax = x64_sys_call(regs, unr);

	if (unlikely(!ukl_bypass_exit_prepare(regs))) {
		instrumentation_end();
		syscall_exit_to_user_mode(regs);
	} else {
		instrumentation_end();
		exit_to_user_mode();
	}
	return ukl_syscall_can_ret(regs, &ret);
}

/**
 * ukl_do_syscall_bypass - run a system call of the bypass level
 * @regs: pt_regs that entry_SYSCALL_64_ukl_bypass built on the task stack
 * @nr: the system call number, sign-extended from its low 32 bits
 *
 * Called by entry_SYSCALL_64_ukl_bypass with interrupts disabled, on the
 * task stack, in place of ukl_do_syscall_64() (do_syscall_64() but for
 * the return), and returns like it with interrupts disabled and the exit
 * work done; the entry code then returns to the application.  The order
 * is that of do_syscall_64(): the work
 * flags of the entry are read first, before anything is done that the
 * full path would do again; enter_from_user_mode() (context tracking,
 * lockdep) comes before interrupts are enabled and before any instrumented
 * code; the system call runs with interrupts enabled; and the exit either
 * is the whole of syscall_exit_to_user_mode(), or, when no system call
 * exit work is due, ukl_bypass_exit_prepare() and exit_to_user_mode().
 *
 * Context: the application's system call, interrupts disabled, noinstr.
 * Return: ukl_syscall_can_ret(): true if the return may be a RET.
 */
__visible noinstr bool ukl_do_syscall_bypass(struct pt_regs *regs, int nr)
{
	return ukl_do_syscall_shortcut(regs, nr, false);
}

/**
 * ukl_do_syscall_direct - run a system call of the direct level
 * @regs: pt_regs that entry_SYSCALL_64_ukl_direct built on the task stack
 * @nr: the system call number, sign-extended from its low 32 bits
 *
 * Called by entry_SYSCALL_64_ukl_direct like ukl_do_syscall_bypass(), and
 * the same but for the system call itself, which ukl_direct_call() runs:
 * read(), write(), sendto() and recvfrom() call their kernel functions
 * directly.  The fallback to do_syscall_64() on entry, to
 * syscall_exit_to_user_mode() on exit, and the restart of an interrupted
 * call (pt_regs->orig_ax, ip - 2) are those of every level.
 *
 * Context: the application's system call, interrupts disabled, noinstr.
 * Return: ukl_syscall_can_ret(): true if the return may be a RET.
 */
__visible noinstr bool ukl_do_syscall_direct(struct pt_regs *regs, int nr)
{
	return ukl_do_syscall_shortcut(regs, nr, true);
}

/*
 * Whether a leaf call may skip the entry and exit work: none is pending
 * (syscall work for seccomp, ptrace, audit, tracepoints or syscall user
 * dispatch; exit work, generic or of x86, such as an IBPB before the
 * return: exit_to_user_mode_work_pending()), and context tracking does not
 * run on this CPU (nohz_full), where the application runs in an RCU
 * extended quiescent state until enter_from_user_mode().
 */
static __always_inline bool ukl_leaf_no_work(void)
{
	if (READ_ONCE(current_thread_info()->syscall_work) ||
	    exit_to_user_mode_work_pending(read_thread_flags()))
		return false;
	return !context_tracking_enabled_this_cpu();
}

/*
 * The leaf calls: no arguments, no pt_regs, no sleeping, nothing to leave
 * for the exit work.  Their SYSCALL_DEFINE0 wrappers ignore pt_regs; like
 * the system call table (syscall_64.c), declare them here.
 */
#define UKL_LEAF(sym)	long __x64_##sym(const struct pt_regs *regs)
UKL_LEAF(sys_getpid);
UKL_LEAF(sys_getppid);
UKL_LEAF(sys_gettid);
UKL_LEAF(sys_getuid);
UKL_LEAF(sys_geteuid);
UKL_LEAF(sys_getgid);
UKL_LEAF(sys_getegid);
UKL_LEAF(sys_getpgrp);
#undef UKL_LEAF

static __always_inline bool ukl_leaf_call(int nr, long *ret)
{
	switch (nr) {
	case __NR_getpid:
		*ret = __x64_sys_getpid(NULL);
		return true;
	case __NR_getppid:
		*ret = __x64_sys_getppid(NULL);
		return true;
	case __NR_gettid:
		*ret = __x64_sys_gettid(NULL);
		return true;
	case __NR_getuid:
		*ret = __x64_sys_getuid(NULL);
		return true;
	case __NR_geteuid:
		*ret = __x64_sys_geteuid(NULL);
		return true;
	case __NR_getgid:
		*ret = __x64_sys_getgid(NULL);
		return true;
	case __NR_getegid:
		*ret = __x64_sys_getegid(NULL);
		return true;
	case __NR_getpgrp:
		*ret = __x64_sys_getpgrp(NULL);
		return true;
	}
	return false;
}

/**
 * ukl_do_syscall_leaf - run a leaf call without pt_regs, or decline
 * @ax: rax of the call: the system call number
 *
 * Called by entry_SYSCALL_64_ukl_leaf, which the ring-0 C library calls
 * at the direct level for getpid() and the other system calls of
 * ukl_leaf_call(), on the task stack with interrupts disabled, and
 * without pt_regs: the call runs with interrupts off, and none of the
 * entry and exit work.  It declines, for the direct level's full path,
 * any other number, and any call when there is work to do
 * (ukl_leaf_no_work()); work that arrives meanwhile, from another CPU,
 * comes with an interrupt, taken in application context after the
 * return.  Lockdep and the irqsoff tracer see interrupts go off and on
 * as at the other levels; context tracking needs nothing, as it does not
 * run on this CPU.
 *
 * Context: the application's system call, interrupts disabled, noinstr.
 * Return: .done true and the system call's result in .ret; or .done
 * false and @ax in .ret.
 */
__visible noinstr struct ukl_leaf_result ukl_do_syscall_leaf(unsigned long ax)
{
	struct ukl_leaf_result r = { .ret = ax };

	if (!ukl_leaf_no_work())
		return r;

	lockdep_hardirqs_off(CALLER_ADDR0);
	instrumentation_begin();
	trace_hardirqs_off_finish();
	r.done = ukl_leaf_call(ax, &r.ret);
	trace_hardirqs_on_prepare();
	lockdep_hardirqs_on_prepare();
	instrumentation_end();
	lockdep_hardirqs_on(CALLER_ADDR0);
	return r;
}

DEFINE_STATIC_KEY_FALSE(ukl_ret_key);

/*
 * The stack pointer of the return to application context that
 * ukl_exit_prepare_ret() prepared on this CPU, or 0.  Set with interrupts
 * off right before the return from an interrupt or exception, which ends
 * in ukl_restore_regs_and_return_to_kernel and so in ukl_ret_to_app,
 * which consumes it.  System call returns never set it, nor do the
 * returns of paranoid_exit, which may have put back the user's GS and
 * do not look at it.
 */
DEFINE_PER_CPU(unsigned long, ukl_ret_sp);

/**
 * ukl_exit_prepare_ret - prepare the return to application context with RET
 * @regs: pt_regs of the return
 *
 * Called by irqentry_exit() when the ret level is on, on the return from
 * an interrupt or exception to application context (never to ring 3),
 * with interrupts disabled, after the exit work (which may have
 * set up a signal frame): nothing changes @regs any more.  Returns from
 * system calls do not come here: their own return is a RET already when
 * it can be.
 *
 * RET needs the return address in the word below the stack pointer it
 * returns to, which the application leaves free (it is built without a
 * red zone; interrupt frames land there).  That word is written here, in
 * C with page faults disabled, so that a stack page that is not present,
 * or is copy-on-write after fork(), makes the write fail instead of
 * faulting in the entry code; the return then takes IRET.  So does a
 * return that would enable interrupts from a context that had them off,
 * one that must set the resume or the trap flag (after an instruction
 * breakpoint, for a single step), and one to the bottom word of a signal
 * stack, whose word below is not the application's.
 *
 * Context: the exit to user mode or application context, interrupts
 * disabled.
 */
void ukl_exit_prepare_ret(struct pt_regs *regs)
{
	unsigned long __user *slot;
	unsigned long sp = 0;
	int err;

	if (user_mode(regs))
		return;
	slot = (unsigned long __user *)regs->sp - 1;
	if ((regs->flags & X86_EFLAGS_IF) &&
	    !(regs->flags & (X86_EFLAGS_RF | X86_EFLAGS_TF)) &&
	    (!on_sig_stack(regs->sp) || on_sig_stack((unsigned long)slot))) {
		pagefault_disable();
		err = put_user(regs->ip, slot);
		pagefault_enable();
		if (!err)
			sp = regs->sp;
	}
	this_cpu_write(ukl_ret_sp, sp);
}

static int ukl_ret_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int ret = kstrtobool(val, &on);

	if (ret)
		return ret;
	if (on)
		static_branch_enable(&ukl_ret_key);
	else
		static_branch_disable(&ukl_ret_key);
	return 0;
}

static int ukl_ret_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%c\n",
			  static_key_enabled(&ukl_ret_key) ? 'Y' : 'N');
}

static const struct kernel_param_ops ukl_ret_ops = {
	.set = ukl_ret_set,
	.get = ukl_ret_get,
};
module_param_cb(ret, &ukl_ret_ops, NULL, 0644);
MODULE_PARM_DESC(ret, "Return to the UKL application with RET instead of IRET where possible");

/**
 * ukl_its_thunk_insn - tell whether bytes are an ITS thunk of the kernel
 * @insn: four bytes
 *
 * With the ITS mitigation, the kernel sends an indirect branch that lies
 * in the lower half of a cacheline through a thunk "jmp *%reg; int3" of
 * its own (its_allocate_thunk()).
 *
 * Context: any.
 * Return: true if @insn starts with such a thunk.
 */
VISIBLE_IF_KUNIT bool ukl_its_thunk_insn(const u8 *insn)
{
	if (insn[0] == 0x41)		/* REX.B: r8 to r15 */
		insn++;
	return insn[0] == 0xff && (insn[1] & 0xf8) == 0xe0 &&
	       insn[2] == INT3_INSN_OPCODE;
}
EXPORT_SYMBOL_IF_KUNIT(ukl_its_thunk_insn);

/**
 * __ukl_signal_in_entry - let a signal find the application in its own code
 * @ksig: the signal about to be delivered
 * @regs: the task's registers, with ip in the application context of
 *        entry_64_ukl.S
 *
 * An interrupt or exception in application context may find the
 * application in the kernel's entry code (see arch_ukl_app_regs()), and
 * its exit work deliver a signal there.  The handler must find it in its
 * own code, where a ring-3 handler finds a program before or after its
 * SYSCALL, and the return from the handler must go on from there:
 *
 * In a system call entry before its CLI (an interrupt there), the system
 * call has not begun: undo the call, so that the handler finds the
 * application at its call and the return from the handler makes the call
 * again.  A SIGTRAP stays where it came: it is the trap of an
 * instruction, such as the call's write to a watched word, reported
 * after it.
 *
 * At the STI or the RET of entry_SYSCALL_64_ukl_app_ret (a fault of the
 * RET's load of its return address, whose page reclaim took, or a
 * machine check), the system call or the interrupted code is done: do
 * the RET, so that the handler finds the application where it returns
 * to, with interrupts on.
 *
 * C libraries rely on this: musl's thread cancellation acts on a signal
 * only at an address in the range of a cancellable system call, which
 * ends at the return address of its call.
 *
 * The handler finds the entry's address, which sigreturn accepts
 * (ukl_app_code()), when the return address cannot be read or is not one
 * the application may run at (ukl_app_may_run_at()): the registers must
 * never name a place the application may not be returned to, and the
 * RET, or the call, runs again from there.  At the ret level the RET's
 * target may itself be an entry before its CLI, the instruction an
 * interrupt found: the handler then finds that.
 *
 * Context: signal delivery to the current task, before its frame is set up.
 */
void __ukl_signal_in_entry(struct ksignal *ksig, struct pt_regs *regs)
{
	bool in_call = regs->ip >= (unsigned long)entry_SYSCALL_64_ukl_leaf;
	unsigned long ret, ip;

	if (!is_ukl_task(current) || (in_call && ksig->sig == SIGTRAP) ||
	    get_user(ret, (unsigned long __user *)regs->sp))
		return;
	/* The two-byte "call *%rcx" of the entry's ABI (entry_64_ukl.S). */
	ip = in_call ? ret - 2 : ret;
	if (!ukl_app_may_run_at(ip))
		return;
	regs->ip = ip;
	regs->sp += 8;
	if (!in_call)
		regs->flags |= X86_EFLAGS_IF;
}

/**
 * ukl_app_may_run_at - tell whether the application may be sent to an address
 * @ip: an instruction pointer that a tracer or a signal frame gives it
 *
 * The application's code (ukl_app_code()), and the kernel's per-site ITS
 * thunks, which the kernel gives the application's indirect branches as
 * its own on CPUs that need them: they lie on pages of module text that
 * the kernel does not count as text, and an interrupt may find the
 * application on one, to be returned to after a signal.  Elsewhere the
 * application would run kernel code, fetch from a user page (which SMEP
 * forbids in ring 0) or from kernel data.
 *
 * Context: process context, the tracer's or the task's own.
 * Return: true if @ip may be the application's instruction pointer.
 */
bool ukl_app_may_run_at(unsigned long ip)
{
	u8 insn[4] = { };

	if (ukl_app_code(ip))
		return true;
	/* A thunk may end a page: read its fourth byte only for REX.B. */
	if (!cpu_feature_enabled(X86_FEATURE_INDIRECT_THUNK_ITS) ||
	    ip < MODULES_VADDR || ip >= MODULES_END - sizeof(insn) ||
	    copy_from_kernel_nofault(insn, (void *)ip, 3) ||
	    (insn[0] == 0x41 &&
	     copy_from_kernel_nofault(insn + 3, (void *)(ip + 3), 1)))
		return false;
	return ukl_its_thunk_insn(insn);
}
