/* The kernels compiled for avx512 (16 lanes); build flags select the instruction set. */
#define VW 16
#define ISA_SUFFIX avx512
#include "kernels.inc"
