/**
 * Filter wiring: builds one class's {@link FilterContext}, asks each filter of `filter.order` (looked up
 * in the registry, `filter/steps.ts`) for its steps, and runs them in order, keeping the best `target`
 * that pass (`filter/select.ts`). Knows no filter by name.
 */
import { probabilities } from '../classifier/predict.js';
import { pickImages } from '../dataset/sampler.js';
import type { Config } from '../config/schema.js';
import { InternalError } from '../errors.js';
import { applyFilters, type Selection } from '../filter/select.js';
import { FILTERS, REJECT_REASONS, reasonsOf, type FilterRegistry } from '../filter/steps.js';
import type { FilterContext, FilterDecision, NearCopyCalibration } from '../filter/types.js';
import { labelSalt } from '../util/rng.js';
import type { QualityContext } from './quality.js';

/** Candidates of one class: NHWC uint8 pixels and the discriminator's logit of each. */
export interface CandidateSet {
  pixels: Uint8Array;
  count: number;
  scores: Float32Array;
  /** Translated candidates: the real image (index into `q.real`) each was made from; the near-copy filter also checks against it. */
  sources?: readonly number[];
}

/** What {@link filterCandidates} decided and measured. */
export interface FilteredCandidates {
  sel: Selection;
  scores: Float32Array;
  /** Per-candidate scores by name: `discriminator`, then each step's (see `SyntheticImage.scores`). */
  perImage: Record<string, ArrayLike<number>>;
  nearCopy: NearCopyCalibration[];
  /** The candidates' features (count × extractor dims). */
  feats: Float32Array;
}

/**
 * Scores `cands` for the filters `config.filter.order` names and runs them in that order, keeping the
 * best `target` that pass.
 * @param heldOut real images (indices into `q.real`) the GAN held out: no filter selects by them
 * @param registry the filter table (tests pass one with a row added)
 * @throws {InternalError} for a step name the registry lacks (the config schema admits only its names),
 *   or a rejection with a reason its filter did not declare
 */
export async function filterCandidates(
  cands: CandidateSet,
  label: string,
  target: number,
  config: Config,
  q: QualityContext,
  heldOut: ReadonlySet<number> = new Set(),
  registry: FilterRegistry = FILTERS,
): Promise<FilteredCandidates> {
  const n = cands.count;
  const classIndex = q.labels.indexOf(label);
  if (classIndex < 0) throw new RangeError(`Expected a class of the dataset (${q.labels.join(', ')}) but received "${label}"`);
  const feats = await q.extractor.extract(cands.pixels, n);
  const classifier = q.classifier;
  const ctx: FilterContext = {
    settings: config.filter,
    seed: config.seed,
    salt: labelSalt(label),
    label,
    classIndex,
    labels: q.labels,
    target,
    candidates: { count: n, pixels: cands.pixels, features: feats, discriminator: cands.scores, ...(cands.sources ? { sources: cands.sources } : {}) },
    real: { count: q.real.count, pixels: q.real.pixels, features: q.realFeatures, labels: q.real.labels, name: (i) => q.realNames[i] ?? `real image #${i}`, heldOut },
    pixelDims: q.real.size * q.real.size * q.real.channels,
    featureDims: q.extractor.info.dims,
    probabilities: classifier ? () => probabilities(classifier, cands.pixels, n) : null,
    realProbabilities: classifier ? () => classProbabilities(classifier, q, classIndex, heldOut) : null,
    calibrated: q.calibrated,
  };

  const steps: { name: string; run: (s: readonly number[]) => FilterDecision }[] = [];
  const perImage: Record<string, ArrayLike<number>> = { discriminator: cands.scores };
  const nearCopy: NearCopyCalibration[] = [];
  for (const name of config.filter.order as readonly string[]) {
    const def = registry[name];
    if (!def) throw new InternalError(`filter "${name}" is not in the filter registry (${Object.keys(registry).join(', ')})`);
    for (const step of await def.prepare(ctx)) {
      steps.push({ name: step.name, run: declared(step.run, def.reasons, name) });
      Object.assign(perImage, step.scores);
      if (step.nearCopy) nearCopy.push(step.nearCopy);
    }
  }
  const sel = applyFilters(n, steps, cands.scores, target, registry === FILTERS ? REJECT_REASONS : reasonsOf(registry));
  return { sel, scores: cands.scores, perImage, nearCopy, feats };
}

/** The classifier's probabilities of a class's real training images (those not held out), count × classes. */
function classProbabilities(classifier: NonNullable<QualityContext['classifier']>, q: QualityContext, classIndex: number, heldOut: ReadonlySet<number>): Promise<Float32Array> {
  const idx: number[] = [];
  q.real.labels.forEach((l, i) => l === classIndex && !heldOut.has(i) && idx.push(i));
  const picked = pickImages(q.real, idx);
  return probabilities(classifier, picked.pixels, picked.count);
}

/** A step whose rejections are checked against the reasons its filter declares. */
function declared(run: (s: readonly number[]) => FilterDecision, reasons: readonly string[], filter: string) {
  return (s: readonly number[]): FilterDecision => {
    const d = run(s);
    for (const r of d.rejected) if (!reasons.includes(r.reason)) throw new InternalError(`filter "${filter}" rejected with reason "${r.reason}", which its registry row does not declare (${reasons.join(', ')})`);
    return d;
  };
}
