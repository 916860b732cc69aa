/** What `gan-augment evaluate` measures and writes (`--json` prints it; `evaluate.json` holds it). */
import type { HeldOutQuality } from './quality.js';

/** The rows compared, in the order they are reported: the classical ones, then the synthetic one. */
export const ARMS = ['real', 'oversample', 'class-weight', 'logit-adjust', 'synthetic'] as const;
export type ArmName = (typeof ARMS)[number];
/** Rows that use no synthetic image; "best classical" is the best of these on scarce recall. */
export const CLASSICAL: readonly ArmName[] = ['real', 'oversample', 'class-weight', 'logit-adjust'];

/** Figures of one arm on the test folder, for one seed. */
export interface SeedFigures {
  seed: number;
  /** Mean per-class recall over the classes present in the test folder. */
  balancedAccuracy: number;
  /** Mean per-class F1 over the same classes. */
  macroF1: number;
  /** Recall by label (classes without test images are left out). */
  recall: Record<string, number>;
  /** Mean recall over the scarce classes. */
  scarceRecall: number;
  /** Mean recall over the other classes. */
  majorityRecall: number;
  /** Per scarce label: the share of its test images predicted as each other label (only labels > 0). */
  confusion: Record<string, Record<string, number>>;
}

/** A paired difference over seeds, in percentage points: mean and 95 % t-interval (NaN bounds for one seed). */
export interface PairedDiff {
  mean: number;
  low: number;
  high: number;
}

export interface EvaluationRow {
  name: ArmName;
  /** Means over the seeds. */
  balancedAccuracy: number;
  macroF1: number;
  recall: Record<string, number>;
  scarceRecall: number;
  majorityRecall: number;
  /** Mean over seeds of the scarce→other confusion shares. */
  confusion: Record<string, Record<string, number>>;
  /** Sample standard deviation over the seeds (0 for one seed). */
  std: { balancedAccuracy: number; macroF1: number; scarceRecall: number };
  /**
   * Per-seed difference to the best classical row (this row − best), paired by seed, in points. `recall`: each
   * scarce class's (absent from evaluate.json files written before it).
   */
  vsBest: { scarceRecall: PairedDiff; balancedAccuracy: PairedDiff; macroF1: PairedDiff; recall?: Record<string, PairedDiff> };
  perSeed: SeedFigures[];
  /** Images in the arm's training set (after oversampling, or with the synthetic ones); 0 for logit-adjust. */
  trainImages: number;
  seconds: number;
}

/** How the synthetic row's use of the synthetic images was chosen on the validation split. */
export interface Tuning {
  /** What the synthetic row used. */
  chosen: SyntheticUse;
  /** Validation images per label (carved from the manifest's real images; none from the test folder). */
  validation: Record<string, number>;
  seeds: number[];
  /** Each candidate's mean validation figures (fractions). */
  candidates: { use: SyntheticUse; scarceRecall: number; balancedAccuracy: number }[];
}

export interface EvaluationResult {
  /** Labels of the scarce classes (those the manifest holds synthetic images for, or `--scarce`). */
  scarce: string[];
  rows: EvaluationRow[];
  /**
   * Mean scarce-class recall of `synthetic` minus that of the best classical row, in percentage points
   * (positive: the synthetic images helped more than the best cheap alternative).
   */
  gain: number;
  /** Standard deviation over seeds of the per-seed difference to that same best row, in points. */
  gainStd: number;
  /** The best classical row on the scarce classes. */
  best: ArmName;
  /**
   * "helps": the 95 % CI of the paired scarce-recall gain over the best classical row lies above 0, and
   * the synthetic row's balanced accuracy is not below that row's. `reason` says which condition failed.
   */
  verdict: { helps: boolean; reason: string };
  /** τ of the logit-adjust row (fixed, not tuned). */
  logitTau: number;
  /** Validation-split choice of the synthetic row's targets and mix; null when not tuned. */
  tuning: Tuning | null;
  /**
   * Each scarce class's kept synthetic images against its test images (evaluate/quality.ts): FID beside its
   * floor, coverage beside the real training images'. null when the manifest holds no synthetic image;
   * absent from evaluate.json files written before it.
   */
  quality?: { extractor: string; coverageK: number; perClass: HeldOutQuality[] } | null;
  /**
   * The seeds. In a pooled result (`pooled` present): the trainings' indexes, each one paired unit — its
   * figures are the mean of that training's seeds.
   */
  seeds: number[];
  /**
   * Present when the result pools the evaluations of several GAN trainings of one config (pool.ts; `evaluate`
   * with one `--manifest` per run, as `npm run eval -- --gan-seeds` calls it): the rows, differences and verdict are over the trainings, so their intervals cover
   * how much the GAN's training moves the figure as well as the classifier's seed.
   */
  pooled?: { unit: string; trainings: PooledTraining[] };
  settings: { steps: number; batchSize: number; lr: number; shift: number; widths: number[] };
  manifest: string;
  /**
   * sha256 of the manifest file as measured: a report shows the result only beside the manifest it measured (a
   * run rewrites manifest.jsonl and leaves evaluate.json). Absent from evaluate.json files written before
   * 2026-12-07 and from pooled results (each run's own evaluate.json carries its own).
   */
  manifestSha256?: string;
  test: string;
  /** Test images per label. */
  testCounts: Record<string, number>;
  /**
   * Test-folder images left out, by why: files that did not decode, and images whose decoded pixels equal a
   * real training image of the manifest (a test folder that overlaps the training folder would score the
   * classifier on images it trained on). Absent from evaluate.json files written before 2026-12-05.
   */
  testLeftOut?: { undecodable: number; inTraining: number };
  backend: string;
  seconds: number;
}

/** One GAN training's own evaluation, as a pooled result lists it. */
export interface PooledTraining {
  manifest: string;
  /** Its classifier seeds. */
  seeds: number[];
  /** Its own best classical row, and its synthetic row's scarce-recall difference to it, paired over its seeds. */
  best: ArmName;
  gain: PairedDiff;
  helps: boolean;
  /** What its synthetic row used (validation-split choice), null when not tuned. */
  use: SyntheticUse | null;
  quality: HeldOutQuality[] | null;
}

/** How the synthetic row uses the run's synthetic images. */
export interface SyntheticUse {
  /** `hard`: their label, weight 1; `soft`: the manifest's `softLabel` and `weight` (its label and 1 where it recommends no other). */
  targets: 'hard' | 'soft';
  /** Share of each class's synthetic images used (best first); the rest of its fill is its real images again. */
  mix: number;
}
