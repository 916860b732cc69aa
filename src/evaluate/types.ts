/** What `gan-augment evaluate` measures and writes (`--json` prints it; `evaluate.json` holds it). */

/** The four training sets compared, in the order they are reported. */
export const ARMS = ['real', 'oversample', 'class-weight', 'synthetic'] as const;
export type ArmName = (typeof ARMS)[number];

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
}

export interface EvaluationRow {
  name: ArmName;
  /** Means over the seeds. */
  balancedAccuracy: number;
  macroF1: number;
  recall: Record<string, number>;
  scarceRecall: number;
  /** Sample standard deviation over the seeds (0 for one seed). */
  std: { balancedAccuracy: number; macroF1: number; scarceRecall: number };
  perSeed: SeedFigures[];
  /** Images in the arm's training set (after oversampling, or with the synthetic ones). */
  trainImages: number;
  seconds: number;
}

export interface EvaluationResult {
  /** Labels of the scarce classes (those the manifest holds synthetic images for, or `--scarce`). */
  scarce: string[];
  rows: EvaluationRow[];
  /**
   * Mean scarce-class recall of `synthetic` minus that of the best other row, in percentage points
   * (positive: the synthetic images helped more than the best cheap alternative).
   */
  gain: number;
  /** Standard deviation over seeds of the per-seed difference to that same best row, in points. */
  gainStd: number;
  /** The best of real / oversample / class-weight on the scarce classes. */
  best: ArmName;
  seeds: number[];
  settings: { steps: number; batchSize: number; lr: number; shift: number; widths: number[] };
  manifest: string;
  test: string;
  /** Test images per label. */
  testCounts: Record<string, number>;
  backend: string;
  seconds: number;
}
