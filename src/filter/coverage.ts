/**
 * Selection by coverage (issue 13): keep candidates spread the way the class's real images are spread,
 * instead of the `deficit` a score ranks highest. Ranking by the discriminator (or by the classifier's
 * confidence) picks the most typical candidates, and when the generator leans towards one template the
 * kept set is that template repeated while the rejected pool still varies (docs/samples.md).
 *
 * The rule: the class's real images (those the GAN trained on, never the held-out ones the guard judges
 * with) take turns, in a seeded order; at each turn a real image takes its nearest candidate (feature
 * distance) that nobody has taken yet. So every real image is "covered" by about deficit / reals
 * candidates near it, and a mode of the real class that the generator rarely hits still gets its share
 * of the pool's nearest attempts. Near-copies of real images are the near-copy filter's job: run it
 * before this one. Pure: numbers in, decision out.
 */
import { Rng } from '../util/rng.js';
import { nearestNeighbours } from './nearest.js';
import { gatherRows } from './rows.js';
import { fmt, type FilterDecision, type FilterDef } from './types.js';

export interface CoverageSettings {
  /** How many to keep (the class's deficit). */
  keep: number;
  /** Seeds the order in which the real images take turns. */
  seed: number;
}

/** Squared Euclidean distance between row a of x and row b of y (both `dims` wide). */
function dist2(x: ArrayLike<number>, a: number, y: ArrayLike<number>, b: number, dims: number): number {
  let d = 0;
  for (let k = 0; k < dims; k++) {
    const t = x[a * dims + k]! - y[b * dims + k]!;
    d += t * t;
  }
  return d;
}

/**
 * Picks `keep` of `n` candidates by turns of the anchors (real images), each taking its nearest untaken
 * candidate. With no anchors, keeps the first `keep` in candidate order (nothing to cover).
 * @param cand n × dims candidate features, row-major
 * @param anchors m × dims real-image features, row-major
 * @returns kept positions in turn order; rejected with reason `coverage`; cut = the largest
 *   anchor-to-kept distance (how far the loosest pick was from the real image that took it)
 * @throws {RangeError} on ragged rows or a negative `keep`
 */
export function selectCoverage(cand: ArrayLike<number>, anchors: ArrayLike<number>, dims: number, s: CoverageSettings): FilterDecision {
  if (!Number.isInteger(dims) || dims < 1 || cand.length % dims !== 0 || anchors.length % dims !== 0) {
    throw new RangeError(`Expected rows of ${dims} features but received ${cand.length} candidate and ${anchors.length} anchor values`);
  }
  if (!(s.keep >= 0)) throw new RangeError(`Expected keep ≥ 0 but received ${s.keep}`);
  const n = cand.length / dims;
  const m = anchors.length / dims;
  const keep = Math.min(n, Math.floor(s.keep));
  const taken = new Uint8Array(n);
  const kept: number[] = [];
  let cut: number | null = null;
  if (m === 0) {
    for (let i = 0; i < keep; i++) {
      taken[i] = 1;
      kept.push(i);
    }
  } else {
    // Each anchor's candidates, nearest first (ties: candidate order), and how far along it has got.
    const order: Int32Array[] = [];
    const d2: Float64Array[] = [];
    for (let a = 0; a < m; a++) {
      const d = Float64Array.from({ length: n }, (_, i) => dist2(anchors, a, cand, i, dims));
      d2.push(d);
      order.push(Int32Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x]! - d[y]! || x - y));
    }
    const next = new Int32Array(m);
    const turns = Int32Array.from({ length: m }, (_, i) => i);
    const rng = new Rng(s.seed >>> 0);
    for (let i = m - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [turns[i], turns[j]] = [turns[j]!, turns[i]!];
    }
    let worst = 0;
    outer: while (kept.length < keep) {
      for (const a of turns) {
        if (kept.length >= keep) break outer;
        let p = next[a]!;
        while (p < n && taken[order[a]![p]!]) p++;
        next[a] = p + 1;
        const i = order[a]![p];
        if (i === undefined) continue;
        taken[i] = 1;
        kept.push(i);
        worst = Math.max(worst, d2[a]![i]!);
      }
    }
    cut = kept.length > 0 ? Math.sqrt(worst) : null;
  }
  const rejected: FilterDecision['rejected'] = [];
  for (let i = 0; i < n; i++) {
    if (!taken[i]) rejected.push({ index: i, reason: 'coverage', detail: `not among the nearest untaken candidates of any of the class's ${m} real images (kept ${kept.length})` });
  }
  return { kept, rejected, cut };
}

/**
 * The registry row: anchors are the class's real images minus the GAN's held-out ones; the candidates'
 * features come from the run's extractor. Records each candidate's distance to its nearest anchor.
 */
export const coverageFilter: FilterDef<'coverage'> = {
  reasons: ['coverage'],
  cuts: ['coverage'],
  needsClassifier: false,
  async prepare(ctx) {
    const dims = ctx.featureDims;
    const anchorIdx: number[] = [];
    for (let i = 0; i < ctx.real.count; i++) if (ctx.real.labels[i] === ctx.classIndex && !ctx.real.heldOut.has(i)) anchorIdx.push(i);
    const anchors = gatherRows(ctx.real.features, dims, anchorIdx);
    const nearest = nearestNeighbours({ data: ctx.candidates.features, rows: ctx.candidates.count, dims }, { data: anchors, rows: anchorIdx.length, dims }).distance;
    return [
      {
        name: 'coverage',
        run: (s) => {
          const d = selectCoverage(gatherRows(ctx.candidates.features, dims, s), anchors, dims, { keep: ctx.target, seed: (ctx.seed ^ ctx.salt) >>> 0 });
          for (const r of d.rejected) r.detail += `; nearest real image at feature distance ${fmt(nearest[s[r.index]!]!)}`;
          return d;
        },
        scores: { 'coverage-distance': nearest },
      },
    ];
  },
};
