/**
 * Feature matrices and their Gaussian statistics (mean and covariance), the
 * per-class quantities that FID compares. Pure but for one optional call: large covariances go to the
 * native addon's BLAS dsyrk where it loads (src/backend/native.ts).
 */
import { gemmNT, mirrorLower } from './linalg.js';
import { covarianceUpdateWasm, createArena, wasmArenaOf, type Arena } from './wasm.js';
import { InternalError } from '../errors.js';
import { blasAddon, type NativeAddon } from '../backend/native.js';

/** Samples × features, row-major: feature j of sample i is `data[i * dims + j]`. */
export type FeatureMatrix = { data: Float32Array | Float64Array; rows: number; dims: number };

/** What the metrics accept: a {@link FeatureMatrix} or one array of numbers per sample. */
export type Features = FeatureMatrix | number[][];

/** Mean and unbiased covariance of a feature matrix, in float64. */
export interface GaussianStats {
  /** Per-feature mean, length `dims`. */
  mean: Float64Array;
  /** Covariance, row-major dims × dims, symmetric (both triangles filled), divided by rows − 1. */
  cov: Float64Array;
  rows: number;
  dims: number;
}

/** Samples per transposed panel of the covariance product. */
const PANEL_ROWS = 256;

/**
 * From this many multiply-adds (rows · dims²) on, the covariance goes to the BLAS's dsyrk when the native
 * addon is loaded (threaded, ~4× the wasm kernel on 2 cores at 10,000 × 2048). Smaller ones stay on the
 * wasm kernel: it is exact to the last bit from run to run and machine to machine, and they take
 * milliseconds anyway.
 */
export const NATIVE_COV_MIN_MACS = 1e9;

/** Lower triangle of (X − mean)ᵀ·(X − mean) through the BLAS, or false when it has no dsyrk. */
function covarianceNative(addon: NativeAddon, data: Float32Array | Float64Array, rows: number, dims: number, mean: Float64Array, cov: Float64Array): boolean {
  const panelRows = Math.min(rows, Math.max(PANEL_ROWS, Math.floor((32 << 20) / (8 * dims))));
  const panel = new Float64Array(panelRows * dims);
  for (let r0 = 0; r0 < rows; r0 += panelRows) {
    const kc = Math.min(panelRows, rows - r0);
    for (let s = 0; s < kc; s++) {
      const src = (r0 + s) * dims;
      for (let j = 0; j < dims; j++) panel[s * dims + j] = data[src + j]! - mean[j]!;
    }
    if (!addon.syrkLower(kc === panelRows ? panel : panel.subarray(0, kc * dims), kc, dims, cov)) return false;
  }
  return true;
}

/**
 * Check a feature argument and return it as a {@link FeatureMatrix}
 * (number[][] is copied to float64).
 *
 * @param name parameter name used in error messages
 * @param minRows fewest samples the caller can work with
 * @throws {TypeError} if `x` is neither a FeatureMatrix nor an array of number arrays
 * @throws {RangeError} if the shape is inconsistent, has fewer than `minRows` rows or no columns
 */
export function readFeatures(x: Features, name: string, minRows: number): FeatureMatrix {
  const m = Array.isArray(x) ? fromRows(x, name) : checkMatrix(x, name);
  if (m.rows < minRows) {
    throw new RangeError(`Expected ${name} to have at least ${minRows} rows (samples) but received ${m.rows}`);
  }
  return m;
}

function fromRows(x: unknown[], name: string): FeatureMatrix {
  const rows = x.length;
  const first = x[0];
  if (rows > 0 && !Array.isArray(first)) {
    throw new TypeError(`Expected ${name} to be an array of number arrays but received ${describe(first)} at ${name}[0]`);
  }
  const dims = rows > 0 ? (first as unknown[]).length : 0;
  if (rows > 0 && dims === 0) throw new RangeError(`Expected ${name}[0] to have at least 1 value but received 0`);
  const data = new Float64Array(rows * dims);
  for (let i = 0; i < rows; i++) {
    const row = x[i];
    if (!Array.isArray(row) || row.length !== dims) {
      const got = Array.isArray(row) ? `${row.length} values` : describe(row);
      throw new RangeError(`Expected ${name}[${i}] to have ${dims} values (like ${name}[0]) but received ${got}`);
    }
    for (let j = 0; j < dims; j++) {
      const v: unknown = row[j];
      if (typeof v !== 'number') throw new TypeError(`Expected ${name}[${i}][${j}] to be a number but received ${describe(v)}`);
      data[i * dims + j] = v;
    }
  }
  return { data, rows, dims };
}

function checkMatrix(x: unknown, name: string): FeatureMatrix {
  if (typeof x !== 'object' || x === null) {
    throw new TypeError(`Expected ${name} to be a FeatureMatrix or number[][] but received ${describe(x)}`);
  }
  const { data, rows, dims } = x as Partial<FeatureMatrix>;
  if (!(data instanceof Float32Array || data instanceof Float64Array)) {
    throw new TypeError(`Expected ${name}.data to be a Float32Array or Float64Array but received ${describe(data)}`);
  }
  for (const [key, v] of [['rows', rows], ['dims', dims]] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new RangeError(`Expected ${name}.${key} to be a positive integer but received ${describe(v)}`);
    }
  }
  const r = rows as number, d = dims as number;
  if (data.length !== r * d) {
    throw new RangeError(`Expected ${name}.data to have rows × dims = ${r} × ${d} = ${r * d} values but received ${data.length}`);
  }
  return { data, rows: r, dims: d };
}

