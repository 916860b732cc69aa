/**
 * Spread: how far apart a set's samples lie from each other — the mean pairwise Euclidean distance — and a
 * kept set's spread on the scale of the real images' own. A kept set narrower than its class (the
 * discriminator ranking picks one bright template, a generator collapses) scores well below 1; noise
 * scatters above it. Pure, float64.
 */

/** Rows of numbers: `rows` × `dims`, row-major (uint8 pixels or float features). */
export interface SpreadRows {
  data: ArrayLike<number>;
  rows: number;
  dims: number;
}

/** Mean pairwise Euclidean distance between the first `n` rows of `data` (rows of `per` values); 0 under 2 rows. */
export function meanPairwiseDistance(data: ArrayLike<number>, n: number, per: number): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      let d = 0;
      for (let k = 0; k < per; k++) {
        const t = data[i * per + k]! - data[j * per + k]!;
        d += t * t;
      }
      sum += Math.sqrt(d);
      pairs++;
    }
  }
  return pairs ? sum / pairs : 0;
}

/** At most `cap` rows of `m`, evenly spaced over it (all of them when it has no more), as float64. */
export function evenRows(m: SpreadRows, cap: number): { data: Float64Array; rows: number; dims: number } {
  const n = Math.min(m.rows, cap);
  const out = new Float64Array(n * m.dims);
  for (let i = 0; i < n; i++) {
    const src = Math.floor((i * m.rows) / n);
    for (let k = 0; k < m.dims; k++) out[i * m.dims + k] = m.data[src * m.dims + k]!;
  }
  return { data: out, rows: n, dims: m.dims };
}

/** Rows each side of {@link spreadRatio} (pairs grow with its square: 200 rows of 128 dims take ~3 ms). */
export const SPREAD_CAP = 200;

/**
 * The kept set's spread ÷ the real set's, each over at most `cap` evenly spaced rows; null when either
 * side has fewer than 2 rows or the real images do not differ at all.
 * @throws {RangeError} when the sets have different dims
 */
export function spreadRatio(kept: SpreadRows, real: SpreadRows, cap = SPREAD_CAP): number | null {
  if (kept.dims !== real.dims) throw new RangeError(`Expected kept to have ${real.dims} dims (like real) but received ${kept.dims}`);
  if (kept.rows < 2 || real.rows < 2) return null;
  const spread = (m: SpreadRows) => {
    const e = evenRows(m, cap);
    return meanPairwiseDistance(e.data, e.rows, e.dims);
  };
  const r = spread(real);
  return r > 0 ? spread(kept) / r : null;
}
