/**
 * The conditional generator: z (⊕ the class embedding) → dense → (size/4)² × width → BN → LReLU, then two
 * ×2 upsamplings to size². The class enters in one of three ways (`conditioning`):
 * - `input`: its embedding is concatenated to z (the original DCGAN-style cGAN);
 * - `batchnorm`: z alone feeds the dense layer and every BN layer's γ and β get an offset projected
 *   linearly from the class embedding (conditional batch norm; de Vries et al. 2017, BigGAN). With the
 *   class in the input, a class of ~50 images collapses onto one template whose brightness follows z —
 *   in PyTorch as here (docs/measurements.md "Is the collapse ours?"); with the class only in the gains,
 *   z keeps shaping the outline. The projections start at 0 (every class starts from the shared γ, β)
 *   and are learnt through the N(0, 1) embedding: a direct per-class offset started at 0 moves at most
 *   ~lrG per Adam step, 0.2 in 1,000 steps — too little for the class to show (measured: samples
 *   varied but classless, docs/measurements.md); through the embedding an offset moves up to
 *   ~lrG·Σ|e| per step;
 * - `both`: the embedding in the input and in every BN layer (BigGAN's shared embedding).
 * With `classNoise` σ > 0 (conditioning augmentation, StackGAN, Zhang et al. 2017) each image's class
 * vector is its class embedding plus σ·ε, ε ~ N(0, I) drawn with z (the last `embedDim` entries of the
 * latent, `latentLength`): a class is a region rather than a point. Through the input, a fixed class
 * vector becomes a fixed template that z barely moves (one template per class in every run,
 * docs/measurements.md); the noise travels through the same weights as the class, so G cannot make the
 * class louder without making the noise louder.
 * The upsampling is one of three architectures (`arch`):
 * - `dcgan`: stride-2 5×5 transposed convs (width/2, then channels). Cheap, but a 5-tap filter at stride 2
 *   covers odd and even output pixels with 3 and 2 taps — the regular dot (checkerboard) pattern of
 *   Odena et al., "Deconvolution and Checkerboard Artifacts" (Distill 2016);
 * - `upsample`: nearest-neighbour ×2 then a 3×3 conv, twice (width/2, then channels): every output pixel
 *   sees the same number of taps, so no checkerboard; the same multiply-add order of magnitude.
 *   Its last conv maps the nearest-upsampled map straight to pixels, so an output pixel's filter still
 *   depends on its position in its 2×2 block: a faint 2-pixel plaid in trained samples;
 * - `upsample-refine`: `upsample`, but the second ×2 stage has width/4 channels and is followed by
 *   BN → LReLU → a 3×3 conv at full resolution to the output channels, which sees every phase alike
 *   (the last stage of BigGAN's and StyleGAN's generators is a full-resolution conv for this reason).
 */
import { tf } from '../tf.js';
import { Rng } from '../util/rng.js';
import { conditioningParts, stageWidths, type GeneratorArch, type GeneratorConditioning } from './arch.js';
import { affineLeaky, batchNormLeaky } from './norm-act.js';
import { constVar, fanInVar, normalVar, type Params } from './params.js';

export { GENERATOR_ARCHS, GENERATOR_CONDITIONINGS, type GeneratorArch, type GeneratorConditioning } from './arch.js';

export interface GeneratorSpec {
  numClasses: number;
  latentDim: number;
  embedDim: number;
  /** Channels of the first feature map. */
  width: number;
  /** Output side length; a multiple of 4. */
  size: number;
  channels: number;
  /** Upsampling architecture; absent (models saved before it existed) = `dcgan`. */
  arch?: GeneratorArch;
  /** How the class enters; absent (models saved before it existed) = `input`. */
  conditioning?: GeneratorConditioning;
  /** σ of the noise added to each image's class embedding; absent or 0 = none. */
  classNoise?: number;
}