/** @throws {RangeError} naming the first non-finite value of `m` */
export function assertFinite(m: FeatureMatrix, name: string): void {
  const i = m.data.findIndex((v) => !Number.isFinite(v));
  if (i >= 0) {
    const row = Math.floor(i / m.dims), col = i % m.dims;
    throw new RangeError(`Expected ${name} to contain only finite values but received ${m.data[i]} at row ${row}, column ${col}`);
  }
}

/** Short description of a received value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

/**
 * Mean and unbiased covariance (divided by rows − 1, like `np.cov`) of a
 * feature matrix, in float64, so callers can cache them per class and
 * compare with {@link frechetDistance}.
 *
 * Two-pass: the samples are centred on the float64 mean before the product,
 * so large offsets do not cancel. The product is a blocked Xᵀ·X over panels
 * of 256 samples, computing the lower triangle only (wasm SIMD when
 * available, see wasm.ts) — or, from {@link NATIVE_COV_MIN_MACS} multiply-adds on, the
 * BLAS's dsyrk on centred panels when the native addon loads.
 *
 * @example
 * const real = meanCov({ data: feats, rows: 500, dims: 128 });
 * @param m samples × dims features
 * @param name what to call `m` in error messages
 * @param options `native: false` keeps a large covariance on the wasm kernel
 * @throws {TypeError} if `m` is not a feature matrix
 * @throws {RangeError} if `m` has fewer than 2 rows, an inconsistent shape, or non-finite values
 */
export function meanCov(m: Features, name = 'm', options: { native?: boolean } = {}): GaussianStats {
  const x = readFeatures(m, name, 2);
  const { data, rows, dims } = x;
  const mean = columnMeans(data, rows, dims);
  // NaN and ±Infinity propagate into the sums: one cheap check instead of a full scan.
  if (!mean.every(Number.isFinite)) assertFinite(x, name);

  const addon = options.native !== false && rows * dims * dims >= NATIVE_COV_MIN_MACS ? blasAddon() : null;
  if (addon) {
    const cov = new Float64Array(dims * dims);
    if (covarianceNative(addon, data, rows, dims, mean, cov)) return { mean, cov: finishCov(cov, rows, dims), rows, dims };
  }
  const panelRows = Math.min(PANEL_ROWS, rows);
  const arena = createArena(dims * dims + dims * panelRows + dims, dims);
  const cov = arena.f64(dims * dims);
  const update = covarianceUpdater(arena, data instanceof Float32Array, dims, panelRows, mean, cov);
  for (let r0 = 0; r0 < rows; r0 += panelRows) {
    update(data.subarray(r0 * dims, Math.min(rows, r0 + panelRows) * dims));
  }
  // A copy, so the result does not pin the arena's memory.
  return { mean, cov: finishCov(cov, rows, dims).slice(), rows, dims };
}

/** Divides the summed lower triangle by rows − 1 and mirrors it into the upper one, in place. */
function finishCov(cov: Float64Array, rows: number, dims: number): Float64Array {
  const scale = 1 / (rows - 1);
  for (let i = 0; i < dims; i++) {
    for (let j = 0; j <= i; j++) cov[i * dims + j] = cov[i * dims + j]! * scale;
  }
  mirrorLower(cov, dims);
  return cov;
}

/** Float64 column means of a rows × dims matrix (four rows per pass over the sums). */
function columnMeans(data: Float32Array | Float64Array, rows: number, dims: number): Float64Array {
  const mean = new Float64Array(dims);
  let i = 0;
  for (; i + 4 <= rows; i += 4) {
    const r0 = i * dims, r1 = r0 + dims, r2 = r1 + dims, r3 = r2 + dims;
    for (let j = 0; j < dims; j++) mean[j] = mean[j]! + (data[r0 + j]! + data[r1 + j]! + (data[r2 + j]! + data[r3 + j]!));
  }
  for (; i < rows; i++) {
    const r = i * dims;
    for (let j = 0; j < dims; j++) mean[j] = mean[j]! + data[r + j]!;
  }
  for (let j = 0; j < dims; j++) mean[j] = mean[j]! / rows;
  return mean;
}

/**
 * A function that adds (X − mean)ᵀ·(X − mean) to the lower triangle of `cov`
 * for one panel X of up to `panelRows` samples. In a wasm arena the panel is
 * copied in as is and centred while packing; otherwise it is centred and
 * transposed in JS for gemmNT. Both paths give bit-identical sums.
 */
export function covarianceUpdater(
  arena: Arena,
  float32: boolean,
  dims: number,
  panelRows: number,
  mean: Float64Array,
  cov: Float64Array,
): (samples: Float32Array | Float64Array) => void {
  if (wasmArenaOf(cov)) {
    const stage = float32 ? arena.f32(dims * panelRows) : arena.f64(dims * panelRows);
    const meanIn = arena.f64(dims);
    meanIn.set(mean);
    return (samples) => {
      stage.set(samples);
      if (!covarianceUpdateWasm(stage, samples.length / dims, dims, meanIn, cov)) {
        throw new InternalError('covarianceUpdater: the wasm arena has no room for this panel');
      }
    };
  }
  const panel = new Float64Array(dims * panelRows);
  return (samples) => {
    const kc = samples.length / dims;
    for (let s = 0; s < kc; s++) {
      const src = s * dims;
      for (let j = 0; j < dims; j++) panel[j * kc + s] = samples[src + j]! - mean[j]!;
    }
    gemmNT(dims, dims, kc, 1, panel, 0, kc, panel, 0, kc, cov, 0, dims, true);
  };
}
