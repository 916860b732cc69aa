/**
 * The conditional DCGAN generator: z ⊕ embedding(label) → dense → (size/4)² × width → BN → LReLU →
 * convT ×2 (width/2) → BN → LReLU → convT ×2 (channels) → tanh.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../util/rng.js';
import { batchNorm, constVar, fanInVar, normalVar, type Params } from './params.js';

export interface GeneratorSpec {
  numClasses: number;
  latentDim: number;
  embedDim: number;
  /** Channels of the first feature map. */
  width: number;
  /** Output side length; a multiple of 4. */
  size: number;
  channels: number;
}

export interface Generator {
  spec: GeneratorSpec;
  params: Params;
}

const LEAK = 0.2;

/** Builds a generator with initial weights drawn from `rng` (fan-in scaled uniform; embeddings N(0, 1)). */
export function buildGenerator(spec: GeneratorSpec, rng: Rng): Generator {
  const s0 = spec.size / 4;
  const w1 = spec.width;
  const w2 = Math.max(1, spec.width / 2);
  const params: Params = {
    embed: normalVar(rng, [spec.numClasses, spec.embedDim], 1),
    denseW: fanInVar(rng, [spec.latentDim + spec.embedDim, s0 * s0 * w1], spec.latentDim + spec.embedDim),
    denseB: constVar([s0 * s0 * w1], 0),
    bn1Gamma: constVar([w1], 1),
    bn1Beta: constVar([w1], 0),
    bn1Mean: constVar([w1], 0, false),
    bn1Var: constVar([w1], 1, false),
    // conv2dTranspose filters are [fh, fw, outChannels, inChannels]; fan-in as PyTorch counts it.
    up1W: fanInVar(rng, [5, 5, w2, w1], 25 * w2),
    up1B: constVar([w2], 0),
    bn2Gamma: constVar([w2], 1),
    bn2Beta: constVar([w2], 0),
    bn2Mean: constVar([w2], 0, false),
    bn2Var: constVar([w2], 1, false),
    up2W: fanInVar(rng, [5, 5, spec.channels, w2], 25 * spec.channels),
    up2B: constVar([spec.channels], 0),
  };
  return { spec, params };
}

/**
 * Images in [-1, 1] for latent vectors `z` [B, latentDim] and class indices `labels` [B] (int32).
 * `mode: 'train'` normalises with batch statistics; `'eval'` with the stored population statistics, so
 * that an image depends only on its own (z, label) — what makes a synthetic image's seed reproducible.
 */
export function generate(g: Generator, z: tf.Tensor2D, labels: tf.Tensor1D, mode: 'train' | 'eval' = 'train'): tf.Tensor4D {
  return tf.tidy(() => {
    const p = g.params as Record<string, tf.Variable>;
    const { size, width, channels } = g.spec;
    const b = z.shape[0];
    const s0 = size / 4;
    const w2 = Math.max(1, width / 2);
    const stats = (mean: string, variance: string) => (mode === 'eval' ? { mean: p[mean]!, variance: p[variance]! } : undefined);
    const e = tf.gather(p['embed']!, labels);
    let h: tf.Tensor = tf.concat([z, e], 1).matMul(p['denseW']!).add(p['denseB']!);
    h = h.reshape([b, s0, s0, width]);
    h = tf.leakyRelu(batchNorm(h, p['bn1Gamma']!, p['bn1Beta']!, stats('bn1Mean', 'bn1Var')), LEAK);
    h = tf.conv2dTranspose(h as tf.Tensor4D, p['up1W'] as tf.Tensor4D, [b, 2 * s0, 2 * s0, w2], 2, 'same').add(p['up1B']!);
    h = tf.leakyRelu(batchNorm(h, p['bn2Gamma']!, p['bn2Beta']!, stats('bn2Mean', 'bn2Var')), LEAK);
    h = tf.conv2dTranspose(h as tf.Tensor4D, p['up2W'] as tf.Tensor4D, [b, size, size, channels], 2, 'same').add(p['up2B']!);
    return tf.tanh(h) as tf.Tensor4D;
  });
}

/**
 * Sets the eval-mode normalisation statistics to the average batch statistics over `batches`
 * class-balanced batches ("precise BN"), so eval-mode samples match what D saw in training.
 */
export function calibrateBatchNorm(g: Generator, batches: { z: tf.Tensor2D; labels: tf.Tensor1D }[]): void {
  const p = g.params;
  const { size, width } = g.spec;
  const sums = tf.tidy(() => {
    const acc = { m1: tf.zeros([width]), v1: tf.zeros([width]), m2: tf.zeros([Math.max(1, width / 2)]), v2: tf.zeros([Math.max(1, width / 2)]) };
    for (const { z, labels } of batches) {
      const b = z.shape[0];
      const s0 = size / 4;
      const e = tf.gather(p['embed']!, labels);
      let h: tf.Tensor = tf.concat([z, e], 1).matMul(p['denseW']!).add(p['denseB']!).reshape([b, s0, s0, width]);
      const m1 = tf.moments(h, [0, 1, 2]);
      acc.m1 = acc.m1.add(m1.mean);
      acc.v1 = acc.v1.add(m1.variance);
      h = tf.leakyRelu(batchNorm(h, p['bn1Gamma']!, p['bn1Beta']!, m1), LEAK);
      h = tf.conv2dTranspose(h as tf.Tensor4D, p['up1W'] as tf.Tensor4D, [b, 2 * s0, 2 * s0, Math.max(1, width / 2)], 2, 'same').add(p['up1B']!);
      const m2 = tf.moments(h, [0, 1, 2]);
      acc.m2 = acc.m2.add(m2.mean);
      acc.v2 = acc.v2.add(m2.variance);
    }
    const n = batches.length;
    return { m1: acc.m1.div(n), v1: acc.v1.div(n), m2: acc.m2.div(n), v2: acc.v2.div(n) };
  });
  p['bn1Mean']!.assign(sums.m1);
  p['bn1Var']!.assign(sums.v1);
  p['bn2Mean']!.assign(sums.m2);
  p['bn2Var']!.assign(sums.v2);
  tf.dispose([sums.m1, sums.v1, sums.m2, sums.v2]);
}
