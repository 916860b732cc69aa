#include "conv.h"

#include <stdlib.h>
#include <string.h>

#include "blas.h"

/* 512 Ki floats (2 MiB): a few hundred rows per sgemm at the GANs' 5×5×64 patches. Measured against
 * 64 Ki … 8 Mi floats on the 64→128-channel convolutions (bench/native-kernels.mjs): 2–16 MiB were
 * within noise of each other, 256 KiB was slower (sgemm repacks the filter on every call). */
static const size_t DEFAULT_CHUNK_FLOATS = (size_t)1 << 19;

void conv_ctx_init(conv_ctx *c) {
  memset(c, 0, sizeof *c);
  c->chunk_floats = DEFAULT_CHUNK_FLOATS;
  c->image_threads = 1;
}

void conv_ctx_free(conv_ctx *c) {
  pool_free(c->pool);
  c->pool = 0;
  for (int i = 0; i < MAX_IMAGE_THREADS; i++) {
    free(c->scratch[i]);
    c->scratch[i] = 0;
    c->cap[i] = 0;
  }
}

int conv_ctx_set_image_threads(conv_ctx *c, int n) {
  const int before = c->image_threads;
  if (n < 1) n = 1;
  if (n > MAX_IMAGE_THREADS) n = MAX_IMAGE_THREADS;
  if (n != before) {
    pool_free(c->pool);
    c->pool = 0;
    c->image_threads = n;
  }
  return before;
}

/* Thread `worker`'s scratch of at least n floats (only that thread touches its slot). */
static float *scratch_floats(conv_ctx *c, int worker, size_t n) {
  if (n <= c->cap[worker]) return c->scratch[worker];
  free(c->scratch[worker]);
  size_t bytes = ((n * sizeof(float)) + 63) & ~(size_t)63;
  c->scratch[worker] = aligned_alloc(64, bytes);
  c->cap[worker] = c->scratch[worker] ? n : 0;
  return c->scratch[worker];
}

/* task(arg, b, worker) for every image b < n: on this thread alone, or shared with the helpers when
 * image_threads > 1 (each image whole on one thread; which one changes nothing it computes). */
static int for_images(conv_ctx *c, int n, pool_task task, void *arg) {
  if (c->image_threads > 1 && n > 1) {
    if (!c->pool) c->pool = pool_new(c->image_threads - 1);
    if (c->pool) return pool_run(c->pool, n, task, arg);
  }
  for (int b = 0; b < n; b++)
    if (task(arg, b, 0) != 0) return -1;
  return 0;
}

static size_t chunk_rows(const conv_ctx *c, size_t k, size_t rows) {
  size_t r = c->chunk_floats / (k ? k : 1);
  if (r < 1) r = 1;
  return r < rows ? r : rows;
}

/* A 1×1, stride-1, unpadded convolution: x itself is the patch matrix. */
static int is_pointwise(const conv_geom *g) {
  return g->fh == 1 && g->fw == 1 && g->sh == 1 && g->sw == 1 && g->top == 0 && g->left == 0 && g->oh == g->h &&
         g->ow == g->w;
}

/* patches[r − r0, (i, j, k)] = x[b, p·sh + i·dh − top, q·sw + j·dw − left, k] for rows r = (b, p, q). */
static void im2col(const conv_geom *g, const float *x, size_t r0, size_t r1, float *patches) {
  const size_t c = (size_t)g->c;
  const size_t k = (size_t)g->fh * g->fw * c;
  const size_t plane = (size_t)g->oh * g->ow;
  for (size_t r = r0; r < r1; r++) {
    const size_t b = r / plane;
    const int p = (int)((r % plane) / g->ow);
    const int q = (int)(r % g->ow);
    float *d = patches + (r - r0) * k;
    for (int i = 0; i < g->fh; i++) {
      const int hh = p * g->sh + i * g->dh - g->top;
      if (hh < 0 || hh >= g->h) {
        memset(d, 0, sizeof(float) * c * g->fw);
        d += c * g->fw;
        continue;
      }
      const float *row = x + ((b * g->h + hh) * (size_t)g->w) * c;
      for (int j = 0; j < g->fw; j++, d += c) {
        const int ww = q * g->sw + j * g->dw - g->left;
        if (ww < 0 || ww >= g->w) memset(d, 0, sizeof(float) * c);
        else memcpy(d, row + (size_t)ww * c, sizeof(float) * c);
      }
    }
  }
}

