/**
 * The config schema: the single source of the config's type, of every default and of every setting's
 * description (`.describe()`: `gan-augment schema` and `init` read it); `gan-augment run --dry-run` prints
 * the resolved values.
 *
 * Messages are written as "expected …" so that `validate.ts` can append what was received and the key's
 * YAML line: `train.steps (line 12): expected a positive integer, received "ten"`.
 */
import { z } from 'zod';
import { FILTER_STEPS } from '../filter/steps.js';
import { AUGMENTATIONS, GENERATOR_ARCHS, GENERATOR_CONDITIONINGS, LOSSES } from '../gan/arch.js';
import { DISCRIMINATOR_MODES, NEAR_COPY_CALIBRATIONS, NEAR_COPY_SPACES } from '../filter/types.js';
import { GUARD_EACH_MAX, GUARD_MODES, GUARD_SCREENS } from '../guard/decide.js';
import { FEATURE_CLASSIFIER_STEPS } from '../classifier/budget.js';

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
/** A thread count: `auto` or 1–16 (train.workers, train.blasThreads, generate.workers, `generate --workers`). */
const THREADS = '"auto" or an integer from 1 to 16';
export const ThreadsSchema = z.union([z.literal('auto'), posInt(THREADS).max(16, { error: `expected ${THREADS}` })], { error: `expected ${THREADS}` });
/** A section of settings; a scalar or list in its place is reported as such. */
const section = <T extends z.core.$ZodLooseShape>(shape: T) =>
  z.strictObject(shape, { error: (iss) => (iss.code === 'invalid_type' ? 'expected a map of settings' : undefined) });

export const BACKENDS = ['auto', 'node-gpu', 'node', 'native', 'wasm', 'cpu'] as const;
export const STRATEGIES = ['not-majority', 'not-minority', 'minority', 'all', 'auto'] as const;
/** imbalanced-learn's own spellings of the named strategies, accepted as written there. */
export const STRATEGY_ALIASES = { 'not majority': 'not-majority', 'not minority': 'not-minority' } as const satisfies Record<string, (typeof STRATEGIES)[number]>;

/**
 * How many images each class should have after augmentation, after imbalanced-learn's
 * `sampling_strategy`: a named strategy (classes brought up to the majority count), a ratio r in (0, 1]
 * (every class brought up to floor(r × majority), as imbalanced-learn rounds), or an explicit `{ label: targetCount }` map.
 */
const StrategySchema = z.union(
  [
    oneOf(STRATEGIES),
    oneOf(Object.keys(STRATEGY_ALIASES) as [keyof typeof STRATEGY_ALIASES]).transform((a) => STRATEGY_ALIASES[a]),
    z.number().gt(0, { error: 'expected a ratio in (0, 1]' }).max(1, { error: 'expected a ratio in (0, 1] (every class brought up to floor(ratio × the largest))' }),
    z.record(z.string(), posInt()),
  ],
  {
    error:
      'expected one of "not-majority" (or "not majority"), "not-minority" (or "not minority"), "minority", "all", "auto", a ratio in (0, 1], or a map { label: targetCount }',
  },
);

const ScanSchema = section({
  recursive: bool().default(true).describe('Images in nested folders below a class folder belong to that class.'),
});

const DecodeSchema = section({
  size: z
    .union([
      z.literal('auto'),
      posInt('a multiple of 4 that is ≥ 8, or "auto"').refine((v) => v % 4 === 0 && v >= 8, { error: 'expected a multiple of 4 that is ≥ 8 (the generator upsamples twice by 2), or "auto"' }),
    ], { error: 'expected a multiple of 4 that is ≥ 8, or "auto"' })
    .default('auto')
    .describe('Side length, in pixels, images are resized to: a multiple of 4 (two 2× upsamplings in G), or `auto`: from a sample of the images (their median shorter side, rounded to a multiple of 4, between 16 and 32; printed at the start of a run and recorded in summary.json).'),
  channels: z
    .union([z.literal(1), z.literal(3), z.literal('auto')], { error: 'expected 1 (grayscale), 3 (RGB) or "auto"' })
    .default('auto')
    .describe('1 = grayscale, 3 = RGB, `auto` = RGB when at least a tenth of a sample of the images have colour, else grayscale.'),
  fit: oneOf(['cover', 'contain', 'fill'] as const).default('cover').describe("How an image of another aspect ratio is fitted into size × size (sharp's `fit`)."),
  background: str('a colour such as "#000000" or "white"').default('#000000').describe('Colour that transparent pixels and `contain` borders become.'),
  kernel: oneOf(['nearest', 'linear', 'cubic', 'mitchell', 'lanczos2', 'lanczos3'] as const).default('lanczos3').describe('Resampling kernel used by sharp when resizing; recorded in the outputs.'),
  cache: bool().default(true).describe('Keep decoded images in <out>/.cache/decode, keyed by file content, so unchanged files are never decoded twice.'),
});

