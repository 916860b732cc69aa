/**
 * What every filter returns: which candidates it kept and, for each one it rejected, why. Filters are pure
 * functions of scores (no images, no tensors, no I/O), so they are table-tested on plain numbers.
 */

/** Why a candidate was not shipped; the keys of `summary.json`'s rejection counts. */
export type RejectReason =
  /** Below the discriminator cut: outside the top fraction or count, or under the threshold. */
  | 'discriminator'
  /** Not accepted by discriminator rejection sampling. */
  | 'drs'
  /** The feature classifier does not see the intended class with enough probability. */
  | 'label'
  /** Too close to a real training image in feature space. */
  | 'near-copy-feature'
  /** Too close to a real training image in pixel space. */
  | 'near-copy-pixel'
  /** Passed every filter, but the class's target was already filled by better-scored candidates. */
  | 'surplus';

export const REJECT_REASONS: readonly RejectReason[] = ['discriminator', 'drs', 'label', 'near-copy-feature', 'near-copy-pixel', 'surplus'];

export interface Rejection {
  /** Index into the candidate list the filter was given. */
  index: number;
  reason: RejectReason;
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
