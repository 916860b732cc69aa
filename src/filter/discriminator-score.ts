/**
 * Filtering candidates by the discriminator's logit (higher = more real-looking). Pure: scores in,
 * kept/rejected with a reason out. A NaN score ranks below every number and never passes a threshold.
 */
import { Rng } from '../util/rng.js';
import { quantile } from './quantile.js';
import { gather } from './rows.js';
import { fmt, type FilterDecision, type FilterDef } from './types.js';

export type { FilterDecision } from './types.js';

/** Candidate indices, best score first; ties (and NaNs among themselves) in candidate order. */
function rank(scores: ArrayLike<number>): number[] {
  const key = (i: number) => (Number.isNaN(scores[i]!) ? -Infinity : scores[i]!);
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => key(b) - key(a) || (Number.isNaN(scores[a]!) ? 1 : 0) - (Number.isNaN(scores[b]!) ? 1 : 0) || a - b);
}

/**
 * Keeps the `keep` highest-scoring candidates. Ties are broken by candidate order, so the result is
 * deterministic; `keep` ≥ the number of candidates keeps them all.
 */
export function keepTopByScore(scores: ArrayLike<number>, keep: number): FilterDecision {
  const order = rank(scores);
  const n = Math.max(0, Math.min(Math.floor(keep), order.length));
  const kept = order.slice(0, n);
  const cut = n > 0 ? scores[kept[n - 1]!]! : null;
  const rejected = order.slice(n).map((index) => ({
    index,
    reason: 'discriminator' as const,
    detail: `discriminator score ${fmt(scores[index]!)} below the cut ${cut === null ? '(none kept)' : fmt(cut)} (kept the best ${n})`,
  }));
  return { kept, rejected, cut };
}

/**
 * Keeps the best `fraction` of the candidates, ⌈fraction × n⌉ of them (ties by candidate order).
 * @throws {RangeError} if fraction is not in [0, 1]
 */
export function keepTopFraction(scores: ArrayLike<number>, fraction: number): FilterDecision {
  if (!(fraction >= 0 && fraction <= 1)) throw new RangeError(`Expected fraction between 0 and 1 but received ${fraction}`);
  // toFixed: 0.3 × 10 is 3.0000000000000004, which must keep 3, not 4.
  const keep = Math.ceil(Number((fraction * scores.length).toFixed(9)));
  const d = keepTopByScore(scores, keep);
  for (const r of d.rejected) r.detail = `discriminator score ${fmt(scores[r.index]!)} outside the best ${fmt(fraction * 100, 1)}% (cut ${d.cut === null ? 'none' : fmt(d.cut)})`;
  return d;
}

/** Keeps every candidate whose score is ≥ `threshold` (a score exactly on it is kept), best first. */
export function keepAboveThreshold(scores: ArrayLike<number>, threshold: number): FilterDecision {
  const order = rank(scores);
  const kept = order.filter((i) => scores[i]! >= threshold);
  const rejected = order
    .filter((i) => !(scores[i]! >= threshold))
    .map((index) => ({ index, reason: 'discriminator' as const, detail: `discriminator score ${fmt(scores[index]!)} < threshold ${fmt(threshold)}` }));
  return { kept, rejected, cut: threshold };
}

export interface DrsOptions {
  /**
   * γ, the shift of F, is set to this percentile (0–100) of F over the candidates: a candidate at that
   * percentile is accepted with probability ½, better ones more often. Higher = stricter.
   */
  percentile: number;
  /** Seed of the acceptance draws. */
  seed: number;
  /** ε of F (keeps log(1 − e^…) finite at the largest logit). Default 1e-6. */
  epsilon?: number;
  /** D̃*_M, the largest logit seen during burn-in; raised to the largest score here if that is higher. */
  maxLogit?: number;
}

export interface DrsDecision extends FilterDecision {
  /** Acceptance probability of each candidate (NaN score → 0). */
  acceptance: Float64Array;
  /** The shift γ and the D̃*_M used. */
  gamma: number;
  maxLogit: number;
}