const BalanceSchema = section({
  strategy: StrategySchema.default('not-majority').describe(
    "Which classes get synthetic images, and how many, after imbalanced-learn's `sampling_strategy`: `not-majority` (every class but the largest, up to the largest), `not-minority`, `minority`, `all`, `auto` (= not-majority), a ratio r in (0, 1] (every class up to floor(r × the largest), with any number of classes), or a map { label: targetCount }. Where classes tie for the smallest count, `minority` and `not-minority` treat every one of them as the minority (imbalanced-learn: the first by label).",
  ),
});

const TranslateSchema = section({
  width: posInt().default(16).describe("Channels of the translator's first conv, doubled at each downsampling (the depth follows decode.size)."),
  resBlocks: nonNegInt().default(2).describe("Residual blocks at the translator's deepest level."),
  cycleWeight: z
    .number({ error: 'expected a number ≥ 0' })
    .min(0, { error: 'expected a number ≥ 0' })
    .default(10)
    .describe('Weight λ_cyc of the cycle loss |G(G(x, c), c_x) − x|: a translation must keep what lets it be translated back.'),
  identityWeight: z
    .number({ error: 'expected a number ≥ 0' })
    .min(0, { error: 'expected a number ≥ 0' })
    .default(5)
    .describe('Weight λ_id of the identity loss |G(x, c_x) − x|: translating into its own class leaves an image alone.'),
  sources: z
    .union([oneOf(['non-scarce', 'others'] as const), z.array(str('a class label')).min(1)], {
      error: 'expected "non-scarce", "others" or a list of class labels',
    })
    .default('non-scarce')
    .describe('Which images are translated into a scarce class: `non-scarce` (every class that gets no synthetic images), `others` (every other class), or a list of class labels. Never the held-out real images (`train.validation`), which the guard judges on; each source image is translated at most once, so a class gets at most as many candidates as its sources have images.'),
  sourceMix: oneOf(['balanced', 'proportional'] as const)
    .default('balanced')
    .describe('How many source images come from each source class: `balanced` (as many from each) or `proportional` (to its size).'),
});

const TransitionSchema = section({
  start: unit().default(0).describe('Fraction of `train.steps` at which the class starts to enter (before it, G and D ignore the class).'),
  end: unit().default(0).describe('Fraction of `train.steps` from which training is fully conditional; 0 = no transition (conditional from the first step).'),
}).superRefine((t, ctx) => {
  if (t.end > 0 && t.start >= t.end) {
    ctx.addIssue({ code: 'custom', path: ['start'], input: t.start, message: `expected a number below transition.end (${t.end})` });
  }
});

