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
 *   process image.  mm->binfmt identifies UKL processes afterwards.
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

/* First bytes of a file whose execution starts the linked-in application. */
#define UKL_MAGIC	"\177UKL"
#define UKL_MAGIC_LEN	4

/* Where the kernel provides such a file in the rootfs (kernel/ukl/ukl.c). */
#define UKL_INIT_PATH	"/ukl"

struct pt_regs;
struct task_struct;

#ifdef CONFIG_UNIKERNEL_LINUX

/*
 * Defined by include/asm-generic/ukl.lds.h.  Addresses in the user range
 * are those the application's data was linked at; __ukl_load_start is where
 * the kernel image holds their initial contents until init memory is freed.
 */
extern char __ukl_image_start[], __ukl_data_end[], __ukl_image_end[];
extern char __ukl_load_start[];
extern char __ukl_tdata_start[], __ukl_tdata_end[], __ukl_tbss_end[];
extern char __ukl_tls_align[];
/* The application's entry point (its libc's _start), renamed by ukl-mkapp. */
extern char __ukl_app_entry[];

bool is_ukl_task(struct task_struct *tsk);
char *ukl_init_command(void);
void ukl_init_exit(int code);

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

#else /* !CONFIG_UNIKERNEL_LINUX */

static __always_inline bool ukl_app_regs(struct pt_regs *regs)
{
	return false;
}

static inline bool is_ukl_task(struct task_struct *tsk)
{
	return false;
}

static inline char *ukl_init_command(void)
{
	return NULL;
}

static inline void ukl_init_exit(int code) { }

#endif /* CONFIG_UNIKERNEL_LINUX */

#endif /* _LINUX_UKL_H */
