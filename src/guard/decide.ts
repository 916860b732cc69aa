/**
 * The do-no-harm rule: does a scarce class's synthetic fill beat filling it with its own real images
 * again, on real images the GAN never trained on? Pure: per-seed held-out figures in, a decision out.
 *
 * Per seed s, two classifiers differ only in that class's fill: `with` its synthetic images,
 * `without` its real images drawn again. The synthetic images are kept when
 *   1. the class's held-out soft recall (mean probability of the class on its held-out images — a
 *      smoother figure than hard recall on a handful of images) gains with 95 % one-sided confidence
 *      over the seeds: mean − t_{0.95, n−1}·s/√n > 0,
 *   2. and over the held-out images: each image's gain in the class's probability, averaged over the
 *      seeds, has a one-sided 95 % lower bound above 0 (t over the images). The seeds vary only the
 *      classifier, not the images: a gain every seed repeats can still rest on one or two of the class's
 *      held-out images and say little about the class. A class with one held-out image cannot be kept. And
 *   3. held-out balanced accuracy (every class) does not drop on average.
 * With one seed there is no confidence: the class falls back. Anything unproven falls back, because the
 * fallback is exactly the classical baseline a user would otherwise reach for.
 */
import { lowerBound } from '../evaluate/stats.js';

export const GUARD_MODES = ['fallback', 'warn', 'off'] as const;
export type GuardMode = (typeof GUARD_MODES)[number];

/** One classifier's figures on the held-out images. */
export interface HeldOutFigures {
  /** Hard recall of the class judged. */
  recall: number;
  /** The class's probability on each of its held-out images, in one fixed order for every classifier; their mean is the soft recall. */
  classProbs: readonly number[];
  balancedAccuracy: number;
}

export interface GuardClass {
  label: string;
  /** What the run delivers for the class. */
  decision: 'kept' | 'fallback';
  /** Whether the rule found the synthetic images helpful (in `warn` mode they are kept either way). */
  helps: boolean;
  /** Mean held-out recall of the class with its synthetic images, and with its real images again (fractions); null with no held-out image of the class. */
  withSynthetic: number | null;
  without: number | null;
  /**
   * Soft-recall gain in points: mean over seeds, its one-sided 95 % lower bound over the seeds (null for one
   * seed) and over the held-out images (null for fewer than two).
   */
  gain: { mean: number; low: number | null; lowOverImages: number | null };
  /** Mean held-out balanced accuracy with and without (fractions). */
  balancedAccuracy: { withSynthetic: number; without: number };
  heldOut: number;
  reason: string;
}

/**
 * Below this many held-out images of the class, a decision that finds no gain also says it was judged on too
 * few. Measured (bench/oracle-guard.mjs, docs/measurements.md): 950 new *real* images per class, which give
 * +8.1 points on fmnist-lt's test folder, fell back on all three classes judged on 5 held-out images each, at
 * every classifier budget tried; at 15 one of the three was kept. A 20-image class holds out 2.
 */
export const FEW_HELD_OUT = 15;

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const pts = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;

/**
 * Each held-out image's gain in the class's probability, in points, averaged over the paired seeds.
 * @throws {RangeError} when the figures disagree on the number of held-out images
 */
export function imageGains(withSyn: readonly HeldOutFigures[], without: readonly HeldOutFigures[]): number[] {
  const n = withSyn[0]?.classProbs.length ?? 0;
  const sums = new Array<number>(n).fill(0);
  withSyn.forEach((w, s) => {
    const o = without[s]!;
    if (w.classProbs.length !== n || o.classProbs.length !== n) throw new RangeError(`Expected every classifier's figures over the same ${n} held-out images but received ${w.classProbs.length} and ${o.classProbs.length}`);
    for (let i = 0; i < n; i++) sums[i]! += 100 * (w.classProbs[i]! - o.classProbs[i]!);
  });
  return sums.map((x) => x / withSyn.length);
}

/**
 * What holding out more real images costs: the GAN's training images — or, where the candidates were
 * imported (generate.from), nothing delivered (no GAN trains here; only the guard's classifiers see fewer).
 */
export function holdingOutCosts(imported: boolean): string {
  return imported ? "at no cost to the delivered dataset here (generate.from: no GAN trains on them; the manifest lists every real image)" : "at the cost of the GAN's training images";
}

/**
 * Decides one class from paired per-seed figures (`imported`: the candidates came from generate.from).
 * @throws {RangeError} when the two lists differ in length or are empty
 */
export function decideClass(label: string, withSyn: readonly HeldOutFigures[], without: readonly HeldOutFigures[], heldOut: number, mode: Exclude<GuardMode, 'off'>, imported = false): GuardClass {
  if (withSyn.length === 0 || withSyn.length !== without.length) throw new RangeError(`Expected as many paired figures with as without synthetic images (≥ 1) but received ${withSyn.length} and ${without.length}`);
  const gains = withSyn.map((w, i) => 100 * (mean(w.classProbs) - mean(without[i]!.classProbs)));
  const low = lowerBound(gains, 0.95);
  const g = mean(gains);
  const perImage = imageGains(withSyn, without);
  const lowImages = perImage.length > 0 ? lowerBound(perImage, 0.95) : NaN;
  const baWith = mean(withSyn.map((f) => f.balancedAccuracy));
  const baWithout = mean(without.map((f) => f.balancedAccuracy));
  const problems: string[] = [];
  if (heldOut === 0) problems.push('no held-out real image of the class to judge on');
  else if (!Number.isFinite(low)) problems.push(`one seed gives no confidence (soft-recall gain ${pts(g)} points)`);
  else if (!(low > 0)) problems.push(`held-out soft recall gain ${pts(g)} points is not above 0 with 95 % confidence (lower bound ${pts(low)})`);
  else if (!Number.isFinite(lowImages)) problems.push(`one held-out image gives no confidence over images (soft-recall gain ${pts(g)} points)`);
  else if (!(lowImages > 0)) problems.push(`held-out soft recall gain ${pts(g)} points is not above 0 with 95 % confidence over the ${perImage.length} held-out images (lower bound ${pts(lowImages)}): it rests on some of them`);
  if (!(baWith >= baWithout)) problems.push(`held-out balanced accuracy drops (${(100 * baWith).toFixed(1)} % vs ${(100 * baWithout).toFixed(1)} %)`);
  const helps = problems.length === 0;
  if (!helps && heldOut > 0 && heldOut < FEW_HELD_OUT) {
    problems.push(`judged on ${heldOut} held-out image${heldOut === 1 ? '' : 's'} of the class, too few to show a gain (a larger train.validation holds out more, ${holdingOutCosts(imported)})`);
  }
  const reason = helps
    ? `held-out soft recall ${pts(g)} points (lower bound ${pts(low)} over seeds, ${pts(lowImages)} over images), balanced accuracy ${(100 * baWith).toFixed(1)} % vs ${(100 * baWithout).toFixed(1)} %`
    : problems.join('; ');
  return {
    label,
    decision: helps || mode === 'warn' ? 'kept' : 'fallback',
    helps,
    withSynthetic: heldOut === 0 ? null : mean(withSyn.map((f) => f.recall)),
    without: heldOut === 0 ? null : mean(without.map((f) => f.recall)),
    gain: { mean: g, low: Number.isFinite(low) ? low : null, lowOverImages: Number.isFinite(lowImages) ? lowImages : null },
    balancedAccuracy: { withSynthetic: baWith, without: baWithout },
    heldOut,
    reason,
  };
}
