/* The REPOPS kernels as a WebAssembly module: the same C source as the native addon
 * (native/src/kernels.inc), compiled for 4-lane wasm SIMD (simd128 only, no relaxed
 * SIMD, whose results may differ between engines). Memory is imported and shared, so
 * several instances on worker threads run parts of one call (see
 * reproducible-ops/backend/wasm.ts). */
#define VW 4
#define ISA_SUFFIX wasm
#include "../native/src/kernels.inc"

__attribute__((export_name("run"))) void run(const repops_desc *d, int part, int nparts, float *scratch) {
  repops_run_wasm(d, part, nparts, scratch);
}

__attribute__((export_name("parts"))) int parts(const repops_desc *d, int max_parts, double grain) {
  return repops_parts_wasm(d, max_parts, grain);
}

/* Layout checks for the JS side, which writes descriptors word by word. */
__attribute__((export_name("desc_size"))) int desc_size(void) { return (int)sizeof(repops_desc); }
__attribute__((export_name("scratch_floats"))) int scratch_floats(void) { return REPOPS_SCRATCH_FLOATS; }

/* State hashing: the tensor data root of reproducible-ops/merkle.ts (native/src/sha256.c,
 * 4 leaves at a time in SIMD lanes). `leaves` needs room for the next power of two of
 * ceil(n / 256) leaves (32 bytes each). */
#include "../native/src/sha256.c"

__attribute__((export_name("data_root"))) void data_root(const float *data, int n, uint8_t *leaves, uint8_t *out) {
  int64_t chunks = n == 0 ? 1 : ((int64_t)n + 255) / 256;
  sha256_leaves(data, n, 0, chunks, leaves);
  sha256_merkle_root(leaves, chunks, out);
}
