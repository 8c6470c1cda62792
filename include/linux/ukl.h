/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unikernel Linux (UKL): one application linked into vmlinux and run in
 * ring 0 as an ordinary Linux process.
 *
 * The contract, in short (Documentation/ukl/design.rst has the long form):
 *
 * - The application image is split.  Its code is part of the kernel text.
 *   Its data (rodata, data, TLS image, bss) is linked at a fixed *user*
 *   address range and stored in the kernel image only as a load image; every
 *   process that executes the application gets a private copy mapped at
 *   that range.  Pointers the application passes to system calls are
 *   therefore ordinary user pointers and the kernel's user-pointer checks
 *   apply to them unchanged; kernel pointers still fail with -EFAULT.
 *
 * - A process becomes a UKL process by execve() of a file that starts with
 *   %UKL_MAGIC; the UKL binary format handler (fs/binfmt_ukl.c) builds the
 *   process image, with the arguments and environment strings that the
 *   file may carry after the magic.  mm->binfmt identifies UKL processes
 *   afterwards.
 *
 * - The application enters the kernel with a call instead of the syscall
 *   instruction; the arch entry code builds honest pt_regs (kernel CS) and
 *   runs the normal system call entry and exit work.
 *
 * - Code outside UKL never tests CONFIG_UNIKERNEL_LINUX: it calls the
 *   functions below, which without it are stubs that say "not UKL"
 *   (ukl_app_regs() and is_ukl_task() false, ukl_init_command() NULL,
 *   ukl_init_exit() nothing) and compile away.
 */
#ifndef _LINUX_UKL_H
#define _LINUX_UKL_H

#include <linux/types.h>
#include <linux/sched/signal.h>
#include <asm/ptrace.h>

struct perf_event;
struct perf_event_attr;

/* First bytes of a file whose execution starts the linked-in application. */
#define UKL_MAGIC	"\177UKL"
#define UKL_MAGIC_LEN	4

/* Where the kernel provides such a file in the rootfs (kernel/ukl/ukl.c). */
#define UKL_INIT_PATH	"/ukl"

/*
 * The 9p mount tag of the host directory that ukl.share= mounts
 * (kernel/ukl/ukl.c), as the host exports it (ukl-run.sh --share).
 */
#define UKL_SHARE_TAG	"ukl-share"

/*
 * Such a file may carry arguments and environment strings for the
 * application after %UKL_MAGIC, of any content (scripts/ukl/ukl-rootfs
 * writes them): each is a tag, then the string, then a NUL.
 */
#define UKL_TAG_ARG	'a'	/* an argument, after argv[0] */
#define UKL_TAG_ENV	'e'	/* an environment string */

struct pt_regs;
struct task_struct;

#ifdef CONFIG_UNIKERNEL_LINUX

/*
 * Defined by arch/x86/kernel/vmlinux.lds.S.  Addresses in the user range
 * are those the application's data was linked at; __ukl_load_start is where
 * the kernel image holds their initial contents until init memory is freed.
 */
extern char __ukl_image_start[], __ukl_rodata_end[], __ukl_data_end[];
extern char __ukl_image_end[];
extern char __ukl_load_start[];
extern char __ukl_tdata_start[], __ukl_tdata_end[], __ukl_tbss_end[];
extern char __ukl_tls_align[];
/* The application's entry point (its libc's _start), renamed by ukl-mkapp. */
extern char __ukl_app_entry[];

/**
 * struct ukl_layout - where the application was linked
 * @entry: its entry point, in the kernel text (__ukl_app_entry)
 * @image_start: start of its data range, a user address (__ukl_image_start)
 * @rodata_end: end of its read-only data, page aligned (__ukl_rodata_end)
 * @data_end: end of the initialized data, the TLS image included
 *	(__ukl_data_end)
 * @image_end: end of the data range, bss included (__ukl_image_end)
 * @tdata_start: start of the TLS initialization image (__ukl_tdata_start)
 * @tdata_end: end of the TLS initialization image (__ukl_tdata_end)
 * @tbss_end: end of the TLS segment, zero-initialized part included
 *	(__ukl_tbss_end)
 * @tls_align: alignment of the TLS segment (__ukl_tls_align)
 *
 * fs/binfmt_ukl.c builds the process image from this, so that the
 * computations can be checked with other values than the linked ones.
 */
