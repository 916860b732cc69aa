/**
 * The config schema: the single source of the config's type and of every default. Each setting has one
 * comment saying what it does; `gan-augment run --dry-run` prints the resolved values.
 *
 * Messages are written as "expected …" so that `validate.ts` can append what was received and the key's
 * YAML line: `train.steps (line 12): expected a positive integer, received "ten"`.
 */
import { z } from 'zod';

const posInt = (what = 'a positive integer') =>
  z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` }).positive({ error: `expected ${what}` });
const nonNegInt = (what = 'an integer ≥ 0') =>
  z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` }).nonnegative({ error: `expected ${what}` });
const posNum = (what = 'a number > 0') => z.number({ error: `expected ${what}` }).positive({ error: `expected ${what}` });
const unit = (what = 'a number between 0 and 1') =>
  z.number({ error: `expected ${what}` }).min(0, { error: `expected ${what}` }).max(1, { error: `expected ${what}` });
const str = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `expected one of ${values.map((v) => `"${v}"`).join(', ')}` });
const bool = () => z.boolean({ error: 'expected true or false' });
/** A section of settings; a scalar or list in its place is reported as such. */
const section = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape, { error: (iss) => (iss.code === 'invalid_type' ? 'expected a map of settings' : undefined) });

export const BACKENDS = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const;
export const STRATEGIES = ['not-majority', 'not-minority', 'minority', 'all', 'auto'] as const;

/**
 * How many images each class should have after augmentation, after imbalanced-learn's
 * `sampling_strategy`: a named strategy (classes brought up to the majority count), a ratio r in (0, 1]
 * (every class brought up to ceil(r × majority)), or an explicit `{ label: targetCount }` map.
 */
const StrategySchema = z.union(
  [
    oneOf(STRATEGIES),
    z.number().gt(0).max(1),
    z.record(z.string(), posInt()),
  ],
  {
    error:
      'expected one of "not-majority", "not-minority", "minority", "all", "auto", a ratio in (0, 1], or a map { label: targetCount }',
  },
);

const ScanSchema = section({
  /** Images in nested folders below a class folder belong to that class. */
  recursive: bool().default(true),
});

const DecodeSchema = section({
  /** Side length, in pixels, images are resized to. Must be a multiple of 4 (two 2× upsamplings in G). */
  size: posInt('a multiple of 4 that is ≥ 8')
    .refine((v) => v % 4 === 0 && v >= 8, { error: 'expected a multiple of 4 that is ≥ 8 (the generator upsamples twice by 2)' })
    .default(28),
  /** 1 = grayscale, 3 = RGB. */
  channels: z.union([z.literal(1), z.literal(3)], { error: 'expected 1 (grayscale) or 3 (RGB)' }).default(1),
  /** How an image of another aspect ratio is fitted into size × size (sharp's `fit`). */
  fit: oneOf(['cover', 'contain', 'fill'] as const).default('cover'),
  /** Colour that transparent pixels and `contain` borders become. */
  background: str('a colour such as "#000000" or "white"').default('#000000'),
  /** Resampling kernel used by sharp when resizing; recorded in the outputs. */
  kernel: oneOf(['nearest', 'linear', 'cubic', 'mitchell', 'lanczos2', 'lanczos3'] as const).default('lanczos3'),
  /** Keep decoded images in <out>/.cache/decode, keyed by file content, so unchanged files are never decoded twice. */
  cache: bool().default(true),
});

const BalanceSchema = section({
  /** Which classes get synthetic images, and how many (see StrategySchema). */
  strategy: StrategySchema.default('not-majority'),
});

const GanSchema = section({
  /**
   * `shared`: one class-conditional GAN over all classes with class-balanced batches (scarce classes
   * borrow shape and texture from the others); `per-class`: one GAN per scarce class, each a job.
   */
  mode: oneOf(['shared', 'per-class'] as const).default('shared'),
  /** Per-class jobs run at once (`per-class` mode). */
  concurrency: posInt().default(1),
  /** Length of the latent noise vector z. */
  latentDim: posInt().default(100),
  /** Length of the generator's class embedding. */
  embedDim: posInt().default(50),
  /** Channels of the generator's first feature map (halved at each upsampling). */
  gWidth: posInt().default(128),
  /** Channels of the discriminator's first conv (doubled at the second). */
  dWidth: posInt().default(64),
  /** How D sees the class: `projection` (inner product with a class embedding), `acgan` (auxiliary classifier), `concat` (label plane input). */
  head: oneOf(['projection', 'acgan', 'concat'] as const).default('projection'),
  /** Adversarial loss: `ns` non-saturating, `hinge`, `wgan-gp` (Wasserstein with gradient penalty). */
  loss: oneOf(['ns', 'hinge', 'wgan-gp'] as const).default('ns'),
  /** Spectrally normalise D's conv and dense weights (one power iteration per step). */
  spectralNorm: bool().default(false),
  /** Minibatch standard deviation as an extra D feature: lets D see a collapsed batch. */
  mbstd: bool().default(true),
  /** R1 penalty weight γ on real images (0 = off). */
  r1Gamma: z.number({ error: 'expected a number ≥ 0' }).min(0, { error: 'expected a number ≥ 0' }).default(0),
  /** R1 is applied lazily, every this many steps (scaled up accordingly). */
  r1Every: posInt().default(16),
  /** Gradient-penalty weight λ for `loss: wgan-gp`. */
  gpWeight: posNum().default(10),
  /** Half-life, in images, of the generator's weight average (EMA) used for sampling; 0 = no EMA. */
  emaHalfLifeImages: z.number({ error: 'expected a number ≥ 0' }).min(0, { error: 'expected a number ≥ 0' }).default(10_000),
  /** The EMA half-life is at most this fraction of the images seen so far (ramp-up). */
  emaRampup: unit().default(0.05),
});

