import { describe, expect, it } from 'vitest';
import { calibrateNearCopy, rejectNearCopies } from '../../src/filter/near-copy.js';
import { nearestNeighbours } from '../../src/filter/nearest.js';
import { scratchArena } from '../../src/metrics/wasm.js';
import { loadNative, type NativeAddon } from '../../src/backend/native.js';
import { countCalls } from '../helpers/native.js';
import { Rng } from '../../src/util/rng.js';

describe('rejectNearCopies', () => {
  it.each([
    [[], 1, []],
    [[0, 0.5, 1, 1.5], 1, [3]], // exactly on the threshold: rejected
    [[0, 2], 0, [1]], // an exact copy is rejected even at threshold 0
    [[0.1, 0.2], 5, []], // all rejected
    [[0, 3], NaN, [0, 1]], // no calibration: keep everything
    [[Infinity, 2], 1, [0, 1]], // no reference at all: kept
  ] as [number[], number, number[]][])('%j vs %d → keeps %j', (dist, t, kept) => {
    const d = rejectNearCopies(dist, t, 'pixel');
    expect(d.kept).toEqual(kept);
    expect(d.rejected.every((r) => r.reason === 'near-copy-pixel')).toBe(true);
  });

  it('says which real image it copies', () => {
    const d = rejectNearCopies([0, 0.5], 1, 'feature', [4, 9], (i) => `coat/${i}.png`);
    expect(d.rejected.map((r) => [r.reason, r.detail])).toEqual([
      ['near-copy-feature', 'identical to coat/4.png'],
      ['near-copy-feature', 'feature distance 0.5000 ≤ 1.0000 from coat/9.png'],
    ]);
  });
});

describe('calibrateNearCopy', () => {
  it('is numpy quantile with linear interpolation, ignoring non-finite distances', () => {
    // np.quantile([1, 2, 3, 4, 10], 0.1) == 1.4; np.quantile(..., 0.5) == 3
    expect(calibrateNearCopy([10, 3, 1, 4, 2], 0.1)).toBeCloseTo(1.4, 12);
    expect(calibrateNearCopy([10, 3, 1, 4, 2, Infinity], 0.5)).toBe(3);
    expect(calibrateNearCopy([], 0.1)).toBeNaN();
    expect(() => calibrateNearCopy([1], 2)).toThrow(RangeError);
  });
});

describe('scratchArena', () => {
  it('hands out the same wasm memory, emptied, while it is large enough, and a larger one when a call needs more', () => {
    const a = scratchArena(100_000, 64);
    const x = a.f64(10);
    const b = scratchArena(50_000, 64);
    expect(b).toBe(a);
    const y = b.f64(10);
    // Emptied: the first array of the next call is where the last call's first array was.
    expect([y.buffer, y.byteOffset]).toEqual([x.buffer, x.byteOffset]);
    const c = scratchArena(400_000, 64);
    expect(c).not.toBe(a);
    expect(scratchArena(1000, 64)).toBe(c);
  });
});

