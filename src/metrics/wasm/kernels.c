/*
 * SIMD kernels for src/metrics (wasm32 + simd128, no libc). Built by build.sh;
 * the JS side (src/metrics/wasm.ts) owns the memory and calls these on views
 * of it. Each kernel mirrors a JS fallback in linalg.ts:
 *
 *   pack + gemm_block  ≡ gemmNT: products accumulate in the same order as the
 *                        JS 4×4 tiles (k ascending inside 256-wide k-blocks),
 *                        so both paths give bit-identical results.
 *   pack_t_centre_*    ≡ the covariance panel of stats.ts (centre, transpose).
 *   fused_update       ≡ fusedUpdate: same arithmetic, dot products summed in
 *                        two lanes (differs from JS only by rounding).
 *
 * f64x2 has no fused multiply-add in baseline wasm SIMD, so mul and add stay
 * separate, exactly like the JS code.
 */
#include <wasm_simd128.h>

typedef double f64;

#define KC 256

static inline int min_i(int a, int b) { return a < b ? a : b; }
static inline int max_i(int a, int b) { return a > b ? a : b; }

/*
 * Pack `rows` rows of x (row stride ldx), columns [k0, k0 + kc), into strips
 * of 4 rows interleaved by column: dst[g][t][r] = x[4g + r][k0 + t]. Rows past
 * `rows` in the last strip are zero.
 */
__attribute__((export_name("pack")))
void pack(const f64 *x, int ldx, int rows, int k0, int kc, f64 *dst) {
  int groups = (rows + 3) / 4;
  for (int g = 0; g < groups; g++) {
    f64 *out = dst + g * 4 * kc;
    if (4 * g + 4 <= rows) {
      const f64 *r0 = x + 4 * g * ldx + k0, *r1 = r0 + ldx, *r2 = r1 + ldx, *r3 = r2 + ldx;
      int t = 0;
      for (; t + 2 <= kc; t += 2) {
        v128_t a = wasm_v128_load(r0 + t), b = wasm_v128_load(r1 + t);
        v128_t c = wasm_v128_load(r2 + t), d = wasm_v128_load(r3 + t);
        wasm_v128_store(out + t * 4, wasm_i64x2_shuffle(a, b, 0, 2));
        wasm_v128_store(out + t * 4 + 2, wasm_i64x2_shuffle(c, d, 0, 2));
        wasm_v128_store(out + t * 4 + 4, wasm_i64x2_shuffle(a, b, 1, 3));
        wasm_v128_store(out + t * 4 + 6, wasm_i64x2_shuffle(c, d, 1, 3));
      }
      for (; t < kc; t++) {
        out[t * 4] = r0[t];
        out[t * 4 + 1] = r1[t];
        out[t * 4 + 2] = r2[t];
        out[t * 4 + 3] = r3[t];
      }
    } else {
      for (int r = 0; r < 4; r++) {
        int row = 4 * g + r;
        const f64 *src = x + row * ldx + k0;
        for (int t = 0; t < kc; t++) out[t * 4 + r] = row < rows ? src[t] : 0;
      }
    }
  }
}

/*
 * `pack` for a transposed operand: logical row i, column t is x[t * ldx + i]
 * (x holds one sample per row), so dst[g][t][r] = x[(k0 + t) * ldx + 4g + r].
 */
__attribute__((export_name("pack_t")))
void pack_t(const f64 *x, int ldx, int rows, int k0, int kc, f64 *dst) {
  int full = rows / 4;
  for (int g = 0; g < full; g++) {
    f64 *out = dst + g * 4 * kc;
    const f64 *src = x + k0 * ldx + 4 * g;
    for (int t = 0; t < kc; t++, src += ldx) {
      wasm_v128_store(out + t * 4, wasm_v128_load(src));
      wasm_v128_store(out + t * 4 + 2, wasm_v128_load(src + 2));
    }
  }
  if (full * 4 < rows) {
    int live = rows - full * 4;
    f64 *out = dst + full * 4 * kc;
    for (int t = 0; t < kc; t++) {
      const f64 *src = x + (k0 + t) * ldx + 4 * full;
      for (int r = 0; r < 4; r++) out[t * 4 + r] = r < live ? src[r] : 0;
    }
  }
}

/*
 * `pack_t` straight from float32 samples, centring on the way:
 * dst[g][t][r] = (f64) x[(k0 + t) * ldx + 4g + r] − mean[4g + r].
 * The same values the JS path computes before its product.
 */