const AugmentSchema = section({
  /** DiffAugment operations applied to real and generated images in both D and G steps. */
  policy: z
    .array(oneOf(['color', 'translation', 'cutout'] as const), { error: 'expected a list of "color", "translation", "cutout"' })
    .default(['color', 'translation', 'cutout']),
  /** Probability each operation is applied to an image (the starting value when `ada` is on). */
  p: unit().default(1),
  /** Adapt p during training (StyleGAN2-ADA): raise it when D over-fits the real images, lower it otherwise. */
  ada: bool().default(false),
  /** ADA's target for E[sign(D(real))]. */
  adaTarget: unit().default(0.6),
  /** Steps between ADA adjustments. */
  adaInterval: posInt().default(4),
  /** Images over which ADA may move p from 0 to 1. */
  adaSpeedImages: posInt().default(20_000),
});

const TrainSchema = section({
  /** Training iterations; each is one discriminator step and one generator step. */
  steps: posInt().default(300),
  /** Real images per step (and as many generated ones). */
  batchSize: posInt('an integer ≥ 2 (batch statistics need two images)').min(2, { error: 'expected an integer ≥ 2 (batch statistics need two images)' }).default(64),
  /** Adam learning rate of the generator. */
  lrG: posNum().default(2e-4),
  /** Adam learning rate of the discriminator. */
  lrD: posNum().default(2e-4),
  /** Adam β1; 0.5 is the DCGAN setting (momentum lower than the usual 0.9 keeps GAN training stable). */
  beta1: unit().default(0.5),
  /** Adam β2. */
  beta2: unit().default(0.999),
  /** Write a line to train/metrics.jsonl every this many steps. */
  logEvery: posInt().default(10),
  /** Fraction of each class's real images held out to watch D over-fit (at least 2 where a class has ≥ 3). */
  validation: z.number({ error: 'expected a number in [0, 1)' }).min(0, { error: 'expected a number in [0, 1)' }).lt(1, { error: 'expected a number in [0, 1)' }).default(0.1),
  /** Write a resumable checkpoint every this many steps (and at the end, and on Ctrl-C); 0 = only then. */
  checkpointEvery: nonNegInt().default(100),
  /** Write a sample grid per class to train/samples/ every this many steps; 0 = only at the end. */
  sampleEvery: nonNegInt().default(100),
  /** A loss whose magnitude exceeds this (or is NaN/Inf) counts as divergence: roll back, halve the learning rates. */
  divergenceLoss: posNum().default(1e4),
});

const GenerateSchema = section({
  /** Candidates generated per needed image; the filters keep the best `deficit` of them. */
  oversample: z.number({ error: 'expected a number ≥ 1' }).min(1, { error: 'expected a number ≥ 1' }).default(2),
  /** Images per generator call. */
  batchSize: posInt().default(256),
});

const FilterSchema = section({
  /** Rank candidates by the discriminator's logit and keep the best `deficit` per class. */
  discriminator: oneOf(['top'] as const).default('top'),
});

export const ConfigSchema = section({
  /** Labelled image folder: one sub-folder per class. Relative paths are resolved from the config file's folder. */
  input: str('a folder path'),
  /** Output folder for synthetic images, manifest and summary. Relative to the config file's folder. */
  out: str('a folder path').default('out'),
  /** Seed for every random choice (batches, noise, initial weights). */
  seed: nonNegInt().default(0),
  /** tfjs backend; `auto` picks the first that loads: node-gpu → node → wasm → cpu. */
  backend: oneOf(BACKENDS).default('auto'),
  scan: ScanSchema.prefault({}),
  decode: DecodeSchema.prefault({}),
  balance: BalanceSchema.prefault({}),
  gan: GanSchema.prefault({}),
  augment: AugmentSchema.prefault({}),
  train: TrainSchema.prefault({}),
  generate: GenerateSchema.prefault({}),
  filter: FilterSchema.prefault({}),
});

/** The resolved config: every key present, every default applied. */
export type Config = z.infer<typeof ConfigSchema>;
/** What a user may write: everything optional except `input`. */
export type ConfigInput = z.input<typeof ConfigSchema>;
export type Strategy = Config['balance']['strategy'];
export type BackendChoice = (typeof BACKENDS)[number];
