/**
 * The class-conditional image-to-image generator of `gan.mode: translate` (StarGAN-style, Choi et al.
 * 2018): G(x, c) turns an image x of any class into an image of class c.
 *
 *   x → conv 5×5 stride 2 (width) → [conv 3×3 stride 2, channels ×2] × (downs − 1) → residual blocks
 *     → [upsample ×2 (nearest) → conv 3×3, channels ÷2] × (downs − 1) → upsample ×2 → conv 5×5 (channels) → tanh
 *
 * Nothing but the first and last conv works at full resolution: on the wasm backend the per-pixel
 * work of a normalisation at 28×28 costs as much as the convolutions (measured), so the encoder starts
 * with a strided conv and the decoder ends with one.
 *
 * Every normalisation is a conditional instance norm (Dumoulin et al. 2017): per-image statistics,
 * then a scale and shift looked up from per-class tables, which is how the target class enters (an
 * AdaIN whose style is the class). Instance norm keeps no running statistics, so a translated image
 * depends only on its own source and class: nothing to calibrate, and any single image is reproducible.
 *
 * The depth follows the image size: the encoder halves the side while it is even and above 8
 * (28 → 14 → 7, 32 → 16 → 8, 64 → 32 → 16 → 8), so the residual blocks always work on a map of 7–8 px.
 */
import { tf } from '../tf.js';
import type { Rng } from '../util/rng.js';
import type { Generator } from './generator.js';
import { constVar, fanInVar, type Params } from './params.js';

export interface TranslatorSpec {
  kind: 'translator';
  numClasses: number;
  size: number;
  channels: number;
  /** Channels of the first conv; doubled at each downsampling. */
  width: number;
  /** Downsamplings (and as many upsamplings): {@link translatorDepth} of the size. */
  downs: number;
  resBlocks: number;
}

export interface Translator {
  spec: TranslatorSpec;
  params: Params;
}

/** A model that makes images: the noise generator or the translator. */
export type ImageModel = Generator | Translator;

export function isTranslator(m: ImageModel): m is Translator {
  return (m.spec as Partial<TranslatorSpec>).kind === 'translator';
}

/** Downsamplings for a side length: halve while the side is even and above 8. */
export function translatorDepth(size: number): number {
  let d = 0;
  for (let s = size; s % 2 === 0 && s > 8; s /= 2) d++;
  return d;
}

/** The spec for images of `size`² × `channels`. */
export function translatorSpec(o: { numClasses: number; size: number; channels: number; width: number; resBlocks: number }): TranslatorSpec {
  return { kind: 'translator', numClasses: o.numClasses, size: o.size, channels: o.channels, width: o.width, downs: translatorDepth(o.size), resBlocks: o.resBlocks };
}

/** Conv weights [k, k, in, out] with PyTorch's fan-in uniform initialisation, and a zero bias. */
function conv(params: Params, rng: Rng, name: string, k: number, cin: number, cout: number): void {
  params[`${name}W`] = fanInVar(rng, [k, k, cin, cout], k * k * cin);
  params[`${name}B`] = constVar([cout], 0);
}

/** Per-class scale (1) and shift (0) tables of a conditional instance norm. */
function norm(params: Params, name: string, classes: number, c: number): void {
  params[`${name}Gamma`] = constVar([classes, c], 1);
  params[`${name}Beta`] = constVar([classes, c], 0);
}

/** The channel count of encoder level `level` (0 = after the first conv): width, 2·width, 4·width … */
function channelsAt(spec: TranslatorSpec, level: number): number {
  return spec.width * 2 ** level;
}

/** Builds a translator with initial weights drawn from `rng`. */
export function buildTranslator(spec: TranslatorSpec, rng: Rng): Translator {
  const p: Params = {};
  const k = spec.numClasses;
  conv(p, rng, 'in', 5, spec.channels, spec.width);
  norm(p, 'inN', k, spec.width);
  for (let i = 1; i < spec.downs; i++) {
    conv(p, rng, `down${i}`, 3, channelsAt(spec, i - 1), channelsAt(spec, i));
    norm(p, `down${i}N`, k, channelsAt(spec, i));
  }
  const deep = channelsAt(spec, Math.max(0, spec.downs - 1));
  for (let i = 0; i < spec.resBlocks; i++) {
    conv(p, rng, `res${i}a`, 3, deep, deep);
    norm(p, `res${i}aN`, k, deep);
    conv(p, rng, `res${i}b`, 3, deep, deep);
    norm(p, `res${i}bN`, k, deep);
  }
  for (let i = spec.downs - 1; i >= 1; i--) {
    conv(p, rng, `up${i}`, 3, channelsAt(spec, i), channelsAt(spec, i - 1));
    norm(p, `up${i}N`, k, channelsAt(spec, i - 1));
  }
  conv(p, rng, 'out', 5, spec.width, spec.channels);
  return { spec, params: p };
}

/** Instance norm per image and channel, then the target class's scale and shift. */
function condInstanceNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, labels: tf.Tensor1D): tf.Tensor4D {
  const b = x.shape[0];
  const c = x.shape[3];
  const { mean, variance } = tf.moments(x, [1, 2], true);
  const g = tf.gather(gamma, labels).reshape([b, 1, 1, c]);
  const s = tf.gather(beta, labels).reshape([b, 1, 1, c]);
  return x.sub(mean).mul(tf.rsqrt(variance.add(1e-5))).mul(g).add(s) as tf.Tensor4D;
}

/**
 * Translates images `x` [B, size, size, channels] in [-1, 1] into the classes `labels` [B] (int32).
 * Per-image: the output of one image does not depend on the others in the batch.
 */
export function translate(t: Translator, x: tf.Tensor4D, labels: tf.Tensor1D): tf.Tensor4D {
  return tf.tidy(() => {
    const p = t.params;
    const { downs, resBlocks } = t.spec;
    const convN = (h: tf.Tensor4D, name: string, stride: number) => tf.conv2d(h, p[`${name}W`] as tf.Tensor4D, stride, 'same').add(p[`${name}B`]!) as tf.Tensor4D;
    const cin = (h: tf.Tensor4D, name: string) => condInstanceNorm(h, p[`${name}Gamma`]!, p[`${name}Beta`]!, labels);
    const up = (h: tf.Tensor4D) => (downs > 0 ? tf.image.resizeNearestNeighbor(h, [h.shape[1] * 2, h.shape[2] * 2]) : h);
    let h = tf.relu(cin(convN(x, 'in', downs > 0 ? 2 : 1), 'inN')) as tf.Tensor4D;
    for (let i = 1; i < downs; i++) h = tf.relu(cin(convN(h, `down${i}`, 2), `down${i}N`)) as tf.Tensor4D;
    for (let i = 0; i < resBlocks; i++) {
      const r = tf.relu(cin(convN(h, `res${i}a`, 1), `res${i}aN`)) as tf.Tensor4D;
      h = h.add(cin(convN(r, `res${i}b`, 1), `res${i}bN`)) as tf.Tensor4D;
    }
    for (let i = downs - 1; i >= 1; i--) h = tf.relu(cin(convN(up(h), `up${i}`, 1), `up${i}N`)) as tf.Tensor4D;
    return tf.tanh(convN(up(h), 'out', 1)) as tf.Tensor4D;
  });
}
