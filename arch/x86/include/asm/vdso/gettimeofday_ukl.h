/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arch hooks of lib/vdso/gettimeofday.c for the UKL application's
 * ring-0 vDSO (arch/x86/entry/vdso/vdso_ukl.c).
 *
 * <asm/vdso/gettimeofday.h> includes this file instead of the hooks of the
 * vDSO image when BUILD_VDSO_UKL is defined; the hooks they share (the
 * clock source checks and vdso_calc_ns()) stay there.  The differences:
 *
 * - The data is the kernel's own _vdso_data, which the vDSO image reads
 *   through its vvar mapping.  A time namespace's page is never read: the
 *   ring-0 vDSO leaves tasks in a time namespace to the system call.
 * - Only the TSC is read.  The paravirt clocks' pages (kvm-clock, the
 *   Hyper-V TSC page) are mapped for the vDSO image only; with them, as
 *   with a clock source that has no vDSO mode, the functions fail.
 * - A fallback makes no system call: it returns -EOPNOTSUPP, and the
 *   application's C library makes the call through its own entry.  The
 *   ring-0 vDSO runs in application context, where a system call is the
 *   application's to make.
 */
#ifndef __ASM_VDSO_GETTIMEOFDAY_UKL_H
#define __ASM_VDSO_GETTIMEOFDAY_UKL_H

#include <uapi/asm-generic/errno.h>

static __always_inline long
clock_gettime_fallback(clockid_t clock, struct __kernel_timespec *ts)
{
	return -EOPNOTSUPP;
}

static __always_inline long
gettimeofday_fallback(struct __kernel_old_timeval *tv, struct timezone *tz)
{
	return -EOPNOTSUPP;
}

static __always_inline u64 __arch_get_hw_counter(s32 clock_mode,
						 const struct vdso_data *vd)
{
	if (likely(clock_mode == VDSO_CLOCKMODE_TSC))
		return (u64)rdtsc_ordered() & S64_MAX;
	/* Invalid for arch_vdso_cycles_ok(): the caller falls back. */
	return U64_MAX;
}

static __always_inline const struct vdso_data *__arch_get_vdso_data(void)
{
	return _vdso_data;
}

#ifdef CONFIG_TIME_NS
/*
 * Only a time namespace's page has VDSO_CLOCKMODE_TIMENS, and the ring-0
 * vDSO never reads one: lib/vdso's time namespace paths cannot run.
 */
static __always_inline
const struct vdso_data *__arch_get_timens_vdso_data(const struct vdso_data *vd)
{
	return _vdso_data;
}
#endif

#endif /* __ASM_VDSO_GETTIMEOFDAY_UKL_H */
