/* SHA-256 and REPOPS tensor data roots (see sha256.c). */
#ifndef REPOPS_SHA256_H
#define REPOPS_SHA256_H
#include <stddef.h>
#include <stdint.h>

/* Pick SHA-NI when available; returns the implementation's name. */
const char *sha256_init(void);
void sha256(const uint8_t *msg, size_t len, uint8_t out[32]);
void sha256_leaf(const float *data, int64_t n, int64_t chunk, uint8_t out[32]);
/* Leaves c0 .. c1-1 into out + 32 * (c - c0) (16 lanes at a time on AVX-512). */
void sha256_leaves(const float *data, int64_t n, int64_t c0, int64_t c1, uint8_t *out);
/* `leaves` must have room for the next power of two of `count` leaves (32 bytes each). */
void sha256_merkle_root(uint8_t *leaves, int64_t count, uint8_t out[32]);
#endif
