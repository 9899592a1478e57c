/* SHA-256 and the REPOPS tensor data root (reproducible-ops/merkle.ts), for fast state
 * hashing: 256-element little-endian chunks with NaN canonicalised to 0x7FC00000 and the
 * last chunk zero-padded, sha256 leaves, a power-of-two Merkle tree padded with zero
 * leaves, node = sha256(left || right). The values are fixed by the spec; this is only a
 * faster way to compute them (SHA-NI when the CPU has it, portable C otherwise). */
#include "sha256.h"

/* No libc here: the file is also compiled into the freestanding WASM module. */
#define memcpy __builtin_memcpy
#define memset __builtin_memset

#if defined(__x86_64__)
#include <immintrin.h>
#endif

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
    0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
    0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
    0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
    0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress_portable(uint32_t s[8], const uint8_t *p, size_t blocks) {
  for (; blocks--; p += 64) {
    uint32_t w[64];
    for (int t = 0; t < 16; t++) w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
    for (int t = 16; t < 64; t++) {
      uint32_t s0 = ROR(w[t - 15], 7) ^ ROR(w[t - 15], 18) ^ (w[t - 15] >> 3);
      uint32_t s1 = ROR(w[t - 2], 17) ^ ROR(w[t - 2], 19) ^ (w[t - 2] >> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f = s[5], g = s[6], h = s[7];
    for (int t = 0; t < 64; t++) {
      uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t];
      uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    s[0] += a, s[1] += b, s[2] += c, s[3] += d, s[4] += e, s[5] += f, s[6] += g, s[7] += h;
  }
}

#if defined(__x86_64__)
/* SHA-NI: 4 rounds per pair of sha256rnds2; message schedule with sha256msg1/msg2. */
__attribute__((target("sha,sse4.1"))) static void compress_shani(uint32_t s[8], const uint8_t *p, size_t blocks) {
  const __m128i MASK = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&s[0]), 0xB1); /* CDAB */
  __m128i st1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&s[4]), 0x1B); /* EFGH */
  __m128i st0 = _mm_alignr_epi8(tmp, st1, 8);                                    /* ABEF */
  st1 = _mm_blend_epi16(st1, tmp, 0xF0);                                          /* CDGH */
  for (; blocks--; p += 64) {
    __m128i abef = st0, cdgh = st1, m[4];
    for (int i = 0; i < 16; i++) {
      __m128i w;
      if (i < 4) {
        w = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), MASK);
      } else {
        __m128i x = _mm_sha256msg1_epu32(m[i & 3], m[(i + 1) & 3]);
        x = _mm_add_epi32(x, _mm_alignr_epi8(m[(i + 3) & 3], m[(i + 2) & 3], 4));
        w = _mm_sha256msg2_epu32(x, m[(i + 3) & 3]);
      }
      m[i & 3] = w;
      __m128i msg = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)&K[4 * i]));
      st1 = _mm_sha256rnds2_epu32(st1, st0, msg);
      st0 = _mm_sha256rnds2_epu32(st0, st1, _mm_shuffle_epi32(msg, 0x0E));
    }
    st0 = _mm_add_epi32(st0, abef);
    st1 = _mm_add_epi32(st1, cdgh);
  }
  tmp = _mm_shuffle_epi32(st0, 0x1B);                      /* FEBA */
  st1 = _mm_shuffle_epi32(st1, 0xB1);                      /* DCHG */
  _mm_storeu_si128((__m128i *)&s[0], _mm_blend_epi16(tmp, st1, 0xF0)); /* DCBA */
  _mm_storeu_si128((__m128i *)&s[4], _mm_alignr_epi8(st1, tmp, 8));    /* HGFE */
}
#endif

static void (*compress)(uint32_t *, const uint8_t *, size_t) = compress_portable;

