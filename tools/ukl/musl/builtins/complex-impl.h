/* SPDX-License-Identifier: MIT */
/*
 * Complex multiplication and division for one real type, included by
 * complex.c once per type with these defined:
 *
 *   T          the real type; MUL and DIV the names of the functions
 *   COPYSIGN   copysign for T; INF an infinity of type T
 *   W          the type the quotient is computed in: the next wider type
 *              where there is one, so that for float and double operands
 *              no intermediate overflows, underflows or loses the
 *              precision of subnormals
 *   WFABS, WCOPYSIGN, WINF   the same for W
 */

_Complex T MUL(T a, T b, T c, T d)
{
	T ac = a * c, bd = b * d, ad = a * d, bc = b * c;
	T x = ac - bd, y = ad + bc;
	int recalc = 0;

	if (!isnan(x) || !isnan(y))
		return __builtin_complex(x, y);
	if (isinf(a) || isinf(b)) {
		/* z infinite: box it, NaNs in w become 0. */
		a = COPYSIGN(isinf(a) ? 1 : 0, a);
		b = COPYSIGN(isinf(b) ? 1 : 0, b);
		NAN_TO_ZERO(c);
		NAN_TO_ZERO(d);
		recalc = 1;
	}
	if (isinf(c) || isinf(d)) {
		/* w infinite: box it, NaNs in z become 0. */
		c = COPYSIGN(isinf(c) ? 1 : 0, c);
		d = COPYSIGN(isinf(d) ? 1 : 0, d);
		NAN_TO_ZERO(a);
		NAN_TO_ZERO(b);
		recalc = 1;
	}
	if (!recalc &&
	    (isinf(ac) || isinf(bd) || isinf(ad) || isinf(bc))) {
		/* Overflow in a product: NaNs become 0. */
		NAN_TO_ZERO(a);
		NAN_TO_ZERO(b);
		NAN_TO_ZERO(c);
		NAN_TO_ZERO(d);
		recalc = 1;
	}
	if (recalc) {
		x = INF * (a * c - b * d);
		y = INF * (a * d + b * c);
	}
	return __builtin_complex(x, y);
}

_Complex T DIV(T ta, T tb, T tc, T td)
{
	W a = ta, b = tb, c = tc, d = td, ratio, denom, x, y;

	if (WFABS(c) < WFABS(d)) {
		ratio = c / d;
		denom = c * ratio + d;
		x = (a * ratio + b) / denom;
		y = (b * ratio - a) / denom;
	} else {
		ratio = d / c;
		denom = d * ratio + c;
		x = (b * ratio + a) / denom;
		y = (b - a * ratio) / denom;
	}
	if (!isnan(x) || !isnan(y))
		return __builtin_complex((T)x, (T)y);
	if (c == 0 && d == 0 && (!isnan(a) || !isnan(b))) {
		/* Nonzero (or infinite) divided by zero. */
		x = WCOPYSIGN(WINF, c) * a;
		y = WCOPYSIGN(WINF, c) * b;
	} else if ((isinf(a) || isinf(b)) && isfinite(c) && isfinite(d)) {
		/* Infinite divided by finite. */
		a = WCOPYSIGN(isinf(a) ? 1 : 0, a);
		b = WCOPYSIGN(isinf(b) ? 1 : 0, b);
		x = WINF * (a * c + b * d);
		y = WINF * (b * c - a * d);
	} else if ((isinf(c) || isinf(d)) && isfinite(a) && isfinite(b)) {
		/* Finite divided by infinite. */
		c = WCOPYSIGN(isinf(c) ? 1 : 0, c);
		d = WCOPYSIGN(isinf(d) ? 1 : 0, d);
		x = 0 * (a * c + b * d);
		y = 0 * (b * c - a * d);
	}
	return __builtin_complex((T)x, (T)y);
}

#undef T
#undef MUL
#undef DIV
#undef COPYSIGN
#undef INF
#undef W
#undef WFABS
#undef WCOPYSIGN
#undef WINF
