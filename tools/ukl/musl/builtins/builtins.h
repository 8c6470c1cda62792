/* SPDX-License-Identifier: MIT */
/*
 * The libgcc functions that tools/ukl/musl/builtins/ provide for UKL
 * applications (see int128.c and complex.c).  GCC calls them for __int128
 * division and for complex multiplication and division.
 */
#ifndef UKL_BUILTINS_H
#define UKL_BUILTINS_H

__uint128_t __udivmodti4(__uint128_t n, __uint128_t d, __uint128_t *rem);
__uint128_t __udivti3(__uint128_t n, __uint128_t d);
__uint128_t __umodti3(__uint128_t n, __uint128_t d);
__int128_t __divti3(__int128_t a, __int128_t b);
__int128_t __modti3(__int128_t a, __int128_t b);

_Complex float __mulsc3(float a, float b, float c, float d);
_Complex double __muldc3(double a, double b, double c, double d);
_Complex long double __mulxc3(long double a, long double b,
			      long double c, long double d);
_Complex float __divsc3(float a, float b, float c, float d);
_Complex double __divdc3(double a, double b, double c, double d);
_Complex long double __divxc3(long double a, long double b,
			      long double c, long double d);

#endif /* UKL_BUILTINS_H */
