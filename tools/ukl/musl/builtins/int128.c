// SPDX-License-Identifier: MIT
/*
 * 128-bit integer division and modulo for UKL applications.
 *
 * GCC turns "/" and "%" on __int128 into calls to these functions, which
 * normally come from libgcc.a.  Debian's libgcc.a is user-mode code (red
 * zone, GOT relocations), so UKL builds them with the kernel flags instead.
 * Written from first principles: native 64-bit division where the operands
 * allow it, otherwise restoring shift-subtract division.  The code itself
 * must not divide 128-bit values, or GCC would call back into this file.
 */

#include "builtins.h"

typedef unsigned long u64;

static inline u64 hi(__uint128_t x)
{
	return (u64)(x >> 64);
}

static inline int clz128(__uint128_t x)
{
	return hi(x) ? __builtin_clzll(hi(x)) : 64 + __builtin_clzll((u64)x);
}

__uint128_t __udivmodti4(__uint128_t n, __uint128_t d, __uint128_t *rem)
{
	__uint128_t q = 0;
	int shift;

	if (!hi(d)) {
		u64 d64 = (u64)d, qhi, qlo, r;

		if (!d64) {
			/* Divide by zero: trap (#DE) like the hardware does. */
			u64 zero = 0;

			/* Hide the value, or the division is undefined. */
			__asm__ ("" : "+r"(zero));
			qlo = 1 / zero;
			if (rem)
				*rem = 0;
			return qlo;
		}
		if (!hi(n)) {
			if (rem)
				*rem = (u64)n % d64;
			return (u64)n / d64;
		}
		/* Two steps of long division by one 64-bit digit. */
		qhi = hi(n) / d64;
		r = hi(n) % d64;
		__asm__ ("divq %[d]"
			 : "=a"(qlo), "=d"(r)
			 : [d] "rm"(d64), "a"((u64)n), "d"(r));
		if (rem)
			*rem = r;
		return ((__uint128_t)qhi << 64) | qlo;
	}

	/* d >= 2^64, so the quotient has at most 64 bits. */
	if (n < d) {
		if (rem)
			*rem = n;
		return 0;
	}
	shift = clz128(d) - clz128(n);
	d <<= shift;
	for (; shift >= 0; shift--) {
		q <<= 1;
		if (n >= d) {
			n -= d;
			q |= 1;
		}
		d >>= 1;
	}
	if (rem)
		*rem = n;
	return q;
}

__uint128_t __udivti3(__uint128_t n, __uint128_t d)
{
	return __udivmodti4(n, d, 0);
}

__uint128_t __umodti3(__uint128_t n, __uint128_t d)
{
	__uint128_t r;

	__udivmodti4(n, d, &r);
	return r;
}

/* Magnitudes as unsigned values: well defined for the most negative value. */
static inline __uint128_t uabs(__int128_t x)
{
	return x < 0 ? -(__uint128_t)x : (__uint128_t)x;
}

__int128_t __divti3(__int128_t a, __int128_t b)
{
	__uint128_t q = __udivmodti4(uabs(a), uabs(b), 0);

	return (__int128_t)((a < 0) != (b < 0) ? -q : q);
}

__int128_t __modti3(__int128_t a, __int128_t b)
{
	__uint128_t r;

	__udivmodti4(uabs(a), uabs(b), &r);
	return (__int128_t)(a < 0 ? -r : r);
}