const GanSchema = section({
  mode: oneOf(['shared', 'per-class', 'translate'] as const)
    .default('shared')
    .describe(
      '`shared`: one class-conditional GAN over all classes with class-balanced batches (scarce classes borrow shape and texture from the others); `per-class`: one GAN per scarce class, each a job; `translate`: one class-conditional image-to-image generator (StarGAN-style: encoder, residual blocks, decoder; adversarial + cycle + identity losses) that turns images of the plentiful classes into the scarce ones, carrying over their spread of poses and shapes (settings in `gan.translate`).',
    ),
  translate: TranslateSchema.prefault({}).describe('Image-to-image translation (`mode: translate`).'),
  transition: TransitionSchema.prefault({}).describe(
    'Start unconditional and blend the class in (Shahbazi et al., "Collapse by Conditioning", ICLR 2023): G\'s class embedding and D\'s class term are scaled by λ, 0 until `start`·steps, rising to 1 at `end`·steps. A class-conditional GAN on few images per class collapses each class onto a few templates; the unconditional start keeps the spread. Shared mode only. Fractions of `train.steps`: raising `train.steps` on `--resume` stretches the schedule.',
  ),
  concurrency: posInt().default(1).describe('Per-class jobs run at once (`per-class` mode).'),
  latentDim: posInt().default(100).describe('Length of the latent noise vector z.'),
  embedDim: posInt().default(50).describe("Length of the generator's class embedding."),
  arch: oneOf(GENERATOR_ARCHS).default('dcgan').describe('How the generator upsamples: `upsample` (nearest-neighbour ×2 + 3×3 conv: no checkerboard dots), `upsample-refine` (the same plus a full-resolution 3×3 conv before the output: no 2-pixel plaid either) or `dcgan` (stride-2 5×5 transposed convs, the original architecture).'),
  conditioning: oneOf(GENERATOR_CONDITIONINGS)
    .default('input')
    .describe("How the class enters the generator: `input` (a class embedding of `embedDim` concatenated to z), `batchnorm` (z alone feeds the first layer; each batch-norm layer's gain and bias get an offset projected from the class embedding, as in BigGAN — with the class in the input, a class of a few dozen images collapses onto one template) or `both` (the embedding in the input and in every batch-norm layer). Shared and per-class modes."),
  classNoise: z.number({ error: 'expected a number ≥ 0' }).min(0, { error: 'expected a number ≥ 0' }).default(2).describe("Conditioning augmentation (StackGAN, Zhang et al. 2017): each generated image's class embedding gets Gaussian noise of this σ, drawn with its latent (0 = off). A class becomes a region of the embedding space rather than a point, against each class collapsing onto one template. 2 is the default since 2026-12-04: it lowered the FID of kept images where measured (fmnist-lt, digits-lt, the quickstart) and was level or better in scarce recall on every split (README \"Training GANs\"). Shared and per-class modes."),
  gWidth: posInt().default(128).describe("Channels of the generator's first feature map (halved at each upsampling)."),
  dWidth: posInt().default(64).describe("Channels of the discriminator's first conv (doubled at the second)."),
  head: oneOf(['projection', 'acgan', 'concat'] as const).default('projection').describe('How D sees the class: `projection` (inner product with a class embedding), `acgan` (auxiliary classifier), `concat` (label plane input).'),
  loss: oneOf(LOSSES).default('ns').describe('Adversarial loss: `ns` non-saturating, `hinge`, `wgan-gp` (Wasserstein with gradient penalty).'),
  spectralNorm: bool().default(false).describe("Spectrally normalise D's conv and dense weights (one power iteration per step)."),
  mbstd: bool().default(true).describe('Minibatch standard deviation as an extra D feature: lets D see a collapsed batch.'),
  r1Gamma: z.number({ error: 'expected a number ≥ 0' }).min(0, { error: 'expected a number ≥ 0' }).default(0).describe('R1 penalty weight γ on real images (0 = off).'),
  modeSeeking: z.number({ error: 'expected a number ≥ 0' }).min(0, { error: 'expected a number ≥ 0' }).default(0).describe('Mode-seeking regularisation weight (MSGAN, Mao et al. 2019; 0 = off): G is also rewarded when two latents of the same class give different images, against a class collapsing onto one template. 1 in the paper. Shared and per-class modes.'),
  lecam: z.number({ error: 'expected a number ≥ 0' }).min(0, { error: 'expected a number ≥ 0' }).default(0).describe("LeCam regularisation weight λ (Tseng et al., CVPR 2021; 0 = off): D's loss also pulls its logits on real images towards its recent mean on generated ones and back, which keeps D from memorising a small training set; stacks with DiffAugment. 0.3 in the paper (BigGAN, CIFAR with 10–20 % of the data)."),
  r1Every: posInt().default(16).describe('R1 is applied lazily, every this many steps (scaled up accordingly).'),
  gpWeight: posNum().default(10).describe('Gradient-penalty weight λ for `loss: wgan-gp`.'),
  emaHalfLifeImages: z.number({ error: 'expected a number ≥ 0' }).min(0, { error: 'expected a number ≥ 0' }).default(10_000).describe("Half-life, in images, of the generator's weight average (EMA) used for sampling; 0 = no EMA. Reached only once emaRampup allows it: at 0.05, after 200,000 images (a default run of 1,000 × 64 ends at 3,200)."),
  emaRampup: unit().default(0.05).describe('The EMA half-life is at most this fraction of the images seen so far (ramp-up).'),
});

const AugmentSchema = section({
  policy: z
    .array(oneOf(AUGMENTATIONS), { error: `expected a list of ${AUGMENTATIONS.map((a) => `"${a}"`).join(', ')}` })
    .default(['color', 'translation', 'cutout'])
    .describe('DiffAugment operations applied to real and generated images in both D and G steps (`flip`: mirror half of the images left–right; G may then draw either orientation, so only for classes that look the same mirrored).'),
  p: unit().default(1).describe('Probability each operation is applied to an image (the starting value when `ada` is on).'),
  ada: bool().default(false).describe('Adapt p during training (StyleGAN2-ADA): raise it when D over-fits the real images, lower it otherwise.'),
  adaTarget: unit().default(0.6).describe("ADA's target for E[sign(D(real))]."),
  adaInterval: posInt().default(4).describe('Steps between ADA adjustments.'),
  adaSpeedImages: posInt().default(20_000).describe("Images over which ADA may move p from 0 to 1 (StyleGAN2-ADA's ada_kimg is 500,000, too slow for runs of ~64,000 images)."),
});

