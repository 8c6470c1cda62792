/* SPDX-License-Identifier: MIT */
/*
 * <ukl.h>: the shortcut levels of a UKL application's system calls.
 *
 * Installed with the ring-0 musl (scripts/ukl-dev/musl.sh); an application
 * linked into the kernel with scripts/ukl/ukl-mkapp includes it.  The level
 * is a property of the calling thread only in the C library: it chooses
 * the kernel entry that every system call of libc's C code calls (see
 * syscall_arch.h next to this file).  The kernel keeps no state for it,
 * and each of its entries is correct for every system call whatever the
 * level; Documentation/ukl/shortcuts.rst describes them.
 *
 *   UKL_LEVEL_BASE    entry_SYSCALL_64_ukl: the full entry and exit work
 *                     of every system call (the default).
 *   UKL_LEVEL_BYPASS  entry_SYSCALL_64_ukl_bypass: skips the entry and exit
 *                     work when there is none to do (no seccomp, ptrace,
 *                     audit or tracepoint, no pending signal, reschedule,
 *                     FPU reload ...), the full path otherwise.
 *   UKL_LEVEL_DIRECT  entry_SYSCALL_64_ukl_direct: the bypass, and read(),
 *                     write(), sendto() and recvfrom() call the kernel
 *                     functions behind them directly; getpid(), getppid()
 *                     and the uid and gid getters are leaf calls
 *                     (entry_SYSCALL_64_ukl_leaf), without pt_regs.
 *
 * The level belongs to a thread.  A new thread starts at the level of the
 * thread that created it, fork() keeps it, and a newly executed
 * application starts at the value of the environment variable UKL_LEVEL
 * ("base", "bypass" or "direct"), or at UKL_LEVEL_BASE.  The system calls
 * of libc's C code and its cancellation points (read(), write(), ...)
 * follow it; those that libc makes in other assembly (thread creation,
 * vfork, sigreturn) or before the thread pointer is set (the TLS setup)
 * always use the base level.
 */
#ifndef _UKL_H
#define _UKL_H

#ifdef __cplusplus
extern "C" {
#endif

/*
 * UKL_SYSCALL_ASM - the system call instruction, for extended inline asm
 * that makes a system call itself, as libc's syscall() does: "call *%rcx"
 * with rcx holding a kernel entry (entry_SYSCALL_64_ukl, or that of a
 * level) and the other registers as for the syscall instruction.  It must
 * stay two bytes long: the kernel restarts a system call by executing
 * the instruction two bytes before the return address again.
 *
 * A kernel with retpolines sends every other indirect branch of ring-0
 * code through its thunks, and objtool rejects one that does not unless
 * an entry in .discard.retpoline_safe vouches for it (the kernel's
 * ANNOTATE_RETPOLINE_SAFE).  This one has that entry: its target is
 * always one of the kernel's UKL entries.
 */
#define UKL_SYSCALL_ASM					\
	"999:	call *%%rcx\n\t"			\
	".pushsection .discard.retpoline_safe\n\t"	\
	".long 999b\n\t"				\
	".popsection\n\t"

#define UKL_LEVEL_BASE		0
#define UKL_LEVEL_BYPASS	1
#define UKL_LEVEL_DIRECT	2

/*
 * ukl_set_level() - select the level of the calling thread's system calls
 * Return: 0, or -1 if @level is not one of the UKL_LEVEL_* values (the
 * level is unchanged then).
 */
int ukl_set_level(int level);

/* ukl_get_level() - the calling thread's level, a UKL_LEVEL_* value */
int ukl_get_level(void);

/*
 * The direct calls: read(2), write(2), send(2) and recv(2) through the
 * entry of the direct level, whatever the thread's level, without errno.
 * Return: what the system call returns, a byte count or a negative errno
 * value (-EINTR, -EAGAIN, ...).  They are not cancellation points.
 */
long ukl_read(int fd, void *buf, unsigned long count);
long ukl_write(int fd, const void *buf, unsigned long count);
long ukl_send(int fd, const void *buf, unsigned long len, int flags);
long ukl_recv(int fd, void *buf, unsigned long len, int flags);

#ifdef __cplusplus
}
#endif

#endif /* _UKL_H */
