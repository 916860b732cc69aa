/**
 * The conditional discriminator: conv ×½ (width) → LReLU → conv ×½ (2·width) → LReLU → [minibatch-stddev
 * channel] → flatten φ → logit, with the class entering through one of three heads:
 * - `projection` (default; Miyato & Koyama 2018): logit = w·φ + b + ⟨embed(y), φ⟩;
 * - `acgan` (Odena et al. 2017): an unconditional logit plus class logits trained with cross-entropy;
 * - `concat`: a learned size × size label plane as an extra input channel (the plain cDCGAN).
 */
import { tf } from '../tf.js';
import type { Rng } from '../util/rng.js';
import { discriminatorShape } from './arch.js';
import { biasLeaky } from './norm-act.js';
import { constVar, fanInVar, normalVar, type Params } from './params.js';
import { initSpectral, normalized, powerIterate, type SpectralState } from './spectral-norm.js';

export type DiscriminatorHead = 'projection' | 'acgan' | 'concat';

export interface DiscriminatorSpec {
  numClasses: number;
  width: number;
  size: number;
  channels: number;
  head?: DiscriminatorHead;
  /** Append the minibatch standard deviation as a feature channel (Karras et al. 2018). */
  mbstd?: boolean;
  /** Spectrally normalise conv and dense weights. */
  spectralNorm?: boolean;
}

export interface Discriminator {
  spec: DiscriminatorSpec;
  params: Params;
  /** Power-iteration state per normalised weight, by parameter name. */
  spectral: Record<string, SpectralState>;
}

export interface DiscriminatorOutput {
  /** Realness logit per image [B]. */
  logits: tf.Tensor1D;
  /** Class logits [B, K] (acgan head only). */
  classLogits: tf.Tensor2D | null;
}

const LEAK = 0.2;
const SN_WEIGHTS = ['conv1W', 'conv2W', 'denseW', 'classW'];

export function buildDiscriminator(spec: DiscriminatorSpec, rng: Rng): Discriminator {
  const { size, width, numClasses } = spec;
  const head = spec.head ?? 'projection';
  const { inC, flat } = discriminatorShape({ ...spec, head });
  const params: Params = {};
  if (head === 'concat') params['labelMap'] = normalVar(rng, [numClasses, size * size], 1);
  params['conv1W'] = fanInVar(rng, [5, 5, inC, width], 25 * inC);
  params['conv1B'] = constVar([width], 0);
  params['conv2W'] = fanInVar(rng, [5, 5, width, 2 * width], 25 * width);
  params['conv2B'] = constVar([2 * width], 0);
  params['denseW'] = fanInVar(rng, [flat, 1], flat);
  params['denseB'] = constVar([1], 0);
  if (head === 'projection') params['projection'] = fanInVar(rng, [numClasses, flat], flat);
  if (head === 'acgan') {
    params['classW'] = fanInVar(rng, [flat, numClasses], flat);
    params['classB'] = constVar([numClasses], 0);
  }
  const spectral: Record<string, SpectralState> = {};
  if (spec.spectralNorm) {
    for (const name of SN_WEIGHTS) if (params[name]) spectral[name] = initSpectral(rng, params[name]!.shape);
  }
  return { spec: { ...spec, head }, params, spectral };
}

/** One power-iteration step for every normalised weight; call before each D step, outside the tape. */
export function updateSpectral(d: Discriminator): void {
  for (const [name, s] of Object.entries(d.spectral)) powerIterate(d.params[name]!, s);
}

/** Largest divisor of `b` that is at most 4: the group size of the minibatch-stddev feature. */
export function mbstdGroup(b: number): number {
  for (let g = Math.min(4, b); g > 1; g--) if (b % g === 0) return g;
  return 1;
}