/** Entries of one image's latent vector: z, then (class noise) the embedding's noise ε. */
export const latentLength = (spec: Pick<GeneratorSpec, 'latentDim' | 'embedDim' | 'classNoise'>): number =>
  spec.latentDim + ((spec.classNoise ?? 0) > 0 ? spec.embedDim : 0);

export interface Generator {
  spec: GeneratorSpec;
  params: Params;
}

const LEAK = 0.2;
/** The batch-norm layers of every architecture, by parameter prefix, in forward order. */
const BN_LAYERS = ['bn1', 'bn2', 'bn3'] as const;

/** Builds a generator with initial weights drawn from `rng` (fan-in scaled uniform; embeddings N(0, 1)). */
export function buildGenerator(spec: GeneratorSpec, rng: Rng): Generator {
  const s0 = spec.size / 4;
  const w1 = spec.width;
  const { w2, w3 } = stageWidths(spec.width);
  const arch = spec.arch ?? 'dcgan';
  const { input: byInput, batchnorm: byBn } = conditioningParts(spec.conditioning);
  const embedDim = byInput ? spec.embedDim : 0;
  // Conditional BN's projections start at 0: every class starts from the shared γ = 1, β = 0.
  const bn = (prefix: string, c: number): Params => ({
    [`${prefix}Gamma`]: constVar([c], 1),
    [`${prefix}Beta`]: constVar([c], 0),
    ...(!byBn ? {} : { [`${prefix}EmbedGamma`]: constVar([spec.embedDim, c], 0), [`${prefix}EmbedBeta`]: constVar([spec.embedDim, c], 0) }),
    [`${prefix}Mean`]: constVar([c], 0, false),
    [`${prefix}Var`]: constVar([c], 1, false),
  });
  // conv2dTranspose filters are [fh, fw, outChannels, inChannels] (fan-in as PyTorch counts it);
  // conv2d filters [fh, fw, inChannels, outChannels].
  // Drawn in this order (embed, dense, up1, up2), so a dcgan generator gets the same initial weights as before `arch`.
  const params: Params = {
    embed: normalVar(rng, [spec.numClasses, spec.embedDim], 1),
    denseW: fanInVar(rng, [spec.latentDim + embedDim, s0 * s0 * w1], spec.latentDim + embedDim),
    denseB: constVar([s0 * s0 * w1], 0),
    ...bn('bn1', w1),
    up1W: arch === 'dcgan' ? fanInVar(rng, [5, 5, w2, w1], 25 * w2) : fanInVar(rng, [3, 3, w1, w2], 9 * w1),
    up1B: constVar([w2], 0),
    ...bn('bn2', w2),
    ...(arch === 'upsample-refine'
      ? {
          up2W: fanInVar(rng, [3, 3, w2, w3], 9 * w2),
          up2B: constVar([w3], 0),
          ...bn('bn3', w3),
          outW: fanInVar(rng, [3, 3, w3, spec.channels], 9 * w3),
          outB: constVar([spec.channels], 0),
        }
      : {
          up2W: arch === 'dcgan' ? fanInVar(rng, [5, 5, spec.channels, w2], 25 * spec.channels) : fanInVar(rng, [3, 3, w2, spec.channels], 9 * w2),
          up2B: constVar([spec.channels], 0),
        }),
  };
  return { spec, params };
}

/**
 * The parameters a generator of `spec` has that `params` lacks or shapes differently (empty = they
 * match): a model saved by a build whose layout differs (e.g. conditional BN's per-class offsets before
 * they became projections of the embedding) would otherwise fail deep in a forward pass.
 */
export function mismatchedParams(spec: GeneratorSpec, params: Params): string[] {
  const expected = buildGenerator(spec, new Rng(0)).params;
  try {
    const names = new Set([...Object.keys(expected), ...Object.keys(params)]);
    return [...names].filter((n) => {
      const [a, b] = [expected[n]?.shape, params[n]?.shape];
      return !a || !b || a.join('×') !== b.join('×');
    }).map((n) => `${n} (expected ${expected[n] ? expected[n].shape.join('×') : 'none'}, found ${params[n] ? params[n].shape.join('×') : 'none'})`);
  } finally {
    tf.dispose(Object.values(expected));
  }
}