__attribute__((export_name("pack_t_centre_f32")))
void pack_t_centre_f32(const float *x, int ldx, int rows, int k0, int kc, const f64 *mean, f64 *dst) {
  int full = rows / 4;
  for (int g = 0; g < full; g++) {
    f64 *out = dst + g * 4 * kc;
    const float *src = x + k0 * ldx + 4 * g;
    v128_t m01 = wasm_v128_load(mean + 4 * g), m23 = wasm_v128_load(mean + 4 * g + 2);
    for (int t = 0; t < kc; t++, src += ldx) {
      v128_t v = wasm_v128_load(src);
      v128_t lo = wasm_f64x2_promote_low_f32x4(v);
      v128_t hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3));
      wasm_v128_store(out + t * 4, wasm_f64x2_sub(lo, m01));
      wasm_v128_store(out + t * 4 + 2, wasm_f64x2_sub(hi, m23));
    }
  }
  if (full * 4 < rows) {
    int live = rows - full * 4;
    f64 *out = dst + full * 4 * kc;
    for (int t = 0; t < kc; t++) {
      const float *src = x + (k0 + t) * ldx + 4 * full;
      for (int r = 0; r < 4; r++) out[t * 4 + r] = r < live ? (f64)src[r] - mean[4 * full + r] : 0;
    }
  }
}

/* pack_t_centre_f32 for float64 samples. */
__attribute__((export_name("pack_t_centre_f64")))
void pack_t_centre_f64(const f64 *x, int ldx, int rows, int k0, int kc, const f64 *mean, f64 *dst) {
  int full = rows / 4;
  for (int g = 0; g < full; g++) {
    f64 *out = dst + g * 4 * kc;
    const f64 *src = x + k0 * ldx + 4 * g;
    v128_t m01 = wasm_v128_load(mean + 4 * g), m23 = wasm_v128_load(mean + 4 * g + 2);
    for (int t = 0; t < kc; t++, src += ldx) {
      wasm_v128_store(out + t * 4, wasm_f64x2_sub(wasm_v128_load(src), m01));
      wasm_v128_store(out + t * 4 + 2, wasm_f64x2_sub(wasm_v128_load(src + 2), m23));
    }
  }
  if (full * 4 < rows) {
    int live = rows - full * 4;
    f64 *out = dst + full * 4 * kc;
    for (int t = 0; t < kc; t++) {
      const f64 *src = x + (k0 + t) * ldx + 4 * full;
      for (int r = 0; r < 4; r++) out[t * 4 + r] = r < live ? src[r] - mean[4 * full + r] : 0;
    }
  }
}

/* acc (4×4 row-major) = Σ_{t0 ≤ t < kc} a[t][r] · b[t][s] over two packed strips. */
static inline void kernel4x4(const f64 *a, const f64 *b, int t0, int kc, f64 *acc) {
  v128_t c0a = wasm_f64x2_splat(0), c0b = c0a, c1a = c0a, c1b = c0a;
  v128_t c2a = c0a, c2b = c0a, c3a = c0a, c3b = c0a;
  for (int t = t0; t < kc; t++) {
    const f64 *pa = a + 4 * t, *pb = b + 4 * t;
    v128_t y01 = wasm_v128_load(pb), y23 = wasm_v128_load(pb + 2);
    v128_t x0 = wasm_v128_load64_splat(pa), x1 = wasm_v128_load64_splat(pa + 1);
    c0a = wasm_f64x2_add(c0a, wasm_f64x2_mul(x0, y01));
    c0b = wasm_f64x2_add(c0b, wasm_f64x2_mul(x0, y23));
    c1a = wasm_f64x2_add(c1a, wasm_f64x2_mul(x1, y01));
    c1b = wasm_f64x2_add(c1b, wasm_f64x2_mul(x1, y23));
    v128_t x2 = wasm_v128_load64_splat(pa + 2), x3 = wasm_v128_load64_splat(pa + 3);
    c2a = wasm_f64x2_add(c2a, wasm_f64x2_mul(x2, y01));
    c2b = wasm_f64x2_add(c2b, wasm_f64x2_mul(x2, y23));
    c3a = wasm_f64x2_add(c3a, wasm_f64x2_mul(x3, y01));
    c3b = wasm_f64x2_add(c3b, wasm_f64x2_mul(x3, y23));
  }
  wasm_v128_store(acc, c0a);
  wasm_v128_store(acc + 2, c0b);
  wasm_v128_store(acc + 4, c1a);
  wasm_v128_store(acc + 6, c1b);
  wasm_v128_store(acc + 8, c2a);
  wasm_v128_store(acc + 10, c2b);
  wasm_v128_store(acc + 12, c3a);
  wasm_v128_store(acc + 14, c3b);
}

/*
 * One k-block of C += alpha · A · Bᵀ for rows [i_lo, i_hi) (i_lo a multiple of
 * 4) and columns [j_lo, j_hi) (j_lo a multiple of 4) of C, from panels packed
 * by `pack`: pa holds all rows of A from column k0, pb the rows j_lo.. of B.
 * m, n: full size of C. lower: only j ≤ i. a_upper: A[i][k] = 0 for k < i,
 * so strips start at their first row.
 */
