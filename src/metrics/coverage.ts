/**
 * Coverage (Naeem et al., "Reliable Fidelity and Diversity Metrics for Generative Models", ICML 2020): the
 * share of real samples whose k-nearest-neighbour ball — radius: the distance to their k-th nearest *other*
 * real sample — holds at least one generated sample. It measures diversity the way FID cannot on a few
 * dozen images: a generator that collapsed onto one template covers the balls around that template and no
 * others, however realistic the template is. Unlike recall it does not reward outliers, since the balls
 * are the real samples'. Pure, float64, Euclidean; inside means strictly closer than the radius, as in the
 * authors' reference code (clovaai/generative-evaluation-prdc).
 */
import { readFeatures, type Features, type FeatureMatrix } from './stats.js';

/** Squared Euclidean distance between row i of a and row j of b. */
function dist2(a: FeatureMatrix, i: number, b: FeatureMatrix, j: number): number {
  const d = a.dims;
  let s = 0;
  for (let k = 0; k < d; k++) {
    const t = a.data[i * d + k]! - b.data[j * d + k]!;
    s += t * t;
  }
  return s;
}

/** Squared distance of each real sample to its k-th nearest other real sample. */
export function kthNeighbourRadii(real: FeatureMatrix, k: number): Float64Array {
  const n = real.rows;
  const out = new Float64Array(n);
  const row = new Float64Array(n - 1);
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let j = 0; j < n; j++) if (j !== i) row[m++] = dist2(real, i, real, j);
    row.sort();
    out[i] = row[k - 1]!;
  }
  return out;
}

/**
 * Coverage of `real` by `fake`, in [0, 1].
 * @param k neighbours that set each real sample's radius (the paper's default is 5); it must be below the
 *   number of real samples
 * @throws {RangeError} for mismatched dims, fewer than k + 1 real samples, no fake sample or a bad k
 */
export function coverage(real: Features, fake: Features, k = 5): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`Expected k to be a positive integer but received ${k}`);
  const r = readFeatures(real, 'real', k + 1);
  const f = readFeatures(fake, 'fake', 1);
  if (r.dims !== f.dims) throw new RangeError(`Expected fake to have ${r.dims} dims (like real) but received ${f.dims}`);
  const radii = kthNeighbourRadii(r, k);
  let covered = 0;
  for (let i = 0; i < r.rows; i++) {
    for (let j = 0; j < f.rows; j++) {
      if (dist2(r, i, f, j) < radii[i]!) {
        covered++;
        break;
      }
    }
  }
  return covered / r.rows;
}
