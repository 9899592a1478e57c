/* Portable vector helpers (GCC/Clang vector extensions) for VW binary32 lanes.
 * Included once per instruction set by a translation unit that defines VW first; every
 * function is static so differently-compiled copies never mix at link time. Each lane
 * runs the scalar sequence of the op table unchanged: these helpers never reassociate,
 * fuse or approximate anything. */
#ifndef VW
#error "define VW (lanes per vector) before including vec.h"
#endif
#include <stdint.h>

typedef float vf __attribute__((vector_size(VW * 4)));
typedef int32_t vi __attribute__((vector_size(VW * 4)));
typedef uint32_t vu __attribute__((vector_size(VW * 4)));

static inline vf vload(const float *p) {
  vf v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
static inline void vstore(float *p, vf v) { __builtin_memcpy(p, &v, sizeof v); }

/* Broadcasts as explicit initialisers: compilers turn these into one broadcast instruction
 * (a lane-by-lane loop becomes lane inserts). */
#if VW == 1
#define SPLAT_INIT(s) {s}
#elif VW == 4
#define SPLAT_INIT(s) {s, s, s, s}
#elif VW == 8
#define SPLAT_INIT(s) {s, s, s, s, s, s, s, s}
#elif VW == 16
#define SPLAT_INIT(s) {s, s, s, s, s, s, s, s, s, s, s, s, s, s, s, s}
#else
#error "VW must be 1, 4, 8 or 16"
#endif
static inline vf vsplat(float s) {
  vf v = SPLAT_INIT(s);
  return v;
}
static inline vi visplat(int32_t s) {
  vi v = SPLAT_INIT(s);
  return v;
}

/* Lane-wise m ? a : b for a mask m of all-ones / all-zeros lanes. */
static inline vf vsel(vi m, vf a, vf b) { return (vf)((m & (vi)a) | (~m & (vi)b)); }

/* Partial vectors for tails: unused lanes read as +0 and are never stored. */
static inline vf vload_n(const float *p, int n) {
  vf v = vsplat(0.0f);
  for (int i = 0; i < n; i++) v[i] = p[i];
  return v;
}
static inline void vstore_n(float *p, vf v, int n) {
  for (int i = 0; i < n; i++) p[i] = v[i];
}

static inline float f_from_bits(uint32_t u) {
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}
static inline uint32_t f_bits(float f) {
  uint32_t u;
  __builtin_memcpy(&u, &f, 4);
  return u;
}

/* f32.ts max: NaN if either is NaN; equal values give a AND b bitwise, which is the value
 * itself, or +0 for (+0, -0) in either order and -0 only for (-0, -0). */
static inline vf vmax_repops(vf a, vf b) {
  vi nan = (a != a) | (b != b);
  vi eq = a == b;
  vf anded = (vf)((vi)a & (vi)b);
  vf r = vsel(a > b, a, b);
  r = vsel(eq, anded, r);
  return vsel(nan, vsplat(__builtin_nanf("")), r);
}
static inline float smax_repops(float a, float b) {
  if (a != a || b != b) return __builtin_nanf("");
  if (a > b) return a;
  if (b > a) return b;
  return f_from_bits(f_bits(a) & f_bits(b));
}

/* relu = max(x, +0): positive x stays, NaN stays NaN, everything else is +0. */
static inline vf vrelu(vf x) {
  vf zero = vsplat(0.0f);
  return vsel(x > zero, x, vsel(x != x, x, zero));
}

/* 2^k for integer lanes k in [-126, 127], exact. */
static inline vf vpow2(vi k) { return (vf)((k + 127) << 23); }

/* f32.ts exp: range checks, k = round-half-even(x*log2e) by the 1.5*2^23 trick, Cody-Waite
 * reduction with LN2_HI/LN2_LO, Horner over the Taylor coefficients, then p * 2^k as at
 * most two exact-power multiplications (k split into a normal part and a remainder). */
static inline vf vexp(vf x) {
  const float XMAX = f_from_bits(0x42B17218u), XMIN = f_from_bits(0xC2D00000u);
  const float LOG2E = f_from_bits(0x3FB8AA3Bu), LN2_HI = f_from_bits(0x3F317200u), LN2_LO = f_from_bits(0x35BFBE8Eu);
  const float MAGIC = 12582912.0f;
  vi nan = x != x, big = x > vsplat(XMAX), small = x < vsplat(XMIN);
  vf xc = vsel(nan | big | small, vsplat(0.0f), x); /* keeps k in range on dead lanes */
  vf t = xc * vsplat(LOG2E);
  vf k = (t + vsplat(MAGIC)) - vsplat(MAGIC);
  vf r = xc - k * vsplat(LN2_HI);
  r = r - k * vsplat(LN2_LO);
  vf p = vsplat(1.0f / 720.0f);
  p = p * r + vsplat(1.0f / 120.0f);
  p = p * r + vsplat(1.0f / 24.0f);
  p = p * r + vsplat(1.0f / 6.0f);
  p = p * r + vsplat(0.5f);
  p = p * r + vsplat(1.0f);
  p = p * r + vsplat(1.0f);
  vi ki = __builtin_convertvector(k, vi);
  vi k1 = ki;
  k1 = (vi)vsel(k1 > visplat(127), (vf)visplat(127), (vf)k1);
  k1 = (vi)vsel(k1 < visplat(-126), (vf)visplat(-126), (vf)k1);
  vf res = (p * vpow2(k1)) * vpow2(ki - k1); /* the second factor is exactly 1 unless k left [-126, 127] */
  res = vsel(small, vsplat(0.0f), res);
  res = vsel(big, vsplat(__builtin_inff()), res);
  return vsel(nan, vsplat(__builtin_nanf("")), res);
}

/* f32.ts log: exact normalisation of subnormals, mantissa folded into [sqrt2/2, sqrt2),
 * s = f/(2+f), odd series in s, then e*LN2_HI + (e*LN2_LO + poly). */
static inline vf vlog(vf x) {
  const float LN2_HI = f_from_bits(0x3F317200u), LN2_LO = f_from_bits(0x35BFBE8Eu);
  const float MIN_NORMAL = f_from_bits(0x00800000u);
  vf zero = vsplat(0.0f);
  vi nan = (x != x) | (x < zero), isz = x == zero, isinf = x == vsplat(__builtin_inff());
  vi sub = (x < vsplat(MIN_NORMAL)) & (x > zero);
  vf xn = vsel(sub, x * vsplat(8388608.0f), x);
  vi e = (vi)vsel(sub, (vf)visplat(-23), (vf)visplat(0));
  vi bits = (vi)xn;
  e = e + (((bits >> 23) & 0xff) - 127);
  vi mbits = (bits & 0x7fffff) | 0x3f800000;
  vi fold = mbits > visplat(0x3fb504f3);
  mbits = mbits - (fold & 0x00800000);
  e = e - fold; /* fold lanes are -1: e + 1 */
  vf m = (vf)mbits;
  vf f = m - vsplat(1.0f);
  vf s = f / (vsplat(2.0f) + f);
  vf z = s * s;
  vf R = vsplat(2.0f / 9.0f);
  R = R * z + vsplat(2.0f / 7.0f);
  R = R * z + vsplat(2.0f / 5.0f);
  R = R * z + vsplat(2.0f / 3.0f);
  R = R * z;
  vf poly = vsplat(2.0f) * s + s * R;
  vf ef = __builtin_convertvector(e, vf);
  vf res = ef * vsplat(LN2_HI) + (ef * vsplat(LN2_LO) + poly);
  res = vsel(isinf, vsplat(__builtin_inff()), res);
  res = vsel(isz, vsplat(-__builtin_inff()), res);
  return vsel(nan, vsplat(__builtin_nanf("")), res);
}