#if defined(__x86_64__)
/* 16 independent messages of the same length at a fixed byte stride, one per AVX-512
 * lane (multi-buffer SHA-256: ~2x the throughput of SHA-NI on one core). Leaves of a
 * tensor are consecutive 1024-byte chunks and tree nodes consecutive 64-byte pairs, so
 * a lane's message word is one gather. Digests go to out + 32 * lane. */
#define X16 __attribute__((target("avx512f")))
X16 static inline __m512i ror(__m512i x, int n) { return _mm512_or_si512(_mm512_srli_epi32(x, n), _mm512_slli_epi32(x, 32 - n)); }
X16 static inline __m512i xor3(__m512i a, __m512i b, __m512i c) { return _mm512_ternarylogic_epi32(a, b, c, 0x96); }
X16 static inline __m512i bswap(__m512i x) {
  __m512i lo = _mm512_or_si512(_mm512_slli_epi32(x, 24), _mm512_and_si512(_mm512_slli_epi32(x, 8), _mm512_set1_epi32(0x00ff0000)));
  __m512i hi = _mm512_or_si512(_mm512_srli_epi32(x, 24), _mm512_and_si512(_mm512_srli_epi32(x, 8), _mm512_set1_epi32(0x0000ff00)));
  return _mm512_or_si512(lo, hi);
}

X16 static void rounds_x16(__m512i st[8], __m512i w[16]) {
  __m512i a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
  for (int t = 0; t < 64; t++) {
    if (t >= 16) {
      __m512i w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
      __m512i s0 = xor3(ror(w15, 7), ror(w15, 18), _mm512_srli_epi32(w15, 3));
      __m512i s1 = xor3(ror(w2, 17), ror(w2, 19), _mm512_srli_epi32(w2, 10));
      w[t & 15] = _mm512_add_epi32(_mm512_add_epi32(w[t & 15], s0), _mm512_add_epi32(w[(t - 7) & 15], s1));
    }
    __m512i t1 = _mm512_add_epi32(_mm512_add_epi32(h, xor3(ror(e, 6), ror(e, 11), ror(e, 25))),
                                  _mm512_add_epi32(_mm512_ternarylogic_epi32(e, f, g, 0xCA), _mm512_add_epi32(_mm512_set1_epi32((int)K[t]), w[t & 15])));
    __m512i t2 = _mm512_add_epi32(xor3(ror(a, 2), ror(a, 13), ror(a, 22)), _mm512_ternarylogic_epi32(a, b, c, 0xE8));
    h = g, g = f, f = e, e = _mm512_add_epi32(d, t1), d = c, c = b, b = a, a = _mm512_add_epi32(t1, t2);
  }
  st[0] = _mm512_add_epi32(st[0], a), st[1] = _mm512_add_epi32(st[1], b), st[2] = _mm512_add_epi32(st[2], c), st[3] = _mm512_add_epi32(st[3], d);
  st[4] = _mm512_add_epi32(st[4], e), st[5] = _mm512_add_epi32(st[5], f), st[6] = _mm512_add_epi32(st[6], g), st[7] = _mm512_add_epi32(st[7], h);
}

/* `len` must be a multiple of 64 (1024-byte leaves, 64-byte node pairs). */
X16 static void sha256_x16(const uint8_t *base, int64_t stride, size_t len, uint8_t *out) {
  __m512i st[8], w[16];
  for (int i = 0; i < 8; i++) st[i] = _mm512_set1_epi32((int)H0[i]);
  __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32((int)stride));
  for (size_t blk = 0; blk < len / 64; blk++) {
    for (int t = 0; t < 16; t++) w[t] = bswap(_mm512_i32gather_epi32(idx, base + blk * 64 + 4 * t, 1));
    rounds_x16(st, w);
  }
  for (int t = 0; t < 16; t++) w[t] = _mm512_setzero_si512(); /* the shared padding block */
  w[0] = _mm512_set1_epi32((int)0x80000000u);
  w[15] = _mm512_set1_epi32((int)(uint32_t)(len * 8));
  w[14] = _mm512_set1_epi32((int)(uint32_t)((uint64_t)len * 8 >> 32));
  rounds_x16(st, w);
  uint32_t words[8][16];
  for (int i = 0; i < 8; i++) _mm512_storeu_si512(words[i], st[i]);
  for (int l = 0; l < 16; l++)
    for (int i = 0; i < 8; i++) {
      uint8_t *o = out + 32 * l + 4 * i;
      o[0] = words[i][l] >> 24, o[1] = words[i][l] >> 16, o[2] = words[i][l] >> 8, o[3] = words[i][l];
    }
}
#endif