/**
 * Nearest-neighbour ×2 upsampling as a broadcast (wasm has no ResizeNearestNeighborGrad). Its gradient, the
 * sum of each 2×2 block of dy, is taken as 4 × a 2×2 average pool: the broadcast's own gradient is a sum
 * over a 6-d tensor, 1.5–1.7× slower here (bench: docs/performance.md); the two agree to float rounding.
 */
export const upsample2x: (x: tf.Tensor4D) => tf.Tensor4D = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const value = tf.tidy(() => x.reshape([b, h, 1, w, 1, c]).mul(tf.ones([1, 1, 2, 1, 2, 1])).reshape([b, 2 * h, 2 * w, c]));
  return { value, gradFunc: (dy: tf.Tensor) => tf.tidy(() => tf.avgPool(dy as tf.Tensor4D, 2, 2, 'valid').mul(4)) };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

/**
 * Normalises one BN layer's input and applies the activation with gain γ and bias β ([C], or [B, 1, 1, C]
 * under conditional BN); `generate` and `calibrateBatchNorm` differ only here.
 */
type NormAct = (h: tf.Tensor, layer: (typeof BN_LAYERS)[number], gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;

function forward(g: Generator, z: tf.Tensor2D, labels: tf.Tensor1D, normAct: NormAct, condition = 1): tf.Tensor4D {
  const p = g.params as Record<string, tf.Variable>;
  const { size, width, channels } = g.spec;
  const arch = g.spec.arch ?? 'dcgan';
  const { input: byInput, batchnorm: byBn } = conditioningParts(g.spec.conditioning);
  const b = z.shape[0];
  const sigma = g.spec.classNoise ?? 0;
  const { latentDim, embedDim } = g.spec;
  // Each image's class embedding (plus its noise), scaled by `condition` (gan.transition's λ), for the
  // input and the BN offsets.
  const embedded = tf.tidy(() => {
    let e = tf.gather(p['embed']!, labels);
    if (sigma > 0) e = e.add(z.slice([0, latentDim], [b, embedDim]).mul(sigma));
    return condition === 1 ? e : e.mul(condition);
  });
  const zOnly = sigma > 0 ? tf.tidy(() => z.slice([0, 0], [b, latentDim])) : z;
  /** Layer `l`'s γ, β: shared, plus (conditional BN) the projection of each image's class embedding. */
  const affine = (l: (typeof BN_LAYERS)[number]): [tf.Tensor, tf.Tensor] => {
    const [gamma, beta] = [p[`${l}Gamma`]!, p[`${l}Beta`]!];
    if (!byBn) return [gamma, beta];
    const offset = (name: string) => embedded.matMul(p[name]!).reshape([b, 1, 1, gamma.shape[0]!]);
    return [gamma.add(offset(`${l}EmbedGamma`)), beta.add(offset(`${l}EmbedBeta`))];
  };
  const norm = (x: tf.Tensor, l: (typeof BN_LAYERS)[number]) => normAct(x, l, ...affine(l));
  const s0 = size / 4;
  const { w2, w3 } = stageWidths(width);
  const up = (h: tf.Tensor, w: string, bias: string, shape: [number, number, number, number]) =>
    (arch === 'dcgan'
      ? tf.conv2dTranspose(h as tf.Tensor4D, p[w] as tf.Tensor4D, shape, 2, 'same')
      : tf.conv2d(upsample2x(h as tf.Tensor4D), p[w] as tf.Tensor4D, 1, 'same')
    ).add(p[bias]!);
  // Layer by layer, each in its own tidy, and each layer's input freed once the next exists: at most two
  // activation maps alive at once outside a tape (a 256-image generation batch held ~10 before). Under a
  // tape this is safe too: a kernel that needs its input for the gradient keeps its own reference.
  let h: tf.Tensor = tf.tidy(() => (byInput ? tf.concat([zOnly, embedded], 1) : zOnly).matMul(p['denseW']!).add(p['denseB']!).reshape([b, s0, s0, width]));
  const next = (f: (x: tf.Tensor) => tf.Tensor) => {
    const before = h;
    h = tf.tidy(() => f(before));
    before.dispose();
  };
  next((x) => norm(x, 'bn1'));
  next((x) => up(x, 'up1W', 'up1B', [b, 2 * s0, 2 * s0, w2]));
  next((x) => norm(x, 'bn2'));
  if (arch === 'upsample-refine') {
    next((x) => up(x, 'up2W', 'up2B', [b, size, size, w3]));
    next((x) => norm(x, 'bn3'));
    next((x) => tf.conv2d(x as tf.Tensor4D, p['outW'] as tf.Tensor4D, 1, 'same').add(p['outB']!));
  } else {
    next((x) => up(x, 'up2W', 'up2B', [b, size, size, channels]));
  }
  next((x) => tf.tanh(x));
  return h as tf.Tensor4D;
}

/**
 * Images in [-1, 1] for latent vectors `z` [B, latentLength(spec)] and class indices `labels` [B] (int32).
 * `mode: 'train'` normalises with batch statistics; `'eval'` with the stored population statistics, so
 * that an image depends only on its own (z, label) — what makes a synthetic image's seed reproducible.
 * `condition` scales the class embedding or the class offsets of the BN gains (gan.transition's λ;
 * 1 = fully conditional, 0 = the class is ignored).
 */
export function generate(g: Generator, z: tf.Tensor2D, labels: tf.Tensor1D, mode: 'train' | 'eval' = 'train', condition = 1): tf.Tensor4D {
  return tf.tidy(() => {
    const p = g.params;
    return forward(
      g,
      z,
      labels,
      (h, l, gamma, beta) => (mode === 'eval' ? affineLeaky(h, gamma, beta, p[`${l}Mean`]!, p[`${l}Var`]!, LEAK) : batchNormLeaky(h, gamma, beta, LEAK)),
      condition,
    );
  });
}

/** Generated images in [-1, 1] as pixel values 0–255 (int32), as they are written and scored. */
export function toPixels(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => x.add(1).mul(127.5).round().clipByValue(0, 255).cast('int32'));
}

