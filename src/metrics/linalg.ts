/**
 * Dense float64 linear algebra for the feature metrics: a register-blocked
 * matrix product, pivoted Cholesky, Householder tridiagonalisation and
 * implicit QL. Matrices are row-major `Float64Array`s; symmetric inputs are
 * read from their lower triangle only.
 *
 * The two O(n³) inner kernels (the product and the tridiagonalisation step)
 * run as wasm SIMD when their operands live in a wasm arena (see wasm.ts),
 * and as the JS loops below otherwise. The JS loops work on contiguous rows,
 * keep a 4×4 tile of accumulators in locals, and never allocate.
 */

import { createArena, fusedUpdateWasm, gemmNTWasm, KC, plainArena, wasmArenaOf } from './wasm.js';
import { InternalError } from '../errors.js';

const EPS = 2 ** -52;
/** Panel width of the blocked pivoted Cholesky. */
const CHOLESKY_NB = 64;
/** QL sweeps allowed per eigenvalue before giving up (LAPACK allows 30). */
const MAX_QL_SWEEPS = 60;

/**
 * `c[i][j] += alpha · Σ_k a[i][k] · b[j][k]` (C += α·A·Bᵀ) for an m×n block of C.
 *
 * `lower`: only entries with j ≤ i are computed and written.
 * `aUpper`: A is upper trapezoidal (a[i][k] = 0 for k < i), so each 4-row
 * strip starts its k loop at its first row index.
 * Runs in wasm when a, b and c are views of one wasm arena.
 */
export function gemmNT(
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float64Array,
  aOff: number,
  lda: number,
  b: Float64Array,
  bOff: number,
  ldb: number,
  c: Float64Array,
  cOff: number,
  ldc: number,
  lower = false,
  aUpper = false,
): void {
  if (gemmNTWasm(m, n, k, alpha, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, lower, aUpper)) return;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const k1 = Math.min(k, k0 + KC);
    for (let i = 0; i < m; i += 4) {
      const mr = Math.min(4, m - i);
      const kLo = aUpper ? Math.max(k0, i) : k0;
      if (kLo >= k1) continue;
      const jEnd = lower ? Math.min(n, i + mr) : n;
      const ai = aOff + i * lda;
      const ci = cOff + i * ldc;
      for (let j = 0; j < jEnd; j += 4) {
        const nr = Math.min(4, jEnd - j);
        const bj = bOff + j * ldb;
        if (mr === 4 && nr === 4 && (!lower || j + 3 <= i)) {
          tile4x4(a, ai, lda, b, bj, ldb, kLo, k1, c, ci + j, ldc, alpha);
        } else {
          tileEdge(a, ai, lda, b, bj, ldb, kLo, k1, c, ci + j, ldc, alpha, mr, nr, lower ? i - j : 4);
        }
      }
    }
  }
}

function tile4x4(
  a: Float64Array,
  a0: number,
  lda: number,
  b: Float64Array,
  b0: number,
  ldb: number,
  kLo: number,
  kHi: number,
  c: Float64Array,
  c0: number,
  ldc: number,
  alpha: number,
): void {
  const a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
  const b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = kLo; k < kHi; k++) {
    const x0 = a[a0 + k]!, x1 = a[a1 + k]!, x2 = a[a2 + k]!, x3 = a[a3 + k]!;
    const y0 = b[b0 + k]!, y1 = b[b1 + k]!, y2 = b[b2 + k]!, y3 = b[b3 + k]!;
    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
    c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
    c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
  }
  const r1 = c0 + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
  c[c0] = c[c0]! + alpha * c00;
  c[c0 + 1] = c[c0 + 1]! + alpha * c01;
  c[c0 + 2] = c[c0 + 2]! + alpha * c02;
  c[c0 + 3] = c[c0 + 3]! + alpha * c03;
  c[r1] = c[r1]! + alpha * c10;
  c[r1 + 1] = c[r1 + 1]! + alpha * c11;
  c[r1 + 2] = c[r1 + 2]! + alpha * c12;
  c[r1 + 3] = c[r1 + 3]! + alpha * c13;
  c[r2] = c[r2]! + alpha * c20;
  c[r2 + 1] = c[r2 + 1]! + alpha * c21;
  c[r2 + 2] = c[r2 + 2]! + alpha * c22;
  c[r2 + 3] = c[r2 + 3]! + alpha * c23;
  c[r3] = c[r3]! + alpha * c30;
  c[r3 + 1] = c[r3 + 1]! + alpha * c31;
  c[r3 + 2] = c[r3 + 2]! + alpha * c32;
  c[r3 + 3] = c[r3 + 3]! + alpha * c33;
}

