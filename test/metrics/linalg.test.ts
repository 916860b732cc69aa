import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  gemmNT,
  pivotedCholesky,
  symmetricEigen,
  symmetricEigenvalues,
  traceSqrtProduct,
  tridiagonalEigen,
  tridiagonalize,
} from '../../src/metrics/linalg.js';
import { covarianceUpdater } from '../../src/metrics/stats.js';
import { createArena, plainArena, wasmArenaOf } from '../../src/metrics/wasm.js';
import { KERNELS_WASM_BASE64 } from '../../src/metrics/wasm/kernels-wasm.js';

/** Deterministic uniform [-0.5, 0.5) values. */
function randomMatrix(rows: number, cols: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: rows * cols }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

/** B·Bᵀ for B (n×k): symmetric PSD with rank min(n, k). */
function gram(b: Float64Array, n: number, k: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += b[i * k + t]! * b[j * k + t]!;
      out[i * n + j] = s;
    }
  }
  return out;
}

function symmetricRandom(n: number, seed: number): Float64Array {
  const r = randomMatrix(n, n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = r[i * n + j]! + r[j * n + i]!;
  return a;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

/** Largest |A·v − λ·v| over all eigenpairs, and largest |VᵀV − I|. */
function eigenResiduals(a: Float64Array, n: number, values: Float64Array, vectors: Float64Array) {
  let residual = 0;
  let orthogonality = 0;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j]! * vectors[k * n + j]!;
      residual = Math.max(residual, Math.abs(av - values[k]! * vectors[k * n + i]!));
    }
    for (let l = 0; l < n; l++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += vectors[k * n + i]! * vectors[l * n + i]!;
      orthogonality = Math.max(orthogonality, Math.abs(dot - (k === l ? 1 : 0)));
    }
  }
  return { residual, orthogonality };
}

describe('symmetricEigen', () => {
  it('finds the known spectrum of the second-difference matrix, with A·v = λ·v', () => {
    const n = 12;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 2;
      if (i > 0) a[i * n + i - 1] = a[(i - 1) * n + i] = -1;
    }
    const { values, vectors } = symmetricEigen(a, n);
    const expected = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
    values.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 13));
    const { residual, orthogonality } = eigenResiduals(a, n, values, vectors);
    expect(residual).toBeLessThan(1e-13);
    expect(orthogonality).toBeLessThan(1e-13);
  });

  it('reconstructs a dense random matrix as V·Λ·Vᵀ', () => {
    const n = 40;
    const a = symmetricRandom(n, 7);
    const { values, vectors } = symmetricEigen(a, n);
    const { residual, orthogonality } = eigenResiduals(a, n, values, vectors);
    expect(residual).toBeLessThan(1e-12 * maxAbs(values));
    expect(orthogonality).toBeLessThan(1e-13);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += vectors[k * n + i]! * values[k]! * vectors[k * n + j]!;
        worst = Math.max(worst, Math.abs(s - a[i * n + j]!));
      }
    }
    expect(worst).toBeLessThan(1e-12 * maxAbs(values));
    expect([...values]).toEqual([...values].sort((x, y) => x - y));
  });

  it('agrees with the eigenvalues-only path and leaves its input untouched', () => {
    const n = 33;
    const a = symmetricRandom(n, 3);
    const before = a.slice();
    const only = symmetricEigenvalues(a, n);
    const full = symmetricEigen(a, n).values;
    only.forEach((v, i) => expect(v).toBeCloseTo(full[i]!, 12));
    expect(a).toEqual(before);
  });

  it.each([
    ['1×1', 1, [5]],
    ['2×2', 2, [2, 1, 1, 2]],
    ['identity (repeated eigenvalues)', 4, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]],
    ['zero matrix', 3, [0, 0, 0, 0, 0, 0, 0, 0, 0]],
  ])('handles the %s case', (_, n, entries) => {
    const a = Float64Array.from(entries);
    const { values, vectors } = symmetricEigen(a, n);
    const { residual, orthogonality } = eigenResiduals(a, n, values, vectors);
    expect(residual).toBeLessThan(1e-14);
    expect(orthogonality).toBeLessThan(1e-14);
  });
});

