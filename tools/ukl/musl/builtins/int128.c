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

typedef unsigned __int128 u128;
typedef __int128 s128;
typedef unsigned long u64;

u128 __udivmodti4(u128 n, u128 d, u128 *rem);
u128 __udivti3(u128 n, u128 d);
u128 __umodti3(u128 n, u128 d);
s128 __divti3(s128 a, s128 b);
s128 __modti3(s128 a, s128 b);

static inline u64 hi(u128 x)
{
	return (u64)(x >> 64);
}

static inline int clz128(u128 x)
{
	return hi(x) ? __builtin_clzll(hi(x)) : 64 + __builtin_clzll((u64)x);
}

u128 __udivmodti4(u128 n, u128 d, u128 *rem)
{
	u128 q = 0;
	int shift;

	if (!hi(d)) {
		u64 d64 = (u64)d, qhi, qlo, r;

		if (!d64) {
			/* Divide by zero: trap (#DE) like the hardware does. */
			volatile u64 zero = 0;

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
		return ((u128)qhi << 64) | qlo;
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

u128 __udivti3(u128 n, u128 d)
{
	return __udivmodti4(n, d, 0);
}

u128 __umodti3(u128 n, u128 d)
{
	u128 r;

	__udivmodti4(n, d, &r);
	return r;
}

/* Magnitudes as unsigned values: well defined for the most negative value. */
static inline u128 uabs(s128 x)
{
	return x < 0 ? -(u128)x : (u128)x;
}

s128 __divti3(s128 a, s128 b)
{
	u128 q = __udivmodti4(uabs(a), uabs(b), 0);

	return (s128)((a < 0) != (b < 0) ? -q : q);
}

s128 __modti3(s128 a, s128 b)
{
	u128 r;

	__udivmodti4(uabs(a), uabs(b), &r);
	return (s128)(a < 0 ? -r : r);
}