/** Partial or diagonal tiles: entry (r, s) is skipped when s − r > diagOffset. */
function tileEdge(
  a: Float64Array,
  a0: number,
  lda: number,
  b: Float64Array,
  b0: number,
  ldb: number,
  kLo: number,
  kHi: number,
  c: Float64Array,
  c0: number,
  ldc: number,
  alpha: number,
  mr: number,
  nr: number,
  diagOffset: number,
): void {
  for (let r = 0; r < mr; r++) {
    const ar = a0 + r * lda;
    for (let s = 0; s < nr && s - r <= diagOffset; s++) {
      const bs = b0 + s * ldb;
      let acc = 0;
      for (let k = kLo; k < kHi; k++) acc += a[ar + k]! * b[bs + k]!;
      c[c0 + r * ldc + s] = c[c0 + r * ldc + s]! + alpha * acc;
    }
  }
}

/** Copy the lower triangle of a row-major n×n matrix onto its upper triangle. */
export function mirrorLower(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j]!;
  }
}

/** Result of {@link pivotedCholesky}. */
export interface PivotedCholesky {
  /** Number of columns of L: the numerical rank. */
  rank: number;
  /** Row i of L belongs to original index piv[i]: A[piv[i]][piv[j]] = (L·Lᵀ)[i][j]. */
  piv: Int32Array;
}

/**
 * Pivoted Cholesky of a symmetric positive semidefinite matrix, in place
 * (LAPACK `dpstrf`): P·A·Pᵀ = L·Lᵀ with L lower trapezoidal n×rank, stored in
 * the first `rank` columns of the lower triangle of `a`.
 *
 * Stops when the largest remaining pivot is ≤ `tol` (default n·ε·max diag),
 * so singular matrices (fewer samples than dimensions) factor cleanly.
 * Blocked: each panel of 64 columns is factored left-looking, then the
 * trailing matrix gets one rank-64 update through {@link gemmNT}.
 */
export function pivotedCholesky(a: Float64Array, n: number, tol?: number): PivotedCholesky {
  const piv = new Int32Array(n);
  for (let i = 0; i < n; i++) piv[i] = i;
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, a[i * n + i]!);
  const stop = tol ?? n * EPS * maxDiag;
  if (!(maxDiag > stop)) return { rank: 0, piv };
  const work = new Float64Array(n);
  for (let k0 = 0; k0 < n; k0 += CHOLESKY_NB) {
    const k1 = Math.min(n, k0 + CHOLESKY_NB);
    work.fill(0, k0);
    for (let j = k0; j < k1; j++) {
      if (j > k0) {
        for (let i = j; i < n; i++) {
          const l = a[i * n + j - 1]!;
          work[i] = work[i]! + l * l;
        }
      }
      let p = j;
      let best = a[j * n + j]! - work[j]!;
      for (let i = j + 1; i < n; i++) {
        const v = a[i * n + i]! - work[i]!;
        if (v > best) {
          best = v;
          p = i;
        }
      }
      if (!(best > stop)) return { rank: j, piv };
      if (p !== j) {
        swapSymmetric(a, n, j, p);
        swapEntries(work, j, p);
        const t = piv[j]!;
        piv[j] = piv[p]!;
        piv[p] = t;
      }
      const ljj = Math.sqrt(best);
      a[j * n + j] = ljj;
      const rj = j * n;
      for (let i = j + 1; i < n; i++) {
        const ri = i * n;
        let s = a[ri + j]!;
        for (let t = k0; t < j; t++) s -= a[ri + t]! * a[rj + t]!;
        a[ri + j] = s / ljj;
      }
    }
    const m = n - k1;
    if (m > 0) {
      gemmNT(m, m, k1 - k0, -1, a, k1 * n + k0, n, a, k1 * n + k0, n, a, k1 * n + k1, n, true);
    }
  }
  return { rank: n, piv };
}

/** Swap rows and columns j < p of a symmetric matrix held in its lower triangle. */
function swapSymmetric(a: Float64Array, n: number, j: number, p: number): void {
  const rj = j * n, rp = p * n;
  for (let t = 0; t < j; t++) swapEntries(a, rj + t, rp + t);
  swapEntries(a, rj + j, rp + p);
  for (let i = j + 1; i < p; i++) swapEntries(a, i * n + j, rp + i);
  for (let i = p + 1; i < n; i++) swapEntries(a, i * n + j, i * n + p);
}