/* dx[b, p·sh + i − top, q·sw + j − left, k] += cols[r − r0, (i, j, k)] (the adjoint of im2col). */
static void col2im_add(const conv_geom *g, const float *cols, size_t r0, size_t r1, float *dx) {
  const size_t c = (size_t)g->c;
  const size_t k = (size_t)g->fh * g->fw * c;
  const size_t plane = (size_t)g->oh * g->ow;
  for (size_t r = r0; r < r1; r++) {
    const size_t b = r / plane;
    const int p = (int)((r % plane) / g->ow);
    const int q = (int)(r % g->ow);
    const float *s = cols + (r - r0) * k;
    for (int i = 0; i < g->fh; i++) {
      const int hh = p * g->sh + i * g->dh - g->top;
      if (hh < 0 || hh >= g->h) {
        s += c * g->fw;
        continue;
      }
      float *row = dx + ((b * g->h + hh) * (size_t)g->w) * c;
      for (int j = 0; j < g->fw; j++, s += c) {
        const int ww = q * g->sw + j * g->dw - g->left;
        if (ww < 0 || ww >= g->w) continue;
        float *d = row + (size_t)ww * c;
        for (size_t m = 0; m < c; m++) d[m] += s[m];
      }
    }
  }
}

/* y rows [from, to) = patches · W, in chunks of `step` rows, on thread `worker`'s scratch. */
static int forward_rows(conv_ctx *c, int worker, const conv_geom *g, const float *x, const float *f, float *y,
                        size_t from, size_t to, size_t step) {
  const size_t k = (size_t)g->fh * g->fw * g->c;
  const int o = g->o;
  float *patches = scratch_floats(c, worker, step * k);
  if (!patches) return -1;
  for (size_t r0 = from; r0 < to; r0 += step) {
    const size_t r1 = r0 + step < to ? r0 + step : to;
    im2col(g, x, r0, r1, patches);
    blas_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, (int)(r1 - r0), o, (int)k, 1.f, patches, (int)k, f, o, 0.f, y + r0 * o,
               o);
  }
  return 0;
}

/* dx += col2im(dy rows [from, to) · Wᵀ), in chunks of `step` rows: it writes only those rows' part of dx. */
static int backprop_input_rows(conv_ctx *c, int worker, const conv_geom *g, const float *dy, const float *f, float *dx,
                               size_t from, size_t to, size_t step) {
  const size_t k = (size_t)g->fh * g->fw * g->c;
  const int o = g->o;
  float *cols = scratch_floats(c, worker, step * k);
  if (!cols) return -1;
  for (size_t r0 = from; r0 < to; r0 += step) {
    const size_t r1 = r0 + step < to ? r0 + step : to;
    /* cols = dy[r0:r1] · Wᵀ, W viewed as [k, o]. */
    blas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, (int)(r1 - r0), (int)k, o, 1.f, dy + r0 * o, o, f, o, 0.f, cols, (int)k);
    col2im_add(g, cols, r0, r1, dx);
  }
  return 0;
}

/* One image-by-image product: image b's rows in chunks of `step`. */
typedef struct {
  conv_ctx *c;
  const conv_geom *g;
  const float *in, *f;
  float *out;
  size_t plane, k, step;
} image_job;

static int forward_image(void *raw, int b, int worker) {
  const image_job *j = raw;
  return forward_rows(j->c, worker, j->g, j->in, j->f, j->out, (size_t)b * j->plane, (size_t)(b + 1) * j->plane, j->step);
}

static int forward_pointwise_image(void *raw, int b, int worker) {
  (void)worker;
  const image_job *j = raw;
  const int o = j->g->o;
  blas_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, (int)j->plane, o, (int)j->k, 1.f, j->in + b * j->plane * j->k, (int)j->k,
             j->f, o, 0.f, j->out + b * j->plane * o, o);
  return 0;
}

/* Image b's part of dx (dx already zeroed): its rows only, so threads never write the same element. */
static int backprop_input_image(void *raw, int b, int worker) {
  const image_job *j = raw;
  return backprop_input_rows(j->c, worker, j->g, j->in, j->f, j->out, (size_t)b * j->plane, (size_t)(b + 1) * j->plane,
                             j->step);
}

static int backprop_input_pointwise_image(void *raw, int b, int worker) {
  (void)worker;
  const image_job *j = raw;
  const int o = j->g->o;
  blas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, (int)j->plane, (int)j->k, o, 1.f, j->in + b * j->plane * o, o, j->f, o, 0.f,
             j->out + b * j->plane * j->k, (int)j->k);
  return 0;
}

