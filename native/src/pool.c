/* A small persistent thread pool: the calling thread runs part 0 of a kernel call and
 * workers 1..n-1 run the other parts. Workers spin briefly between calls (kernel calls come
 * in quick succession during a training step), then sleep on a condition variable. Which
 * thread runs which part never affects output bits: parts write disjoint elements. */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#define SPIN_ITERS 4000 /* about 0.1-0.5 ms of pause instructions */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv_work = PTHREAD_COND_INITIALIZER, cv_done = PTHREAD_COND_INITIALIZER;
static atomic_int generation, pending;
static int sleepers, started;
static pool_fn job_fn;
static void *job_ctx;
/* generation = call counter * GEN_STEP + parts of that call: a worker that sits out one call
 * learns it from the value it woke on, never from fields the next call may have rewritten. */
#define GEN_STEP 128

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static void *worker_main(void *arg) {
  int id = (int)(intptr_t)arg, seen = 0;
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
    int parts = g % GEN_STEP;
    if (id < parts) {
      job_fn(job_ctx, id, parts);
      if (atomic_fetch_sub(&pending, 1) == 1) {
        pthread_mutex_lock(&mu);
        pthread_cond_broadcast(&cv_done);
        pthread_mutex_unlock(&mu);
      }
    }
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

void pool_run(pool_fn fn, void *ctx, int parts) {
  if (parts <= 1 || started == 0) {
    for (int p = 0; p < parts; p++) fn(ctx, p, parts);
    return;
  }
  if (parts > started + 1) parts = started + 1;
  job_fn = fn;
  job_ctx = ctx;
  atomic_store(&pending, parts - 1);
  pthread_mutex_lock(&mu);
  int g = atomic_load(&generation);
  atomic_store(&generation, (g / GEN_STEP + 1) % (1 << 20) * GEN_STEP + parts);
  if (sleepers) pthread_cond_broadcast(&cv_work);
  pthread_mutex_unlock(&mu);
  fn(ctx, 0, parts);
  for (int i = 0; atomic_load(&pending) > 0 && i < SPIN_ITERS * 10; i++) cpu_relax();
  if (atomic_load(&pending) > 0) {
    pthread_mutex_lock(&mu);
    while (atomic_load(&pending) > 0) pthread_cond_wait(&cv_done, &mu);
    pthread_mutex_unlock(&mu);
  }
}
