/**
 * Near-copies: a synthetic image whose nearest real training image is no farther than a threshold is
 * rejected — a memorised training image must never ship as "synthetic". The threshold is calibrated on
 * the real data itself: the q-quantile of each real image's distance to its nearest *other* real image.
 * A new real image would be rejected with probability about q; an exact copy (distance 0) always is.
 * Pure: distances in, decision out (see nearest.ts for the distances).
 */
import { Rng } from '../util/rng.js';
import { nearestNeighbours, type Rows } from './nearest.js';
import { quantile } from './quantile.js';
import { gather, gatherRows } from './rows.js';
import { fmt, type FilterContext, type FilterDecision, type FilterDef, type NearCopyCalibration, type NearCopySpace, type PreparedStep } from './types.js';

export type { NearCopySpace, NearCopyCalibration } from './types.js';

/**
 * The near-copy threshold: the `q`-quantile (numpy's linear interpolation) of real-vs-real
 * nearest-neighbour distances. NaN when there are none (the filter then keeps everything).
 * @throws {RangeError} if q is not in [0, 1]
 */
export function calibrateNearCopy(realToReal: ArrayLike<number>, q: number): number {
  return quantile(Array.from(realToReal).filter((v) => Number.isFinite(v)), q);
}

/**
 * Rejects every candidate whose distance to its nearest real image is ≤ `threshold` (a distance exactly
 * on the threshold is rejected, so an exact copy is rejected even at threshold 0). A NaN threshold
 * keeps everything.
 * @param nearest index of each candidate's nearest real image, named in the details
 * @param refName how to name a real image in a detail (default: "real image #i")
 */
export function rejectNearCopies(
  distances: ArrayLike<number>,
  threshold: number,
  space: NearCopySpace,
  nearest?: ArrayLike<number>,
  refName: (i: number) => string = (i) => `real image #${i}`,
): FilterDecision {
  const kept: number[] = [];
  const rejected: FilterDecision['rejected'] = [];
  for (let i = 0; i < distances.length; i++) {
    const d = distances[i]!;
    if (!(d <= threshold)) {
      kept.push(i);
      continue;
    }
    const ref = nearest ? refName(nearest[i]!) : 'a real image';
    rejected.push({
      index: i,
      reason: space === 'pixel' ? 'near-copy-pixel' : 'near-copy-feature',
      detail: `${d === 0 ? 'identical to' : `${space} distance ${fmt(d)} ≤ ${fmt(threshold)} from`} ${ref}`,
    });
  }
  return { kept, rejected, cut: Number.isNaN(threshold) ? null : threshold };
}

/** Real images used to calibrate a near-copy threshold (more are subsampled, seeded). */
export const CALIBRATION_MAX = 2000;

/**
 * The registry row: for each space of `filter.nearCopySpaces`, the distance of every candidate to its
 * nearest real image (pixels as RMS difference on a 0–1 scale, so thresholds read the same at any
 * size), a threshold calibrated on real images, and a step rejecting what lies within it.
 */
export const nearCopyFilter: FilterDef<'near-copy-feature' | 'near-copy-pixel'> = {
  reasons: ['near-copy-feature', 'near-copy-pixel'],
  needsClassifier: false,
  async prepare(ctx) {
    const n = ctx.candidates.count;
    const per = ctx.pixelDims;
    const steps: PreparedStep[] = [];
    for (const space of ctx.settings.nearCopySpaces) {
      const ref: Rows = space === 'pixel' ? { data: ctx.real.pixels, rows: ctx.real.count, dims: per } : { data: ctx.real.features, rows: ctx.real.count, dims: ctx.featureDims };
      const unit = space === 'pixel' ? 1 / (255 * Math.sqrt(per)) : 1;
      const queries: Rows = space === 'pixel' ? { data: ctx.candidates.pixels, rows: n, dims: per } : { data: ctx.candidates.features, rows: n, dims: ctx.featureDims };
      const calibration = calibrate(ctx, space, ctx.settings.nearCopyCalibration === 'pooled' ? null : ctx.classIndex, ref, unit);
      const nn = nearestNeighbours(queries, ref);
      const dist = scale(nn.distance, unit);
      steps.push({
        name: `near-copy-${space}`,
        run: (s) => rejectNearCopies(gather(dist, s), calibration.threshold, space, gather(nn.index, s), ctx.real.name),
        scores: { [`near-${space}`]: dist },
        nearCopy: calibration,
      });
      const sources = ctx.candidates.sources;
      if (sources) {
        // A translation must not be a near-copy of its own source either (its nearest real image may be another).
        const toSource = scale(distanceToRows(queries, ref, sources), unit);
        steps.push({
          name: `near-copy-source-${space}`,
          run: (s) => rejectNearCopies(gather(toSource, s), calibration.threshold, space, gather(sources, s), (i) => `its source ${ctx.real.name(i)}`),
          scores: { [`source-${space}`]: toSource },
        });
      }
    }
    return steps;
  },
};

