/* Node-API surface of the addon. Every kernel takes the tfjs wasm heap (the ArrayBuffer of its
 * WebAssembly.Memory) and byte offsets into it, checks that each operand lies inside the buffer, and
 * computes in place: the caller allocates outputs on the heap first and passes the buffer afterwards
 * (a heap growth replaces the ArrayBuffer). */
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "blas.h"
#include "conv.h"

#define CALL(env, expr)                                   \
  do {                                                    \
    if ((expr) != napi_ok) {                              \
      napi_throw_error((env), NULL, "napi call failed: " #expr); \
      return NULL;                                        \
    }                                                     \
  } while (0)

static napi_value throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "too few arguments");
    return -1;
  }
  return 0;
}

static int get_i64(napi_env env, napi_value v, int64_t *out) {
  if (napi_get_value_int64(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number");
    return -1;
  }
  return 0;
}

/* The heap's data pointer and length. */
static int get_heap(napi_env env, napi_value v, uint8_t **data, size_t *len) {
  bool is_ab = false;
  napi_is_arraybuffer(env, v, &is_ab);
  if (!is_ab) {
    napi_throw_type_error(env, NULL, "expected the wasm heap as an ArrayBuffer");
    return -1;
  }
  void *p = NULL;
  if (napi_get_arraybuffer_info(env, v, &p, len) != napi_ok) {
    napi_throw_error(env, NULL, "cannot read the ArrayBuffer");
    return -1;
  }
  *data = (uint8_t *)p;
  return 0;
}

/* A float32 operand of `count` elements at byte offset `off`, or NULL (exception pending) if it does
 * not lie inside the heap. */
static float *operand(napi_env env, uint8_t *heap, size_t len, int64_t off, uint64_t count, const char *name) {
  char msg[160];
  if (off < 0 || (off & 3) || (uint64_t)off > len || count > (len - (uint64_t)off) / 4) {
    snprintf(msg, sizeof msg, "operand %s (offset %lld, %llu floats) is outside the heap of %zu bytes", name,
             (long long)off, (unsigned long long)count, len);
    napi_throw_range_error(env, NULL, msg);
    return NULL;
  }
  return (float *)(heap + off);
}

static int get_i32_array(napi_env env, napi_value v, size_t want, int32_t *out) {
  napi_typedarray_type type;
  size_t length;
  void *data;
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta || napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_int32_array || length != want) {
    char msg[80];
    snprintf(msg, sizeof msg, "expected an Int32Array of %zu values", want);
    napi_throw_type_error(env, NULL, msg);
    return -1;
  }
  memcpy(out, data, want * sizeof(int32_t));
  return 0;
}

static napi_value make_string(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v);
  return v;
}

/* load(paths: string[]) → { path, config }; throws Error with every dlopen failure. */
static napi_value js_load(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (get_args(env, info, 1, argv)) return NULL;
  uint32_t count = 0;
  CALL(env, napi_get_array_length(env, argv[0], &count));
  if (count > 16) count = 16;
  char storage[16][512];
  const char *paths[16];
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    size_t got;
    CALL(env, napi_get_element(env, argv[0], i, &item));
    if (napi_get_value_string_utf8(env, item, storage[i], sizeof storage[i], &got) != napi_ok) {
      napi_throw_type_error(env, NULL, "library paths must be strings");
      return NULL;
    }
    paths[i] = storage[i];
  }
  char err[2048];
  if (blas_load(paths, (int)count, err, sizeof err) != 0) {
    napi_throw_error(env, NULL, err[0] ? err : "no BLAS library to try");
    return NULL;
  }
  napi_value out;
  CALL(env, napi_create_object(env, &out));
  CALL(env, napi_set_named_property(env, out, "path", make_string(env, blas_path())));
  CALL(env, napi_set_named_property(env, out, "config", make_string(env, blas_config())));
  return out;
}

