/* 2-D convolutions (NHWC activations, [fh, fw, c, o] filters, as tfjs stores them) and batched matrix
 * products on sgemm. Pointers address the caller's memory directly (the tfjs wasm heap): nothing is
 * copied in or out; im2col/col2im go through a private scratch buffer in row chunks. */
#ifndef GAN_AUGMENT_CONV_H
#define GAN_AUGMENT_CONV_H

#include <stddef.h>

typedef struct {
  int n, h, w, c;     /* input x */
  int oh, ow, o;      /* output y */
  int fh, fw;         /* filter taps */
  int sh, sw;         /* strides */
  int dh, dw;         /* dilations */
  int top, left;      /* padding before (after-padding follows from the output size) */
} conv_geom;

#include "pool.h"

/* Threads that may share one image-by-image product: this one and up to 7 helpers. */
enum { MAX_IMAGE_THREADS = 8 };

/* One thread's working memory: each Node environment (the main thread, each worker thread) has its own,
 * so threads may run convolutions at the same time (sampler threads do). */
typedef struct {
  float *scratch[MAX_IMAGE_THREADS]; /* one per thread sharing a product: [0] this thread's */
  size_t cap[MAX_IMAGE_THREADS];     /* floats in each */
  size_t chunk_floats; /* rows of im2col patches per sgemm call hold at most this many floats */
  int per_image;       /* forward products image by image (an image then does not depend on its batch) */
  int image_threads;   /* threads taking the images of an image-by-image product (1: this one alone) */
  pool *pool;          /* image_threads − 1 helpers, started at first use */
} conv_ctx;

void conv_ctx_init(conv_ctx *c);
void conv_ctx_free(conv_ctx *c);
/* Sets how many threads share the images of image-by-image products (1..MAX_IMAGE_THREADS); returns
 * the old count. Each image is computed the same way on any thread, so the count changes no result. */
int conv_ctx_set_image_threads(conv_ctx *c, int n);

/* 0 on success, -1 when scratch memory could not be allocated. */
int conv2d_forward(conv_ctx *c, const conv_geom *g, const float *x, const float *f, float *y);
int conv2d_backprop_input(conv_ctx *c, const conv_geom *g, const float *dy, const float *f, float *dx);
int conv2d_backprop_filter(conv_ctx *c, const conv_geom *g, const float *x, const float *dy, float *dw);

/* c[i] = op(a[i]) · op(b[i]) for i < batch, row-major; a stride of 0 broadcasts that operand. */
void sgemm_batch(int batch, int m, int n, int k, int trans_a, int trans_b, const float *a, size_t stride_a,
                 const float *b, size_t stride_b, float *c, size_t stride_c);

#endif
