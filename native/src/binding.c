/* Node-API entry points of the native backend: kernel calls over Float32Array memory (no
 * copies), thread count, and instruction-set dispatch chosen at load time from CPUID (the
 * widest of avx512/avx2/sse2 the CPU and OS support, neon on arm64, else generic), which
 * tests may override to check that every flavour gives the same bits. */
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "repops.h"
#include "sha256.h"

typedef void (*run_fn)(const repops_desc *, int, int, float *);
typedef int (*parts_fn)(const repops_desc *, int, double);

#define DECLARE_ISA(s)                                               \
  void repops_run_##s(const repops_desc *, int, int, float *);       \
  int repops_parts_##s(const repops_desc *, int, double);
DECLARE_ISA(generic)
#if defined(__x86_64__)
DECLARE_ISA(sse2)
DECLARE_ISA(avx2)
DECLARE_ISA(avx512)
#endif
#if defined(__aarch64__)
DECLARE_ISA(neon)
#endif

typedef struct {
  const char *name;
  run_fn run;
  parts_fn parts;
  int supported;
} isa_entry;

static isa_entry isas[] = {
#if defined(__x86_64__)
    {"avx512", repops_run_avx512, repops_parts_avx512, 0},
    {"avx2", repops_run_avx2, repops_parts_avx2, 0},
    {"sse2", repops_run_sse2, repops_parts_sse2, 0},
#endif
#if defined(__aarch64__)
    {"neon", repops_run_neon, repops_parts_neon, 0},
#endif
    {"generic", repops_run_generic, repops_parts_generic, 1},
};
#define NISA ((int)(sizeof isas / sizeof isas[0]))

static isa_entry *current;
static int threads = 1;
static double grain = 16384.0; /* work units per part; see repops_parts (native.ts sets it) */
static float *scratch[POOL_MAX_THREADS];

static void detect_isas(void) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  isas[0].supported = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  isas[1].supported = __builtin_cpu_supports("avx2");
  isas[2].supported = 1; /* part of x86-64 */
#endif
#if defined(__aarch64__)
  isas[0].supported = 1; /* Advanced SIMD is mandatory on arm64 */
#endif
  for (int i = 0; i < NISA; i++)
    if (isas[i].supported) {
      current = &isas[i];
      break;
    }
}

static napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static int get_f32(napi_env env, napi_value v, float **data, size_t *len) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) {
    *data = NULL;
    *len = 0;
    return 1;
  }
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta) return 0;
  napi_typedarray_type type;
  void *ptr;
  napi_get_typedarray_info(env, v, &type, len, &ptr, NULL, NULL);
  *data = (float *)ptr;
  return type == napi_float32_array;
}

/* Any started thread may claim a part, so every one needs its scratch (kept for reuse). */
static int ensure_scratch(void) {
  for (int t = 0; t < pool_size(); t++)
    if (!scratch[t] && !(scratch[t] = malloc(sizeof(float) * REPOPS_SCRATCH_FLOATS))) return 0;
  return 1;
}

static void run_part(void *ctx, int part, int parts, int thread) {
  current->run((const repops_desc *)ctx, part, parts, scratch[thread]);
}

/* run(words: Int32Array [op, n0..], consts: Float32Array(4), in0, in1, in2, out) */
static napi_value js_run(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 6) return throw_error(env, "native run: expected 6 arguments (words, consts, in0, in1, in2, out)");
  napi_typedarray_type type;
  size_t nwords, nconsts;
  void *words;
  float *consts;
  bool is_ta = false;
  napi_is_typedarray(env, argv[0], &is_ta);
  if (!is_ta) return throw_error(env, "native run: words must be an Int32Array");
  napi_get_typedarray_info(env, argv[0], &type, &nwords, &words, NULL, NULL);
  if (type != napi_int32_array || nwords < 1 || nwords > 1 + REPOPS_NWORDS)
    return throw_error(env, "native run: words must be an Int32Array of 1..41 words");
  if (!get_f32(env, argv[1], &consts, &nconsts) || nconsts > 4) return throw_error(env, "native run: consts must be a Float32Array of <= 4");
  repops_desc d;
  memset(&d, 0, sizeof d);
  d.op = ((int32_t *)words)[0];
  memcpy(d.n, (int32_t *)words + 1, (nwords - 1) * 4);
  if (consts) memcpy(d.c, consts, nconsts * 4);
  size_t len;
  for (int i = 0; i < 3; i++)
    if (!get_f32(env, argv[2 + i], (float **)&d.in[i], &len)) return throw_error(env, "native run: inputs must be Float32Array or null");
  if (!get_f32(env, argv[5], &d.out, &len) || !d.out) return throw_error(env, "native run: out must be a Float32Array");
  if (!ensure_scratch()) return throw_error(env, "native run: out of memory for matmul scratch");
  int parts = current->parts(&d, threads, grain);
  pool_run(run_part, &d, parts, threads);
  return NULL;
}

