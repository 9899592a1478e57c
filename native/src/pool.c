/* A small persistent thread pool. A kernel call is cut into parts; the calling thread and
 * the workers claim parts one at a time from a shared counter, so a worker the OS has not
 * scheduled yet (a busy machine) does not hold the call up: whoever is free takes its part.
 * Workers spin briefly between calls (kernel calls come in quick succession during a
 * training step), then sleep on a condition variable. Which thread runs which part never
 * affects output bits: parts write disjoint output elements. */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#define SPIN_ITERS 4000 /* about 0.1-0.5 ms of pause instructions */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv_work = PTHREAD_COND_INITIALIZER, cv_done = PTHREAD_COND_INITIALIZER;
static atomic_int generation, pending;
/* claim = call counter << 32 | parts << 16 | next part. A claim succeeds only for the call
 * it names and only while that call has unclaimed parts, so a worker waking late can never
 * take a part of a later call; and while a part of a call is unfinished the caller waits,
 * so job_fn/job_ctx still belong to that call. */
static _Atomic uint64_t claim;
static int sleepers, started;
static pool_fn job_fn;
static void *job_ctx;

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Run parts of call `gen` until none is left; job fields are stable while a part of `gen`
 * is unfinished, because the caller waits for all of them before starting another call. */
static void run_claimed(uint64_t gen, int tid) {
  for (;;) {
    uint64_t c = atomic_load(&claim);
    int part = (int)(c & 0xffff), parts = (int)(c >> 16 & 0xffff);
    if (c >> 32 != gen || part >= parts) return;
    if (!atomic_compare_exchange_weak(&claim, &c, c + 1)) continue;
    job_fn(job_ctx, part, parts, tid);
    if (atomic_fetch_sub(&pending, 1) == 1) {
      pthread_mutex_lock(&mu);
      pthread_cond_broadcast(&cv_done);
      pthread_mutex_unlock(&mu);
    }
  }
}

static void *worker_main(void *arg) {
  int tid = (int)(intptr_t)arg, seen = 0;
  for (;;) {
    int g = atomic_load(&generation);
    for (int i = 0; g == seen && i < SPIN_ITERS; i++) {
      cpu_relax();
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

void pool_run(pool_fn fn, void *ctx, int parts) {
  if (parts <= 1 || started == 0) {
    for (int p = 0; p < parts; p++) fn(ctx, p, parts, 0);
    return;
  }
  job_fn = fn;
  job_ctx = ctx;
  atomic_store(&pending, parts);
  pthread_mutex_lock(&mu);
  int g = (atomic_load(&generation) + 1) & 0x3fffffff;
  if (g == 0) g = 1; /* workers start having seen 0 */
  atomic_store(&claim, (uint64_t)(uint32_t)g << 32 | (uint64_t)parts << 16);
  atomic_store(&generation, g);
  if (sleepers) pthread_cond_broadcast(&cv_work);
  pthread_mutex_unlock(&mu);
  run_claimed((uint64_t)(uint32_t)g, 0);
  for (int i = 0; atomic_load(&pending) > 0 && i < SPIN_ITERS * 10; i++) cpu_relax();
  if (atomic_load(&pending) > 0) {
    pthread_mutex_lock(&mu);
    while (atomic_load(&pending) > 0) pthread_cond_wait(&cv_done, &mu);
    pthread_mutex_unlock(&mu);
  }
}
