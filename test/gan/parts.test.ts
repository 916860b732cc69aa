import { tf } from '../../src/tf.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { initAda, updateAda } from '../../src/gan/ada.js';
import { minibatchStddev, mbstdGroup } from '../../src/gan/discriminator.js';
import { emaBeta, updateEma } from '../../src/gan/ema.js';
import { initSpectral, powerIterate, sigma } from '../../src/gan/spectral-norm.js';
import { splitHoldout } from '../../src/dataset/holdout.js';
import { Rng } from '../../src/util/rng.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('spectral normalisation', () => {
  it('σ converges to the top singular value of a matrix with a known SVD', () => {
    // W = U Σ Vᵀ with rotations U (3×3, about z) and V (2×2), Σ = diag(5, 2).
    const [a, b] = [0.7, -0.4];
    const U = [[Math.cos(a), -Math.sin(a), 0], [Math.sin(a), Math.cos(a), 0], [0, 0, 1]];
    const V = [[Math.cos(b), -Math.sin(b)], [Math.sin(b), Math.cos(b)]];
    const S = [5, 2];
    const W = U.map((row) => V.map((_, j) => row.slice(0, 2).reduce((s, u, k) => s + u * S[k]! * V[j]![k]!, 0)));
    const w = tf.tensor2d(W);
    const s = initSpectral(new Rng(1), [3, 2]);
    powerIterate(w, s, 50);
    expect(sigma(w, s).dataSync()[0]).toBeCloseTo(5, 4);
    // the normalised weight's top singular value is 1
    const wn = w.div(sigma(w, s));
    const s2 = initSpectral(new Rng(2), [3, 2]);
    powerIterate(wn, s2, 50);
    expect(sigma(wn, s2).dataSync()[0]).toBeCloseTo(1, 4);
  });

  it('bounds a conv filter reshaped to [in, out]', () => {
    const w = tf.tensor4d(new Rng(3).normal(new Float32Array(3 * 3 * 4 * 6)), [3, 3, 4, 6]);
    const s = initSpectral(new Rng(4), w.shape);
    powerIterate(w, s, 100);
    const sg = sigma(w, s).dataSync()[0]!;
    // ≥ the norm of W·u for any unit u (Rayleigh bound), checked on random directions
    const m = w.reshape([-1, 6]);
    for (let t = 0; t < 5; t++) {
      const u = tf.tensor2d(new Rng(10 + t).normal(new Float32Array(6)), [6, 1]);
      const ratio = m.matMul(u).norm().div(u.norm()).dataSync()[0]!;
      expect(ratio).toBeLessThanOrEqual(sg * (1 + 1e-4));
    }
  });
});

describe('ADA controller', () => {
  const s = { target: 0.6, interval: 4, speedImages: 1000, maxP: 1 };
  it('raises p when D is sure of every real image and lowers it when not', () => {
    let st = initAda(0.5);
    for (let step = 1; step <= 4; step++) st = updateAda(st, [3, 2, 5, 1], step, 4, s);
    expect(st.p).toBeCloseTo(0.5 + (4 * 4) / 1000, 10);
    expect(st.lastR).toBe(1);
    let lo = initAda(0.5);
    for (let step = 1; step <= 4; step++) lo = updateAda(lo, [-1, 2, -5, 1], step, 4, s);
    expect(lo.p).toBeCloseTo(0.5 - 16 / 1000, 10);
    expect(updateAda({ ...initAda(0), count: 3, signSum: -3 }, [-1], 4, 4, s).p).toBe(0);
  });
});

describe('EMA', () => {
  it('ramps its half-life up with images seen and moves towards the weights', () => {
    expect(emaBeta({ halfLifeImages: 10_000, rampup: 0.05 }, 64, 640)).toBeCloseTo(Math.pow(0.5, 64 / 32), 10);
    expect(emaBeta({ halfLifeImages: 10_000, rampup: 0.05 }, 64, 1e7)).toBeCloseTo(Math.pow(0.5, 64 / 10_000), 10);
    const g = { w: tf.variable(tf.tensor1d([1, 1])) };
    const e = { w: tf.variable(tf.tensor1d([0, 0])) };
    updateEma(e, g, 0.75);
    expect(Array.from(e.w.dataSync())).toEqual([0.25, 0.25]);
  });
});

describe('minibatch stddev', () => {
  it('appends one channel holding each group’s mean feature std', () => {
    expect([mbstdGroup(8), mbstdGroup(6), mbstdGroup(5), mbstdGroup(1)]).toEqual([4, 3, 1, 1]);
    const same = tf.ones([4, 2, 2, 3]) as tf.Tensor4D;
    const out = minibatchStddev(same);
    expect(out.shape).toEqual([4, 2, 2, 4]);
    const std = out.slice([0, 0, 0, 3], [4, 2, 2, 1]).dataSync();
    expect(Math.max(...std)).toBeLessThan(1e-3); // identical images: no spread
  });
});

describe('hold-out split', () => {
  it('holds out max(2, 10%) per class but leaves at least one image to train on', () => {
    const labels = Int32Array.from([...Array(50).fill(0), ...Array(10).fill(1), 2, 2, ...Array(3).fill(3)]);
    const { train, held } = splitHoldout(labels, 4, 0.1, new Rng(1));
    const count = (idx: number[], c: number) => idx.filter((i) => labels[i] === c).length;
    expect([0, 1, 2, 3].map((c) => count(held, c))).toEqual([5, 2, 0, 2]);
    expect([0, 1, 2, 3].map((c) => count(train, c))).toEqual([45, 8, 2, 1]);
    expect(new Set([...train, ...held]).size).toBe(labels.length);
  });

  it('keeps an image and its copies on one side, and splits classes without copies draw for draw as before', () => {
    // Class 0: 20 images, 3 and 7 and 11 alike, 5 and 6 alike. Class 1: 10 images, none alike.
    const labels = Int32Array.from([...Array(20).fill(0), ...Array(10).fill(1)]);
    const twins = Int32Array.from(labels.keys());
    twins[7] = 3;
    twins[11] = 3;
    twins[6] = 5;
    let heldTwice = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const plain = splitHoldout(labels, 2, 0.2, new Rng(seed));
      const { train, held } = splitHoldout(labels, 2, 0.2, new Rng(seed), twins);
      const side = (i: number) => (held.includes(i) ? 'held' : 'train');
      expect([7, 11].map(side), `seed ${seed}`).toEqual([side(3), side(3)]);
      expect(side(6), `seed ${seed}`).toBe(side(5));
      if (side(3) === 'held') heldTwice++;
      expect(held.filter((i) => labels[i] === 0).length).toBeLessThanOrEqual(4);
      expect(held.filter((i) => labels[i] === 1)).toEqual(plain.held.filter((i) => labels[i] === 1));
      expect(new Set([...train, ...held]).size).toBe(labels.length);
    }
    // A group of three fits the 4 a class of 20 holds out: it is sometimes held out whole, not always trained.
    expect(heldTwice).toBeGreaterThan(0);
  });

  it('a class whose images are all alike holds none out (a copy of a training image is no held-out image)', () => {
    const labels = new Int32Array(6);
    expect(splitHoldout(labels, 1, 0.5, new Rng(3), new Int32Array(6)).held).toEqual([]);
  });
});
