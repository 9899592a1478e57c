/* Shared declarations of the fast REPOPS kernels (native addon and WASM module).
 *
 * Every kernel computes each output element with exactly the sequence of binary32
 * operations that reproducible-ops/ops/table.ts prescribes. Vector code only ever runs
 * the SAME sequence on independent output elements side by side (one lane each), so the
 * bits depend on nothing but the inputs: not on vector width, tiling or thread count.
 * Build flags must keep -ffp-contract=off (no FMA contraction) and never -ffast-math.
 *
 * A kernel call is a descriptor (op code, integer words, float constants, pointers); the
 * work is cut into `parts` contiguous ranges of independent output elements, and part p
 * of n can run on any thread: repops_run(desc, p, n).
 */
#ifndef REPOPS_H
#define REPOPS_H
#include <stdint.h>

enum {
  OP_BINARY = 1,   /* n: [fn, rank, dims[rank], strideA[rank], strideB[rank]]            */
  OP_UNARY = 2,    /* n: [fn, count]; c[0] = constant of scale/addc                       */
  OP_MATMUL = 3,   /* n: [M, K, N, transA, transB]                                        */
  OP_REDUCE = 4,   /* n: [fn, outer, len, inner]                                          */
  OP_MAXPOOL = 5,  /* n: [B, H, W, C, k]                                                  */
  OP_MAXPOOL_GRAD = 6, /* n: [B, H, W, C, k]; in: x, y, g                                 */
  OP_IM2COL = 7,   /* n: [B, H, W, C, k, stride, pad]                                     */
  OP_COL2IM = 8,   /* n: [B, H, W, C, k, stride, pad]                                     */
  OP_EXPAND = 9,   /* n: [0, rank, dims[rank], strideA[rank]]                             */
  OP_RNG_UNIFORM = 10, /* n: [key, count]; c: [lo, scale]                                 */
  OP_DROPOUT = 11, /* n: [key, count, threshold24]; c: [keepScale]                        */
  OP_RELU_GRAD = 12, /* n: [0, count]; in: x, g                                           */
  OP_TRANSPOSE = 13, /* n: [rows, cols]: out[c][r] = in[r][c] (pure data movement)          */
  OP_BMM = 15,     /* n: [P, M, K, N, transA, transB]: matmul per batch index          */
  OP_PERMUTE = 16, /* n: [rank, dims[rank] (output), src strides[rank]]                   */
  OP_CAUSAL_FILL = 17, /* n: [mats, T]; c[0] = fill                                       */
  OP_ONEHOT = 18,  /* n: [count, classes]                                                 */
  OP_GATHER_ROWS = 19, /* n: [count, V, D]; in: table, ids                                */
  OP_SCATTER_ROWS = 20, /* n: [count, V, D]; in: gy, ids                                  */
  OP_FUSED = 21,   /* n: [count, ninstr, nconst, instr[], const bits[]]: k_fused.inc      */
  OP_PEAK = 14     /* bench only: n: [iters]; c: [m, b]; out: >= 16 floats per part.
                    * PEAK_CHAINS independent chains of a = a*m, a = a+b per vector
                    * lane: the no-FMA multiply-add throughput ceiling of this ISA */
};
#define PEAK_CHAINS 12

enum { BIN_ADD = 0, BIN_SUB = 1, BIN_MUL = 2, BIN_DIV = 3, BIN_MAX = 4 };
enum { UN_NEG = 0, UN_EXP = 1, UN_LOG = 2, UN_SQRT = 3, UN_RELU = 4, UN_SCALE = 5, UN_ADDC = 6, UN_ERF = 7 };
enum { RED_SUM = 0, RED_MAX = 1 };

#define REPOPS_MAX_RANK 8
#define REPOPS_NWORDS 40
#define REPOPS_MAX_PARTS 64

/* The descriptor. In the WASM build pointers are 32-bit and JS writes this struct into
 * linear memory word by word: op, n[40], c[4], in[3], out (49 words, 196 bytes). */
typedef struct {
  int32_t op;
  int32_t n[REPOPS_NWORDS];
  float c[4];
  const float *in[3];
  float *out;
} repops_desc;

/* Matmul blocking (bits do not depend on it: K blocks run in ascending order and each
 * accumulator is kept in binary32 between blocks). Scratch holds one packed B block
 * (KC x NC) and one packed A block (MC x KC); the host gives each thread its own. */
#define REPOPS_KC 1024
#define REPOPS_NC 1024
#define REPOPS_MC 64 /* rows of A per block at most; each flavour uses the largest multiple of its MR */
#define REPOPS_SCRATCH_FLOATS (REPOPS_KC * REPOPS_NC + REPOPS_MC * REPOPS_KC + 1024)

/* Pause inside a spin-wait (the pool's idle workers, the matmul K-split pipeline). */
static inline void repops_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

#endif
