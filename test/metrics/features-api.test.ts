/** The library entry exports the metrics and filters, typed, usable without the CLI. */
import { describe, expect, it } from 'vitest';
import * as lib from '../../src/index.js';

describe('library API', () => {
  it('fid and kid take number[][] or { data, rows, dims }', () => {
    const a = [
      [0, 1],
      [1, 0],
      [1, 1],
      [0, 0],
    ];
    const b = a.map(([x, y]) => [x! + 1, y!]);
    expect(lib.fid(a, a)).toBeCloseTo(0, 10);
    // a pure shift by (1, 0): FID = ‖Δμ‖² = 1
    expect(lib.fid(a, { data: Float32Array.from(b.flat()), rows: 4, dims: 2 })).toBeCloseTo(1, 10);
    const k: lib.KidResult = lib.kid(a, b);
    expect(k.subsets).toBe(1);
  });

  it('exports the filters and their composition', () => {
    const scores = [0.3, -1, 2];
    const s: lib.Selection = lib.applyFilters(3, [{ name: 'd', run: (idx) => lib.keepAboveThreshold(idx.map((i) => scores[i]!), 0) }], scores, 5);
    expect([s.kept, s.shortfall]).toEqual([[2, 0], 3]);
    expect(lib.REJECT_REASONS).toContain('near-copy-pixel');
    expect(typeof lib.rejectionSample).toBe('function');
    expect(typeof lib.loadUserExtractor).toBe('function');
  });
});
