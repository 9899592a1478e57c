/* The kernels compiled for sse2 (4 lanes); build flags select the instruction set. */
#define VW 4
#define ISA_SUFFIX sse2
#include "kernels.inc"