const TrainSchema = section({
  steps: posInt().default(1000).describe('Training iterations; each is one discriminator step and one generator step. 1000 measured best on fmnist-lt within a 20-minute budget on 2 cores (docs/measurements.md, "Does it help? Every variant measured with evaluate"); 300 gave blobs.'),
  budgetSeconds: nonNegInt().default(0).describe('Stop training after this many seconds even if `steps` is not reached (0 = no limit); a time budget for CI. A job resumed after an interruption (the same train.steps) spends what is left of it; one resumed with more train.steps starts a new one.'),
  batchSize: posInt('an integer ≥ 2 (batch statistics need two images)').min(2, { error: 'expected an integer ≥ 2 (batch statistics need two images)' }).default(64).describe('Real images per step (and as many generated ones).'),
  workers: ThreadsSchema.default('auto')
    .describe(
      "How the cores train one GAN where the backend is wasm without native kernels (the native and tfjs-node backends use them already). `auto`, on ≥ 2 cores: the threaded wasm binary on 2 threads, whose XNNPACK threads split each convolution and compute the same bits as one thread, where a training step holds at least 50 M forward multiply-adds and the whole training 2 G — the quickstart's models and the defaults (1.50× and 1.64× one thread on a 2-core machine, where two data-parallel replicas read 1.04× and 1.36×); else one thread. GAN_AUGMENT_WASM_THREADS sets the binary's threads instead (1: the single-thread binary). A count n ≥ 2: n data-parallel replicas, each with its own single-threaded wasm backend training on its part of every batch (gradients and batch-norm statistics summed across them: the weights equal one thread's within float rounding); `auto` picks them only where the threaded binary does not run (GAN_AUGMENT_WASM_THREADS=1, or it failed to start), for a batch that splits (a multiple of 8) into shares of at least 200 M multiply-adds. 1: one thread on the single-thread binary.",
    ),
  blasThreads: ThreadsSchema.default('auto')
    .describe(
      "OpenBLAS threads for the GAN's convolutions and matrix products while it trains, on the native backend. `auto` = the process' count (GAN_AUGMENT_BLAS_THREADS, else both cores of a 2-core machine, at most 2), lowered where other processes keep the cores busy as training starts (read over half a second) and following the load every 15 s while it trains (each change said on the console and recorded in summary.json): with one other process busy on the second core of a 2-core machine, two threads trained 0.6–0.7× as fast as one (docs/measurements.md). Small networks can train faster on one: the quickstart preset's (half the default widths, batch 32) trained in 36 s on one thread and 54 s on two on a 2-core machine (docs/measurements.md). The weights differ in the last bits between counts.",
    ),
  lrG: posNum().default(2e-4).describe('Adam learning rate of the generator.'),
  lrD: posNum().default(2e-4).describe('Adam learning rate of the discriminator.'),
  beta1: unit().default(0.5).describe('Adam β1; 0.5 is the DCGAN setting (momentum lower than the usual 0.9 keeps GAN training stable).'),
  beta2: unit().default(0.999).describe('Adam β2.'),
  logEvery: posInt().default(10).describe('Write a line to train/metrics.jsonl every this many steps.'),
  validation: z.number({ error: 'expected a number in [0, 1)' }).min(0, { error: 'expected a number in [0, 1)' }).lt(1, { error: 'expected a number in [0, 1)' }).default(0.1).describe("Fraction of each class's real images held out to watch D over-fit (at least 2 where a class has ≥ 3)."),
  checkpointEvery: nonNegInt().default(100).describe('Write a resumable checkpoint every this many steps (and at the end, and on Ctrl-C); 0 = only then.'),
  sampleEvery: nonNegInt().default(100).describe('Write a sample grid per class to train/samples/ every this many steps; 0 = only at the end.'),
  divergenceLoss: posNum().default(1e4).describe('A loss whose magnitude exceeds this (or is NaN/Inf) counts as divergence: roll back, halve the learning rates.'),
});

const AnchorSchema = section({
  sigma: z
    .number({ error: 'expected a number ≥ 0 or null' })
    .min(0, { error: 'expected a number ≥ 0 or null' })
    .nullable()
    .default(null)
    .describe(
      "Sample around the class's real images instead of from the prior (null = off): one latent is fitted to each real training image of the class (GAN inversion; never to the images the GAN held out), and each candidate is a random one of them plus Gaussian noise of this σ. The generator can draw close to every real image, but its prior rarely lands there. On fmnist-lt at σ 0.3 (README \"Training GANs\") the kept coats and pullovers cover twice as much of their class (0.65 / 0.76 × what real images cover, against 0.33 / 0.28) at lower FID, and a classifier gains nothing from them (−0.2 [−1.9, +1.5] points against oversampling, as without it); with `filter.order: [near-copy, label, coverage]`, which keeps the spread that discriminator ranking drops, kept images reach 1–1.8 × their class's FID floor on three splits and the classifier is still level or below. Shared and per-class modes. The fitted latents are saved beside the generator (anchors.json), so `gan-augment generate` with the run's seed draws the run's images (`--prior`: the prior).",
    ),
  steps: posInt().default(300).describe('Adam steps fitting each latent (pixel MSE, from the best of 64 random starts).'),
});