/* setThreads(n) → threads now in use, or -1 when the library has no thread control. */
static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t n;
  if (get_args(env, info, 1, argv) || get_i64(env, argv[0], &n)) return NULL;
  if (n < 1 || n > 256) return throw_range(env, "thread count must be 1..256");
  napi_value out;
  CALL(env, napi_create_int32(env, blas_set_threads((int)n), &out));
  return out;
}

static napi_value js_get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CALL(env, napi_create_int32(env, blas_get_threads(), &out));
  return out;
}

static int need_blas(napi_env env) {
  if (blas_sgemm) return 0;
  napi_throw_error(env, NULL, "no BLAS loaded: call load() first");
  return -1;
}

enum { GEOM_LEN = 15 };

static int read_geom(napi_env env, napi_value v, conv_geom *g) {
  int32_t a[GEOM_LEN];
  if (get_i32_array(env, v, GEOM_LEN, a)) return -1;
  *g = (conv_geom){a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]};
  if (g->n < 1 || g->h < 1 || g->w < 1 || g->c < 1 || g->oh < 1 || g->ow < 1 || g->o < 1 || g->fh < 1 || g->fw < 1 ||
      g->sh < 1 || g->sw < 1 || g->dh < 1 || g->dw < 1 || g->top < 0 || g->left < 0) {
    napi_throw_range_error(env, NULL, "convolution geometry out of range");
    return -1;
  }
  return 0;
}

typedef int (*conv_fn)(conv_ctx *, const conv_geom *, const float *, const float *, float *);

/* This environment's (thread's) convolution working memory, set up in init. */
static conv_ctx *ctx_of(napi_env env) {
  void *data = NULL;
  if (napi_get_instance_data(env, &data) != napi_ok || !data) {
    napi_throw_error(env, NULL, "native addon: no per-thread state (init did not run)");
    return NULL;
  }
  return (conv_ctx *)data;
}
enum { X, F, Y }; /* operand roles */

/* (heap, in0Off, in1Off, outOff, geom) with the operand roles given. */
static napi_value run_conv(napi_env env, napi_callback_info info, conv_fn fn, const int roles[3],
                           const char *const names[3]) {
  napi_value argv[5];
  if (get_args(env, info, 5, argv) || need_blas(env)) return NULL;
  uint8_t *heap;
  size_t len;
  int64_t off[3];
  conv_geom g;
  if (get_heap(env, argv[0], &heap, &len) || get_i64(env, argv[1], &off[0]) || get_i64(env, argv[2], &off[1]) ||
      get_i64(env, argv[3], &off[2]) || read_geom(env, argv[4], &g))
    return NULL;
  const uint64_t sizes[3] = {(uint64_t)g.n * g.h * g.w * g.c, (uint64_t)g.fh * g.fw * g.c * g.o,
                             (uint64_t)g.n * g.oh * g.ow * g.o};
  float *p[3];
  for (int i = 0; i < 3; i++) {
    p[i] = operand(env, heap, len, off[i], sizes[roles[i]], names[i]);
    if (!p[i]) return NULL;
  }
  conv_ctx *ctx = ctx_of(env);
  if (!ctx) return NULL;
  if (fn(ctx, &g, p[0], p[1], p[2]) != 0) {
    napi_throw_error(env, NULL, "out of memory for the im2col scratch buffer");
    return NULL;
  }
  return NULL;
}

static int fwd(conv_ctx *c, const conv_geom *g, const float *x, const float *f, float *y) {
  return conv2d_forward(c, g, x, f, y);
}
static int bwd_in(conv_ctx *c, const conv_geom *g, const float *dy, const float *f, float *dx) {
  return conv2d_backprop_input(c, g, dy, f, dx);
}
static int bwd_f(conv_ctx *c, const conv_geom *g, const float *x, const float *dy, float *dw) {
  return conv2d_backprop_filter(c, g, x, dy, dw);
}

/* conv2d(heap, xOff, filterOff, yOff, geom) */
static napi_value js_conv2d(napi_env env, napi_callback_info info) {
  static const int roles[3] = {X, F, Y};
  static const char *const names[3] = {"x", "filter", "y"};
  return run_conv(env, info, fwd, roles, names);
}

