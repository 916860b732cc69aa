/**
 * Sampling on two threads (generate/sampler-pool.ts): a real worker thread on the wasm backend, its own
 * copy of the models, its part of every batch; the images and discriminator logits are the bytes one
 * thread gives, whatever the batch size and however a batch splits.
 */
import { tf } from '../../src/tf.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { batchParts } from '../../src/generate/batches.js';
import { anchoredLatent } from '../../src/generate/anchor.js';
import { latentOf, sampleClass, seedsFor } from '../../src/generate/sample.js';
import { latentLength } from '../../src/gan/generator.js';
import { MIN_POOLED_IMAGES, planSamplers, SamplerPool, withSamplers } from '../../src/generate/sampler-pool.js';
import { makeSmallState } from '../helpers/small-gan.js';

describe('batchParts', () => {
  it('splits without a discriminator into contiguous parts, this thread first and largest', () => {
    expect(batchParts(7, 2, false)).toEqual([[0, 1, 2, 3], [4, 5, 6]]);
    expect(batchParts(1, 2, false)).toEqual([[0]]);
    expect(batchParts(5, 1, false)).toEqual([[0, 1, 2, 3, 4]]);
  });

  it('with a discriminator keeps whole minibatch-stddev groups (image i of B in group i mod B/4), or the whole batch', () => {
    // 16 images: groups of 4 by i mod 4; part 0 takes groups 0–1, laid out so i mod 2 names them again.
    const [a, b] = batchParts(16, 2, true);
    expect(a).toEqual([0, 1, 4, 5, 8, 9, 12, 13]);
    expect(b).toEqual([2, 3, 6, 7, 10, 11, 14, 15]);
    // 12 = 3 groups of 4: no split into two halves keeps them whole.
    expect(batchParts(12, 2, true)).toEqual([Array.from({ length: 12 }, (_, i) => i)]);
  });
});

describe('planSamplers', () => {
  it('auto: two threads on wasm or native with two cores and enough images; else one, refusing only an explicit count', () => {
    expect(planSamplers('auto', 'native', 2, MIN_POOLED_IMAGES).threads).toBe(2);
    expect(planSamplers('auto', 'wasm', 8, 10_000).threads).toBe(2);
    expect(planSamplers('auto', 'wasm', 1, 10_000)).toMatchObject({ threads: 1, refused: false });
    expect(planSamplers('auto', 'wasm', 2, MIN_POOLED_IMAGES - 1)).toMatchObject({ threads: 1, refused: false });
    expect(planSamplers('auto', null, 2, 10_000)).toMatchObject({ threads: 1, refused: false });
    expect(planSamplers(3, 'wasm', 2, 10)).toMatchObject({ threads: 3, refused: false, wait: true });
    expect(planSamplers('auto', 'wasm', 2, 10_000).wait).toBeFalsy();
    expect(planSamplers(2, null, 2, 10_000)).toMatchObject({ threads: 1, refused: true });
    expect(planSamplers(1, 'native', 2, 10_000)).toMatchObject({ threads: 1, refused: false });
    // Beside the PNG writer's thread (`generate`), a second sampler needs a third core.
    expect(planSamplers('auto', 'native', 2, 10_000, 1)).toMatchObject({ threads: 1, refused: false, reason: '2 cores, one kept by the PNG writer' });
    expect(planSamplers('auto', 'native', 3, 10_000, 1).threads).toBe(2);
    expect(planSamplers(2, 'native', 2, 10_000, 1).threads).toBe(2);
  });
});