const GenerateSchema = section({
  from: str('a folder path')
    .nullable()
    .default(null)
    .describe(
      "Candidates made elsewhere (a diffusion model, a generator trained on other data, drawings): a folder laid out like the input, one sub-folder per scarce class named as in the input. When set, no GAN is trained: each scarce class's images there are its candidates, decoded like the input, and go through `filter.order` (which cannot name `discriminator`: there is none), `deliver.share`, the guard, the manifest (`importedFrom`) and the report. The guard holds out up to 15 real images of each scarce class (keeping 5; more where `train.validation` asks; the other classes hold out `train.validation`): no GAN trains on them here and the manifest lists them all. It can vouch for the candidates only if whatever made them never saw those images. Relative to the config file's folder; null = train a GAN.",
    ),
  anchor: AnchorSchema.prefault({}).describe("Sampling around the real images' fitted latents."),
  oversample: z.number({ error: 'expected a number ≥ 1' }).min(1, { error: 'expected a number ≥ 1' }).default(2).describe('Candidates generated per needed image; the filters keep the best `deficit` of them.'),
  batchSize: posInt().default(256).describe('Images per generator call.'),
  workers: ThreadsSchema.default('auto')
    .describe(
      'Threads that sample each class together, each with a copy of the generator on this run\'s backend and its part of every batch (the images are the bytes one thread gives). `auto` = 2 with ≥ 2 cores, on the wasm or native backend, for ≥ 4,096 candidates (e.g. generate.oversample 10; below that a second thread costs ~75 MB of memory to save about a second); else 1 — tfjs-node uses the cores already.',
    ),
});

export { FILTER_STEPS };

const FilterSchema = section({
  order: z
    .array(oneOf(FILTER_STEPS), { error: `expected a list of ${FILTER_STEPS.map((s) => `"${s}"`).join(', ')}` })
    .refine((steps) => new Set(steps).size === steps.length, { error: 'expected each filter at most once' })
    .default(['near-copy', 'label', 'discriminator']).describe("Filters applied to each class's candidates, in this order (leave one out to skip it); of the candidates that pass them all, the best `deficit` by discriminator logit are kept. `label` is on by default: without it, samples that do not look like their class taught evaluate's classifier the wrong class (README \"Does it help?\"). `coverage` keeps the `deficit` spread like the class's real images (each real image in turn takes its nearest untaken candidate) instead of the top-scored ones."),
  discriminator: oneOf(DISCRIMINATOR_MODES).default('top').describe('The discriminator filter: `top` keeps the best `deficit`, `fraction` the best `fraction` of the candidates, `threshold` every logit ≥ `threshold`, `drs` discriminator rejection sampling (Azadi et al. 2019).'),
  fraction: unit().default(0.5).describe('Share of the candidates kept by `discriminator: fraction`.'),
  threshold: z.number({ error: 'expected a number' }).default(0).describe('Lowest discriminator logit kept by `discriminator: threshold` (a logit exactly on it is kept).'),
  drsPercentile: z.number({ error: 'expected a number between 0 and 100' }).min(0, { error: 'expected a number between 0 and 100' }).max(100, { error: 'expected a number between 0 and 100' }).default(95).describe('`discriminator: drs`: the percentile (0–100) of F whose candidates are accepted with probability ½; higher = stricter.'),
  usefulnessMinMargin: z
    .number({ error: 'expected a number between -1 and 1' })
    .min(-1, { error: 'expected a number between -1 and 1' })
    .max(1, { error: 'expected a number between -1 and 1' })
    .default(0.1)
    .describe('The `usefulness` filter (pair it with `generate.oversample` 10–20): of the candidates the real-data classifier puts in their class with at least this margin (p(class) − best other p), keep the class\'s deficit nearest the boundary with another class, skipping near-duplicates of a kept one (the feature near-copy threshold).'),
  minLabelProb: unit().default(0.5).describe('Label consistency: the feature classifier must give the intended class at least this probability (τ).'),
  labelQuantile: unit()
    .nullable()
    .default(null)
    .describe(
      "Label consistency relative to the class's real images (null = off: τ alone): a class's threshold becomes the lower of τ and this quantile of the feature classifier's probability of the class over its real training images (never the held-out ones). The classifier learns a scarce class from few images and is unsure of most of them: on fmnist-lt it gave p ≥ 0.5 to 1 of the 50 shirts it trained on and 9 of 900 new real shirts, so τ alone keeps only the few candidates most like its idea of a shirt (docs/measurements.md).",
    ),
  nearCopyQuantile: unit().default(0.01).describe('Near-copy threshold: this quantile of real-vs-real nearest-neighbour distances (about the share of new real images it would reject).'),
  nearCopyCalibration: oneOf(NEAR_COPY_CALIBRATIONS).default('pooled').describe("Real images that calibrate the near-copy threshold: `pooled` (every class; a stable estimate even for a 10-image class) or `class` (the candidate's own class; stricter where a class's images lie far apart)."),
  nearCopySpaces: z
    .array(oneOf(NEAR_COPY_SPACES), { error: `expected a list of ${NEAR_COPY_SPACES.map((s) => `"${s}"`).join(', ')}` })
    .default([...NEAR_COPY_SPACES]).describe("Where the near-copy filter measures distance: the extractor's `feature` space, raw `pixel` space, or both."),
  keepRejected: bool().default(false).describe('Also write rejected candidates to <out>/rejected/<class>/, with rejected.jsonl saying why each was rejected.'),
  shortfall: oneOf(['leave', 'oversample'] as const).default('oversample').describe("When the filters keep fewer than a class needs: `leave` it short (a warning says by how much), or `oversample`: list the class's real images again (source \"oversampled\" in the manifest) up to its target, so the output is balanced whatever the filters kept."),
});

