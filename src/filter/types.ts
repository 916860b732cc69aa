/**
 * What every filter returns: which candidates it kept and, for each one it rejected, why. Filters are pure
 * functions of scores (no images, no tensors, no I/O), so they are table-tested on plain numbers.
 */

/**
 * Why a candidate was not shipped: a reason one of the registered filters declares (`steps.ts`, whose
 * `RejectReason` is the exact union), or `surplus`. Filters are typed with plain strings here so that
 * the registry can derive the union from its rows without a circle of imports.
 */
export type ReasonName = string;

/** The discriminator filter's modes (the config's `filter.discriminator`). */
export const DISCRIMINATOR_MODES = ['top', 'fraction', 'threshold', 'drs'] as const;
export type DiscriminatorMode = (typeof DISCRIMINATOR_MODES)[number];
/** Where the near-copy filter measures distance (the config's `filter.nearCopySpaces`). */
export const NEAR_COPY_SPACES = ['feature', 'pixel'] as const;
export type NearCopySpace = (typeof NEAR_COPY_SPACES)[number];
/** Whose real images calibrate a near-copy threshold (the config's `filter.nearCopyCalibration`). */
export const NEAR_COPY_CALIBRATIONS = ['pooled', 'class'] as const;

/** What the filters read of the config's `filter` section (the schema's section satisfies it). */
export interface FilterSettings {
  discriminator: DiscriminatorMode;
  fraction: number;
  threshold: number;
  drsPercentile: number;
  minLabelProb: number;
  /** Lower τ per class to this quantile of p(class) over the class's real training images; null = τ alone. */
  labelQuantile: number | null;
  /** The usefulness filter's lowest margin p(class) − max p(other). */
  usefulnessMinMargin: number;
  nearCopyQuantile: number;
  nearCopyCalibration: (typeof NEAR_COPY_CALIBRATIONS)[number];
  nearCopySpaces: readonly NearCopySpace[];
}

/** The near-copy threshold of one space for one class, and what calibrated it. */
export interface NearCopyCalibration {
  space: NearCopySpace;
  /** Whose real images calibrated it: every class's (`pooled`) or the candidate's class's. */
  scope: 'pooled' | 'class';
  /** Distances are Euclidean: in feature units, or in pixels as RMS difference on a 0–1 scale. */
  threshold: number;
  quantile: number;
  /** Real images whose nearest other real image calibrated the threshold. */
  calibrationSamples: number;
}

/**
 * Everything a filter may look at for one class's candidates. Built once per class by the wiring
 * (`stages/filter.ts`); a filter computes its own scores from it.
 */
export interface FilterContext {
  settings: FilterSettings;
  /** The run's seed, and the class's salt (`labelSalt`): seeded filters mix both. */
  seed: number;
  salt: number;
  label: string;
  /** The class's index in `labels` (the dataset's classes). */
  classIndex: number;
  labels: readonly string[];
  /** How many the class needs. */
  target: number;
  candidates: {
    count: number;
    /** NHWC uint8, `pixelDims` bytes each. */
    pixels: Uint8Array;
    /** count × `featureDims`. */
    features: Float32Array;
    /** The discriminator's logit of each. */
    discriminator: Float32Array;
    /** Translated candidates (`gan.mode: translate`): the real image each was made from. */
    sources?: readonly number[];
  };
  real: {
    count: number;
    pixels: Uint8Array;
    features: Float32Array;
    /** Class index of each real image. */
    labels: Int32Array;
    /** A name for real image i (its path), for rejection details. */
    name(i: number): string;
    /** Real images the GAN held out (`train.validation`): the guard judges with them, so no filter may select by them. */
    heldOut: ReadonlySet<number>;
  };
  pixelDims: number;
  featureDims: number;
  /** The feature classifier's class probabilities of the candidates (count × labels.length), or null without a classifier. */
  probabilities: (() => Promise<Float32Array>) | null;
  /** The same for the class's real training images (its images not held out), or null without a classifier. */
  realProbabilities: (() => Promise<Float32Array>) | null;
  /** Near-copy thresholds already calibrated this run (pooled ones are shared by every class). */
  calibrated: Map<string, NearCopyCalibration>;
}

/** One step a filter adds: a decision over the survivors it is handed, and the per-candidate scores it computed. */
export interface PreparedStep {
  /** Its name in the summary's `steps` (e.g. `near-copy-pixel`, `discriminator-top`). */
  name: string;
  /** Given the surviving candidates (indices into the full list), which of them to keep (positions in `survivors`). */
  run: (survivors: readonly number[]) => FilterDecision;
  /** Per-candidate scores by name, recorded in each kept image's manifest `scores`. */
  scores: Record<string, ArrayLike<number>>;
  /** A near-copy step's calibrated threshold, for the summary. */
  nearCopy?: NearCopyCalibration;
}

/** One row of the filter registry (`steps.ts`): how a filter scores candidates and decides. */
export interface FilterDef<R extends string = string> {
  /** Every reason its decisions may give (the keys of the summary's rejection counts). */
  reasons: readonly R[];
  /**
   * Of `reasons`, those that are a ranking's cut — the candidates not among the best `deficit` of an
   * oversampled pool, rejected by design — rather than a judgement of their quality. The verdict does not
   * count them as rejections.
   */
  cuts?: readonly R[];
  /** Whether it needs the feature classifier (trained before training when a configured filter does). */
  needsClassifier: boolean;
  /** Scores the candidates and returns the step(s) that decide. */
  prepare(ctx: FilterContext): Promise<PreparedStep[]>;
}

export interface Rejection {
  /** Index into the candidate list the filter was given. */
  index: number;
  reason: ReasonName;
  /** One human sentence with the numbers behind the decision. */
  detail: string;
}

export interface FilterDecision {
  /** Indices into the candidate list; best first for ranking filters, input order otherwise. */
  kept: number[];
  rejected: Rejection[];
  /** The decision boundary in the filter's own units (lowest kept score, threshold, …), or null. */
  cut: number | null;
}

/** Formats a number for a rejection detail. */
export const fmt = (x: number, digits = 4): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