static int32_t int_arg(napi_env env, napi_callback_info info, int32_t dflt) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t v = dflt;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) napi_get_value_int32(env, argv[0], &v);
  return v;
}

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  int32_t n = int_arg(env, info, 1);
  if (n < 1 || n > POOL_MAX_THREADS) return throw_error(env, "native setThreads: threads must be in [1, 64]");
  threads = pool_ensure(n);
  if (!ensure_scratch()) return throw_error(env, "native setThreads: out of memory for matmul scratch");
  napi_value r;
  napi_create_int32(env, threads, &r);
  return r;
}

/* setGrain(work): work units per part (default 16384); tests use 1 to split tiny calls. */
static napi_value js_set_grain(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double g = 16384.0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc >= 1) napi_get_value_double(env, argv[0], &g);
  if (!(g >= 1)) return throw_error(env, "native setGrain: grain must be >= 1");
  grain = g;
  return NULL;
}

typedef struct {
  const float *data;
  int64_t n, chunks;
  uint8_t *leaves;
} leaf_job;

static void hash_leaves(void *ctx, int part, int parts, int thread) {
  (void)thread;
  leaf_job *j = ctx;
  int64_t c0 = j->chunks * part / parts, c1 = j->chunks * (part + 1) / parts;
  sha256_leaves(j->data, j->n, c0, c1, j->leaves + 32 * c0);
}

/* dataRoot(data: Float32Array, out: Uint8Array(32)): the tensor data root of merkle.ts;
 * leaves are hashed on the pool's threads when there are many. */
static napi_value js_data_root(napi_env env, napi_callback_info info) {
  size_t argc = 2, len, outLen;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  float *data;
  if (argc != 2 || !get_f32(env, argv[0], &data, &len) || (!data && len > 0)) return throw_error(env, "native dataRoot: expected (Float32Array, Uint8Array(32))");
  napi_typedarray_type type;
  void *out;
  bool is_ta = false;
  napi_is_typedarray(env, argv[1], &is_ta);
  if (!is_ta) return throw_error(env, "native dataRoot: out must be a Uint8Array(32)");
  napi_get_typedarray_info(env, argv[1], &type, &outLen, &out, NULL, NULL);
  if (type != napi_uint8_array || outLen != 32) return throw_error(env, "native dataRoot: out must be a Uint8Array(32)");
  leaf_job j = {data, (int64_t)len, len == 0 ? 1 : ((int64_t)len + 255) / 256, NULL};
  int64_t width = 1;
  while (width < j.chunks) width *= 2;
  if (!(j.leaves = malloc((size_t)width * 32))) return throw_error(env, "native dataRoot: out of memory");
  int parts = j.chunks >= 64 * threads ? threads : 1;
  pool_run(hash_leaves, &j, parts, threads);
  sha256_merkle_root(j.leaves, j.chunks, out);
  free(j.leaves);
  return NULL;
}

/* dataRootsAsync(tensors: Float32Array[]): Promise<Buffer[]> - the data roots computed on
 * a libuv thread, so a solver can hash state t while the main thread runs step t+1. The
 * arrays are kept alive (references) and must not be written until the promise settles;
 * the engine never writes a state tensor. */
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  uint32_t count;
  napi_ref *refs;
  const float **data;
  size_t *len;
  uint8_t *roots; /* count x 32 */
  int failed;
} roots_job;

static void roots_execute(napi_env env, void *arg) {
  (void)env;
  roots_job *j = arg;
  for (uint32_t i = 0; i < j->count && !j->failed; i++) {
    int64_t chunks = j->len[i] == 0 ? 1 : ((int64_t)j->len[i] + 255) / 256, width = 1;
    while (width < chunks) width *= 2;
    uint8_t *leaves = malloc((size_t)width * 32);
    if (!leaves) {
      j->failed = 1;
      break;
    }
    sha256_leaves(j->data[i], (int64_t)j->len[i], 0, chunks, leaves);
    sha256_merkle_root(leaves, chunks, j->roots + 32 * i);
    free(leaves);
  }
}

