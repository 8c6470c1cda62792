/* SPDX-License-Identifier: MIT */
/*
 * UKL replacement for musl's arch/x86_64/syscall_arch.h.
 *
 * musl's src/internal/syscall.h includes this header with quotes, so
 * building with "-iquote tools/ukl/musl/include" puts this copy in front of
 * arch/x86_64/syscall_arch.h without touching the musl tree.
 *
 * Contract with the kernel (entry_SYSCALL_64_ukl, provided by the kernel):
 *
 *  - The application runs at CPL 0 and cannot use the syscall instruction.
 *    It calls the kernel entry instead, with exactly the register ABI of
 *    syscall: rax = number, arguments in rdi, rsi, rdx, r10, r8, r9,
 *    result in rax, rcx and r11 clobbered, every other register preserved.
 *
 *  - The call is always the 2-byte instruction "call *%rcx" with rcx
 *    holding the address of entry_SYSCALL_64_ukl, or of the entry of the
 *    thread's shortcut level (<ukl.h>).  It has the length of syscall, so
 *    the kernel's restart logic (saved ip -= 2) re-executes it; the
 *    kernel restores rcx from its saved value for that case.
 *
 *  - The call pushes its return address just below the caller's stack
 *    pointer.  The kernel returns with ret to that address when the system
 *    call left ip and sp alone, and with iret otherwise; either way the
 *    stack pointer after the call is the one before it, as after syscall.
 *    Nothing lives below the stack pointer (-mno-red-zone), so the push
 *    is harmless.
 *
 * There is no vDSO image in ring 0 (its code sits on a user page and the
 * kernel passes no AT_SYSINFO_EHDR).  The kernel links the functions of
 * its ring-0 vDSO with the application instead, and this header defines
 * the original's VDSO_CGT_SYM and VDSO_GETCPU_SYM, which select the vDSO
 * code paths, plus UKL_VDSO and the ring-0 vDSO functions, which
 * clock_gettime() and sched_getcpu() call (patches/0014).  Without
 * VDSO_USEFUL, __vdsosym(), which searches an ELF image, is not built.
 */

#define __SYSCALL_LL_E(x) (x)
#define __SYSCALL_LL_O(x) (x)

/* The system call instruction, UKL_SYSCALL_ASM of <ukl.h>. */
#include "ukl.h"

/*
 * The kernel entry to call: that of the calling thread's level, a
 * thread-local variable (builtins/ukl_level.c, <ukl.h>).  Code that runs
 * before the thread pointer is set defines SYSCALL_NO_TLS, as i386's
 * syscall_arch.h expects for its %gs:16 (src/env/__init_tls.c), and calls
 * entry_SYSCALL_64_ukl.  The entries are not C functions: reached only
 * through the asm below.
 */
#if SYSCALL_NO_TLS
extern char entry_SYSCALL_64_ukl[];

#define __UKL_ENTRY ((unsigned long)entry_SYSCALL_64_ukl)

static inline unsigned long __ukl_entry0(long n)
{
	return __UKL_ENTRY;
}
#else
extern __thread unsigned long __ukl_syscall_entry
	__attribute__((tls_model("local-exec")));
extern __thread unsigned long __ukl_leaf_entry
	__attribute__((tls_model("local-exec")));

#define __UKL_ENTRY (__ukl_syscall_entry)

/*
 * The system calls that the kernel runs without pt_regs when it can, at
 * the direct level (getpid(), getppid(), the uid and gid getters; the
 * kernel's ukl_leaf_call() lists them), call the thread's leaf entry:
 * entry_SYSCALL_64_ukl_leaf at the direct level, the level's otherwise.
 * The numbers are compile-time constants where libc makes these calls,
 * so the choice costs nothing.
 */
static inline unsigned long __ukl_entry0(long n)
{
	if (__builtin_constant_p(n) &&
	    (n == 39 || n == 110 || n == 186 || n == 102 || n == 107 ||
	     n == 104 || n == 108 || n == 111))
		return __ukl_leaf_entry;
	return __ukl_syscall_entry;
}
#endif