const GUARD_SECTION = section({
  mode: oneOf(GUARD_MODES)
    .default('fallback')
    .describe(
      "`fallback`: where a scarce class's synthetic images do not help, fill the class with oversampled real images instead and say so; `warn`: only say so; `off`: no check.",
    ),
  seeds: posInt()
    .max(20, { error: 'expected a positive integer up to 20' })
    .default(5)
    .describe('Classifier seeds per decision (config seed, +1, …): the gain must hold with 95 % confidence over them. 5, as `evaluate` trains by default; at 3 (until 2026-12-06) the bound over seeds was 2.9 standard errors, at 5 it is 2.1.'),
  steps: z
    .union([z.literal('auto'), posInt('a positive integer or "auto"')], { error: 'expected a positive integer or "auto"' })
    .default('auto')
    .describe(
      "Training steps of each of its classifiers. `auto`: `evaluate`'s budget (16 passes over the classifier's training images, at least 600 steps), so the guard judges the images as `evaluate` will. Its classifiers are `evaluate`'s (three 3×3 stride-2 convs 16/32/64, batches of 64, Adam 2e-3, ±2 px shifts). Until 2026-12-06 they were the feature classifier's 400 steps (2.8 passes on fmnist-lt), too short to learn a confusable class (held-out shirt recall 7–22 % against 44–64 % at evaluate's budget) and too short to read a gain the test folder showed (docs/measurements.md).",
    ),
  screen: oneOf(GUARD_SCREENS)
    .default('auto')
    .describe(
      `How the scarce classes are first judged: \`each\` — per seed one classifier per class with that class's synthetic images alone, beside one without any (1 + scarce classes classifiers a seed); \`together\` — per seed one classifier with every scarce class's synthetic images side by side, each class judged on its own held-out images in it (2 a seed, whatever the count), then again without the classes that gained nothing there (or, where none passed but some came near, without the one that gained least), until none is left out: a long tail is judged in the time of a few classes (fmnist-lt7's seven: 15 classifiers against 26), but a class's gain then includes what its neighbours' images take from it or give it, so a class that helps only alone is not kept. The classes that pass are then tested together as delivered, either way. \`auto\`: each up to ${GUARD_EACH_MAX} scarce classes, together beyond.`,
    ),
  threads: ThreadsSchema.default('auto').describe(
    "Classifiers the guard trains at a time, each on its own thread with one BLAS thread (the figures are the same bytes on any count, as `evaluate --threads`). `auto`: two (one per core) on the wasm or native backend while the run's resident memory leaves room for a second classifier thread within a default run's 500 MB (one on the default fmnist-lt run, two on the demo; the run says which and why); a number: that many whatever the memory — on a machine with memory to spare, 2 halves the guard's time on fmnist-lt at ~140 MB more (429 → 572 MB, measured).",
  ),
});

/** `guard: <mode>` is short for `guard: {mode: <mode>}`. */
export const SHORTHANDS = { guard: 'mode' } as const;

const GuardSchema = z
  .preprocess((v) => (typeof v === 'string' ? { [SHORTHANDS.guard]: v } : v), GUARD_SECTION.prefault({}))
  .describe(
    "Do no harm: before writing, check on the real images the GAN never trained on (train.validation) whether each scarce class's synthetic images help a classifier more than its real images listed again (soft-recall gain with 95 % confidence over seeds and held-out images, balanced accuracy not lower), then whether the classes that help, delivered together, help the scarce classes together (under `warn`, whether every class's images together, as delivered, do — and where they do not, what `fallback` would deliver instead). `guard: warn` is short for `guard: {mode: warn}`.",
  );

/** How the kept synthetic images enter the augmented dataset (`deliver`). */
export const LABEL_MODES = ['hard', 'soft'] as const;

