/**
 * Upper bounds of the settings that size memory: the one table of them, checked by `validateConfig` with
 * the schema. A value past one of these passes the schema's type check but cannot run here
 * (`gan.latentDim: 1e9` made `run` die in `new Float32Array` with "Invalid typed array length"), so
 * `validate` must refuse it, keyed like any other problem.
 *
 * Every numeric setting was considered. Bounded here: sizes of models, batches, images and counts of
 * generated images. Not bounded: step counts, intervals, time budgets, learning rates, loss weights and
 * thresholds — large values there cost time or diverge (the divergence guard catches that), never an
 * allocation; zod's `int()` already keeps integers within 2^53.
 */
import { conditioningParts, type GeneratorConditioning } from '../gan/arch.js';

export interface Bound {
  path: readonly string[];
  max: number;
  /** Why this much and no more (the message's tail). */
  why: string;
}

/** Per-setting maximums. The defaults sit far below each. */
export const BOUNDS: readonly Bound[] = [
  { path: ['seed'], max: 0xffffffff, why: 'seeds are 32-bit' },
  { path: ['decode', 'size'], max: 512, why: 'pixels per side; a GAN trained here on CPU or wasm is practical up to 64–128' },
  { path: ['gan', 'concurrency'], max: 64, why: 'per-class jobs training at once' },
  { path: ['gan', 'latentDim'], max: 4096, why: 'StyleGAN uses 512' },
  { path: ['gan', 'embedDim'], max: 4096, why: 'the class embedding' },
  { path: ['gan', 'gWidth'], max: 4096, why: 'channels of a feature map' },
  { path: ['gan', 'dWidth'], max: 4096, why: 'channels of a feature map' },
  { path: ['gan', 'translate', 'width'], max: 1024, why: "channels of the translator's first feature map (doubled at each downsampling)" },
  { path: ['gan', 'translate', 'resBlocks'], max: 64, why: 'residual blocks' },
  { path: ['train', 'batchSize'], max: 4096, why: 'images per step' },
  { path: ['generate', 'batchSize'], max: 4096, why: 'images per generator call' },
  { path: ['generate', 'oversample'], max: 100, why: 'candidates per needed image; each is held in memory until the filters run' },
  { path: ['features', 'inputSize'], max: 1024, why: "pixels per side of the extractor's input" },
  { path: ['features', 'classifier', 'batchSize'], max: 4096, why: 'images per step' },
  { path: ['features', 'classifier', 'shift'], max: 64, why: 'pixels' },
  { path: ['quality', 'kidSubsets'], max: 10_000, why: 'KID subsets' },
  { path: ['quality', 'kidSubsetSize'], max: 100_000, why: 'samples per KID subset' },
];

/** List settings whose every item has a maximum, and how many items they may hold. */
export const LIST_BOUNDS: readonly (Bound & { maxItems: number })[] = [
  { path: ['features', 'classifier', 'widths'], max: 4096, maxItems: 8, why: 'channels of a feature map' },
];

/** The largest target a `balance.strategy` map may give a class. */
export const MAX_CLASS_TARGET = 1_000_000;

/**
 * Largest tensor a setting may ask for, in float32 values (1 GiB): the wasm backend's whole heap is at
 * most 4 GiB, and a layer's weights live there with their gradients and two Adam moments.
 */
export const MAX_TENSOR_VALUES = 2 ** 28;

/** Just the numbers the cross-setting rules read. */
export interface SizedConfig {
  decode: { size: number; channels: number };
  gan: { latentDim: number; embedDim: number; conditioning: GeneratorConditioning; gWidth: number; dWidth: number };
  train: { batchSize: number };
  generate: { batchSize: number };
}

export interface TensorRule {
  /** The setting the problem is reported at (its line in the file). */
  path: readonly string[];
  /** What the tensor is, and its size as a product of the settings. */
  describe(c: SizedConfig): { what: string; values: number };
}

const fmt = (n: number) => n.toLocaleString('en-US');

