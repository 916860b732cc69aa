/**
 * Sampling around the real images (`generate.anchor`): one latent is fitted to each real training image of a
 * class (GAN inversion: the generator in eval mode, pixel MSE, Adam from the best of a few random starts),
 * and each candidate is one of those latents, picked by its seed, plus σ·ε with ε drawn from the same seed.
 * The generator can draw close to every real image, but its prior rarely lands there: on fmnist-lt its raw
 * samples cover under half of a class, the images around the fitted latents 0.7–0.8 of it
 * (docs/measurements.md "Sampling around the real images").
 */
import { tf } from '../tf.js';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { InterruptedError } from '../errors.js';
import { generate, latentLength, type Generator } from '../gan/generator.js';
import { Rng } from '../util/rng.js';
import { latentOf } from './sample.js';

/** How latents are fitted (not config settings: `generate.anchor.steps` is the one a user sets). */
export const ANCHOR_FIT = {
  /** Adam's learning rate on the latent. */
  lr: 0.05,
  /** Random latents tried per image; each image starts from the nearest one's (pixels). */
  starts: 64,
  /** Weight of the latent's mean square in the loss, which keeps it near the prior's shell. */
  priorWeight: 1e-3,
  /** Images fitted per batch. */
  batch: 64,
} as const;

/** Salt of the seed that picks a candidate's anchor (its noise comes from the seed itself). */
const PICK_SALT = 0x51ed27a5;

/** Pixel MSE of G(z) against the target images in [-1, 1]. */
function pixelMse(g: Generator, z: tf.Tensor2D, target: tf.Tensor4D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => generate(g, z, labels, 'eval').sub(target).square().mean() as tf.Scalar);
}

/** {@link pixelMse} plus the prior term: what the fit minimises. */
export function anchorLoss(g: Generator, z: tf.Tensor2D, target: tf.Tensor4D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => pixelMse(g, z, target, labels).add(z.square().mean().mul(ANCHOR_FIT.priorWeight)) as tf.Scalar);
}

/** One Adam step on the latents `z` (the generator's weights stay put); returns the loss before the step. */
export function anchorStep(g: Generator, z: tf.Variable<tf.Rank.R2>, target: tf.Tensor4D, labels: tf.Tensor1D, optimizer: tf.Optimizer): number {
  const loss = optimizer.minimize(() => anchorLoss(g, z, target, labels), true, [z])!;
  const v = loss.dataSync()[0]!;
  loss.dispose();
  return v;
}

/** Fitted latents of one class's real images: `count` rows of `length` values. */
export interface Anchors {
  latents: Float32Array;
  count: number;
  length: number;
  /** Mean pixel MSE (on [-1, 1]) of the last step. */
  mse: number;
}

export interface FitOptions {
  /** Checked before each step: once aborted, the fit stops. */
  signal?: AbortSignal;
  /** After each step: steps done and in all (every batch of images takes `steps`). */
  onStep?: (done: number, total: number) => void;
}

/**
 * Fits one latent per image: `count` NHWC uint8 images of the generator's size and channels, of class
 * `classIndex`; `steps` Adam steps from the best of {@link ANCHOR_FIT.starts} random latents (seeded by `seed`).
 * Yields to the event loop between steps, so a Ctrl-C is heard.
 * @throws {RangeError} for no image or pixels that do not match the count
 * @throws {InterruptedError} when `options.signal` is aborted
 */
export async function fitAnchors(g: Generator, pixels: Uint8Array, count: number, classIndex: number, steps: number, seed: number, options: FitOptions = {}): Promise<Anchors> {
  const { size, channels } = g.spec;
  const per = size * size * channels;
  if (count < 1 || pixels.length < count * per) throw new RangeError(`Expected at least one image of ${per} bytes to fit anchors to but received ${count} image(s) in ${pixels.length} bytes`);
  const length = latentLength(g.spec);
  const S = ANCHOR_FIT.starts;
  const rng = new Rng(seed);
  const starts = new Float32Array(S * length);
  for (let i = 0; i < S; i++) starts.set(latentOf(rng.nextUint32(), length), i * length);
  const latents = new Float32Array(count * length);
  let mseSum = 0;
  const total = Math.ceil(count / ANCHOR_FIT.batch) * steps;
  let done = 0;
  for (let at = 0; at < count; at += ANCHOR_FIT.batch) {
    const n = Math.min(ANCHOR_FIT.batch, count - at);
    const target = tf.tidy(() => tf.tensor4d(Float32Array.from(pixels.subarray(at * per, (at + n) * per), (v) => v / 127.5 - 1), [n, size, size, channels]));
    const labels = tf.fill([n], classIndex, 'int32') as tf.Tensor1D;
    // Each image starts from the random latent whose image is nearest it in pixels.
    const z0 = tf.tidy(() => {
      const s = tf.tensor2d(starts, [S, length]);
      const imgs = generate(g, s, tf.fill([S], classIndex, 'int32') as tf.Tensor1D, 'eval').reshape([S, per]);
      const x = target.reshape([n, per]);
      const d = x.square().sum(1, true).add(imgs.square().sum(1).reshape([1, S])).sub(x.matMul(imgs, false, true).mul(2));
      return tf.gather(s, d.argMin(1)) as tf.Tensor2D;
    });
    const z = tf.variable(z0, true);
    z0.dispose();
    const optimizer = tf.train.adam(ANCHOR_FIT.lr);
    try {
      for (let s = 0; s < steps; s++) {
        await yieldToEvents();
        if (options.signal?.aborted) throw new InterruptedError(`interrupted while fitting generate.anchor's latents (${at} of ${count} images fitted)`);
        anchorStep(g, z, target, labels, optimizer);
        options.onStep?.(++done, total);
      }
      const mse = pixelMse(g, z, target, labels);
      mseSum += mse.dataSync()[0]! * n;
      mse.dispose();
      latents.set(z.dataSync(), at * length);
    } finally {
      optimizer.dispose();
      z.dispose();
      target.dispose();
      labels.dispose();
    }
  }
  return { latents, count, length, mse: mseSum / count };
}

/** The latent of candidate `seed`: the anchor its seed picks, plus σ × the seed's own N(0, I) draw. Pure. */
export function anchoredLatent(anchors: Pick<Anchors, 'latents' | 'count' | 'length'>, seed: number, sigma: number): Float32Array {
  const { latents, count, length } = anchors;
  const pick = new Rng((seed ^ PICK_SALT) >>> 0).int(count);
  const z = latentOf(seed, length);
  for (let k = 0; k < length; k++) z[k] = latents[pick * length + k]! + sigma * z[k]!;
  return z;
}
