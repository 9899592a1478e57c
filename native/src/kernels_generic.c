/* The kernels compiled for generic (1 lane: the plain scalar fallback, also a test of width independence); build flags select the instruction set. */
#define VW 1
#define ISA_SUFFIX generic
#include "kernels.inc"