/** The largest tensors of a training or generation step, as the generator and discriminator build them. */
export const TENSOR_RULES: readonly TensorRule[] = [
  {
    path: ['gan', 'gWidth'],
    describe: (c) => {
      const s0 = c.decode.size / 4;
      // Under conditional BN alone the class is not in the first layer's input.
      const byInput = conditioningParts(c.gan.conditioning).input;
      const inputs = c.gan.latentDim + (byInput ? c.gan.embedDim : 0);
      const terms = byInput ? `(gan.latentDim ${c.gan.latentDim} + gan.embedDim ${c.gan.embedDim})` : `gan.latentDim ${c.gan.latentDim}`;
      return {
        what: `the generator's first layer: ${terms} × (decode.size/4)² ${fmt(s0 * s0)} × gan.gWidth ${c.gan.gWidth} weights`,
        values: inputs * s0 * s0 * c.gan.gWidth,
      };
    },
  },
  {
    path: ['train', 'batchSize'],
    describe: (c) => {
      const half = (c.decode.size / 2) ** 2;
      const widest = Math.max(c.gan.dWidth, c.gan.gWidth / 2);
      return {
        what: `a training step's widest feature map: train.batchSize ${c.train.batchSize} × (decode.size/2)² ${fmt(half)} × max(gan.dWidth, gan.gWidth/2) ${widest} values`,
        values: c.train.batchSize * half * widest,
      };
    },
  },
  {
    path: ['generate', 'batchSize'],
    describe: (c) => {
      const half = (c.decode.size / 2) ** 2;
      return {
        what: `a generator call's widest feature map: generate.batchSize ${c.generate.batchSize} × (decode.size/2)² ${fmt(half)} × gan.gWidth/2 ${c.gan.gWidth / 2} values`,
        values: c.generate.batchSize * half * (c.gan.gWidth / 2),
      };
    },
  },
];

/** Problems of the per-setting bounds, as [path, message, received]; reads raw (unvalidated) values. */
export function boundProblems(root: unknown): { path: (string | number)[]; message: string; received: unknown }[] {
  const at = (p: readonly string[]) => p.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), root);
  const out: { path: (string | number)[]; message: string; received: unknown }[] = [];
  for (const b of BOUNDS) {
    const v = at(b.path);
    if (typeof v === 'number' && v > b.max) out.push({ path: [...b.path], message: `expected at most ${fmt(b.max)} (${b.why})`, received: v });
  }
  for (const b of LIST_BOUNDS) {
    const v = at(b.path);
    if (!Array.isArray(v)) continue;
    if (v.length > b.maxItems) out.push({ path: [...b.path], message: `expected at most ${b.maxItems} items`, received: v });
    v.forEach((x, i) => {
      if (typeof x === 'number' && x > b.max) out.push({ path: [...b.path, i], message: `expected at most ${fmt(b.max)} (${b.why})`, received: x });
    });
  }
  const strategy = at(['balance', 'strategy']);
  if (strategy !== null && typeof strategy === 'object' && !Array.isArray(strategy)) {
    for (const [label, t] of Object.entries(strategy)) {
      if (typeof t === 'number' && t > MAX_CLASS_TARGET) {
        out.push({ path: ['balance', 'strategy', label], message: `expected a target of at most ${fmt(MAX_CLASS_TARGET)} images`, received: t });
      }
    }
  }
  return out;
}

/** Problems of the cross-setting rules over a resolved config. */
export function tensorProblems(c: SizedConfig): { path: (string | number)[]; message: string; received: unknown }[] {
  return TENSOR_RULES.flatMap((r) => {
    const { what, values } = r.describe(c);
    if (values <= MAX_TENSOR_VALUES) return [];
    return [{ path: [...r.path], message: `expected at most ${fmt(MAX_TENSOR_VALUES)} values in ${what} = ${fmt(values)}; lower one of them`, received: r.path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], c) }];
  });
}