describe('pivotedCholesky', () => {
  it('factors a singular PSD matrix with its exact rank and P·A·Pᵀ = L·Lᵀ', () => {
    const n = 20, k = 7;
    const a = gram(randomMatrix(n, k, 11), n, k);
    const work = a.slice();
    const { rank, piv } = pivotedCholesky(work, n);
    expect(rank).toBe(k);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let t = 0; t < Math.min(j + 1, rank); t++) s += work[i * n + t]! * work[j * n + t]!;
        worst = Math.max(worst, Math.abs(s - a[piv[i]! * n + piv[j]!]!));
      }
    }
    expect(worst).toBeLessThan(1e-14 * maxAbs(a));
  });

  it('spans several 64-column panels on a full-rank matrix', () => {
    const n = 150;
    const a = gram(randomMatrix(n, n + 5, 5), n, n + 5);
    const work = a.slice();
    const { rank, piv } = pivotedCholesky(work, n);
    expect(rank).toBe(n);
    let worst = 0;
    for (let i = 0; i < n; i += 7) {
      for (let j = 0; j <= i; j += 3) {
        let s = 0;
        for (let t = 0; t <= j; t++) s += work[i * n + t]! * work[j * n + t]!;
        worst = Math.max(worst, Math.abs(s - a[piv[i]! * n + piv[j]!]!));
      }
    }
    expect(worst).toBeLessThan(1e-12 * maxAbs(a));
  });
});

describe('gemmNT', () => {
  const naive = (m: number, n: number, k: number, a: Float64Array, b: Float64Array) =>
    Float64Array.from({ length: m * n }, (_, idx) => {
      const i = Math.floor(idx / n), j = idx % n;
      let s = 0;
      for (let t = 0; t < k; t++) s += a[i * k + t]! * b[j * k + t]!;
      return s;
    });

  it.each([
    [7, 5, 300],
    [8, 8, 4],
    [13, 9, 257],
  ])('matches a naive product for %i×%i×%i, in full and lower mode', (m, n, k) => {
    const a = randomMatrix(m, k, 1), b = randomMatrix(n, k, 2);
    const want = naive(m, n, k, a, b);
    const full = new Float64Array(m * n).fill(1);
    gemmNT(m, n, k, 2, a, 0, k, b, 0, k, full, 0, n);
    full.forEach((v, i) => expect(v).toBeCloseTo(1 + 2 * want[i]!, 12));
    const lower = new Float64Array(m * n);
    gemmNT(m, n, k, 1, a, 0, k, b, 0, k, lower, 0, n, true);
    lower.forEach((v, idx) => {
      const i = Math.floor(idx / n), j = idx % n;
      expect(v).toBeCloseTo(j <= i ? want[idx]! : 0, 12);
    });
  });

  it('skips the zeros of an upper-trapezoidal A without changing the result', () => {
    const m = 9, n = 6, k = 11;
    const a = randomMatrix(m, k, 4);
    for (let i = 0; i < m; i++) for (let t = 0; t < Math.min(i, k); t++) a[i * k + t] = 0;
    const b = randomMatrix(n, k, 9);
    const c = new Float64Array(m * n);
    gemmNT(m, n, k, 1, a, 0, k, b, 0, k, c, 0, n, false, true);
    const want = naive(m, n, k, a, b);
    c.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 13));
  });
});

describe('traceSqrtProduct', () => {
  /** Reference route: C₁^½ from an eigendecomposition, then Σ√λ(C₁^½·C₂·C₁^½). */
  function viaEigen(c1: Float64Array, c2: Float64Array, n: number): number {
    const { values, vectors } = symmetricEigen(c1, n);
    const root = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += vectors[k * n + i]! * Math.sqrt(Math.max(values[k]!, 0)) * vectors[k * n + j]!;
        root[i * n + j] = s;
      }
    }
    const mul = (x: Float64Array, y: Float64Array) =>
      Float64Array.from({ length: n * n }, (_, idx) => {
        const i = Math.floor(idx / n), j = idx % n;
        let s = 0;
        for (let k = 0; k < n; k++) s += x[i * n + k]! * y[k * n + j]!;
        return s;
      });
    return symmetricEigenvalues(mul(mul(root, c2), root), n).reduce((s, v) => s + Math.sqrt(Math.max(v, 0)), 0);
  }

  it.each([
    ['both full rank', 30, 40, 45],
    ['singular C₁', 30, 12, 45],
    ['both singular', 30, 9, 14],
  ])('matches the eigendecomposition route with %s', (_, n, k1, k2) => {
    const c1 = gram(randomMatrix(n, k1, 21), n, k1);
    const c2 = gram(randomMatrix(n, k2, 22), n, k2);
    const got = traceSqrtProduct(c1, c2, n);
    // √ of rounding-level eigenvalues (~1e-16·‖C‖) limits the eigen route to ~1e-8·‖C‖^½ per null direction.
    expect(Math.abs(got - viaEigen(c1, c2, n))).toBeLessThan(1e-6 * got);
  });

  it('equals Tr C for C₁ = C₂ = C, singular or not', () => {
    for (const k of [25, 6]) {
      const c = gram(randomMatrix(25, k, 31), 25, k);
      let trace = 0;
      for (let i = 0; i < 25; i++) trace += c[i * 25 + i]!;
      expect(traceSqrtProduct(c, c, 25)).toBeCloseTo(trace, 10);
    }
  });

  it('is 0 for a zero matrix', () => {
    expect(traceSqrtProduct(new Float64Array(9), Float64Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), 3)).toBe(0);
  });
});

