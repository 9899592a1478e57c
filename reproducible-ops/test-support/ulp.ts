// Error of a binary32 result against a binary64 reference, in binary32 ulps (tests and the
// measurement script behind the bounds stated in docs/REPOPS.md §3).
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The binary32 ulp at the magnitude of the real number y (2^-149 in the subnormal range). */
export function ulp32(y: number): number {
  const a = Math.abs(y);
  if (a < 2 ** -126) return 2 ** -149;
  if (a >= 2 ** 128) return 2 ** 104; // beyond the largest binade: measure with its ulp
  f64[0] = a;
  const exp2 = Number((u64[0] >> 52n) & 0x7ffn) - 1023; // floor(log2 a); a is normal in binary64
  return 2 ** (exp2 - 23);
}

/**
 * |got - ref| in ulps of ref. Infinities and NaN: 0 when got equals the binary32 rounding of
 * ref (both Inf of one sign, or both NaN), Infinity otherwise.
 */
export function ulpError(got: number, ref: number): number {
  if (Number.isNaN(ref) || Number.isNaN(got)) return Number.isNaN(ref) && Number.isNaN(got) ? 0 : Infinity;
  if (!Number.isFinite(got)) return got === Math.fround(ref) ? 0 : Infinity;
  if (!Number.isFinite(ref)) return Infinity;
  return Math.abs(got - ref) / ulp32(ref);
}
