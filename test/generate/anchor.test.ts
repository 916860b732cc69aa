import { tf } from '../../src/tf.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { anchoredLatent, anchorLoss, anchorStep, fitAnchors } from '../../src/generate/anchor.js';
import { latentOf, sampleClass } from '../../src/generate/sample.js';
import { InterruptedError } from '../../src/errors.js';
import { buildGenerator, generate, latentLength, toPixels, type Generator } from '../../src/gan/generator.js';
import { Rng } from '../../src/util/rng.js';
import { SMALL_SPEC } from '../helpers/small-gan.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const smallG = (): Generator => buildGenerator({ ...SMALL_SPEC, arch: 'upsample', classNoise: 2 }, new Rng(3));

/** The generator's own eval-mode images of `latents` (class 1), as uint8 pixels. */
function imagesOf(g: Generator, latents: Float32Array, n: number): Uint8Array {
  const t = tf.tidy(() => toPixels(generate(g, tf.tensor2d(latents, [n, latentLength(g.spec)]), tf.fill([n], 1, 'int32') as tf.Tensor1D, 'eval')));
  const px = Uint8Array.from(t.dataSync());
  t.dispose();
  return px;
}

/** Pixel MSE (on [-1, 1]) between G's images of `latents` and `pixels`. */
function mseTo(g: Generator, latents: Float32Array, pixels: Uint8Array, n: number): number {
  const { size, channels } = g.spec;
  return tf.tidy(() => {
    const target = tf.tensor4d(Float32Array.from(pixels, (v) => v / 127.5 - 1), [n, size, size, channels]);
    return generate(g, tf.tensor2d(latents, [n, latentLength(g.spec)]), tf.fill([n], 1, 'int32') as tf.Tensor1D, 'eval').sub(target).square().mean().dataSync()[0]!;
  });
}

describe('anchoredLatent', () => {
  const length = 5;
  const anchors = { latents: Float32Array.from({ length: 3 * length }, (_, i) => 10 * Math.floor(i / length) + (i % length)), count: 3, length };

  it('is the picked anchor plus σ × the seed’s own normal draw, the same for the same seed', () => {
    for (const seed of [0, 1, 7, 123456789]) {
      const z = anchoredLatent(anchors, seed, 0.5);
      expect(anchoredLatent(anchors, seed, 0.5)).toEqual(z);
      const at0 = anchoredLatent(anchors, seed, 0);
      const pick = Math.round(at0[0]! / 10);
      expect(Array.from(at0)).toEqual(Array.from(anchors.latents.subarray(pick * length, (pick + 1) * length)));
      const noise = latentOf(seed, length);
      for (let k = 0; k < length; k++) expect(z[k]!).toBeCloseTo(at0[k]! + 0.5 * noise[k]!, 5);
    }
  });

  it('spreads its seeds over every anchor', () => {
    const picks = new Set(Array.from({ length: 60 }, (_, seed) => Math.round(anchoredLatent(anchors, seed, 0)[0]! / 10)));
    expect([...picks].sort()).toEqual([0, 1, 2]);
  });
});

describe('fitting anchors', () => {
  it('one step leaks no tensor and moves only the latents', () => {
    const g = smallG();
    const n = 3;
    const target = tf.tidy(() => tf.randomUniform([n, 12, 12, 1], -1, 1) as tf.Tensor4D);
    const labels = tf.tensor1d([1, 1, 1], 'int32');
    const z = tf.variable(tf.tensor2d(latentOf(1, n * latentLength(g.spec)), [n, latentLength(g.spec)]));
    const optimizer = tf.train.adam(0.05);
    anchorStep(g, z, target, labels, optimizer); // Adam makes its moments on the first step
    const before = tf.memory().numTensors;
    const params = Object.fromEntries(Object.entries(g.params).map(([k, v]) => [k, v.dataSync().slice()]));
    const z0 = z.dataSync().slice();
    const loss = anchorStep(g, z, target, labels, optimizer);
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(loss)).toBe(true);
    expect(z.dataSync().some((v, i) => v !== z0[i])).toBe(true);
    expect(Object.keys(params).filter((k) => g.params[k]!.dataSync().some((v, i) => v !== params[k]![i]))).toEqual([]);
    const l = anchorLoss(g, z, target, labels);
    expect(l.shape).toEqual([]);
    l.dispose();
    for (const t of [z, target, labels]) t.dispose();
    optimizer.dispose();
  });

  it("finds latents whose images are the generator's own images of hidden latents, far closer than where it started", async () => {
    const g = smallG();
    const n = 4;
    const length = latentLength(g.spec);
    const hidden = new Float32Array(n * length);
    for (let i = 0; i < n; i++) hidden.set(latentOf(1000 + i, length), i * length);
    const pixels = imagesOf(g, hidden, n);
    const before = tf.memory().numTensors;
    const start = await fitAnchors(g, pixels, n, 1, 0, 5);
    const steps: number[] = [];
    const fitted = await fitAnchors(g, pixels, n, 1, 150, 5, { onStep: (done, total) => steps.push(done, total) });
    expect(tf.memory().numTensors).toBe(before);
    expect(fitted.count).toBe(n);
    expect(fitted.latents.length).toBe(n * length);
    expect(fitted.mse).toBeCloseTo(mseTo(g, fitted.latents, pixels, n), 4);
    expect(fitted.mse).toBeLessThan(start.mse / 4);
    // A progress call per step, out of every batch's steps (4 images: one batch).
    expect(steps.length).toBe(300);
    expect(steps.slice(-2)).toEqual([150, 150]);
    // Same inputs, same latents.
    expect((await fitAnchors(g, pixels, n, 1, 150, 5)).latents).toEqual(fitted.latents);
  });

  it('stops at an abort between steps with InterruptedError, leaking nothing', async () => {
    const g = smallG();
    const pixels = imagesOf(g, latentOf(7, 2 * latentLength(g.spec)), 2);
    const before = tf.memory().numTensors;
    const abort = new AbortController();
    let seen = 0;
    const fit = fitAnchors(g, pixels, 2, 1, 1000, 5, { signal: abort.signal, onStep: (done) => (seen = done) === 3 && abort.abort() });
    await expect(fit).rejects.toThrow(InterruptedError);
    expect(seen).toBe(3);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses no image', async () => {
    await expect(fitAnchors(smallG(), new Uint8Array(0), 0, 0, 10, 0)).rejects.toThrow(/at least one image/);
  });
});

describe('sampling with a latent function', () => {
  it('draws each seed from the function', async () => {
    const g = smallG();
    const length = latentLength(g.spec);
    const anchors = { latents: latentOf(99, 2 * length), count: 2, length };
    const seeds = [4, 5, 6];
    const c = await sampleClass(g, null, 1, 3, seeds, 2, { latent: (seed) => anchoredLatent(anchors, seed, 0.3) });
    const want = new Float32Array(3 * length);
    seeds.forEach((s, i) => want.set(anchoredLatent(anchors, s, 0.3), i * length));
    expect(c.pixels).toEqual(imagesOf(g, want, 3));
  });
});