#if defined(__wasm_simd128__) || defined(__ARM_NEON)
/* 4 independent messages per call in the lanes of 128-bit vectors (wasm simd128, NEON):
 * the same multi-buffer scheme as the AVX-512 path, written with vector extensions. */
#define HAVE_X4 1
typedef uint32_t u32x4 __attribute__((vector_size(16)));
static inline u32x4 ror4(u32x4 x, int n) { return (x >> n) | (x << (32 - n)); }
static inline u32x4 splat4(uint32_t v) { return (u32x4){v, v, v, v}; }

static void rounds_x4(u32x4 st[8], u32x4 w[16]) {
  u32x4 a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
  for (int t = 0; t < 64; t++) {
    if (t >= 16) {
      u32x4 w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
      w[t & 15] += (ror4(w15, 7) ^ ror4(w15, 18) ^ (w15 >> 3)) + w[(t - 7) & 15] + (ror4(w2, 17) ^ ror4(w2, 19) ^ (w2 >> 10));
    }
    u32x4 t1 = h + (ror4(e, 6) ^ ror4(e, 11) ^ ror4(e, 25)) + ((e & f) ^ (~e & g)) + splat4(K[t]) + w[t & 15];
    u32x4 t2 = (ror4(a, 2) ^ ror4(a, 13) ^ ror4(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
  }
  st[0] += a, st[1] += b, st[2] += c, st[3] += d, st[4] += e, st[5] += f, st[6] += g, st[7] += h;
}

static inline uint32_t load_be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* `len` must be a multiple of 64. */
static void sha256_x4(const uint8_t *base, int64_t stride, size_t len, uint8_t *out) {
  u32x4 st[8], w[16];
  for (int i = 0; i < 8; i++) st[i] = splat4(H0[i]);
  for (size_t blk = 0; blk < len / 64; blk++) {
    for (int t = 0; t < 16; t++) {
      const uint8_t *p = base + blk * 64 + 4 * t;
      w[t] = (u32x4){load_be32(p), load_be32(p + stride), load_be32(p + 2 * stride), load_be32(p + 3 * stride)};
    }
    rounds_x4(st, w);
  }
  for (int t = 0; t < 16; t++) w[t] = splat4(0);
  w[0] = splat4(0x80000000u);
  w[15] = splat4((uint32_t)(len * 8));
  w[14] = splat4((uint32_t)((uint64_t)len * 8 >> 32));
  rounds_x4(st, w);
  for (int l = 0; l < 4; l++)
    for (int i = 0; i < 8; i++) {
      uint8_t *o = out + 32 * l + 4 * i;
      o[0] = st[i][l] >> 24, o[1] = st[i][l] >> 16, o[2] = st[i][l] >> 8, o[3] = st[i][l];
    }
}
#endif

static int use_x16;

const char *sha256_init(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  use_x16 = __builtin_cpu_supports("avx512f");
  if (__builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1")) compress = compress_shani;
  if (use_x16) return compress == compress_shani ? "avx512 x16 + sha-ni" : "avx512 x16";
  if (compress == compress_shani) return "sha-ni";
#endif
  return "portable";
}

void sha256(const uint8_t *msg, size_t len, uint8_t out[32]) {
  uint32_t s[8];
  memcpy(s, H0, sizeof s);
  size_t full = len / 64;
  compress(s, msg, full);
  uint8_t tail[128] = {0};
  size_t rem = len - full * 64;
  memcpy(tail, msg + full * 64, rem);
  tail[rem] = 0x80;
  size_t tail_blocks = rem + 9 <= 64 ? 1 : 2;
  uint64_t bits = (uint64_t)len * 8;
  for (int i = 0; i < 8; i++) tail[tail_blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
  compress(s, tail, tail_blocks);
  for (int i = 0; i < 8; i++) out[4 * i] = s[i] >> 24, out[4 * i + 1] = s[i] >> 16, out[4 * i + 2] = s[i] >> 8, out[4 * i + 3] = s[i];
}

static int is_nan_bits(uint32_t x) { return (x & 0x7f800000u) == 0x7f800000u && (x & 0x7fffffu) != 0; }

/* Leaf c of a tensor: sha256 of its 1024 canonical bytes. */
void sha256_leaf(const float *data, int64_t n, int64_t c, uint8_t out[32]) {
  int64_t from = c * 256, to = from + 256 < n ? from + 256 : n;
  const uint32_t *u = (const uint32_t *)data;
  int clean = to - from == 256;
  for (int64_t i = from; clean && i < to; i++) clean = !is_nan_bits(u[i]);
  if (clean) {
    sha256((const uint8_t *)(data + from), 1024, out);
    return;
  }
  uint32_t chunk[256] = {0};
  for (int64_t i = from; i < to; i++) chunk[i - from] = is_nan_bits(u[i]) ? 0x7fc00000u : u[i];
  sha256((const uint8_t *)chunk, 1024, out);
}

static int clean_full_chunks(const float *data, int64_t n, int64_t c0, int64_t count) {
  if ((c0 + count) * 256 > n) return 0;
  const uint32_t *u = (const uint32_t *)data;
  for (int64_t i = c0 * 256; i < (c0 + count) * 256; i++)
    if (is_nan_bits(u[i])) return 0;
  return 1;
}

/* Leaves c0 .. c1-1 into out + 32 * (c - c0): 16 at a time where the chunks are full and
 * NaN-free and the CPU has AVX-512, one by one otherwise. */
void sha256_leaves(const float *data, int64_t n, int64_t c0, int64_t c1, uint8_t *out) {
  int64_t c = c0;
#if defined(__x86_64__)
  if (use_x16)
    for (; c + 16 <= c1 && clean_full_chunks(data, n, c, 16); c += 16) sha256_x16((const uint8_t *)(data + c * 256), 1024, 1024, out + 32 * (c - c0));
#endif
#if HAVE_X4
  for (; c + 4 <= c1 && clean_full_chunks(data, n, c, 4); c += 4) sha256_x4((const uint8_t *)(data + c * 256), 1024, 1024, out + 32 * (c - c0));
#endif
  for (; c < c1; c++) sha256_leaf(data, n, c, out + 32 * (c - c0));
}

/* Merkle root over `count` leaves padded with zero leaves to a power of two (in place:
 * node i of a level overwrites bytes no later node of that level reads). */
void sha256_merkle_root(uint8_t *leaves, int64_t count, uint8_t out[32]) {
  int64_t width = 1;
  while (width < count) width *= 2;
  memset(leaves + count * 32, 0, (size_t)(width - count) * 32);
  for (; width > 1; width /= 2) {
    int64_t i = 0;
#if defined(__x86_64__)
    if (use_x16)
      for (; i + 16 <= width / 2; i += 16) sha256_x16(leaves + 64 * i, 64, 64, leaves + 32 * i);
#endif
#if HAVE_X4
    for (; i + 4 <= width / 2; i += 4) sha256_x4(leaves + 64 * i, 64, 64, leaves + 32 * i);
#endif
    for (; i < width / 2; i++) sha256(leaves + 64 * i, 64, leaves + 32 * i);
  }
  memcpy(out, leaves, 32);
}