function swapEntries(a: Float64Array | Int32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/** A symmetric tridiagonal matrix: `diag` (n) and `off` (n − 1, off[i] couples i and i+1). */
export interface Tridiagonal {
  diag: Float64Array;
  off: Float64Array;
}

/** Householder vectors of a tridiagonalisation: step k reflects rows k+1.. with I − beta[k]·u·uᵀ, u in row k of `u`. */
export interface Reflectors {
  u: Float64Array;
  beta: Float64Array;
}

/**
 * Householder reduction of a symmetric matrix (lower triangle of `a`,
 * destroyed) to tridiagonal form Qᵀ·A·Q = T.
 *
 * Each step's rank-2 update is fused with the next step's matrix-vector
 * product, so the trailing triangle is streamed once per step instead of
 * three times. Pass `reflectors` (u: n×n, beta: n) to keep Q for
 * {@link formQTransposed}. When `a` is in a wasm arena, the arena must have
 * room for 5n more doubles.
 */
export function tridiagonalize(a: Float64Array, n: number, reflectors?: Reflectors): Tridiagonal {
  const diag = new Float64Array(n);
  const off = new Float64Array(Math.max(0, n - 1));
  const arena = wasmArenaOf(a) ?? plainArena();
  let u = arena.f64(n), p = arena.f64(n);
  let un = arena.f64(n), pn = arena.f64(n);
  const w = arena.f64(n);
  let beta = 0;
  if (n >= 3) {
    beta = householder(a, n, 0, u, off);
    symvLower(a, n, 1, u, p, beta);
  }
  for (let k = 0; k + 3 <= n; k++) {
    if (reflectors) {
      reflectors.u.set(u.subarray(k + 1), k * n + k + 1);
      reflectors.beta[k] = beta;
    }
    // w = p − (β/2)(uᵀp)·u, then A ← A − u·wᵀ − w·uᵀ on the trailing block.
    let up = 0;
    for (let i = k + 1; i < n; i++) up += u[i]! * p[i]!;
    const half = (beta * up) / 2;
    for (let i = k + 1; i < n; i++) w[i] = p[i]! - half * u[i]!;
    const c = k + 1;
    const uc = u[c]!, wc = w[c]!;
    for (let i = c; i < n; i++) a[i * n + c] = a[i * n + c]! - (u[i]! * wc + w[i]! * uc);
    const hasNext = c + 3 <= n;
    const betaNext = hasNext ? householder(a, n, c, un, off) : 0;
    pn.fill(0);
    if (!fusedUpdateWasm(a, n, c + 1, u, w, un, pn)) fusedUpdate(a, n, c + 1, u, w, un, pn);
    if (hasNext) for (let i = c + 1; i < n; i++) pn[i] = pn[i]! * betaNext;
    [u, un] = [un, u];
    [p, pn] = [pn, p];
    beta = betaNext;
  }
  for (let i = 0; i < n; i++) diag[i] = a[i * n + i]!;
  if (n >= 2) off[n - 2] = a[(n - 1) * n + n - 2]!;
  return { diag, off };
}

/**
 * Rows/columns ≥ lo: A ← A − u·wᵀ − w·uᵀ, and at the same time
 * pn += A_new·un (the next step's product, before scaling by its β).
 * Two rows per pass share the loads of u, w, un and pn.
 */
function fusedUpdate(
  a: Float64Array,
  n: number,
  lo: number,
  u: Float64Array,
  w: Float64Array,
  un: Float64Array,
  pn: Float64Array,
): void {
  let i = lo;
  for (; i + 1 < n; i += 2) {
    const r0 = i * n, r1 = r0 + n;
    const u0 = u[i]!, w0 = w[i]!, q0 = un[i]!;
    const u1 = u[i + 1]!, w1 = w[i + 1]!, q1 = un[i + 1]!;
    let s0 = 0, s1 = 0;
    for (let j = lo; j < i; j++) {
      const wj = w[j]!, uj = u[j]!, qj = un[j]!;
      const x0 = a[r0 + j]! - u0 * wj - w0 * uj;
      const x1 = a[r1 + j]! - u1 * wj - w1 * uj;
      a[r0 + j] = x0;
      a[r1 + j] = x1;
      s0 += x0 * qj;
      s1 += x1 * qj;
      pn[j] = pn[j]! + x0 * q0 + x1 * q1;
    }
    const d0 = a[r0 + i]! - 2 * u0 * w0;
    const x10 = a[r1 + i]! - u1 * w0 - w1 * u0;
    const d1 = a[r1 + i + 1]! - 2 * u1 * w1;
    a[r0 + i] = d0;
    a[r1 + i] = x10;
    a[r1 + i + 1] = d1;
    pn[i] = pn[i]! + s0 + d0 * q0 + x10 * q1;
    pn[i + 1] = pn[i + 1]! + s1 + x10 * q0 + d1 * q1;
  }
  if (i < n) {
    const r = i * n;
    const ui = u[i]!, wi = w[i]!, qi = un[i]!;
    let s = 0;
    for (let j = lo; j < i; j++) {
      const x = a[r + j]! - ui * w[j]! - wi * u[j]!;
      a[r + j] = x;
      s += x * un[j]!;
      pn[j] = pn[j]! + x * qi;
    }
    const x = a[r + i]! - 2 * ui * wi;
    a[r + i] = x;
    pn[i] = pn[i]! + s + x * qi;
  }
}

/** p = beta · A·u over rows/columns ≥ lo, A symmetric in its lower triangle. */
function symvLower(a: Float64Array, n: number, lo: number, u: Float64Array, p: Float64Array, beta: number): void {
  p.fill(0);
  for (let i = lo; i < n; i++) {
    const r = i * n;
    const ui = u[i]!;
    let s = 0;
    for (let j = lo; j < i; j++) {
      const x = a[r + j]!;
      s += x * u[j]!;
      p[j] = p[j]! + x * ui;
    }
    p[i] = p[i]! + (s + a[r + i]! * ui);
  }
  for (let i = lo; i < n; i++) p[i] = p[i]! * beta;
}

/**
 * Householder vector u (entries k+1..n−1) that maps column k below the
 * diagonal, x, onto alpha·e₁: (I − β·u·uᵀ)·x = alpha·e₁. Writes alpha to
 * off[k] and returns β (0 when x is already a multiple of e₁).
 */
function householder(a: Float64Array, n: number, k: number, u: Float64Array, off: Float64Array): number {
  u.fill(0);
  const x0 = a[(k + 1) * n + k]!;
  let tail = 0;
  for (let i = k + 2; i < n; i++) {
    const x = a[i * n + k]!;
    tail += x * x;
    u[i] = x;
  }
  if (tail === 0) {
    off[k] = x0;
    return 0;
  }
  const norm = Math.sqrt(x0 * x0 + tail);
  const alpha = x0 >= 0 ? -norm : norm;
  u[k + 1] = x0 - alpha;
  off[k] = alpha;
  return 1 / (norm * (norm + Math.abs(x0)));
}

/**
 * The orthogonal Q of {@link tridiagonalize} (A = Q·T·Qᵀ), returned transposed
 * (row i = column i of Q) because QL rotations then touch contiguous rows.
 */
export function formQTransposed(reflectors: Reflectors, n: number): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) q[i * n + i] = 1;
  const v = new Float64Array(n);
  // Backward accumulation: Q = H₀(H₁(…H_{n−3})), each H_k touching rows/columns > k.
  for (let k = n - 3; k >= 0; k--) {
    const beta = reflectors.beta[k]!;
    if (beta === 0) continue;
    const lo = k + 1;
    const uk = k * n;
    v.fill(0);
    for (let i = lo; i < n; i++) {
      const ui = reflectors.u[uk + i]!;
      const r = i * n;
      for (let j = lo; j < n; j++) v[j] = v[j]! + (ui * q[r + j]!);
    }
    for (let i = lo; i < n; i++) {
      const f = beta * reflectors.u[uk + i]!;
      const r = i * n;
      for (let j = lo; j < n; j++) q[r + j] = q[r + j]! - f * v[j]!;
    }
  }
  // Transpose in place.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) swapEntries(q, i * n + j, j * n + i);
  }
  return q;
}

