// Wine's <math.h> lacks the long double functions and two float ones that the UCRT declares
// and libc++'s <cmath> names. Declarations are enough: the MSVC-mode check only parses.
#pragma once
#include_next <math.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HANDOFF_SHIM_UNARY(name) long double __cdecl name##l(long double);
#define HANDOFF_SHIM_BINARY(name) long double __cdecl name##l(long double, long double);
HANDOFF_SHIM_UNARY(acos) HANDOFF_SHIM_UNARY(asin) HANDOFF_SHIM_UNARY(atan) HANDOFF_SHIM_UNARY(cos)
HANDOFF_SHIM_UNARY(sin) HANDOFF_SHIM_UNARY(tan) HANDOFF_SHIM_UNARY(cosh) HANDOFF_SHIM_UNARY(sinh)
HANDOFF_SHIM_UNARY(tanh) HANDOFF_SHIM_UNARY(acosh) HANDOFF_SHIM_UNARY(asinh) HANDOFF_SHIM_UNARY(atanh)
HANDOFF_SHIM_UNARY(exp) HANDOFF_SHIM_UNARY(exp2) HANDOFF_SHIM_UNARY(expm1) HANDOFF_SHIM_UNARY(log)
HANDOFF_SHIM_UNARY(log10) HANDOFF_SHIM_UNARY(log1p) HANDOFF_SHIM_UNARY(log2) HANDOFF_SHIM_UNARY(logb)
HANDOFF_SHIM_UNARY(sqrt) HANDOFF_SHIM_UNARY(cbrt) HANDOFF_SHIM_UNARY(ceil) HANDOFF_SHIM_UNARY(floor)
HANDOFF_SHIM_UNARY(fabs) HANDOFF_SHIM_UNARY(erf) HANDOFF_SHIM_UNARY(erfc) HANDOFF_SHIM_UNARY(lgamma)
HANDOFF_SHIM_UNARY(tgamma) HANDOFF_SHIM_UNARY(nearbyint)
HANDOFF_SHIM_BINARY(atan2) HANDOFF_SHIM_BINARY(pow) HANDOFF_SHIM_BINARY(fmod) HANDOFF_SHIM_BINARY(hypot)
HANDOFF_SHIM_BINARY(fmin) HANDOFF_SHIM_BINARY(fmax) HANDOFF_SHIM_BINARY(fdim)
HANDOFF_SHIM_BINARY(remainder) HANDOFF_SHIM_BINARY(nextafter) HANDOFF_SHIM_BINARY(nexttoward)
#undef HANDOFF_SHIM_UNARY
#undef HANDOFF_SHIM_BINARY

long double __cdecl frexpl(long double, int *);
long double __cdecl ldexpl(long double, int);
long double __cdecl modfl(long double, long double *);
long double __cdecl scalbnl(long double, int);
long double __cdecl scalblnl(long double, long);
long double __cdecl remquol(long double, long double, int *);
int __cdecl ilogbl(long double);
float __cdecl erfcf(float);
float __cdecl nexttowardf(float, long double);

#ifdef __cplusplus
}
#endif