static void roots_free(napi_env env, roots_job *j) {
  for (uint32_t i = 0; i < j->count; i++)
    if (j->refs[i]) napi_delete_reference(env, j->refs[i]);
  free(j->refs), free(j->data), free(j->len), free(j->roots), free(j);
}

static void roots_complete(napi_env env, napi_status status, void *arg) {
  roots_job *j = arg;
  napi_value result, err;
  if (status != napi_ok || j->failed) {
    napi_create_string_utf8(env, "native dataRootsAsync: hashing failed (out of memory or cancelled)", NAPI_AUTO_LENGTH, &err);
    napi_value e;
    napi_create_error(env, NULL, err, &e);
    napi_reject_deferred(env, j->deferred, e);
  } else {
    napi_create_array_with_length(env, j->count, &result);
    for (uint32_t i = 0; i < j->count; i++) {
      napi_value buf;
      napi_create_buffer_copy(env, 32, j->roots + 32 * i, NULL, &buf);
      napi_set_element(env, result, i, buf);
    }
    napi_resolve_deferred(env, j->deferred, result);
  }
  napi_delete_async_work(env, j->work);
  roots_free(env, j);
}

static napi_value js_data_roots_async(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], promise, name;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool is_array = false;
  if (argc != 1 || napi_is_array(env, argv[0], &is_array) != napi_ok || !is_array)
    return throw_error(env, "native dataRootsAsync: expected an array of Float32Array");
  roots_job *j = calloc(1, sizeof *j);
  if (!j) return throw_error(env, "native dataRootsAsync: out of memory");
  napi_get_array_length(env, argv[0], &j->count);
  j->refs = calloc(j->count + 1, sizeof *j->refs);
  j->data = calloc(j->count + 1, sizeof *j->data);
  j->len = calloc(j->count + 1, sizeof *j->len);
  j->roots = calloc(j->count + 1, 32);
  if (!j->refs || !j->data || !j->len || !j->roots) {
    roots_free(env, j);
    return throw_error(env, "native dataRootsAsync: out of memory");
  }
  for (uint32_t i = 0; i < j->count; i++) {
    napi_value el;
    float *d;
    napi_get_element(env, argv[0], i, &el);
    if (!get_f32(env, el, &d, &j->len[i]) || (!d && j->len[i] > 0)) {
      roots_free(env, j);
      return throw_error(env, "native dataRootsAsync: every element must be a Float32Array");
    }
    j->data[i] = d;
    napi_create_reference(env, el, 1, &j->refs[i]);
  }
  napi_create_promise(env, &j->deferred, &promise);
  napi_create_string_utf8(env, "optrain.dataRoots", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, roots_execute, roots_complete, j, &j->work);
  napi_queue_async_work(env, j->work);
  return promise;
}

static napi_value make_string(napi_env env, const char *s) {
  napi_value r;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &r);
  return r;
}

/* setIsa(name): switch flavour; returns false when this CPU or build lacks it. */
static napi_value js_set_isa(napi_env env, napi_callback_info info) {
  size_t argc = 1, n;
  napi_value argv[1], r;
  char name[32] = {0};
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &n) != napi_ok)
    return throw_error(env, "native setIsa: expected an instruction-set name");
  bool ok = false;
  for (int i = 0; i < NISA; i++)
    if (isas[i].supported && strcmp(isas[i].name, name) == 0) {
      current = &isas[i];
      ok = true;
    }
  napi_get_boolean(env, ok, &r);
  return r;
}

static napi_value js_isa(napi_env env, napi_callback_info info) {
  (void)info;
  return make_string(env, current->name);
}

static napi_value js_isas(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value arr;
  napi_create_array(env, &arr);
  uint32_t k = 0;
  for (int i = 0; i < NISA; i++)
    if (isas[i].supported) napi_set_element(env, arr, k++, make_string(env, isas[i].name));
  return arr;
}

static napi_value init(napi_env env, napi_value exports) {
  detect_isas();
  sha256_init();
  napi_property_descriptor props[] = {
      {"run", NULL, js_run, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"setGrain", NULL, js_set_grain, NULL, NULL, NULL, napi_default, NULL},
      {"dataRoot", NULL, js_data_root, NULL, NULL, NULL, napi_default, NULL},
      {"dataRootsAsync", NULL, js_data_roots_async, NULL, NULL, NULL, napi_default, NULL},
      {"setIsa", NULL, js_set_isa, NULL, NULL, NULL, napi_default, NULL},
      {"isa", NULL, js_isa, NULL, NULL, NULL, napi_default, NULL},
      {"isas", NULL, js_isas, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
