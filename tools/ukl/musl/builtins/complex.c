// SPDX-License-Identifier: MIT
/*
 * Complex multiplication and division for UKL applications.
 *
 * Without -fcx-limited-range GCC turns "*" and "/" on complex values into
 * calls to these functions (musl's cpow, cpowf and cpowl need the
 * multiplications), which normally come from libgcc.a.  Debian's libgcc.a
 * is user-mode code, so UKL builds them with the kernel flags instead.
 *
 * Multiplication is the textbook formula, division Smith's algorithm in a
 * wider type where there is one; both then recover the infinities and
 * zeros that the naive formulas compute as NaN + iNaN, as C11 Annex G
 * (G.5.1) asks.  Only type-generic builtins are
 * used: the code must not call libm (linked before this archive) nor do
 * complex arithmetic itself.
 */

#include "builtins.h"

#define isnan(x)	__builtin_isnan(x)
#define isinf(x)	__builtin_isinf(x)
#define isfinite(x)	__builtin_isfinite(x)

/* A NaN part (a variable) becomes a zero of its sign. */
#define NAN_TO_ZERO(v)							\
	do {								\
		if (isnan(v))						\
			v = COPYSIGN(0, v);				\
	} while (0)

#define T		float
#define MUL		__mulsc3
#define DIV		__divsc3
#define COPYSIGN	__builtin_copysignf
#define INF		__builtin_inff()
#define W		double
#define WFABS		__builtin_fabs
#define WCOPYSIGN	__builtin_copysign
#define WINF		__builtin_inf()
#include "complex-impl.h"

#define T		double
#define MUL		__muldc3
#define DIV		__divdc3
#define COPYSIGN	__builtin_copysign
#define INF		__builtin_inf()
#define W		long double
#define WFABS		__builtin_fabsl
#define WCOPYSIGN	__builtin_copysignl
#define WINF		__builtin_infl()
#include "complex-impl.h"

#define T		long double
#define MUL		__mulxc3
#define DIV		__divxc3
#define COPYSIGN	__builtin_copysignl
#define INF		__builtin_infl()
#define W		long double
#define WFABS		__builtin_fabsl
#define WCOPYSIGN	__builtin_copysignl
#define WINF		__builtin_infl()
#include "complex-impl.h"
