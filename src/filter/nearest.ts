/**
 * Nearest neighbours by Euclidean distance, in float64: for each query row, the closest reference row and
 * its distance. ‖q − r‖² is formed as ‖q‖² + ‖r‖² − 2 q·r with the blocked product of metrics/linalg, so
 * integer pixel rows give exact distances (an identical image is at exactly 0). Pure.
 */
import { gemmNT } from '../metrics/linalg.js';

/** Rows of numbers: `rows` × `dims`, row-major (uint8 pixels or float features). */
export interface Rows {
  data: ArrayLike<number>;
  rows: number;
  dims: number;
}

export interface Nearest {
  /** Distance to the nearest allowed reference (Infinity when there is none). */
  distance: Float64Array;
  /** Its index among the references (−1 when there is none). */
  index: Int32Array;
}

/** Query rows per block (a block's products are 256 × 1024 doubles = 2 MiB). */
const QB = 256;
const RB = 1024;

function toF64(m: Rows, name: string): Float64Array {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.dims) || m.rows < 0 || m.dims < 1 || m.data.length < m.rows * m.dims) {
    throw new RangeError(`Expected ${name} to hold ${m.rows} rows of ${m.dims} values but received ${m.data.length} values`);
  }
  const out = new Float64Array(m.rows * m.dims);
  for (let i = 0; i < out.length; i++) out[i] = m.data[i]!;
  return out;
}

/**
 * The nearest reference of each query.
 * @param skip for query i, a reference index it may not match (itself, when queries are references),
 *   or −1; lets real-vs-real distances exclude the trivial match
 * @throws {RangeError} if the shapes disagree
 */
export function nearestNeighbours(queries: Rows, refs: Rows, skip?: ArrayLike<number>): Nearest {
  if (queries.dims !== refs.dims) throw new RangeError(`Expected refs to have ${queries.dims} dims (like queries) but received ${refs.dims}`);
  const d = queries.dims;
  const q = toF64(queries, 'queries');
  const r = toF64(refs, 'refs');
  const nq = queries.rows;
  const nr = refs.rows;
  const norm = (m: Float64Array, rows: number) => {
    const out = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let k = i * d; k < (i + 1) * d; k++) s += m[k]! * m[k]!;
      out[i] = s;
    }
    return out;
  };
  const qn = norm(q, nq);
  const rn = norm(r, nr);
  const best = new Float64Array(nq).fill(Infinity);
  const index = new Int32Array(nq).fill(-1);
  const dots = new Float64Array(QB * RB);
  for (let i0 = 0; i0 < nq; i0 += QB) {
    const m = Math.min(QB, nq - i0);
    for (let j0 = 0; j0 < nr; j0 += RB) {
      const n = Math.min(RB, nr - j0);
      dots.fill(0, 0, m * n);
      gemmNT(m, n, d, 1, q, i0 * d, d, r, j0 * d, d, dots, 0, n);
      for (let i = 0; i < m; i++) {
        const qi = i0 + i;
        const s = skip ? skip[qi]! : -1;
        for (let j = 0; j < n; j++) {
          const rj = j0 + j;
          if (rj === s) continue;
          const d2 = qn[qi]! + rn[rj]! - 2 * dots[i * n + j]!;
          if (d2 < best[qi]!) {
            best[qi] = d2;
            index[qi] = rj;
          }
        }
      }
    }
  }
  const distance = new Float64Array(nq);
  for (let i = 0; i < nq; i++) distance[i] = best[i] === Infinity ? Infinity : Math.sqrt(Math.max(0, best[i]!));
  return { distance, index };
}