struct ukl_layout {
	unsigned long entry;
	unsigned long image_start;
	unsigned long rodata_end;
	unsigned long data_end;
	unsigned long image_end;
	unsigned long tdata_start;
	unsigned long tdata_end;
	unsigned long tbss_end;
	unsigned long tls_align;
};

/* The program headers synthesized for the application, in this order. */
enum {
	UKL_PHDR_RODATA, UKL_PHDR_LOAD, UKL_PHDR_TLS, UKL_PHDR_STACK,
	UKL_NR_PHDRS
};

/* Words of the application's aux vector: 19 entries and AT_NULL. */
#define UKL_AUXV_WORDS	40

/* What ukl.exit= selects to happen when the application exits as init. */
enum ukl_exit_action {
	UKL_EXIT_POWEROFF,
	UKL_EXIT_HALT,
	UKL_EXIT_REBOOT,
	UKL_EXIT_PANIC,
};

/**
 * struct ukl_stack_layout - where the initial stack's contents go
 * @platform: the AT_PLATFORM string
 * @random: the 16 AT_RANDOM bytes
 * @phdrs: the synthesized program headers
 * @sp: the initial stack pointer: argc, argv[], envp[], auxv[]
 */
struct ukl_stack_layout {
	unsigned long platform;
	unsigned long random;
	unsigned long phdrs;
	unsigned long sp;
};

/**
 * struct ukl_auxv_values - the variable values of the aux vector
 * @minsigstksz: AT_MINSIGSTKSZ, arch_ukl_minsigstksz()
 * @hwcap: AT_HWCAP
 * @hwcap2: AT_HWCAP2, arch_ukl_hwcap2()
 * @phdrs: AT_PHDR, the user address of the program headers
 * @entry: AT_ENTRY
 * @uid: AT_UID, in the caller's user namespace
 * @euid: AT_EUID
 * @gid: AT_GID
 * @egid: AT_EGID
 * @secure: AT_SECURE
 * @random: AT_RANDOM, the user address of 16 random bytes
 * @execfn: AT_EXECFN, the user address of the executed file's name
 * @platform: AT_PLATFORM, the user address of the ELF_PLATFORM string
 */
struct ukl_auxv_values {
	unsigned long minsigstksz;
	unsigned long hwcap;
	unsigned long hwcap2;
	unsigned long phdrs;
	unsigned long entry;
	unsigned long uid;
	unsigned long euid;
	unsigned long gid;
	unsigned long egid;
	unsigned long secure;
	unsigned long random;
	unsigned long execfn;
	unsigned long platform;
};

bool is_ukl_task(struct task_struct *tsk);
bool ukl_ptrace_may_access(struct task_struct *task, unsigned int mode);
bool ukl_mm_may_access(struct mm_struct *mm, unsigned int mode);
char *ukl_init_command(void);
void ukl_init_exit(int code, bool group_dead);
void ukl_init_reaper_gone(struct task_struct *father);
bool ukl_bp_on_app_code(struct perf_event *bp, const struct perf_event_attr *attr);

#if IS_ENABLED(CONFIG_KUNIT)
/*
 * Helpers of fs/binfmt_ukl.c and kernel/ukl/ukl.c, static without KUnit,
 * for the tests in kernel/ukl/ukl_kunit.c.
 */
#include <linux/elf.h>

struct mm_struct;

void ukl_get_layout(struct ukl_layout *l);
void ukl_fill_phdrs(struct elf_phdr *ph, const struct ukl_layout *l);
int ukl_fill_auxv(unsigned long *auxv, size_t len,
		  const struct ukl_auxv_values *v);
void ukl_layout_stack(struct ukl_stack_layout *s, unsigned long p,
		      size_t platform_len, int argc, int envc, int auxv_words);
void ukl_set_mm_layout(struct mm_struct *mm, const struct ukl_layout *l);
int ukl_count_strings(const char *buf, size_t len, int *argc, int *envc,
		      size_t *bad);
int ukl_parse_exit(const char *str);
int ukl_decode_exit(int code, bool *signaled);
bool ukl_bp_in_app_text(const struct perf_event_attr *attr);
#endif /* CONFIG_KUNIT */

#include <asm/ukl.h>