/** Appends one channel: the mean standard deviation of the features across each group of images. */
export function minibatchStddev(h: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, hh, ww, c] = h.shape;
    const g = mbstdGroup(b);
    if (g === 1) return tf.concat([h, tf.zeros([b, hh, ww, 1])], 3) as tf.Tensor4D;
    // Image i belongs to group i mod (b/g), as in StyleGAN.
    const y = h.reshape([g, b / g, hh, ww, c]);
    const std = tf.moments(y, 0).variance.add(1e-8).sqrt().mean([1, 2, 3]); // [b/g]
    // A broadcast add instead of tile: tfjs has no rank-5 Tile gradient, and Tile is slow in wasm.
    const plane = tf.zeros([g, b / g, hh, ww, 1]).add(std.reshape([1, b / g, 1, 1, 1])).reshape([b, hh, ww, 1]);
    return tf.concat([h, plane], 3) as tf.Tensor4D;
  });
}

/**
 * LeakyReLU as αx + (1 − α)·relu(x): the same function, but twice differentiable in tfjs (the gradient of
 * the LeakyRelu kernel uses Greater, which has no gradient). Needed where a penalty differentiates D's
 * input gradient (R1, WGAN-GP); the plain kernel is faster everywhere else.
 */
function leakyTwice(x: tf.Tensor, alpha: number): tf.Tensor {
  return x.mul(alpha).add(tf.relu(x).mul(1 - alpha));
}

/**
 * Realness logits and (acgan) class logits for images [B, size, size, channels] in [-1, 1].
 * `twiceDifferentiable`: build D from ops whose gradients are themselves differentiable.
 * `condition` scales the class's part of the logit (gan.transition's λ): the projection term, or the
 * label map of the concat head; 1 = fully conditional, 0 = an unconditional D.
 */
export function discriminateAux(d: Discriminator, images: tf.Tensor4D, labels: tf.Tensor1D, twiceDifferentiable = false, condition = 1): DiscriminatorOutput {
  const act = (x: tf.Tensor) => (twiceDifferentiable ? leakyTwice(x, LEAK) : tf.leakyRelu(x, LEAK));
  const out = tf.tidy(() => {
    const p = d.params;
    const w = (name: string) => (d.spectral[name] ? normalized(p[name]!, d.spectral[name]!) : p[name]!);
    const { size } = d.spec;
    const head = d.spec.head ?? 'projection';
    const b = images.shape[0];
    let h: tf.Tensor = images;
    const scaled = (t: tf.Tensor) => (condition === 1 ? t : t.mul(condition));
    if (head === 'concat') h = tf.concat([images, scaled(tf.gather(p['labelMap']!, labels)).reshape([b, size, size, 1])], 3);
    // Bias and activation as one op (less memory on the tape) unless D's gradient is differentiated again.
    const biasAct = (x: tf.Tensor, b: tf.Tensor) => (twiceDifferentiable ? act(x.add(b)) : biasLeaky(x, b, LEAK));
    h = biasAct(tf.conv2d(h as tf.Tensor4D, w('conv1W') as tf.Tensor4D, 2, 'same'), p['conv1B']!);
    h = biasAct(tf.conv2d(h as tf.Tensor4D, w('conv2W') as tf.Tensor4D, 2, 'same'), p['conv2B']!);
    if (d.spec.mbstd) h = minibatchStddev(h as tf.Tensor4D);
    const phi = h.reshape([b, -1]);
    let logits = phi.matMul(w('denseW')).add(p['denseB']!).reshape([b]);
    if (head === 'projection') logits = logits.add(scaled(tf.gather(p['projection']!, labels).mul(phi).sum(1)));
    if (head !== 'acgan') return { logits: logits as tf.Tensor1D };
    return { logits: logits as tf.Tensor1D, classLogits: phi.matMul(w('classW')).add(p['classB']!) as tf.Tensor2D };
  }) as { logits: tf.Tensor1D; classLogits?: tf.Tensor2D };
  return { logits: out.logits, classLogits: out.classLogits ?? null };
}

/** Realness logits [B]. */
export function discriminate(d: Discriminator, images: tf.Tensor4D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const out = discriminateAux(d, images, labels);
    out.classLogits?.dispose();
    return out.logits;
  });
}

export function disposeDiscriminator(d: Discriminator): void {
  tf.dispose(Object.values(d.params));
  for (const s of Object.values(d.spectral)) tf.dispose([s.u, s.v]);
}
