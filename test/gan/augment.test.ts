import { tf } from '../../src/tf.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { applyAugment, drawAugment } from '../../src/gan/augment.js';
import { Rng } from '../../src/util/rng.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const img = (b: number, n: number, c: number, seed = 1) => tf.tensor4d(new Rng(seed).normal(new Float32Array(b * n * n * c)).map(Math.tanh), [b, n, n, c]);

describe('DiffAugment', () => {
  it('is the exact identity at p = 0', () => {
    const x = img(4, 8, 3);
    const a = drawAugment(new Rng(1), 4, 8, 3, ['color', 'translation', 'cutout'], 0);
    expect(a.used.size).toBe(0);
    const y = applyAugment(x, a);
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
  });

  it('translation shifts each image by its own offset and fills with black (−1)', () => {
    const x = tf.tensor4d(Float32Array.from({ length: 2 * 4 * 4 }, (_, i) => (i % 16) / 16), [2, 4, 4, 1]);
    const a = drawAugment(new Rng(3), 2, 4, 1, ['translation'], 1);
    a.shiftY.set([1, 0]);
    a.shiftX.set([0, -1]);
    const y = applyAugment(x, a).arraySync() as number[][][][];
    const xa = x.arraySync() as number[][][][];
    // image 0 moved down one row: row 0 is black, row r is old row r−1
    expect(y[0]![0]!.map((p) => p[0])).toEqual([-1, -1, -1, -1]);
    for (let r = 1; r < 4; r++) for (let c = 0; c < 4; c++) expect(y[0]![r]![c]![0]).toBeCloseTo(xa[0]![r - 1]![c]![0]!, 6);
    // image 1 moved left one column: last column black
    for (let r = 0; r < 4; r++) {
      expect(y[1]![r]![3]![0]).toBe(-1);
      for (let c = 0; c < 3; c++) expect(y[1]![r]![c]![0]).toBeCloseTo(xa[1]![r]![c + 1]![0]!, 6);
    }
  });

  it('translation keeps colour channels apart (RGB)', () => {
    const x = img(3, 6, 3, 5);
    const a = drawAugment(new Rng(9), 3, 6, 3, ['translation'], 1);
    a.shiftY.set([0, 0, 0]);
    a.shiftX.set([0, 0, 0]);
    expect(Array.from(applyAugment(x, a).dataSync()).map((v) => +v.toFixed(5))).toEqual(Array.from(x.dataSync()).map((v) => +v.toFixed(5)));
  });

  it('flip mirrors the images drawn left–right, and composes with translation', () => {
    const x = img(3, 5, 2, 7);
    const a = drawAugment(new Rng(3), 3, 5, 2, ['flip'], 1);
    a.flipX.set([1, 0, 1]);
    a.used.add('flip');
    const y = applyAugment(x, a).arraySync() as number[][][][];
    const xa = x.arraySync() as number[][][][];
    for (let r = 0; r < 5; r++) {
      for (let c = 0; c < 5; c++) {
        for (let ch = 0; ch < 2; ch++) {
          expect(y[0]![r]![c]![ch]).toBeCloseTo(xa[0]![r]![4 - c]![ch]!, 6);
          expect(y[1]![r]![c]![ch]).toBeCloseTo(xa[1]![r]![c]![ch]!, 6);
        }
      }
    }
    // Mirrored, then moved right one column: column 0 black, column c the old column 4 − (c − 1).
    const t = drawAugment(new Rng(3), 1, 5, 1, ['translation', 'flip'], 1);
    t.shiftY.set([0]);
    t.shiftX.set([1]);
    t.flipX.set([1]);
    const x1 = img(1, 5, 1, 8);
    const y1 = applyAugment(x1, t).arraySync() as number[][][][];
    const x1a = x1.arraySync() as number[][][][];
    for (let r = 0; r < 5; r++) {
      expect(y1[0]![r]![0]![0]).toBe(-1);
      for (let c = 1; c < 5; c++) expect(y1[0]![r]![c]![0]).toBeCloseTo(x1a[0]![r]![4 - (c - 1)]![0]!, 6);
    }
  });

  it('flip draws about half of the images at p = 1, none at p = 0', () => {
    const a = drawAugment(new Rng(5), 400, 4, 1, ['flip'], 1);
    const n = a.flipX.reduce((s, v) => s + v, 0);
    expect(n).toBeGreaterThan(160);
    expect(n).toBeLessThan(240);
    expect(drawAugment(new Rng(5), 400, 4, 1, ['flip'], 0).used.size).toBe(0);
  });

  it('cutout blanks a square of half the side', () => {
    const x = tf.ones([1, 8, 8, 1]) as tf.Tensor4D;
    const a = drawAugment(new Rng(4), 1, 8, 1, ['cutout'], 1);
    const zeros = Array.from(applyAugment(x, a).dataSync()).filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(0);
    expect(zeros).toBeLessThanOrEqual(16);
  });

  it('is differentiable: non-zero gradients reach the input through every operation', () => {
    const x = img(4, 8, 3);
    const a = drawAugment(new Rng(2), 4, 8, 3, ['color', 'translation', 'cutout', 'flip'], 1);
    expect([...a.used].sort()).toEqual(['color', 'cutout', 'flip', 'translation']);
    const g = tf.grad((t: tf.Tensor) => applyAugment(t as tf.Tensor4D, a).square().sum())(x);
    const v = g.dataSync();
    expect(v.every(Number.isFinite)).toBe(true);
    expect(v.some((u) => u !== 0)).toBe(true);
  });

  it('draws the same parameters from the same Rng state', () => {
    const a = drawAugment(new Rng(11), 5, 8, 1, ['color', 'translation', 'cutout'], 0.5);
    const b = drawAugment(new Rng(11), 5, 8, 1, ['color', 'translation', 'cutout'], 0.5);
    expect(a).toEqual(b);
  });
});
