// SPDX-License-Identifier: GPL-2.0
/*
 * UKL: the ring-0 vDSO of the application.
 *
 * A ring-3 process reads the time without a system call through the
 * vDSO's __vdso_clock_gettime() and __vdso_getcpu().  The UKL application
 * runs in ring 0 with no vDSO image (Documentation/ukl/vdso.rst): the same
 * lib/vdso code, built here into the application's text, gives it the two
 * functions its C library calls where ring-3 musl calls the vDSO's.  The
 * application's musl calls them directly, where ring-3 musl looks the
 * vDSO's up with __vdsosym() and calls them through a pointer.
 *
 * The functions run in application context, like the application's own
 * code: their declarations in <asm/ukl.h> put their text in the
 * application's range (__ukl_app_text), so an
 * interrupt, a page fault on the caller's buffer or a preemption is taken
 * as from user mode.  Hence everything here is inlined into the two
 * functions, and the object is built like the application: without
 * instrumentation, and with the kernel's return thunks, which the
 * application runs as its own code, as its only calls, so that it never
 * runs kernel text outside its code (see the Makefile).
 *
 * They differ from the vDSO image's where a system call would be made
 * (<asm/vdso/gettimeofday_ukl.h>): for a clock that lib/vdso does not
 * handle, a clock source without a vDSO mode or a task in a time
 * namespace, they return -EOPNOTSUPP and the C library makes the call.
 * A pointer outside user space, which they could write in ring 0, gets
 * the system call's EFAULT.
 */
#define BUILD_VDSO_UKL

#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/time_namespace.h>
#include <linux/ukl.h>
#include <asm/segment.h>

#include "../../../../lib/vdso/gettimeofday.c"

/*
 * A task in a time namespace other than the initial one: its clocks have
 * offsets that only the namespace's own vvar page (the ring-3 vDSO's
 * view) and the system call apply.  Only the task itself changes its
 * nsproxy, so reading it from the task needs no lock.
 */
static __always_inline bool ukl_vdso_in_time_ns(void)
{
	return IS_ENABLED(CONFIG_TIME_NS) &&
	       current->nsproxy->time_ns != &init_time_ns;
}

/**
 * ukl_vdso_clock_gettime - clock_gettime() of the ring-0 vDSO
 * @clock: the clock
 * @ts: where to store its time, in the application's memory
 *
 * Context: Application context (called by the application, in its text
 * range); preemptible, on the application's stack.  A fault on @ts is the
 * application's.  A kernel address in @ts is the system call's EFAULT:
 * ring 0 could write there, where the vDSO image faults.
 *
 * Return: 0, or -EOPNOTSUPP when the system call must answer: a clock that
 * lib/vdso does not read (the CPU-time clocks, an invalid one), a clock
 * source without a usable counter, a task in a time namespace, or @ts
 * outside user space.
 */
int ukl_vdso_clock_gettime(clockid_t clock, struct __kernel_timespec *ts)
{
	if (!access_ok((void __user *)ts, sizeof(*ts)) || ukl_vdso_in_time_ns() ||
	    __cvdso_clock_gettime_common(__arch_get_vdso_data(), clock, ts))
		return -EOPNOTSUPP;
	return 0;
}

/**
 * ukl_vdso_getcpu - getcpu() of the ring-0 vDSO
 * @cpu: where to store the CPU number, or NULL
 * @node: where to store the NUMA node, or NULL
 * @unused: the unused cache argument of getcpu()
 *
 * Reads what the vDSO image reads (RDPID or the per-CPU segment limit),
 * which is as stale as the task's next migration.
 *
 * Context: Application context, as ukl_vdso_clock_gettime().
 * Return: 0, or -EFAULT, the system call's answer, when @cpu or @node is
 * outside user space.
 */
long ukl_vdso_getcpu(unsigned int *cpu, unsigned int *node, void *unused)
{
	if ((cpu && !access_ok((void __user *)cpu, sizeof(*cpu))) ||
	    (node && !access_ok((void __user *)node, sizeof(*node))))
		return -EFAULT;
	vdso_read_cpunode(cpu, node);
	return 0;
}
