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
 * wider type where there is one; both then recover the infinities and zeros that the naive formulas compute as
 * NaN + iNaN, as C11 Annex G (G.5.1) asks.  Only type-generic builtins are
 * used: the code must not call libm (linked before this archive) nor do
 * complex arithmetic itself.
 */

#define isnan(x)	__builtin_isnan(x)
#define isinf(x)	__builtin_isinf(x)
#define isfinite(x)	__builtin_isfinite(x)

/* A NaN part becomes a zero of its sign; sfx as below. */
#define NAN_TO_ZERO(v, sfx)						\
	do {								\
		if (isnan(v))						\
			v = __builtin_copysign##sfx(0, v);		\
	} while (0)

/*
 * DEFINE_CMUL(name, T, sfx): T is the real type, sfx the suffix of its
 * math builtins (f, nothing, l).
 */
#define DEFINE_CMUL(name, T, sfx)					\
_Complex T name(T a, T b, T c, T d);					\
_Complex T name(T a, T b, T c, T d)					\
{									\
	T ac = a * c, bd = b * d, ad = a * d, bc = b * c;		\
	T x = ac - bd, y = ad + bc;					\
	int recalc = 0;							\
									\
	if (!isnan(x) || !isnan(y))					\
		return __builtin_complex(x, y);				\
	if (isinf(a) || isinf(b)) {					\
		/* z infinite: box it, NaNs in w become 0. */		\
		a = __builtin_copysign##sfx(isinf(a) ? 1 : 0, a);	\
		b = __builtin_copysign##sfx(isinf(b) ? 1 : 0, b);	\
		NAN_TO_ZERO(c, sfx);					\
		NAN_TO_ZERO(d, sfx);					\
		recalc = 1;						\
	}								\
	if (isinf(c) || isinf(d)) {					\
		/* w infinite: box it, NaNs in z become 0. */		\
		c = __builtin_copysign##sfx(isinf(c) ? 1 : 0, c);	\
		d = __builtin_copysign##sfx(isinf(d) ? 1 : 0, d);	\
		NAN_TO_ZERO(a, sfx);					\
		NAN_TO_ZERO(b, sfx);					\
		recalc = 1;						\
	}								\
	if (!recalc &&							\
	    (isinf(ac) || isinf(bd) || isinf(ad) || isinf(bc))) {	\
		/* Overflow in a product: NaNs become 0. */		\
		NAN_TO_ZERO(a, sfx);					\
		NAN_TO_ZERO(b, sfx);					\
		NAN_TO_ZERO(c, sfx);					\
		NAN_TO_ZERO(d, sfx);					\
		recalc = 1;						\
	}								\
	if (recalc) {							\
		x = __builtin_inf##sfx() * (a * c - b * d);		\
		y = __builtin_inf##sfx() * (a * d + b * c);		\
	}								\
	return __builtin_complex(x, y);					\
}

/*
 * W is the type the quotient is computed in: the next wider type where
 * there is one, so that for float and double operands no intermediate
 * overflows, underflows or loses the precision of subnormals.
 */
#define DEFINE_CDIV(name, T, W, wsfx)					\
_Complex T name(T ta, T tb, T tc, T td);				\
_Complex T name(T ta, T tb, T tc, T td)					\
{									\
	W a = ta, b = tb, c = tc, d = td, ratio, denom, x, y;		\
									\
	if (__builtin_fabs##wsfx(c) < __builtin_fabs##wsfx(d)) {	\
		ratio = c / d;						\
		denom = c * ratio + d;					\
		x = (a * ratio + b) / denom;				\
		y = (b * ratio - a) / denom;				\
	} else {							\
		ratio = d / c;						\
		denom = d * ratio + c;					\
		x = (b * ratio + a) / denom;				\
		y = (b - a * ratio) / denom;				\
	}								\
	if (!isnan(x) || !isnan(y))					\
		return __builtin_complex((T)x, (T)y);			\
	if (c == 0 && d == 0 && (!isnan(a) || !isnan(b))) {		\
		/* Nonzero (or infinite) divided by zero. */		\
		x = __builtin_copysign##wsfx(__builtin_inf##wsfx(), c) * a; \
		y = __builtin_copysign##wsfx(__builtin_inf##wsfx(), c) * b; \
	} else if ((isinf(a) || isinf(b)) && isfinite(c) && isfinite(d)) { \
		/* Infinite divided by finite. */			\
		a = __builtin_copysign##wsfx(isinf(a) ? 1 : 0, a);	\
		b = __builtin_copysign##wsfx(isinf(b) ? 1 : 0, b);	\
		x = __builtin_inf##wsfx() * (a * c + b * d);		\
		y = __builtin_inf##wsfx() * (b * c - a * d);		\
	} else if ((isinf(c) || isinf(d)) && isfinite(a) && isfinite(b)) { \
		/* Finite divided by infinite. */			\
		c = __builtin_copysign##wsfx(isinf(c) ? 1 : 0, c);	\
		d = __builtin_copysign##wsfx(isinf(d) ? 1 : 0, d);	\
		x = 0 * (a * c + b * d);				\
		y = 0 * (b * c - a * d);				\
	}								\
	return __builtin_complex((T)x, (T)y);				\
}

DEFINE_CMUL(__mulsc3, float, f)
DEFINE_CMUL(__muldc3, double, )
DEFINE_CMUL(__mulxc3, long double, l)
DEFINE_CDIV(__divsc3, float, double, )
DEFINE_CDIV(__divdc3, double, long double, l)
DEFINE_CDIV(__divxc3, long double, long double, l)