/**
 * ukl_app_regs - tell whether pt_regs were saved in application context
 * @regs: registers saved on entry to the kernel
 *
 * The application runs in ring 0, so user_mode() is false for it.  Entry
 * code that must treat the application like user space (interrupt and
 * exception entry and exit, signals for its faults) asks this instead.
 *
 * Context: any; noinstr-safe.
 * Return: true if @regs were saved while application code ran.
 */
static __always_inline bool ukl_app_regs(struct pt_regs *regs)
{
	return arch_ukl_app_regs(regs);
}

/**
 * ukl_enter_from_app - the architecture's first step in application context
 * @regs: pt_regs of an interrupt or exception for which ukl_app_regs() is true
 *
 * Context: irqentry_enter(), interrupts disabled, after
 * irqentry_enter_from_user_mode(), before the handler (x86: interrupts
 * whose delivery faulted on the application's stack are raised again).
 */
static __always_inline void ukl_enter_from_app(struct pt_regs *regs)
{
	arch_ukl_enter_from_app(regs);
}

/**
 * ukl_exit_prepare - the last step of the exit from an interrupt or exception
 * @regs: pt_regs of the return to application context
 *
 * Context: irqentry_exit() for application context, interrupts disabled,
 * after the exit work, before exit_to_user_mode() (x86: the ret level
 * prepares a return to application context with RET).  Returns to ring 3
 * do not come here.
 */
static __always_inline void ukl_exit_prepare(struct pt_regs *regs)
{
	arch_ukl_exit_prepare(regs);
}

#else /* !CONFIG_UNIKERNEL_LINUX */

static __always_inline void ukl_exit_prepare(struct pt_regs *regs) { }

static __always_inline void ukl_enter_from_app(struct pt_regs *regs) { }

static __always_inline bool ukl_app_regs(struct pt_regs *regs)
{
	return false;
}

static inline bool is_ukl_task(struct task_struct *tsk)
{
	return false;
}

static inline bool ukl_ptrace_may_access(struct task_struct *task,
					 unsigned int mode)
{
	return true;
}

static inline bool ukl_mm_may_access(struct mm_struct *mm, unsigned int mode)
{
	return true;
}

static inline char *ukl_init_command(void)
{
	return NULL;
}

static inline void ukl_init_exit(int code, bool group_dead) { }
static inline void ukl_init_reaper_gone(struct task_struct *father) { }

static inline bool ukl_bp_on_app_code(struct perf_event *bp,
				      const struct perf_event_attr *attr)
{
	return false;
}

#endif /* CONFIG_UNIKERNEL_LINUX */

/**
 * ukl_user_mode - tell whether pt_regs were saved in user mode or application context
 * @regs: registers saved on entry to the kernel
 *
 * user_mode() for code that decides whether an interrupt or exception hit
 * user space: ring 3, or the UKL application, which is user space that
 * runs in ring 0.  Such an entry takes the user-mode entry and exit work,
 * and its faults are signals to the process.  Without
 * CONFIG_UNIKERNEL_LINUX this is user_mode().
 *
 * Context: any; noinstr-safe.
 * Return: true if @regs were saved in ring 3 or while application code ran.
 */
static __always_inline bool ukl_user_mode(struct pt_regs *regs)
{
	return user_mode(regs) || ukl_app_regs(regs);
}

/**
 * ukl_fault_signal_pending - fault_signal_pending() for application context too
 * @fault: what handle_mm_fault() returned
 * @regs: registers of the page fault
 *
 * A fault that must be retried gives up when a signal is pending: for user
 * mode and for the application any signal, which the exit work then
 * delivers before the access faults again (a fault waiting in
 * handle_userfault() retries for as long as the signal is pending
 * otherwise); for the kernel's own accesses only a fatal one.  Without
 * CONFIG_UNIKERNEL_LINUX this is fault_signal_pending().
 *
 * Context: the architecture's page fault handler, after handle_mm_fault().
 * Return: true if the handler must return instead of retrying.
 */
static inline bool ukl_fault_signal_pending(vm_fault_t fault,
					    struct pt_regs *regs)
{
	if (fault_signal_pending(fault, regs))
		return true;
	/* Only then, so that a fault of ring 3 pays nothing for it. */
	return unlikely((fault & VM_FAULT_RETRY) && ukl_app_regs(regs) &&
			signal_pending(current));
}

#endif /* _LINUX_UKL_H */