const SHARE = 'a number above 0 and at most 1, or "auto"';
const DeliverSchema = section({
  share: z
    .union(
      [
        z.literal('auto'),
        z
          .number({ error: `expected ${SHARE}` })
          .gt(0, { error: `expected ${SHARE}` })
          .max(1, { error: `expected ${SHARE}` }),
      ],
      { error: `expected ${SHARE}` },
    )
    .default('auto')
    .describe(
      "Share of each scarce class's fill made of synthetic images: the filters keep the best share × deficit, and the rest of the fill is the class's real images listed again (source \"oversampled\"); 1 = the whole fill synthetic. `auto`: 0.5 for a GAN's candidates, 1 for candidates made elsewhere (`generate.from`). A GAN's: on the validation splits `evaluate` carves from the training folders of the measured sets (fmnist-lt at train.validation 0.1 and 0.3, fmnist-lt2, photo-lt, digits-lt; 5 GAN trainings each) half the fill with hard labels read 87.4 % scarce recall on average, the whole fill 81.1 % (hard) and 75.2 % (soft labels, the earlier default); half read at least as high as the whole in 21 of the 25 trainings. Imported new real images (a perfect outside generator) helped more as the whole fill than as half on fmnist-lt and fmnist-lt2, by the guard's held-out images and by the test folders (README \"Candidates made elsewhere\").",
    ),
  labels: oneOf(LABEL_MODES)
    .default('hard')
    .describe(
      "What a synthetic image's manifest entry recommends training it with: `hard` — its class (softLabel null, weight 1), as for a real image; `soft` — the real-data teacher's class probabilities as softLabel and its probability of the intended class as weight (label smoothing when no teacher was trained). `hard`: on the same validation splits, at half the fill, hard labels read as high as soft ones or higher in 19 of 25 trainings (87.4 % vs 86.0 % on average).",
    ),
});

const ClassifierSchema = section({
  widths: z.array(posInt(), { error: 'expected a list of positive integers' }).min(1, { error: 'expected a list of positive integers' }).default([16, 32, 64]).describe('Channels of its 3×3 stride-2 convs; the last is the feature dimension.'),
  steps: z
    .union([z.literal('auto'), posInt('a positive integer or "auto"')], { error: 'expected a positive integer or "auto"' })
    .default('auto')
    .describe(
      `Training budget in Adam steps (the same data and seed give the same classifier). \`auto\`: ${FEATURE_CLASSIFIER_STEPS.perClass} a class, at least ${FEATURE_CLASSIFIER_STEPS.min} — ${FEATURE_CLASSIFIER_STEPS.min} up to ${FEATURE_CLASSIFIER_STEPS.min / FEATURE_CLASSIFIER_STEPS.perClass} classes, as before 2026-12-07, so each class is seen as often whatever their number: at a fixed ${FEATURE_CLASSIFIER_STEPS.min} a 30-class set's classifier reached 58 % on its own training images (72 % at 1,200), and the label filter it serves rejected every candidate of 3 classes.`,
    ),
  batchSize: posInt().default(32).describe('Images per step, drawn class-balanced from the real images.'),
  lr: posNum().default(2e-3).describe('Adam learning rate.'),
  shift: nonNegInt().default(2).describe('Training images are shifted by up to this many pixels (0 = no augmentation).'),
});

const FeaturesSchema = section({
  extractor: oneOf(['classifier', 'layers', 'graph'] as const).default('classifier').describe('What computes the features for FID, KID and the near-copy filter: `classifier` (a small CNN trained on the real images, cached), or a local tfjs `layers` or `graph` model (e.g. InceptionV3 pool3) at `model`.'),
  model: str('a model.json path').nullable().default(null).describe("model.json of a `layers`/`graph` extractor: absolute, or relative to the config file's folder."),
  inputSize: posInt().nullable().default(null).describe("Input side length of that model (images are resized bilinearly to it); null = the model's own."),
  channels: z.union([z.literal(1), z.literal(3)], { error: 'expected 1 (grayscale) or 3 (RGB)' }).nullable().default(null).describe("Input channels of that model (gray is repeated to RGB); null = the model's own."),
  mean: z.array(z.number({ error: 'expected numbers' }), { error: 'expected a list of 1 or 3 numbers' }).min(1, { error: 'expected a list of 1 or 3 numbers' }).max(3, { error: 'expected a list of 1 or 3 numbers' }).default([0.5]).describe('Per-channel mean subtracted from x/255 before that model (one value = every channel).'),
  std: z.array(posNum(), { error: 'expected a list of 1 or 3 numbers > 0' }).min(1, { error: 'expected a list of 1 or 3 numbers > 0' }).max(3, { error: 'expected a list of 1 or 3 numbers > 0' }).default([0.5]).describe('Per-channel standard deviation that divides it.'),
  output: str('a layer or node name').nullable().default(null).describe("Layer (Layers model) or node (Graph model) whose output is the feature; null = the model's output."),
  cache: bool().default(true).describe("Keep the trained classifier and the real images' features in <out>/.cache/ for the next run."),
  classifier: ClassifierSchema.prefault({}).describe('The default extractor, also used by the label filter.'),
}).superRefine((f, ctx) => {
  if (f.extractor !== 'classifier' && f.model === null) {
    ctx.addIssue({ code: 'custom', path: ['model'], input: undefined, message: `expected a model.json path when features.extractor is "${f.extractor}"` });
  }
});