describe('nearestNeighbours', () => {
  it('gives the same answers whatever ran before it in the reused memory (large, small, large again)', () => {
    const rng = new Rng(11);
    const set = (rows: number, dims: number) => ({ data: Uint8Array.from({ length: rows * dims }, () => rng.int(256)), rows, dims });
    const cases = [
      [set(300, 50), set(1100, 50)],
      [set(7, 5), set(30, 5)],
      [set(260, 90), set(1030, 90)],
    ] as const;
    const first = cases.map(([q, r]) => nearestNeighbours(q, r));
    // In the other order: each call now follows a different one in the same memory.
    const again = [...cases].reverse().map(([q, r]) => nearestNeighbours(q, r)).reverse();
    expect(again).toEqual(first);
    for (const [k, [q, r]] of cases.entries()) {
      for (let i = 0; i < q.rows; i += 37) {
        let best = Infinity;
        for (let j = 0; j < r.rows; j++) {
          let s = 0;
          for (let t = 0; t < q.dims; t++) s += (q.data[i * q.dims + t]! - r.data[j * q.dims + t]!) ** 2;
          best = Math.min(best, s);
        }
        expect(first[k]!.distance[i]).toBe(Math.sqrt(best));
      }
    }
  });

  it('matches brute force, and finds an injected exact copy at distance 0', () => {
    const rng = new Rng(3);
    const dims = 37;
    const refs = Uint8Array.from({ length: 50 * dims }, () => rng.int(256));
    const qs = Uint8Array.from({ length: 9 * dims }, () => rng.int(256));
    qs.set(refs.subarray(17 * dims, 18 * dims), 4 * dims); // query 4 = real image 17
    const nn = nearestNeighbours({ data: qs, rows: 9, dims }, { data: refs, rows: 50, dims });
    for (let i = 0; i < 9; i++) {
      let best = Infinity;
      let bi = -1;
      for (let j = 0; j < 50; j++) {
        let s = 0;
        for (let k = 0; k < dims; k++) s += (qs[i * dims + k]! - refs[j * dims + k]!) ** 2;
        if (s < best) [best, bi] = [s, j];
      }
      expect(nn.index[i]).toBe(bi);
      expect(nn.distance[i]).toBeCloseTo(Math.sqrt(best), 9);
    }
    expect(nn.distance[4]).toBe(0);
    expect(nn.index[4]).toBe(17);
  });

  it('matches brute force across several blocks of queries and references (partial last blocks, ties to the first)', () => {
    const rng = new Rng(5);
    const dims = 3;
    const [nq, nr] = [300, 1100]; // blocks are 256 queries × 1024 references
    const refs = Uint8Array.from({ length: nr * dims }, () => rng.int(6));
    const qs = Uint8Array.from({ length: nq * dims }, () => rng.int(6));
    const skip = Int32Array.from({ length: nq }, (_, i) => (i % 7 === 0 ? i : -1));
    const nn = nearestNeighbours({ data: qs, rows: nq, dims }, { data: refs, rows: nr, dims }, skip);
    for (let i = 0; i < nq; i++) {
      let best = Infinity;
      let bi = -1;
      for (let j = 0; j < nr; j++) {
        if (j === skip[i]) continue;
        let s = 0;
        for (let k = 0; k < dims; k++) s += (qs[i * dims + k]! - refs[j * dims + k]!) ** 2;
        if (s < best) [best, bi] = [s, j];
      }
      expect([nn.index[i], nn.distance[i]]).toEqual([bi, Math.sqrt(best)]);
    }
  });

  it('skips the trivial self-match for real-vs-real distances', () => {
    const pts = Float32Array.from([0, 0, 1, 0, 5, 0]);
    const rows = { data: pts, rows: 3, dims: 2 };
    const nn = nearestNeighbours(rows, rows, [0, 1, 2]);
    expect(Array.from(nn.index)).toEqual([1, 0, 1]);
    expect(Array.from(nn.distance)).toEqual([1, 1, 4]);
    const alone = nearestNeighbours({ data: [1, 2], rows: 1, dims: 2 }, { data: [1, 2], rows: 1, dims: 2 }, [0]);
    expect([alone.distance[0], alone.index[0]]).toEqual([Infinity, -1]);
  });

  it('handles empty sets and refuses mismatched dims', () => {
    expect(nearestNeighbours({ data: [], rows: 0, dims: 3 }, { data: [1, 2, 3], rows: 1, dims: 3 }).distance.length).toBe(0);
    expect(() => nearestNeighbours({ data: [1, 2], rows: 1, dims: 2 }, { data: [1, 2, 3], rows: 1, dims: 3 })).toThrow(/have 2 dims \(like queries\) but received 3/);
  });
});

describe('nearestNeighbours on the native BLAS (dgemm)', () => {
  let native: NativeAddon | null = null;
  let why = '';
  try {
    native = loadNative().addon;
  } catch (err) {
    why = (err as Error).message;
  }
  it.skipIf(native === null)(`pixel rows: the same bits as the wasm kernel, through dgemm; feature rows stay on wasm${why ? ` (skipped: ${why})` : ''}`, () => {
    const gemm = countCalls(native!, 'gemmNT');
    try {
      const rng = new Rng(13);
      const dims = 784;
      // Partial last blocks both ways (blocks are 256 queries × 1024 references), an exact copy and a skip.
      const [nq, nr] = [300, 1100];
      const refs = Uint8Array.from({ length: nr * dims }, () => rng.int(256));
      const qs = Uint8Array.from({ length: nq * dims }, () => rng.int(256));
      qs.set(refs.subarray(1050 * dims, 1051 * dims), 299 * dims);
      const skip = Int32Array.from({ length: nq }, (_, i) => (i % 5 === 0 ? i : -1));
      const viaBlas = nearestNeighbours({ data: qs, rows: nq, dims }, { data: refs, rows: nr, dims }, skip);
      expect(gemm.count()).toBe(4);
      const viaWasm = nearestNeighbours({ data: qs, rows: nq, dims }, { data: refs, rows: nr, dims }, skip, { native: false });
      expect(gemm.count()).toBe(4);
      expect(viaBlas).toEqual(viaWasm);
      expect([viaBlas.distance[299], viaBlas.index[299]]).toEqual([0, 1050]);
      const features = (rows: number) => ({ data: rng.normal(new Float32Array(rows * 64)), rows, dims: 64 });
      nearestNeighbours(features(40), features(90));
      expect(gemm.count()).toBe(4);
    } finally {
      gemm.restore();
    }
  });
});
