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

/* erf (REPOPS §15.5, repops-3), lane by lane the specified sequence; a range is computed
 * only when some lane needs it, then selected per lane. */
static inline vf vhorner(const float *c, int n, vf s) {
  vf p = vsplat(c[n - 1]);
  for (int i = n - 2; i >= 0; i--) p = p * s + vsplat(c[i]);
  return p;
}
static inline vf vhorner1(const float *c, int n, vf s) { return vsplat(1.0f) + s * vhorner(c, n, s); }
static inline int vany(vi m) {
  for (int l = 0; l < VW; l++)
    if (m[l]) return 1;
  return 0;
}

static const uint32_t ERF_BITS[] = {
    0x3e0375d4, 0xbeac0c2d, 0xbaf4228f,             /* PP 0  */
    0x3e9fe8f8, 0x3cb1013a, 0xbb025313,             /* QQ 3  */
    0x3674e811, 0x3ed48942, 0xbe2924ee, 0x3de32723, /* PA 6  */
    0x3f1a218c, 0x3f093304, 0x3e2c9f37, 0x3d6644f9, /* QA 10 */
    0xbc21bb59, 0xbf0db91e, 0xc00b41d0, 0xbfb76216, /* RA 14 */
    0x40aeb7f2, 0x40d655dc, 0x3fb72f4c, 0xbd6c8084, /* SA 18 */
    0xbc21a092, 0xbf200b39, 0xc0c5478b, 0xc1855b85, 0xc1189a30, /* RB 22 */
    0x414b040e, 0x4234bc5e, 0x423d1fc4, 0x410ee2a5, /* SB 27 */
};

static inline vf verf(vf x) {
  float c[31];
  for (int i = 0; i < 31; i++) c[i] = f_from_bits(ERF_BITS[i]);
  const float EFX = f_from_bits(0x3e0375d4u), EFX8 = f_from_bits(0x3f8375d4u), ERX = f_from_bits(0x3f57bb00u);
  vi u = (vi)x, ia = u & visplat(0x7fffffff);
  vf a = (vf)ia, one = vsplat(1.0f);
  vi tiny = ia < visplat(0x04000000), small = ia < visplat(0x38800000), low = ia < visplat(0x3f580000);
  vi mid = ia < visplat(0x3fa00000), big = ia >= visplat(0x40800000);
  vf r = one; /* |x| >= 4 */
  vi tail = ~mid & ~big;
  if (vany(tail)) {
    vf s = one / (a * a);
    vi ra = ia < visplat(0x4036db6e);
    vf R = vsel(ra, vhorner(c + 14, 4, s), vhorner(c + 22, 5, s));
    vf S = vsel(ra, vhorner1(c + 18, 4, s), vhorner1(c + 27, 4, s));
    vf z = (vf)(ia & visplat((int32_t)0xffffe000u));
    vf e = vexp(((-z) * z) - vsplat(0.5625f)) * vexp((z - a) * (z + a) + R / S);
    r = vsel(tail, one - e / a, r);
  }
  if (vany(mid & ~low)) {
    vf s = a - one;
    r = vsel(mid, vsplat(ERX) + vhorner(c + 6, 4, s) / vhorner1(c + 10, 4, s), r);
  }
  if (vany(low & ~small)) {
    vf z = a * a;
    r = vsel(low, a + a * (vhorner(c + 0, 3, z) / vhorner1(c + 3, 3, z)), r);
  }
  if (vany(small)) {
    r = vsel(small, a + vsplat(EFX) * a, r);
    r = vsel(tiny, (vsplat(8.0f) * a + vsplat(EFX8) * a) / vsplat(8.0f), r);
  }
  r = (vf)((vi)r | (u & visplat((int32_t)0x80000000u))); /* erf(-a) = -erf(a) */
  return vsel(x != x, vsplat(__builtin_nanf("")), r);
}
/* In-register transpose of VW x VW lanes (rows r[0..VW)): log2(VW) stages, each swapping the
 * off-diagonal b x b blocks of row pairs (i, i + b). Pure data movement. */
#if VW == 4
#define TR_LO_2 0, 1, 4, 5
#define TR_HI_2 2, 3, 6, 7
#define TR_LO_1 0, 4, 2, 6
#define TR_HI_1 1, 5, 3, 7
#define TR_STAGES(X) X(2) X(1)
#elif VW == 8
#define TR_LO_4 0, 1, 2, 3, 8, 9, 10, 11
#define TR_HI_4 4, 5, 6, 7, 12, 13, 14, 15
#define TR_LO_2 0, 1, 8, 9, 4, 5, 12, 13
#define TR_HI_2 2, 3, 10, 11, 6, 7, 14, 15
#define TR_LO_1 0, 8, 2, 10, 4, 12, 6, 14
#define TR_HI_1 1, 9, 3, 11, 5, 13, 7, 15
#define TR_STAGES(X) X(4) X(2) X(1)
#elif VW == 16
#define TR_LO_8 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23
#define TR_HI_8 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31
#define TR_LO_4 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27
#define TR_HI_4 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31
#define TR_LO_2 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29
#define TR_HI_2 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31
#define TR_LO_1 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30
#define TR_HI_1 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31
#define TR_STAGES(X) X(8) X(4) X(2) X(1)
#endif
#if VW > 1
#define TR_STAGE(b)                                                  \
  for (int i = 0; i < VW; i++)                                       \
    if ((i % (2 * b)) < b) {                                         \
      vf x = r[i], y = r[i + b];                                     \
      r[i] = __builtin_shufflevector(x, y, TR_LO_##b);               \
      r[i + b] = __builtin_shufflevector(x, y, TR_HI_##b);           \
    }
static inline void vtranspose(vf r[VW]) { TR_STAGES(TR_STAGE) }
#endif
