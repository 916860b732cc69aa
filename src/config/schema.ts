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
});

const BalanceSchema = section({
  /** Which classes get synthetic images, and how many (see StrategySchema). */
  strategy: StrategySchema.default('not-majority'),
});

const GanSchema = section({
  /** `shared`: one class-conditional GAN over all classes, with class-balanced batches. */
  mode: oneOf(['shared'] as const).default('shared'),
  /** Length of the latent noise vector z. */
  latentDim: posInt().default(100),
  /** Length of the generator's class embedding. */
  embedDim: posInt().default(50),
  /** Channels of the generator's first feature map (halved at each upsampling). */
  gWidth: posInt().default(128),
  /** Channels of the discriminator's first conv (doubled at the second). */
  dWidth: posInt().default(64),
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