describe('SamplerPool on wasm', () => {
  let pool: SamplerPool | null = null;
  const state = () => makeSmallState('projection', { mbstd: true, spectralNorm: true });

  beforeAll(async () => {
    await initBackend('wasm', { wasmThreads: 1 });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('two threads give the bytes and logits of one, at any batch size (split and whole batches alike)', async () => {
    const { g, d } = state();
    const seeds = seedsFor(5, 1, 45);
    const one = await sampleClass(g, d, 1, 45, seeds, 16);
    pool = await SamplerPool.start({ g, d }, 2);
    // Until its thread has started, the pool leaves every batch to this thread.
    expect(pool?.threads).toBe(1);
    const early = await sampleClass(g, d, 1, 45, seeds, 16, { pool });
    expect(Buffer.from(early.pixels).equals(Buffer.from(one.pixels))).toBe(true);
    await pool!.whenStarted();
    expect(pool!.threads).toBe(2);
    expect(pool!.startError).toBeNull();
    const before = tf.memory().numTensors;
    // Batches of 16 split in two parts of whole groups; the last (13) and batches of 12 stay whole.
    for (const batch of [16, 12, 45]) {
      const two = await sampleClass(g, d, 1, 45, seeds, batch, { pool });
      expect(Buffer.from(two.pixels).equals(Buffer.from(one.pixels))).toBe(true);
      expect(Array.from(two.scores!)).toEqual(Array.from(one.scores!));
    }
    // Without a discriminator any batch splits: the same images.
    const noD = await sampleClass(g, null, 1, 45, seeds, 9, { pool });
    expect(Buffer.from(noD.pixels).equals(Buffer.from(one.pixels))).toBe(true);
    expect(noD.scores).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...Object.values(g.params), ...Object.values(d.params)]);
  });

  it("around generate.anchor's fitted latents, the threads are sent each seed's latent: the bytes and logits of one thread", async () => {
    const { g, d } = state();
    const length = latentLength(g.spec);
    const anchors = { latents: latentOf(99, 3 * length), count: 3, length };
    const latent = (seed: number) => anchoredLatent(anchors, seed, 0.3);
    const seeds = seedsFor(6, 1, 40);
    const one = await sampleClass(g, d, 1, 40, seeds, 16, { latent });
    // Not the prior's images: the threads must not fall back to the seeds' own latents.
    const prior = await sampleClass(g, d, 1, 40, seeds, 16);
    expect(Buffer.from(one.pixels).equals(Buffer.from(prior.pixels))).toBe(false);
    const two = await withSamplers({ g, d }, { threads: 2, reason: 'test', refused: false, wait: true }, async (p) => {
      expect(p?.threads).toBe(2);
      return sampleClass(g, d, 1, 40, seeds, 16, { latent, pool: p });
    });
    expect(Buffer.from(two.pixels).equals(Buffer.from(one.pixels))).toBe(true);
    expect(Array.from(two.scores!)).toEqual(Array.from(one.scores!));
    tf.dispose([...Object.values(g.params), ...Object.values(d.params)]);
  });

  it('a sampler thread that dies fails the sampling with an error, not a hang', async () => {
    const { g, d } = state();
    const dying = (await SamplerPool.start({ g, d }, 2))!;
    await dying.whenStarted();
    // A real thread's end, as a crash would end it.
    await (dying as unknown as { workers: { worker: { terminate(): Promise<number> } }[] }).workers[0]!.worker.terminate();
    await expect(sampleClass(g, d, 0, 32, seedsFor(2, 0, 32), 16, { pool: dying })).rejects.toThrow(/sampler thread/);
    await dying.close();
    tf.dispose([...Object.values(g.params), ...Object.values(d.params)]);
  });

  it('a sampler thread that cannot start leaves the sampling to this thread, with the same images, and says why', async () => {
    const { g, d } = state();
    const seeds = seedsFor(4, 0, 40);
    const one = await sampleClass(g, d, 0, 40, seeds, 16);
    const warnings: string[] = [];
    // The thread gets weights that do not fit the generator its spec builds: its start fails.
    const misfit = { g: { spec: { ...g.spec, width: g.spec.width * 2 }, params: g.params }, d };
    const got = await withSamplers(misfit, { threads: 2, reason: 'test', refused: false }, async (p) => {
      await p!.whenStarted();
      expect(p!.threads).toBe(1);
      return sampleClass(g, d, 0, 40, seeds, 16, { pool: p });
    }, (m) => warnings.push(m));
    expect(Buffer.from(got.pixels).equals(Buffer.from(one.pixels))).toBe(true);
    expect(warnings).toEqual([expect.stringMatching(/^sampled on one thread: sampler thread 1 failed to start: .+/)]);
    tf.dispose([...Object.values(g.params), ...Object.values(d.params)]);
  });
});