/**
 * The feature-space near-copy threshold of `ctx`'s class, calibrated (and cached) exactly as the near-copy filter
 * does: closer than this, two images are closer than real images almost ever are. The usefulness filter's spacing.
 */
export function featureSpacing(ctx: FilterContext): number {
  const ref: Rows = { data: ctx.real.features, rows: ctx.real.count, dims: ctx.featureDims };
  return calibrate(ctx, 'feature', ctx.settings.nearCopyCalibration === 'pooled' ? null : ctx.classIndex, ref, 1).threshold;
}

function indicesOf(labels: Int32Array, c: number): number[] {
  const out: number[] = [];
  labels.forEach((l, i) => {
    if (l === c) out.push(i);
  });
  return out;
}

/**
 * The near-copy threshold of one space: the quantile of each calibration image's distance to its nearest
 * other real image. `classIndex` null = pooled over every class. Cached in `ctx.calibrated` for the run.
 */
function calibrate(ctx: FilterContext, space: NearCopySpace, classIndex: number | null, ref: Rows, unit: number): NearCopyCalibration {
  const q = ctx.settings.nearCopyQuantile;
  const key = `${space}:${classIndex ?? 'pooled'}:${q}`;
  const hit = ctx.calibrated.get(key);
  if (hit) return hit;
  const pool = classIndex === null ? Array.from({ length: ctx.real.count }, (_, i) => i) : indicesOf(ctx.real.labels, classIndex);
  const calib = calibrationSample(pool, (ctx.seed ^ 0x9e3779b9 ^ (classIndex ?? 0xffff)) >>> 0);
  const realNN = nearestNeighbours({ data: gatherRows(ref.data, ref.dims, calib), rows: calib.length, dims: ref.dims }, ref, calib);
  const result: NearCopyCalibration = {
    space,
    scope: classIndex === null ? 'pooled' : 'class',
    threshold: calibrateNearCopy(scale(realNN.distance, unit), q),
    quantile: q,
    calibrationSamples: calib.length,
  };
  ctx.calibrated.set(key, result);
  return result;
}

/** Up to CALIBRATION_MAX of `indices`, a seeded sample when there are more. */
function calibrationSample(indices: number[], seed: number): number[] {
  if (indices.length <= CALIBRATION_MAX) return indices;
  const rng = new Rng(seed >>> 0);
  const a = indices.slice();
  for (let i = 0; i < CALIBRATION_MAX; i++) {
    const j = i + rng.int(a.length - i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, CALIBRATION_MAX).sort((x, y) => x - y);
}

/** Euclidean distance of each query row i to reference row `refIndex[i]`, in float64. */
function distanceToRows(queries: Rows, ref: Rows, refIndex: readonly number[]): Float64Array {
  const out = new Float64Array(queries.rows);
  const d = queries.dims;
  for (let i = 0; i < queries.rows; i++) {
    let sum = 0;
    const r = refIndex[i]! * d;
    for (let k = 0; k < d; k++) {
      const t = queries.data[i * d + k]! - ref.data[r + k]!;
      sum += t * t;
    }
    out[i] = Math.sqrt(sum);
  }
  return out;
}

function scale(v: Float64Array, k: number): Float64Array {
  return k === 1 ? v : v.map((x) => x * k);
}