describe('wasm kernels', () => {
  /** A copy of `x` inside a fresh wasm arena, plus room for `extra` doubles. */
  function inArena(arrays: Float64Array[], maxDim: number): Float64Array[] {
    const arena = createArena(arrays.reduce((s, x) => s + x.length, 0) + 64, maxDim);
    return arrays.map((x) => {
      const y = arena.f64(x.length);
      y.set(x);
      return y;
    });
  }

  it('are embedded from the committed kernels.wasm and load in this runtime', () => {
    const file = readFileSync(new URL('../../src/metrics/wasm/kernels.wasm', import.meta.url));
    expect(KERNELS_WASM_BASE64).toBe(file.toString('base64'));
    expect(wasmArenaOf(createArena(16, 4).f64(16))).toBeDefined();
  });

  it('fall back to plain arrays when a problem is too big for a 32-bit wasm memory', () => {
    const arena = createArena(2 ** 30, 4); // 8 GiB of doubles: only the 1-element array below is allocated
    expect(wasmArenaOf(arena.f64(1))).toBeUndefined();
  });

  it.each([
    [7, 5, 300, false, false],
    [13, 9, 257, true, false],
    [130, 141, 600, false, true],
    [150, 150, 530, true, true],
    [4, 300, 8, false, false],
  ])('gemmNT %i×%i×%i (lower %s, upper-trapezoidal A %s) is bit-identical to the JS loops', (m, n, k, lower, aUpper) => {
    // Offsets and leading dimensions wider than the block, as in the Cholesky update.
    const lda = k + 3, ldb = k + 1, ldc = n + 2;
    const a = randomMatrix(m + 1, lda, 5), b = randomMatrix(n + 1, ldb, 6), c = randomMatrix(m + 1, ldc, 7);
    if (aUpper) for (let i = 0; i < m; i++) for (let t = 0; t < Math.min(i, k); t++) a[lda + i * lda + t] = 0;
    const [wa, wb, wc] = inArena([a, b, c], Math.max(m, n));
    expect(wasmArenaOf(wc!)).toBeDefined();
    gemmNT(m, n, k, -0.75, a, lda, lda, b, ldb, ldb, c, ldc + 1, ldc, lower, aUpper);
    gemmNT(m, n, k, -0.75, wa!, lda, lda, wb!, ldb, ldb, wc!, ldc + 1, ldc, lower, aUpper);
    expect(wc).toEqual(c);
  });

  it.each([
    ['float32', Float32Array],
    ['float64', Float64Array],
  ] as const)('the centred covariance panel update (%s samples) is bit-identical to the JS path', (_, Type) => {
    const dims = 37, panelRows = 64;
    const x = new Type(100 * dims);
    randomMatrix(100, dims, 8).forEach((v, i) => (x[i] = 3 + v)); // offset data: centring matters
    const mean = Float64Array.from({ length: dims }, (_, j) => 3 + j * 1e-3);
    const results = [createArena(dims * dims + dims * panelRows + dims, dims), plainArena()].map((arena) => {
      const cov = arena.f64(dims * dims);
      const update = covarianceUpdater(arena, Type === Float32Array, dims, panelRows, mean, cov);
      update(x.subarray(0, 64 * dims));
      update(x.subarray(64 * dims)); // a short last panel
      return { cov, wasm: wasmArenaOf(cov) !== undefined };
    });
    expect(results.map((r) => r.wasm)).toEqual([true, false]);
    expect(results[0]!.cov).toEqual(results[1]!.cov);
    let want = 0;
    for (let s = 0; s < 100; s++) want += (x[s * dims + 5]! - mean[5]!) * (x[s * dims + 3]! - mean[3]!);
    expect(results[1]!.cov[5 * dims + 3]).toBeCloseTo(want, 12);
  });

  it('tridiagonalize in wasm gives the spectrum of the JS path to rounding', () => {
    // Entries of T drift apart by rounding from step to step; its eigenvalues are what must agree.
    const n = 75;
    const a = symmetricRandom(n, 9);
    const arena = createArena(n * n + 5 * n + 64, n);
    const wa = arena.f64(n * n);
    wa.set(a);
    const js = tridiagonalEigen(tridiagonalize(a.slice(), n));
    const wasm = tridiagonalEigen(tridiagonalize(wa, n));
    js.forEach((v, i) => expect(Math.abs(v - wasm[i]!)).toBeLessThan(1e-13 * maxAbs(js)));
  });
});