/**
 * Eigenvalues of a symmetric tridiagonal matrix by implicit QL with
 * Wilkinson shifts (EISPACK `tql2`, as in JAMA), ascending.
 *
 * With `zt` (n×n, rows = columns of the reducing Q), the rotations are
 * applied to its rows, which then hold the eigenvectors, sorted to match.
 *
 * @throws {Error} if an eigenvalue needs more than 60 QL sweeps (not seen in practice).
 */
export function tridiagonalEigen(t: Tridiagonal, zt?: Float64Array): Float64Array {
  const n = t.diag.length;
  const d = t.diag.slice();
  const e = new Float64Array(n);
  e.set(t.off);
  let f = 0;
  let tst1 = 0;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n - 1 && Math.abs(e[m]!) > EPS * tst1) m++;
    if (m > l) {
      let sweeps = 0;
      do {
        if (++sweeps > MAX_QL_SWEEPS) {
          throw new InternalError(`tridiagonalEigen: eigenvalue ${l} of ${n} did not converge after ${MAX_QL_SWEEPS} QL sweeps`);
        }
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const el1 = e[l + 1]!;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          if (zt) rotateRows(zt, n, i, c, s);
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > EPS * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
  return sortAscending(d, zt, n);
}

/** Rows i and i+1 of z ← the QL plane rotation (c, s). */
function rotateRows(z: Float64Array, n: number, i: number, c: number, s: number): void {
  const r0 = i * n, r1 = r0 + n;
  for (let k = 0; k < n; k++) {
    const h = z[r1 + k]!;
    const g = z[r0 + k]!;
    z[r1 + k] = s * g + c * h;
    z[r0 + k] = c * g - s * h;
  }
}

function sortAscending(d: Float64Array, zt: Float64Array | undefined, n: number): Float64Array {
  const order = Array.from(d.keys()).sort((x, y) => d[x]! - d[y]!);
  const values = Float64Array.from(order, (i) => d[i]!);
  if (zt) {
    const copy = zt.slice();
    order.forEach((from, to) => zt.set(copy.subarray(from * n, from * n + n), to * n));
  }
  return values;
}

function hypot(a: number, b: number): number {
  const x = Math.abs(a), y = Math.abs(b);
  const big = Math.max(x, y), small = Math.min(x, y);
  if (big === 0) return 0;
  const q = small / big;
  return big * Math.sqrt(1 + q * q);
}

/** Eigenvalues (ascending) of a symmetric n×n matrix read from the lower triangle of `a`; `a` is not modified. */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  return tridiagonalEigen(tridiagonalize(a.slice(0, n * n), n));
}

