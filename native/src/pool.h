/* Persistent worker threads for splitting one kernel call into parts. */
#ifndef POOL_H
#define POOL_H
#define POOL_MAX_THREADS 64

typedef void (*pool_fn)(void *ctx, int part, int parts);

/* Start workers so that `threads` threads (including the caller) can run; returns how many can. */
int pool_ensure(int threads);
/* Run fn(ctx, p, parts) for every p in [0, parts): part 0 on the caller; returns when all are done. */
void pool_run(pool_fn fn, void *ctx, int parts);
#endif
