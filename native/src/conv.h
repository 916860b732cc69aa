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

/* 0 on success, -1 when scratch memory could not be allocated. */
int conv2d_forward(const conv_geom *g, const float *x, const float *f, float *y);
int conv2d_backprop_input(const conv_geom *g, const float *dy, const float *f, float *dx);
int conv2d_backprop_filter(const conv_geom *g, const float *x, const float *dy, float *dw);

/* c[i] = op(a[i]) · op(b[i]) for i < batch, row-major; a stride of 0 broadcasts that operand. */
void sgemm_batch(int batch, int m, int n, int k, int trans_a, int trans_b, const float *a, size_t stride_a,
                 const float *b, size_t stride_b, float *c, size_t stride_c);

/* Rows of im2col patches per sgemm call are chosen so that one chunk holds at most this many floats. */
extern size_t conv_chunk_floats;

#endif