/* With `per_image` (set while sampling images to ship), forward products go image by image, in the same
 * row chunks within every image: each image's result then comes from sgemm calls of the same shapes
 * whatever the batch size, so an image does not change with the batch it is generated in (OpenBLAS rounds
 * a row differently by its place in a call, ~5e-7, which flips 8-bit pixels; even in calls of one fixed
 * shape). The images may be shared among `image_threads` threads, each running whole images on one
 * BLAS thread. Otherwise (training, classifiers) the batch's rows go in the largest chunks: fewer calls,
 * each repacking the filter once for many images. Gradients over the batch (the filter's) always do. */
int conv2d_forward(conv_ctx *c, const conv_geom *g, const float *x, const float *f, float *y) {
  const size_t plane = (size_t)g->oh * g->ow;
  const size_t k = (size_t)g->fh * g->fw * g->c;
  image_job job = {c, g, x, f, y, plane, k, chunk_rows(c, k, plane)};
  if (is_pointwise(g)) {
    if (c->per_image) return for_images(c, g->n, forward_pointwise_image, &job);
    for (int b = 0; b < g->n; b++) forward_pointwise_image(&job, b, 0);
    return 0;
  }
  if (c->per_image) return for_images(c, g->n, forward_image, &job);
  const size_t rows = (size_t)g->n * plane;
  return forward_rows(c, 0, g, x, f, y, 0, rows, chunk_rows(c, k, rows));
}

int conv2d_backprop_input(conv_ctx *c, const conv_geom *g, const float *dy, const float *f, float *dx) {
  const size_t plane = (size_t)g->oh * g->ow;
  const size_t k = (size_t)g->fh * g->fw * g->c;
  image_job job = {c, g, dy, f, dx, plane, k, chunk_rows(c, k, plane)};
  if (is_pointwise(g)) {
    if (c->per_image) return for_images(c, g->n, backprop_input_pointwise_image, &job);
    for (int b = 0; b < g->n; b++) backprop_input_pointwise_image(&job, b, 0);
    return 0;
  }
  memset(dx, 0, sizeof(float) * (size_t)g->n * g->h * g->w * g->c);
  if (c->per_image) return for_images(c, g->n, backprop_input_image, &job);
  const size_t rows = (size_t)g->n * plane;
  return backprop_input_rows(c, 0, g, dy, f, dx, 0, rows, chunk_rows(c, k, rows));
}

int conv2d_backprop_filter(conv_ctx *c, const conv_geom *g, const float *x, const float *dy, float *dw) {
  const size_t rows = (size_t)g->n * g->oh * g->ow;
  const size_t k = (size_t)g->fh * g->fw * g->c;
  const int o = g->o;
  if (is_pointwise(g)) {
    blas_sgemm(ROW_MAJOR, TRANS, NO_TRANS, (int)k, o, (int)rows, 1.f, x, (int)k, dy, o, 0.f, dw, o);
    return 0;
  }
  const size_t step = chunk_rows(c, k, rows);
  float *patches = scratch_floats(c, 0, step * k);
  if (!patches) return -1;
  for (size_t r0 = 0; r0 < rows; r0 += step) {
    const size_t r1 = r0 + step < rows ? r0 + step : rows;
    im2col(g, x, r0, r1, patches);
    /* dW[k, o] (+)= patchesᵀ · dy[r0:r1] */
    blas_sgemm(ROW_MAJOR, TRANS, NO_TRANS, (int)k, o, (int)(r1 - r0), 1.f, patches, (int)k, dy + r0 * o, o,
               r0 == 0 ? 0.f : 1.f, dw, o);
  }
  return 0;
}

void sgemm_batch(int batch, int m, int n, int k, int trans_a, int trans_b, const float *a, size_t stride_a,
                 const float *b, size_t stride_b, float *c, size_t stride_c) {
  const int lda = trans_a ? m : k;
  const int ldb = trans_b ? k : n;
  for (int i = 0; i < batch; i++) {
    blas_sgemm(ROW_MAJOR, trans_a ? TRANS : NO_TRANS, trans_b ? TRANS : NO_TRANS, m, n, k, 1.f, a + i * stride_a, lda,
               b + i * stride_b, ldb, 0.f, c + i * stride_c, n);
  }
}
