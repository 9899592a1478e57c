/* The kernels compiled for neon (4 lanes); build flags select the instruction set. */
#define VW 4
#define ISA_SUFFIX neon
#include "kernels.inc"