static inline long __syscall0(long n)
{
	unsigned long ret, entry = __ukl_entry0(n);

	__asm__ __volatile__ (UKL_SYSCALL_ASM
			      : "=a"(ret), "+c"(entry)
			      : "a"(n)
			      : "r11", "memory");
	return ret;
}

static inline long __syscall1(long n, long a1)
{
	unsigned long ret, entry = __UKL_ENTRY;

	__asm__ __volatile__ (UKL_SYSCALL_ASM
			      : "=a"(ret), "+c"(entry)
			      : "a"(n), "D"(a1)
			      : "r11", "memory");
	return ret;
}

static inline long __syscall2(long n, long a1, long a2)
{
	unsigned long ret, entry = __UKL_ENTRY;

	__asm__ __volatile__ (UKL_SYSCALL_ASM
			      : "=a"(ret), "+c"(entry)
			      : "a"(n), "D"(a1), "S"(a2)
			      : "r11", "memory");
	return ret;
}

static inline long __syscall3(long n, long a1, long a2, long a3)
{
	unsigned long ret, entry = __UKL_ENTRY;

	__asm__ __volatile__ (UKL_SYSCALL_ASM
			      : "=a"(ret), "+c"(entry)
			      : "a"(n), "D"(a1), "S"(a2), "d"(a3)
			      : "r11", "memory");
	return ret;
}

static inline long __syscall4(long n, long a1, long a2, long a3, long a4)
{
	register long r10 __asm__("r10") = a4;
	unsigned long ret, entry = __UKL_ENTRY;

	__asm__ __volatile__ (UKL_SYSCALL_ASM
			      : "=a"(ret), "+c"(entry)
			      : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10)
			      : "r11", "memory");
	return ret;
}

static inline long __syscall5(long n, long a1, long a2, long a3, long a4,
			      long a5)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	unsigned long ret, entry = __UKL_ENTRY;

	__asm__ __volatile__ (UKL_SYSCALL_ASM
			      : "=a"(ret), "+c"(entry)
			      : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10),
				"r"(r8)
			      : "r11", "memory");
	return ret;
}

/*
 * A system call through a given kernel entry: __syscall6() through the
 * thread's, the direct calls of <ukl.h> (builtins/ukl_level.c) through
 * that of the direct level.
 */
static inline long __ukl_syscall6_at(unsigned long entry, long n, long a1,
				     long a2, long a3, long a4, long a5,
				     long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	unsigned long ret;

	__asm__ __volatile__ (UKL_SYSCALL_ASM
			      : "=a"(ret), "+c"(entry)
			      : "a"(n), "D"(a1), "S"(a2), "d"(a3), "r"(r10),
				"r"(r8), "r"(r9)
			      : "r11", "memory");
	return ret;
}

static inline long __syscall6(long n, long a1, long a2, long a3, long a4,
			      long a5, long a6)
{
	return __ukl_syscall6_at(__UKL_ENTRY, n, a1, a2, a3, a4, a5, a6);
}

/*
 * The ring-0 vDSO (the kernel's arch/x86/entry/vdso/vdso_ukl.c): kernel
 * functions in the application's text, which clock_gettime() and
 * sched_getcpu() call directly where ring-3 musl calls the vDSO's through
 * a pointer (patches/0014).  Where the vDSO would make the system call
 * (clocks it does not read, a clock source without a vDSO mode, a time
 * namespace), they return -EOPNOTSUPP, and clock_gettime(), which makes
 * the system call after any error but EINVAL, makes it.
 */
#define VDSO_CGT_SYM "__vdso_clock_gettime"
#define VDSO_GETCPU_SYM "__vdso_getcpu"

#define UKL_VDSO 1

struct timespec;
int ukl_vdso_clock_gettime(int clock, struct timespec *ts);
long ukl_vdso_getcpu(unsigned *cpu, unsigned *node, void *unused);

#define IPC_64 0
