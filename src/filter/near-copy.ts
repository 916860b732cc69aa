/**
 * Near-copies: a synthetic image whose nearest real training image is no farther than a threshold is
 * rejected — a memorised training image must never ship as "synthetic". The threshold is calibrated on
 * the real data itself: the q-quantile of each real image's distance to its nearest *other* real image.
 * A new real image would be rejected with probability about q; an exact copy (distance 0) always is.
 * Pure: distances in, decision out (see nearest.ts for the distances).
 */
import { quantile } from './quantile.js';
import { fmt, type FilterDecision } from './types.js';

export type NearCopySpace = 'feature' | 'pixel';

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
