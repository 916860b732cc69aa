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

/* One thread's working memory: each Node environment (the main thread, each worker thread) has its own,
 * so threads may run convolutions at the same time (sampler threads do). */
typedef struct {
  float *scratch;
  size_t cap;          /* floats in scratch */
  size_t chunk_floats; /* rows of im2col patches per sgemm call hold at most this many floats */
  int per_image;       /* forward products image by image (an image then does not depend on its batch) */
} conv_ctx;

void conv_ctx_init(conv_ctx *c);
void conv_ctx_free(conv_ctx *c);

/* 0 on success, -1 when scratch memory could not be allocated. */
int conv2d_forward(conv_ctx *c, const conv_geom *g, const float *x, const float *f, float *y);
int conv2d_backprop_input(conv_ctx *c, const conv_geom *g, const float *dy, const float *f, float *dx);
int conv2d_backprop_filter(conv_ctx *c, const conv_geom *g, const float *x, const float *dy, float *dw);

/* c[i] = op(a[i]) · op(b[i]) for i < batch, row-major; a stride of 0 broadcasts that operand. */
void sgemm_batch(int batch, int m, int n, int k, int trans_a, int trans_b, const float *a, size_t stride_a,
                 const float *b, size_t stride_b, float *c, size_t stride_c);

#endif
