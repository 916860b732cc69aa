/**
 * Nearest neighbours by Euclidean distance, in float64: for each query row, the closest reference row and
 * its distance. ‖q − r‖² is formed as ‖q‖² + ‖r‖² − 2 q·r with the blocked product of metrics/linalg, so
 * integer pixel rows give exact distances (an identical image is at exactly 0). Pure.
 *
 * Pixel rows (uint8) take the BLAS's dgemm where the native addon loads: every product and partial sum of
 * 8-bit integers is an integer far below 2⁵³, so any order of summation gives the same bits as the wasm
 * kernel, 1.5× faster here (the near-copy filter compares each candidate with every real image of
 * every class: half of a 30-class run's generate stage). Feature rows (floats) stay on the wasm kernel,
 * whose rounding is the same on every machine; they are ~10× smaller anyway.
 */
import { gemmNT } from '../metrics/linalg.js';
import { scratchArena } from '../metrics/wasm.js';
import { blasAddon } from '../backend/native.js';

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

/** Rows of 8-bit integers, whose products the BLAS sums exactly (see above). */
const isIntegerRows = (m: Rows) => m.data instanceof Uint8Array || m.data instanceof Uint8ClampedArray;

/** Query rows per block (a block's products are 256 × 1024 doubles = 2 MiB). */
const QB = 256;
const RB = 1024;

function check(m: Rows, name: string): void {
  if (!Number.isInteger(m.rows) || !Number.isInteger(m.dims) || m.rows < 0 || m.dims < 1 || m.data.length < m.rows * m.dims) {
    throw new RangeError(`Expected ${name} to hold ${m.rows} rows of ${m.dims} values but received ${m.data.length} values`);
  }
}

/** Rows [from, from + rows) as float64, into `out` (a block: the whole set as float64 would be 8× its pixels). */
function blockF64(m: Rows, from: number, rows: number, out: Float64Array): Float64Array {
  const d = m.dims;
  const src = m.data;
  for (let i = 0, k = from * d; i < rows * d; i++, k++) out[i] = src[k]!;
  return out;
}

/**
 * The nearest reference of each query.
 * @param skip for query i, a reference index it may not match (itself, when queries are references),
 *   or −1; lets real-vs-real distances exclude the trivial match
 * @param options.native false: pixel rows' products on the wasm kernel too (the same bits, for tests)
 * @throws {RangeError} if the shapes disagree
 */
export function nearestNeighbours(queries: Rows, refs: Rows, skip?: ArrayLike<number>, options: { native?: boolean } = {}): Nearest {
  if (queries.dims !== refs.dims) throw new RangeError(`Expected refs to have ${queries.dims} dims (like queries) but received ${refs.dims}`);
  check(queries, 'queries');
  check(refs, 'refs');
  const d = queries.dims;
  const nq = queries.rows;
  const nr = refs.rows;
  const norms = (m: Rows) => {
    const out = new Float64Array(m.rows);
    for (let i = 0; i < m.rows; i++) {
      let s = 0;
      for (let k = i * d; k < (i + 1) * d; k++) s += Number(m.data[k]) * Number(m.data[k]);
      out[i] = s;
    }
    return out;
  };
  const qn = norms(queries);
  const rn = norms(refs);
  const best = new Float64Array(nq).fill(Infinity);
  const index = new Int32Array(nq).fill(-1);
  // In one wasm arena the products run on its SIMD kernel, bit for bit what the JS loops give.
  const blas = options.native !== false && isIntegerRows(queries) && isIntegerRows(refs) ? blasAddon() : null;
  const arena = scratchArena(QB * RB + (Math.min(QB, nq) + Math.min(RB, nr)) * d, RB);
  const dots = arena.f64(QB * RB);
  const qBlock = arena.f64(Math.min(QB, nq) * d);
  const rBlock = arena.f64(Math.min(RB, nr) * d);
  // Reference blocks outside: each is converted once; query blocks (4× smaller) once per reference block.
  for (let j0 = 0; j0 < nr; j0 += RB) {
    const n = Math.min(RB, nr - j0);
    blockF64(refs, j0, n, rBlock);
    for (let i0 = 0; i0 < nq; i0 += QB) {
      const m = Math.min(QB, nq - i0);
      blockF64(queries, i0, m, qBlock);
      if (!blas?.gemmNT(m === QB ? qBlock : qBlock.subarray(0, m * d), m, n === RB ? rBlock : rBlock.subarray(0, n * d), n, d, dots)) {
        dots.fill(0, 0, m * n);
        gemmNT(m, n, d, 1, qBlock, 0, d, rBlock, 0, d, dots, 0, n);
      }
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
