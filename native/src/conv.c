#include "conv.h"

#include <stdlib.h>
#include <string.h>

#include "blas.h"

/* 512 Ki floats (2 MiB): a few hundred rows per sgemm at the GANs' 5×5×64 patches. Measured against
 * 64 Ki … 8 Mi floats on the 64→128-channel convolutions (bench/native-kernels.mjs): 2–16 MiB were
 * within noise of each other, 256 KiB was slower (sgemm repacks the filter on every call). */
static const size_t DEFAULT_CHUNK_FLOATS = (size_t)1 << 19;

void conv_ctx_init(conv_ctx *c) {
  c->scratch = 0;
  c->cap = 0;
  c->chunk_floats = DEFAULT_CHUNK_FLOATS;
  c->per_image = 0;
}

void conv_ctx_free(conv_ctx *c) {
  free(c->scratch);
  c->scratch = 0;
  c->cap = 0;
}

static float *scratch_floats(conv_ctx *c, size_t n) {
  if (n <= c->cap) return c->scratch;
  free(c->scratch);
  size_t bytes = ((n * sizeof(float)) + 63) & ~(size_t)63;
  c->scratch = aligned_alloc(64, bytes);
  c->cap = c->scratch ? n : 0;
  return c->scratch;
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

/* With `per_image` (set while sampling images to ship), forward products go image by image, in the same
 * row chunks within every image: each image's result then comes from sgemm calls of the same shapes
 * whatever the batch size, so an image does not change with the batch it is generated in (OpenBLAS rounds
 * a row differently by its place in a call, ~5e-7, which flips 8-bit pixels; even in calls of one fixed
 * shape). Otherwise (training, classifiers) the batch's rows go in the largest chunks: fewer calls, each
 * repacking the filter once for many images. Gradients over the batch (the filter's) always do. */
static size_t product_rows(const conv_ctx *c, const conv_geom *g, size_t plane) {
  return c->per_image ? plane : (size_t)g->n * plane;
}

int conv2d_forward(conv_ctx *c, const conv_geom *g, const float *x, const float *f, float *y) {
  const size_t plane = (size_t)g->oh * g->ow;
  const size_t k = (size_t)g->fh * g->fw * g->c;
  const int o = g->o;
  if (is_pointwise(g)) {
    for (int b = 0; b < g->n; b++)
      blas_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, (int)plane, o, (int)k, 1.f, x + b * plane * k, (int)k, f, o, 0.f,
                 y + b * plane * o, o);
    return 0;
  }
  const size_t span = product_rows(c, g, plane);
  const size_t step = chunk_rows(c, k, span);
  float *patches = scratch_floats(c, step * k);
  if (!patches) return -1;
  for (size_t s0 = 0; s0 < (size_t)g->n * plane; s0 += span) {
    for (size_t i0 = 0; i0 < span; i0 += step) {
      const size_t r0 = s0 + i0;
      const size_t r1 = r0 + (i0 + step < span ? step : span - i0);
      im2col(g, x, r0, r1, patches);
      blas_sgemm(ROW_MAJOR, NO_TRANS, NO_TRANS, (int)(r1 - r0), o, (int)k, 1.f, patches, (int)k, f, o, 0.f,
                 y + r0 * o, o);
    }
  }
  return 0;
}

int conv2d_backprop_input(conv_ctx *c, const conv_geom *g, const float *dy, const float *f, float *dx) {
  const size_t plane = (size_t)g->oh * g->ow;
  const size_t k = (size_t)g->fh * g->fw * g->c;
  const int o = g->o;
  if (is_pointwise(g)) {
    for (int b = 0; b < g->n; b++)
      blas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, (int)plane, (int)k, o, 1.f, dy + b * plane * o, o, f, o, 0.f,
                 dx + b * plane * k, (int)k);
    return 0;
  }
  const size_t span = product_rows(c, g, plane);
  const size_t step = chunk_rows(c, k, span);
  float *cols = scratch_floats(c, step * k);
  if (!cols) return -1;
  memset(dx, 0, sizeof(float) * (size_t)g->n * g->h * g->w * g->c);
  for (size_t s0 = 0; s0 < (size_t)g->n * plane; s0 += span) {
    for (size_t i0 = 0; i0 < span; i0 += step) {
      const size_t r0 = s0 + i0;
      const size_t r1 = r0 + (i0 + step < span ? step : span - i0);
      /* cols = dy[r0:r1] · Wᵀ, W viewed as [k, o]. */
      blas_sgemm(ROW_MAJOR, NO_TRANS, TRANS, (int)(r1 - r0), (int)k, o, 1.f, dy + r0 * o, o, f, o, 0.f, cols, (int)k);
      col2im_add(g, cols, r0, r1, dx);
    }
  }
  return 0;
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
  float *patches = scratch_floats(c, step * k);
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
