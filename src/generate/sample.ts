/**
 * Sampling candidates for one class from a trained generator, with the discriminator's logit for each.
 * Every candidate has its own seed: its latent vector is drawn from Rng(seed), and the generator runs in
 * eval mode, so `generate --seed` reproduces any single image (under `generate.anchor`, with the latents
 * fitted to the real images that the run saved beside the generator: anchor.ts, anchor-file.ts).
 */
import { tf } from '../tf.js';
import type { Discriminator } from '../gan/discriminator.js';
import { generate, latentLength, type Generator } from '../gan/generator.js';
import { runBatches } from './batches.js';
import type { SamplerPool } from './sampler-pool.js';
import { Rng } from '../util/rng.js';

export interface Candidates {
  classIndex: number;
  /** uint8 NHWC pixels of `count` images. */
  pixels: Uint8Array;
  count: number;
  seeds: number[];
  /** Discriminator logit per candidate (higher = more real-looking), or null without a discriminator. */
  scores: Float32Array | null;
}

/** The latent vector of one seed (`length`: the generator's `latentLength`; its first entries are z whatever the length). */
export function latentOf(seed: number, length: number): Float32Array {
  return new Rng(seed).normal(new Float32Array(length));
}

export interface SampleOptions {
  onProgress?: (done: number) => void;
  /** Checked before each batch: once aborted, sampling stops there. */
  signal?: AbortSignal;
  /** Sampler threads holding this `g` (and `d`): each batch is split among them and this thread. */
  pool?: SamplerPool | null;
  /** Threads sharing this thread's native image-by-image products (batches.ts BatchRun.imageThreads). */
  imageThreads?: number;
  /**
   * A seed's latent vector, when it is not {@link latentOf}'s (generate.anchor: around a fitted latent); sampler
   * threads are sent the latents it gives.
   */
  latent?: (seed: number, length: number) => Float32Array;
}

/**
 * Generates `count` images of class `classIndex` in batches of `batchSize`.
 * @throws {InterruptedError} when `options.signal` is aborted
 */
export async function sampleClass(
  g: Generator,
  d: Discriminator | null,
  classIndex: number,
  count: number,
  seeds: number[],
  batchSize: number,
  options: SampleOptions = {},
): Promise<Candidates> {
  const { size, channels } = g.spec;
  const zLength = latentLength(g.spec);
  const { onProgress, signal, pool, imageThreads } = options;
  const latent = options.latent ?? latentOf;
  const latentsOf = (at: readonly number[]) => {
    const z = new Float32Array(at.length * zLength);
    at.forEach((img, i) => z.set(latent(seeds[img]!, zLength), i * zLength));
    return z;
  };
  const { pixels, scores } = await runBatches({
    count,
    batchSize,
    per: size * size * channels,
    d,
    make: (at) => {
      const z = latentsOf(at);
      const labels = tf.fill([at.length], classIndex, 'int32') as tf.Tensor1D;
      return { images: generate(g, tf.tensor2d(z, [at.length, zLength]), labels, 'eval'), labels };
    },
    interrupted: (start) => `interrupted during generate (${start} of ${count} images of class ${classIndex} sampled)`,
    helpers: pool ? { threads: () => pool.threads, run: (helper, at) => pool.sample(helper, classIndex, at.map((img) => seeds[img]!), options.latent ? latentsOf(at) : undefined) } : null,
    ...(onProgress ? { onProgress } : {}),
    ...(signal ? { signal } : {}),
    ...(imageThreads ? { imageThreads } : {}),
  });
  return { classIndex, pixels, count, seeds, scores };
}

/** `count` distinct seeds for a class, derived from the run seed (stable for a given run seed and class). */
export function seedsFor(runSeed: number, classIndex: number, count: number): number[] {
  const rng = new Rng((runSeed ^ Math.imul(classIndex + 1, 0x27d4eb2d)) >>> 0);
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < count) {
    const s = rng.nextUint32();
    if (!seen.has(s)) {
      seen.add(s);
      out.push(s);
    }
  }
  return out;
}