/* conv2dBackpropInput(heap, dyOff, filterOff, dxOff, geom) */
static napi_value js_conv2d_bp_input(napi_env env, napi_callback_info info) {
  static const int roles[3] = {Y, F, X};
  static const char *const names[3] = {"dy", "filter", "dx"};
  return run_conv(env, info, bwd_in, roles, names);
}

/* conv2dBackpropFilter(heap, xOff, dyOff, dwOff, geom) */
static napi_value js_conv2d_bp_filter(napi_env env, napi_callback_info info) {
  static const int roles[3] = {X, Y, F};
  static const char *const names[3] = {"x", "dy", "dw"};
  return run_conv(env, info, bwd_f, roles, names);
}

/* matmul(heap, aOff, bOff, cOff, dims) with dims = Int32Array [batch, m, n, k, transA, transB,
 * broadcastA, broadcastB]: c[i] = op(a[i]) · op(b[i]); a broadcast operand is one matrix for all i. */
static napi_value js_matmul(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (get_args(env, info, 5, argv) || need_blas(env)) return NULL;
  uint8_t *heap;
  size_t len;
  int64_t oa, ob, oc;
  int32_t d[8];
  if (get_heap(env, argv[0], &heap, &len) || get_i64(env, argv[1], &oa) || get_i64(env, argv[2], &ob) ||
      get_i64(env, argv[3], &oc) || get_i32_array(env, argv[4], 8, d))
    return NULL;
  const int batch = d[0], m = d[1], n = d[2], k = d[3];
  if (batch < 1 || m < 1 || n < 1 || k < 1) return throw_range(env, "matmul dimensions must be positive");
  const uint64_t sa = (uint64_t)m * k, sb = (uint64_t)k * n, sc = (uint64_t)m * n;
  float *a = operand(env, heap, len, oa, d[6] ? sa : sa * batch, "a");
  if (!a) return NULL;
  float *b = operand(env, heap, len, ob, d[7] ? sb : sb * batch, "b");
  if (!b) return NULL;
  float *c = operand(env, heap, len, oc, sc * batch, "c");
  if (!c) return NULL;
  sgemm_batch(batch, m, n, k, d[4], d[5], a, d[6] ? 0 : sa, b, d[7] ? 0 : sb, c, sc);
  return NULL;
}

/* y = act(y + b) row by row; b may be NULL. One branch-free pass (the ReLU's select vectorises: as a
 * branch on the signs of a convolution's output it mispredicted half the time, 10x slower). */
static void bias_act(float *restrict y, const float *restrict b, int64_t rows, int64_t ch, int relu) {
  for (int64_t r = 0; r < rows; r++, y += ch) {
    if (b && relu)
      for (int64_t j = 0; j < ch; j++) {
        const float v = y[j] + b[j];
        y[j] = v > 0.0f ? v : 0.0f;
      }
    else if (b)
      for (int64_t j = 0; j < ch; j++) y[j] += b[j];
    else if (relu)
      for (int64_t j = 0; j < ch; j++) {
        const float v = y[j];
        y[j] = v > 0.0f ? v : 0.0f;
      }
  }
}

/* biasAct(heap, yOff, biasOff, rows, channels, act): y[r, j] = act(y[r, j] + bias[j]) in place over a
 * row-major [rows, channels] tensor (a convolution's NHWC output: rows = images × pixels). biasOff < 0:
 * no bias. act 0: none, 1: ReLU, max(0, v) — the same float additions and comparisons as tfjs' Add then
 * Relu, so the result is bit-identical to those two kernels, in one pass instead of two. */
