/**
 * Every default, in one typed place: the config schema's defaults, resolved once. Modules that take
 * settings outside a config (library calls, `evaluate`'s flags) read their defaults from here, never
 * from a copy.
 */
import { ConfigSchema, type ParsedConfig } from './schema.js';

/**
 * The config with nothing set (the input path is a placeholder: it has no default). `decode.size` and
 * `decode.channels` are `auto` here: a run resolves them from its images (`AUTO_DECODE`).
 */
export const DEFAULTS: Readonly<ParsedConfig> = ConfigSchema.parse({ input: '.' });

/**
 * How `decode.size: auto` / `decode.channels: auto` are guessed from the scanned images
 * (src/dataset/auto-decode.ts), and what `gan-augment init` writes.
 */
export const AUTO_DECODE = {
  /** Images measured, spread evenly over the classes. */
  sample: 48,
  /**
   * Largest size a run picks by itself: 32 px. Larger photos are learned at 32 (on a CPU, 64×64×3 trains
   * at about a fifth of 28 px grayscale's speed: README "Speed"); set decode.size for more. `init` proposes up to `initMaxSize`.
   */
  maxSize: 32,
  initMaxSize: 64,
  /**
   * Smallest: images under 16 px are upscaled to 16. The networks halve the size two or three times; on
   * 8 px digits (bench digits-lt) the feature classifier reached 88.6 % on the real images at 8 px and
   * 98.2 % at 16, and evaluate's oversample row 63.0 % scarce recall at 8 px, 82.3 % at 16 (79.7 % at 28).
   */
  minSize: 16,
  /** When no sampled image can be read (decoding then rejects them with their reasons). */
  fallbackSize: 28,
  /** RGB when at least this share of the sampled images have colour. */
  colourShare: 0.1,
} as const;

/**
 * What `deliver.share: auto` resolves to (src/stages/deliver.ts `deliverShare`): half of each fill for a GAN's
 * candidates (their validation readings, schema.ts), the whole fill for candidates made elsewhere
 * (`generate.from`): new real images standing in for a good outside generator helped more as the whole fill
 * than as half on fmnist-lt and fmnist-lt2 (docs/measurements.md, 2026-12-06), and the guard judges the fill as
 * delivered either way.
 */
export const AUTO_SHARE = { trained: 0.5, imported: 1 } as const;

/**
 * What `evaluate` trains for every row by default (its flags override it). Not a config setting: the
 * yardstick must not move with a run's config. It is the feature classifier's architecture
 * (`features.classifier`) with a larger budget than the run's quick classifier, so the comparison is
 * between training sets and not between under-trained models.
 */
export const EVALUATE_DEFAULTS = {
  /**
   * The budget, in passes over the largest row's training set (the real images and what the run added:
   * every class at its target), and never under `minSteps` Adam steps; the same steps for every row.
   * 16 passes = 2,500 steps on fmnist-lt. Until 2026-12-03 it was a fixed 600 steps (4 passes), which left
   * every classifier under-trained: at 2,400 steps the oversample row's scarce recall rose from 51 to
   * 60 %, and a run's synthetic row went from level with it to 3.5 points below (docs/measurements.md).
   */
  passes: 16,
  minSteps: 600,
  batchSize: 64,
  lr: 2e-3,
  /** Random shift of each training image, in pixels (0 = none). */
  shift: 2,
  /** Conv widths of the classifier. */
  widths: [16, 32, 64] as number[],
} as const;

/**
 * `evaluate`'s seeds, validation tuning and logit-adjust τ. `tuneSeeds` 0: the synthetic row trains on the
 * manifest as written — what a user who trains on it gets, and what the run's guard judged. A validation
 * split of 10 images per scarce class cannot tell the candidate uses apart: on fmnist-lt it chose half of 200
 * new real images per class on three image decisions, and the test folder read +1.3 points for that half
 * against +4.1 for all 200 (docs/measurements.md, "How many new images does +3 take?"). `--tune-seeds N`
 * lets the split choose.
 */
export const EVALUATE_RUN_DEFAULTS = { seeds: 5, tuneSeeds: 0, tau: 1 } as const;

/** `evaluate --threads auto`'s and the guard's ceiling on classifier threads: measured on 2 cores only. */
export const MAX_AUTO_THREADS = 2;

/**
 * Up to this many scarce classes, the console, the guard's lines, evaluate's text and report.html show every
 * class's figures; beyond it they list the classes by verdict or decision, or show the few that matter most,
 * and point to the JSON files and the report, which keep every class.
 */
export const CLASSES_IN_FULL = 8;

/**
 * A default run's memory budget, in MB of peak resident memory (the default config on fmnist-lt measures
 * 430–460 MB), and what a second classifier thread in the guard is reckoned to add to the run from where its
 * guard begins: {@link CLASSIFIER_THREAD_MB} for the thread (its own tfjs, wasm heap and BLAS buffers) plus
 * {@link CLASSIFIER_MB_PER_IMAGE} a training image (both classifiers' data and working size). Fitted on what
 * two threads added, measured (stages/guard.ts `guardThreads` decides with it):
 *   ~1,000 images (the demo): at most 119 MB on native (279 → 398 MB, stop 60) and 105 on plain wasm
 *     (365 → 470 MB, `GAN_AUGMENT_NATIVE=0 … --set guard.threads=2`, 2026-12-07 15:00) — reckoned 117;
 *   6,285 images (fmnist-lt7's re-filters): 222, 240 and 290 MB (2026-12-07) — reckoned 233;
 *   ~10,000 (fmnist-lt): 143 MB (429 → 572, 2026-12-06) — reckoned 315.
 * So `auto` takes two wherever the demo runs (native 253–284 MB, wasm 353–382 MB when its guard begins) and
 * one for fmnist-lt and fmnist-lt7 (316–430 MB). Until 2026-12-07 afternoon it was 160 MB + 0.0105 an image
 * (110 + 0.0105 before that morning), which left the demo on plain wasm to one thread: 3 min 21 s, against
 * 2 min 13 s on two under `auto` since (guard from 382 MB, peak 495 MB).
 */
export const RUN_MEMORY_BUDGET_MB = 500;
export const CLASSIFIER_THREAD_MB = 95;
/** MB a second classifier thread adds per training image (see {@link RUN_MEMORY_BUDGET_MB}). */
export const CLASSIFIER_MB_PER_IMAGE = 0.022;