/**
 * Sets the eval-mode normalisation statistics to the average batch statistics over `batches`
 * class-balanced batches ("precise BN"), so eval-mode samples match what D saw in training.
 */
export function calibrateBatchNorm(g: Generator, batches: { z: tf.Tensor2D; labels: tf.Tensor1D }[]): void {
  const p = g.params;
  type Sums = Record<string, { mean: tf.Tensor; variance: tf.Tensor }>;
  // One tidy per batch, keeping only the running sums: a tidy around all the batches held every batch's
  // activations at once (8 × 128 images: ~400 MB of wasm heap, which never shrinks).
  let sums: Sums = {};
  for (const { z, labels } of batches) {
    const prev = sums;
    sums = tf.tidy(() => {
      const next: Sums = {};
      forward(g, z, labels, (h, l, gamma, beta) => {
        const m = tf.moments(h, h.shape.map((_, i) => i).slice(0, -1));
        const before = prev[l];
        // Kept: forward frees each layer's tensors when the layer ends; these are disposed below.
        next[l] = before ? { mean: tf.keep(before.mean.add(m.mean)), variance: tf.keep(before.variance.add(m.variance)) } : { mean: tf.keep(m.mean), variance: tf.keep(m.variance) };
        return affineLeaky(h, gamma, beta, m.mean, m.variance, LEAK);
      });
      return next;
    });
    tf.dispose(Object.values(prev).flatMap((s) => [s.mean, s.variance]));
  }
  const n = batches.length;
  for (const [l, s] of Object.entries(sums)) {
    tf.tidy(() => {
      p[`${l}Mean`]!.assign(s.mean.div(n));
      p[`${l}Var`]!.assign(s.variance.div(n));
    });
    tf.dispose([s.mean, s.variance]);
  }
}