/**
 * Discriminator rejection sampling (Azadi et al. 2019, "Discriminator Rejection Sampling", ICLR): a
 * candidate with logit D̃ is accepted with probability σ(F − γ), where
 *
 *   F = D̃ − D̃*_M − log(1 − exp(D̃ − D̃*_M − ε))
 *
 * — for an optimal discriminator exp(D̃) = p_data/p_g, so acceptance ∝ exp(D̃) corrects the generator's
 * density towards the data's; the log term and the sigmoid are the paper's numerically safe form, and γ is
 * the percentile-based shift that sets the overall acceptance rate. All candidates serve as the burn-in
 * for D̃*_M. Draws come from Rng(seed) in candidate order, so the same inputs give the same decision.
 * Kept candidates are returned best score first.
 * @throws {RangeError} if percentile is not in [0, 100] or epsilon is not > 0
 */
export function rejectionSample(scores: ArrayLike<number>, opts: DrsOptions): DrsDecision {
  const { percentile, seed } = opts;
  const eps = opts.epsilon ?? 1e-6;
  if (!(percentile >= 0 && percentile <= 100)) throw new RangeError(`Expected percentile between 0 and 100 but received ${percentile}`);
  if (!(eps > 0)) throw new RangeError(`Expected epsilon > 0 but received ${eps}`);
  const n = scores.length;
  let maxLogit = opts.maxLogit ?? -Infinity;
  for (let i = 0; i < n; i++) if (scores[i]! > maxLogit) maxLogit = scores[i]!;
  const F = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const delta = scores[i]! - maxLogit;
    // log(1 − e^(δ−ε)) = log(−expm1(δ − ε)), exact for δ − ε near 0.
    F[i] = Number.isNaN(delta) ? NaN : delta - Math.log(-Math.expm1(delta - eps));
  }
  const gamma = n > 0 ? quantile(F, percentile / 100) : NaN;
  const acceptance = new Float64Array(n);
  const rng = new Rng(seed);
  const accepted: number[] = [];
  const rejected: DrsDecision['rejected'] = [];
  for (let i = 0; i < n; i++) {
    const p = Number.isNaN(F[i]!) ? 0 : 1 / (1 + Math.exp(-(F[i]! - gamma)));
    acceptance[i] = p;
    const u = rng.next();
    if (u < p) accepted.push(i);
    else rejected.push({ index: i, reason: 'drs', detail: `not accepted by rejection sampling (score ${fmt(scores[i]!)}, acceptance ${fmt(p, 3)})` });
  }
  const kept = rank(Array.from(accepted, (i) => scores[i]!)).map((j) => accepted[j]!);
  return { kept, rejected, cut: gamma, acceptance, gamma, maxLogit };
}

/**
 * The registry row: the discriminator's logit, decided by `filter.discriminator` — `top` keeps the best
 * `target`, `fraction` the best share, `threshold` every logit ≥ it, `drs` rejection sampling.
 */
export const discriminatorFilter: FilterDef<'discriminator' | 'drs'> = {
  reasons: ['discriminator', 'drs'],
  cuts: ['discriminator'],
  needsClassifier: false,
  async prepare(ctx) {
    const f = ctx.settings;
    const scores = ctx.candidates.discriminator;
    const seed = (ctx.seed ^ ctx.salt ^ 0x5bd1e995) >>> 0;
    const run = ((): ((s: readonly number[]) => FilterDecision) => {
      switch (f.discriminator) {
        case 'top':
          return (s) => keepTopByScore(gather(scores, s), ctx.target);
        case 'fraction':
          return (s) => keepTopFraction(gather(scores, s), f.fraction);
        case 'threshold':
          return (s) => keepAboveThreshold(gather(scores, s), f.threshold);
        case 'drs':
          return (s) => rejectionSample(gather(scores, s), { percentile: f.drsPercentile, seed });
      }
    })();
    return [{ name: `discriminator-${f.discriminator}`, run, scores: {} }];
  },
};