static napi_value js_bias_act(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (get_args(env, info, 6, argv)) return NULL;
  uint8_t *heap;
  size_t len;
  int64_t oy, ob, rows, ch, act;
  if (get_heap(env, argv[0], &heap, &len) || get_i64(env, argv[1], &oy) || get_i64(env, argv[2], &ob) ||
      get_i64(env, argv[3], &rows) || get_i64(env, argv[4], &ch) || get_i64(env, argv[5], &act))
    return NULL;
  if (rows < 0 || ch < 1 || act < 0 || act > 1) return throw_range(env, "biasAct: rows >= 0, channels >= 1, act 0 or 1");
  float *y = operand(env, heap, len, oy, (uint64_t)rows * (uint64_t)ch, "y");
  if (!y) return NULL;
  const float *b = NULL;
  if (ob >= 0) {
    b = operand(env, heap, len, ob, (uint64_t)ch, "bias");
    if (!b) return NULL;
  }
  bias_act(y, b, rows, ch, (int)act);
  return NULL;
}

/* A Float64Array's data and length, or -1 (exception pending). */
static int get_f64_array(napi_env env, napi_value v, double **out, size_t *length, const char *name) {
  napi_typedarray_type type;
  void *data;
  bool is_ta = false;
  napi_is_typedarray(env, v, &is_ta);
  if (!is_ta || napi_get_typedarray_info(env, v, &type, length, &data, NULL, NULL) != napi_ok || type != napi_float64_array) {
    char msg[80];
    snprintf(msg, sizeof msg, "expected %s to be a Float64Array", name);
    napi_throw_type_error(env, NULL, msg);
    return -1;
  }
  *out = (double *)data;
  return 0;
}

/* syrkLower(a, rows, dims, c): c += aᵀ·a on the lower triangle (c[i·dims + j], j ≤ i), a row-major
 * rows × dims, c dims × dims, both Float64Array. Returns false when the library has no cblas_dsyrk. */
static napi_value js_syrk_lower(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (get_args(env, info, 4, argv) || need_blas(env)) return NULL;
  double *a, *c;
  size_t la, lc;
  int64_t rows, dims;
  if (get_f64_array(env, argv[0], &a, &la, "a") || get_i64(env, argv[1], &rows) || get_i64(env, argv[2], &dims) ||
      get_f64_array(env, argv[3], &c, &lc, "c"))
    return NULL;
  if (rows < 1 || dims < 1 || (uint64_t)rows * (uint64_t)dims > la || (uint64_t)dims * (uint64_t)dims > lc) {
    return throw_range(env, "syrkLower: a must hold rows × dims values and c dims × dims");
  }
  napi_value out;
  if (!blas_dsyrk) {
    CALL(env, napi_get_boolean(env, false, &out));
    return out;
  }
  blas_dsyrk(ROW_MAJOR, LOWER, TRANS, (int)dims, (int)rows, 1.0, a, (int)dims, 1.0, c, (int)dims);
  CALL(env, napi_get_boolean(env, true, &out));
  return out;
}

/* gemmNT(a, m, b, n, k, c): c = a·bᵀ, a row-major m × k, b n × k, c m × n, all Float64Array (c
 * overwritten). Returns false when the library has no cblas_dgemm. */
static napi_value js_gemm_nt(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (get_args(env, info, 6, argv) || need_blas(env)) return NULL;
  double *a, *b, *c;
  size_t la, lb, lc;
  int64_t m, n, k;
  if (get_f64_array(env, argv[0], &a, &la, "a") || get_i64(env, argv[1], &m) || get_f64_array(env, argv[2], &b, &lb, "b") ||
      get_i64(env, argv[3], &n) || get_i64(env, argv[4], &k) || get_f64_array(env, argv[5], &c, &lc, "c"))
    return NULL;
  if (m < 1 || n < 1 || k < 1 || m > INT32_MAX || n > INT32_MAX || k > INT32_MAX || (uint64_t)m * (uint64_t)k > la ||
      (uint64_t)n * (uint64_t)k > lb || (uint64_t)m * (uint64_t)n > lc) {
    return throw_range(env, "gemmNT: a must hold m × k values, b n × k and c m × n");
  }
  napi_value out;
  if (!blas_dgemm) {
    CALL(env, napi_get_boolean(env, false, &out));
    return out;
  }
  blas_dgemm(ROW_MAJOR, NO_TRANS, TRANS, (int)m, (int)n, (int)k, 1.0, a, (int)k, b, (int)k, 0.0, c, (int)n);
  CALL(env, napi_get_boolean(env, true, &out));
  return out;
}

