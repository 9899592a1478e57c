/* Persistent worker threads for splitting one kernel call into parts. */
#ifndef POOL_H
#define POOL_H
#define POOL_MAX_THREADS 64

/* `thread` (0 = the caller) identifies per-thread scratch; any thread may run any part. */
typedef void (*pool_fn)(void *ctx, int part, int parts, int thread);

/* Start workers so that `threads` threads (including the caller) can run; returns how many can. */
int pool_ensure(int threads);
/* Threads started so far, including the caller (only grows). */
int pool_size(void);
/* Run fn(ctx, p, parts, thread) for every p in [0, parts) on the caller and the workers
 * (parts <= 65535); returns when all are done. The parts are cut into one contiguous block
 * per thread, `threads` blocks at most (thread t starts with block t). */
void pool_run(pool_fn fn, void *ctx, int parts, int threads);
#endif
