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