/** Eigen-decomposition of a symmetric matrix: `vectors` row i is the unit eigenvector of `values[i]`. */
export interface SymmetricEigen {
  values: Float64Array;
  vectors: Float64Array;
}

/** Eigenvalues (ascending) and eigenvectors of a symmetric n×n matrix read from the lower triangle of `a`; `a` is not modified. */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  const reflectors = { u: new Float64Array(n * n), beta: new Float64Array(n) };
  const t = tridiagonalize(a.slice(0, n * n), n, reflectors);
  const vectors = formQTransposed(reflectors, n);
  const values = tridiagonalEigen(t, vectors);
  return { values, vectors };
}

/**
 * Tr √(C₁·C₂) for symmetric positive semidefinite n×n C₁, C₂ (lower
 * triangles read): the nuclear norm of L₁ᵀL₂, computed as Σ√λ over the
 * eigenvalues λ of Lᵀ·C₂·L, where P·C₁·Pᵀ = L·Lᵀ is a pivoted Cholesky
 * factorisation. Those λ are exactly the eigenvalues of C₁^½·C₂·C₁^½, the
 * factorisation is 4× cheaper than an eigendecomposition with vectors, and
 * singular C₁ (rank r < n) simply gives an r×r problem. Rounding can leave
 * eigenvalues of order −ε‖·‖; they are clamped to 0.
 */
export function traceSqrtProduct(c1: Float64Array, c2: Float64Array, n: number): number {
  const arena = createArena(4 * n * n + 5 * n, n);
  const work = arena.f64(n * n);
  work.set(c1.subarray(0, n * n));
  const { rank, piv } = pivotedCholesky(work, n);
  if (rank === 0) return 0;
  // C₂ with rows and columns permuted like C₁, both triangles filled.
  const c2p = arena.f64(n * n);
  for (let i = 0; i < n; i++) {
    const pi = piv[i]!;
    for (let j = 0; j <= i; j++) {
      const pj = piv[j]!;
      const v = pi >= pj ? c2[pi * n + pj]! : c2[pj * n + pi]!;
      c2p[i * n + j] = v;
      c2p[j * n + i] = v;
    }
  }
  // Lt = Lᵀ (rank × n, upper trapezoidal).
  const lt = arena.f64(rank * n);
  for (let i = 0; i < n; i++) {
    const top = Math.min(i, rank - 1);
    for (let t = 0; t <= top; t++) lt[t * n + i] = work[i * n + t]!;
  }
  // Wt = Lᵀ·C₂ₚ, then M = Lᵀ·C₂ₚ·L = Lt·Wtᵀ (lower triangle, reusing `work`).
  const wt = arena.f64(rank * n);
  gemmNT(rank, n, n, 1, lt, 0, n, c2p, 0, n, wt, 0, n, false, true);
  const m = work.subarray(0, rank * rank).fill(0);
  gemmNT(rank, rank, n, 1, lt, 0, n, wt, 0, n, m, 0, rank, true, true);
  return sumSqrt(tridiagonalEigen(tridiagonalize(m, rank)));
}

function sumSqrt(values: Float64Array): number {
  let s = 0;
  for (const v of values) if (v > 0) s += Math.sqrt(v);
  return s;
}