/* setChunkFloats(n): the im2col chunk bound (for measurements). */
static napi_value js_set_chunk(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t n;
  if (get_args(env, info, 1, argv) || get_i64(env, argv[0], &n)) return NULL;
  if (n < 1) return throw_range(env, "chunk must be positive");
  conv_ctx *ctx = ctx_of(env);
  if (ctx) ctx->chunk_floats = (size_t)n;
  return NULL;
}

/* setPerImage(on): forward products image by image in this thread from now on; returns the old setting. */
static napi_value js_set_per_image(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool on;
  if (get_args(env, info, 1, argv)) return NULL;
  if (napi_get_value_bool(env, argv[0], &on) != napi_ok) return throw_range(env, "setPerImage: expected a boolean");
  conv_ctx *ctx = ctx_of(env);
  if (!ctx) return NULL;
  napi_value out;
  CALL(env, napi_get_boolean(env, ctx->per_image != 0, &out));
  ctx->per_image = on ? 1 : 0;
  return out;
}

/* setImageThreads(n): threads sharing the images of this thread's image-by-image products (1..8); returns
 * the old count. */
static napi_value js_set_image_threads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int64_t n;
  if (get_args(env, info, 1, argv) || get_i64(env, argv[0], &n)) return NULL;
  if (n < 1 || n > MAX_IMAGE_THREADS) return throw_range(env, "setImageThreads: expected 1..8 threads");
  conv_ctx *ctx = ctx_of(env);
  if (!ctx) return NULL;
  napi_value out;
  CALL(env, napi_create_int32(env, conv_ctx_set_image_threads(ctx, (int)n), &out));
  return out;
}

static void free_ctx(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  conv_ctx_free((conv_ctx *)data);
  free(data);
}

/* Plain writable methods, so that tests can wrap them to count native calls. */
#define METHOD (napi_writable | napi_enumerable | napi_configurable)

static napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"load", NULL, js_load, NULL, NULL, NULL, METHOD, NULL},
      {"gemmNT", NULL, js_gemm_nt, NULL, NULL, NULL, METHOD, NULL},
      {"setThreads", NULL, js_set_threads, NULL, NULL, NULL, METHOD, NULL},
      {"getThreads", NULL, js_get_threads, NULL, NULL, NULL, METHOD, NULL},
      {"conv2d", NULL, js_conv2d, NULL, NULL, NULL, METHOD, NULL},
      {"conv2dBackpropInput", NULL, js_conv2d_bp_input, NULL, NULL, NULL, METHOD, NULL},
      {"conv2dBackpropFilter", NULL, js_conv2d_bp_filter, NULL, NULL, NULL, METHOD, NULL},
      {"matmul", NULL, js_matmul, NULL, NULL, NULL, METHOD, NULL},
      {"biasAct", NULL, js_bias_act, NULL, NULL, NULL, METHOD, NULL},
      {"setChunkFloats", NULL, js_set_chunk, NULL, NULL, NULL, METHOD, NULL},
      {"setPerImage", NULL, js_set_per_image, NULL, NULL, NULL, METHOD, NULL},
      {"setImageThreads", NULL, js_set_image_threads, NULL, NULL, NULL, METHOD, NULL},
      {"syrkLower", NULL, js_syrk_lower, NULL, NULL, NULL, METHOD, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  /* Each environment (the main thread, every worker thread that loads the addon) gets its own scratch
   * memory, freed when that environment ends. */
  conv_ctx *ctx = malloc(sizeof *ctx);
  if (!ctx) {
    napi_throw_error(env, NULL, "native addon: out of memory");
    return NULL;
  }
  conv_ctx_init(ctx);
  if (napi_set_instance_data(env, ctx, free_ctx, NULL) != napi_ok) {
    free(ctx);
    napi_throw_error(env, NULL, "native addon: could not keep per-thread state");
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