__attribute__((export_name("gemm_block")))
void gemm_block(int i_lo, int i_hi, int j_lo, int j_hi, int m, int n, int k0, int kc, f64 alpha, const f64 *pa,
                const f64 *pb, f64 *c, int ldc, int lower, int a_upper) {
  f64 acc[16];
  for (int i = i_lo; i < i_hi; i += 4) {
    int mr = min_i(4, m - i);
    int t0 = a_upper ? max_i(0, i - k0) : 0;
    if (t0 >= kc) continue;
    int j_end = min_i(j_hi, lower ? min_i(n, i + mr) : n);
    const f64 *ap = pa + (i / 4) * 4 * kc;
    for (int j = j_lo; j < j_end; j += 4) {
      int nr = min_i(4, j_end - j);
      kernel4x4(ap, pb + ((j - j_lo) / 4) * 4 * kc, t0, kc, acc);
      f64 *cij = c + i * ldc + j;
      if (mr == 4 && nr == 4 && (!lower || j + 3 <= i)) {
        for (int r = 0; r < 4; r++)
          for (int s = 0; s < 4; s++) cij[r * ldc + s] += alpha * acc[r * 4 + s];
      } else {
        for (int r = 0; r < mr; r++)
          for (int s = 0; s < nr && s - r <= (lower ? i - j : 4); s++) cij[r * ldc + s] += alpha * acc[r * 4 + s];
      }
    }
  }
}

static inline f64 hsum(v128_t v) { return wasm_f64x2_extract_lane(v, 0) + wasm_f64x2_extract_lane(v, 1); }

/*
 * Tridiagonalisation step: rows/columns ≥ lo of the lower triangle of a (n×n)
 * get A ← A − u·wᵀ − w·uᵀ, and pn += A_new · un. Two rows per pass.
 */
__attribute__((export_name("fused_update")))
void fused_update(f64 *a, int n, int lo, const f64 *u, const f64 *w, const f64 *un, f64 *pn) {
  int i = lo;
  for (; i + 1 < n; i += 2) {
    f64 *r0 = a + i * n, *r1 = r0 + n;
    f64 u0 = u[i], w0 = w[i], q0 = un[i], u1 = u[i + 1], w1 = w[i + 1], q1 = un[i + 1];
    v128_t vu0 = wasm_f64x2_splat(u0), vw0 = wasm_f64x2_splat(w0), vq0 = wasm_f64x2_splat(q0);
    v128_t vu1 = wasm_f64x2_splat(u1), vw1 = wasm_f64x2_splat(w1), vq1 = wasm_f64x2_splat(q1);
    v128_t vs0 = wasm_f64x2_splat(0), vs1 = vs0;
    int j = lo;
    for (; j + 2 <= i; j += 2) {
      v128_t wj = wasm_v128_load(w + j), uj = wasm_v128_load(u + j), qj = wasm_v128_load(un + j);
      v128_t x0 = wasm_f64x2_sub(wasm_f64x2_sub(wasm_v128_load(r0 + j), wasm_f64x2_mul(vu0, wj)), wasm_f64x2_mul(vw0, uj));
      v128_t x1 = wasm_f64x2_sub(wasm_f64x2_sub(wasm_v128_load(r1 + j), wasm_f64x2_mul(vu1, wj)), wasm_f64x2_mul(vw1, uj));
      wasm_v128_store(r0 + j, x0);
      wasm_v128_store(r1 + j, x1);
      vs0 = wasm_f64x2_add(vs0, wasm_f64x2_mul(x0, qj));
      vs1 = wasm_f64x2_add(vs1, wasm_f64x2_mul(x1, qj));
      v128_t p = wasm_f64x2_add(wasm_f64x2_add(wasm_v128_load(pn + j), wasm_f64x2_mul(x0, vq0)), wasm_f64x2_mul(x1, vq1));
      wasm_v128_store(pn + j, p);
    }
    f64 s0 = hsum(vs0), s1 = hsum(vs1);
    for (; j < i; j++) {
      f64 x0 = r0[j] - u0 * w[j] - w0 * u[j];
      f64 x1 = r1[j] - u1 * w[j] - w1 * u[j];
      r0[j] = x0;
      r1[j] = x1;
      s0 += x0 * un[j];
      s1 += x1 * un[j];
      pn[j] = pn[j] + x0 * q0 + x1 * q1;
    }
    f64 d0 = r0[i] - 2 * u0 * w0;
    f64 x10 = r1[i] - u1 * w0 - w1 * u0;
    f64 d1 = r1[i + 1] - 2 * u1 * w1;
    r0[i] = d0;
    r1[i] = x10;
    r1[i + 1] = d1;
    pn[i] = pn[i] + s0 + d0 * q0 + x10 * q1;
    pn[i + 1] = pn[i + 1] + s1 + x10 * q0 + d1 * q1;
  }
  if (i < n) {
    f64 *r = a + i * n;
    f64 ui = u[i], wi = w[i], qi = un[i], s = 0;
    for (int j = lo; j < i; j++) {
      f64 x = r[j] - ui * w[j] - wi * u[j];
      r[j] = x;
      s += x * un[j];
      pn[j] = pn[j] + x * qi;
    }
    f64 x = r[i] - 2 * ui * wi;
    r[i] = x;
    pn[i] = pn[i] + s + x * qi;
  }
}
