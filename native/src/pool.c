/* A small persistent thread pool. A kernel call is cut into parts, and the parts into one
 * contiguous block per thread: thread t runs block t first (so consecutive calls on the
 * same tensor shapes give each thread the same slice of the data, which stays in its own
 * core's cache: on 2 vCPUs whose caches are ~240 ns apart, handing slices around cost
 * more than the second thread gained), then takes the unclaimed parts of the other
 * blocks, so a worker the OS has not scheduled yet (a busy machine) does not hold the call
 * up: whoever is free takes its parts.
 * Workers spin briefly between calls (kernel calls come in quick succession during a
 * training step), then sleep on a condition variable. Which thread runs which part never
 * affects output bits: parts write disjoint output elements. */
#include "pool.h"
#include "repops.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#define SPIN_ITERS 4000 /* about 0.1-0.5 ms of pause instructions */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv_work = PTHREAD_COND_INITIALIZER, cv_done = PTHREAD_COND_INITIALIZER;
static atomic_int generation, pending;
/* block[b] = call counter << 32 | end << 16 | next part of block b. A claim succeeds only
 * for the call it names and only while its block has unclaimed parts, so a worker waking
 * late can never take a part of a later call; and while a part of a call is unfinished the
 * caller waits, so job_fn/job_ctx/nblocks still belong to that call. */
static _Atomic uint64_t block[POOL_MAX_THREADS];
static atomic_int nblocks;
static int sleepers, started;
static pool_fn job_fn;
static void *job_ctx;
static int job_parts;

/* Claim and run parts of block b of call `gen` until it has none left. */
static void run_block(uint64_t gen, int b, int tid) {
  for (;;) {
    uint64_t c = atomic_load(&block[b]);
    int part = (int)(c & 0xffff), end = (int)(c >> 16 & 0xffff);
    if (c >> 32 != gen || part >= end) return;
    if (!atomic_compare_exchange_weak(&block[b], &c, c + 1)) continue;
    job_fn(job_ctx, part, job_parts, tid);
    if (atomic_fetch_sub(&pending, 1) == 1) {
      pthread_mutex_lock(&mu);
      pthread_cond_broadcast(&cv_done);
      pthread_mutex_unlock(&mu);
    }
  }
}

/* Run parts of call `gen`: thread tid's own block first, then whatever the others left. */
static void run_claimed(uint64_t gen, int tid) {
  int n = atomic_load(&nblocks);
  if (n < 1 || n > POOL_MAX_THREADS) return;
  for (int i = 0; i < n; i++) run_block(gen, (tid + i) % n, tid);
}

static void *worker_main(void *arg) {
  int tid = (int)(intptr_t)arg, seen = 0;
  for (;;) {
    int g = atomic_load(&generation);
    for (int i = 0; g == seen && i < SPIN_ITERS; i++) {
      repops_pause();
      g = atomic_load(&generation);
    }
    if (g == seen) {
      pthread_mutex_lock(&mu);
      sleepers++;
      while ((g = atomic_load(&generation)) == seen) pthread_cond_wait(&cv_work, &mu);
      sleepers--;
      pthread_mutex_unlock(&mu);
    }
    seen = g;
    run_claimed((uint64_t)(uint32_t)g, tid);
  }
  return NULL;
}

/* Workers are detached and never joined: they sleep when idle and end with the process. */
int pool_ensure(int threads) {
  if (threads > POOL_MAX_THREADS) threads = POOL_MAX_THREADS;
  while (started < threads - 1) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 1 << 20);
    int rc = pthread_create(&t, &attr, worker_main, (void *)(intptr_t)(started + 1));
    pthread_attr_destroy(&attr);
    if (rc != 0) return started + 1;
    pthread_detach(t);
    started++;
  }
  return threads;
}

int pool_size(void) { return started + 1; }

void pool_run(pool_fn fn, void *ctx, int parts, int threads) {
  if (parts <= 1 || started == 0) {
    for (int p = 0; p < parts; p++) fn(ctx, p, parts, 0);
    return;
  }
  job_fn = fn;
  job_ctx = ctx;
  job_parts = parts;
  int n = started + 1 < parts ? started + 1 : parts;
  if (threads >= 1 && n > threads) n = threads;
  atomic_store(&pending, parts);
  pthread_mutex_lock(&mu);
  int g = (atomic_load(&generation) + 1) & 0x3fffffff;
  if (g == 0) g = 1; /* workers start having seen 0 */
  atomic_store(&nblocks, n);
  for (int b = 0; b < n; b++) {
    uint64_t p0 = (uint64_t)parts * b / n, p1 = (uint64_t)parts * (b + 1) / n;
    atomic_store(&block[b], (uint64_t)(uint32_t)g << 32 | p1 << 16 | p0);
  }
  atomic_store(&generation, g);
  if (sleepers) pthread_cond_broadcast(&cv_work);
  pthread_mutex_unlock(&mu);
  run_claimed((uint64_t)(uint32_t)g, 0);
  for (int i = 0; atomic_load(&pending) > 0 && i < SPIN_ITERS * 10; i++) repops_pause();
  if (atomic_load(&pending) > 0) {
    pthread_mutex_lock(&mu);
    while (atomic_load(&pending) > 0) pthread_cond_wait(&cv_done, &mu);
    pthread_mutex_unlock(&mu);
  }
}