const QualitySchema = section({
  maxFid: z.number({ error: 'expected a number ≥ 0 or null' }).min(0, { error: 'expected a number ≥ 0 or null' }).nullable().default(null).describe('A class whose kept synthetic images have a higher FID against its real images is flagged; null = no limit.'),
  maxKid: z.number({ error: 'expected a number or null' }).nullable().default(null).describe('Same for KID; null = no limit.'),
  minSpread: z.number({ error: 'expected a number ≥ 0 or null' }).min(0, { error: 'expected a number ≥ 0 or null' }).nullable().default(null).describe("A class whose kept images' spread (their mean pairwise distance in the features ÷ its real images') is lower is flagged: a kept set narrowed to a few templates. Scale-free, so one value suits every dataset: 0.7 is where the report's verdict turns doubtful. null = no limit."),
  onFail: oneOf(['warn', 'fail'] as const).default('warn').describe("What a flagged class does: `warn`, or `fail` (exit code 3 once every output is written). Only a class whose synthetic images are delivered can fail the run: one the guard withheld (fallback) is not in the manifest, and the run says so."),
  kidSubsets: posInt().default(100).describe('KID on large classes averages this many random subsets (recorded with the score).'),
  kidSubsetSize: posInt('an integer ≥ 2').min(2, { error: 'expected an integer ≥ 2' }).default(1000).describe('Samples per set in each KID subset.'),
});

const OutputSchema = section({
  csv: bool().default(true).describe("Also write manifest.csv: the manifest's rows as CSV, one column per field (and per filter score)."),
  imagefolder: oneOf(['hardlink', 'copy', 'symlink', 'none'] as const).default('hardlink').describe('Also lay the dataset out as <out>/imagefolder/train/<class>/{real,synthetic}/… with metadata.jsonl, which Hugging Face `imagefolder` and torchvision `ImageFolder` read unchanged. How files get there: `hardlink` (no extra space; a copy across filesystems), `copy` (independent files), `symlink` (relative links: break when out is moved without the input), or `none` (no layout).'),
  report: bool().default(true).describe('Write <out>/report.html: one self-contained page (images inline) to judge the run by.'),
});

export { StrategySchema };

export const ConfigSchema = section({
  input: str('a folder path').describe("Labelled image folder: one sub-folder per class. Relative paths are resolved from the config file's folder."),
  out: str('a folder path').default('out').describe("Output folder for synthetic images, manifest and summary. Relative to the config file's folder."),
  seed: nonNegInt().default(0).describe('Seed for every random choice (batches, noise, initial weights).'),
  backend: oneOf(BACKENDS).default('auto').describe('tfjs backend; `auto` picks the first that loads: node-gpu → node → native (wasm + BLAS kernels) → wasm → cpu.'),
  scan: ScanSchema.prefault({}),
  decode: DecodeSchema.prefault({}),
  balance: BalanceSchema.prefault({}),
  gan: GanSchema.prefault({}),
  augment: AugmentSchema.prefault({}),
  train: TrainSchema.prefault({}),
  generate: GenerateSchema.prefault({}),
  filter: FilterSchema.prefault({}),
  deliver: DeliverSchema.prefault({}).describe('How the kept synthetic images enter the augmented dataset: what share of each fill, with what labels.'),
  features: FeaturesSchema.prefault({}),
  quality: QualitySchema.prefault({}),
  output: OutputSchema.prefault({}),
  guard: GuardSchema,
}).superRefine((c, ctx) => {
  // Keyed where the user wrote it (filter.order's default names the discriminator; they may not have written it).
  if (c.generate.from !== null && c.filter.order.includes('discriminator')) {
    ctx.addIssue({
      code: 'custom',
      path: ['generate', 'from'],
      input: c.generate.from,
      message: `expected filter.order without "discriminator" beside it (imported candidates have no discriminator to rank them; filter.order is [${c.filter.order.join(', ')}]: set e.g. [near-copy, label, coverage])`,
    });
  }
});

/** The validated config: every key present, every default applied; `decode.size` / `decode.channels` may still be `auto`. */
export type ParsedConfig = z.infer<typeof ConfigSchema>;
/** Decode settings with `auto` resolved from the images (src/dataset/auto-decode.ts). */
export type DecodeConfig = Omit<ParsedConfig['decode'], 'size' | 'channels'> & { size: number; channels: 1 | 3 };
/** The resolved config a run works with: a `ParsedConfig` whose decode settings are numbers. */
export type Config = Omit<ParsedConfig, 'decode'> & { decode: DecodeConfig };
/** What a user may write: everything optional except `input`. */
export type ConfigInput = z.input<typeof ConfigSchema>;
export type Strategy = Config['balance']['strategy'];
export type BackendChoice = (typeof BACKENDS)[number];
