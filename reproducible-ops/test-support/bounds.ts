// Accuracy bounds of the spec's transcendental functions, in binary32 ulps against binary64
// Math.exp / Math.log. Measured over every binary32 input of the domain with
// test-support/measure-ulp.ts (stride 1) and stated in docs/REPOPS.md §3.4. A change that
// raises them makes the spec less accurate (and changes bits: bump OPSET_VERSION).
export const EXP_MAX_ULP = 3.05; // exhaustive max 3.0212 at x = 0x4243780D (48.867237)
export const LOG_MAX_ULP = 2;
// repops-3 (docs/REPOPS.md §15.9): erf against mathjs' binary64 erf over every 13th positive
// pattern (erf is exactly odd), cospi against binary64 after the same exact reductions.
export const ERF_MAX_ULP = 1;
export const COSPI_MAX_ULP = 2;
