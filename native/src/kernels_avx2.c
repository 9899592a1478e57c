/* The kernels compiled for avx2 (8 lanes); build flags select the instruction set. */
#define VW 8
#define ISA_SUFFIX avx2
#include "kernels.inc"
