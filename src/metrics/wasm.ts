/**
 * WebAssembly SIMD kernels for the metrics, built from wasm/kernels.c by
 * wasm/build.sh and embedded as base64 (no file I/O).
 *
 * An arena is one wasm memory sized for one computation. The linalg routines
 * send a product to wasm when all its operands are views of the same arena,
 * and otherwise run their JS loops, which compute the same products in the
 * same order: the two paths agree bit for bit (the tridiagonalisation step
 * differs only by rounding). Without WebAssembly SIMD, or when a problem is
 * too large for a 32-bit memory, arenas hand out plain Float64Arrays.
 */
import { KERNELS_WASM_BASE64 } from './wasm/kernels-wasm.js';
import { InternalError } from '../errors.js';

/**
 * k-block width of the matrix product, shared by the JS loops (two 4-row
 * strips of 256 doubles stay in L1) and kernels.c, whose KC must match:
 * equal blocks are what makes both paths sum in the same order.
 */
export const KC = 256;
/** Rows of C per gemm_block call: short calls let V8 switch to optimised code early on. */
const ROWS_PER_CALL = 64;
/** Columns of C per packed B chunk: 128 × 256 doubles (256 KiB) stay in L2 while all of A streams past. */
const NC = 128;
const PAGE = 65536;
/** Largest wasm32 memory Node 20 grants. */
const MAX_PAGES = 65536;

/** The slice of the WebAssembly API used here (the project's TS libs do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}
type WasmModule = { readonly __brand: 'WebAssembly.Module' };
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

interface KernelExports {
  __heap_base: { value: number };
  pack(x: number, ldx: number, rows: number, k0: number, kc: number, dst: number): void;
  pack_t(x: number, ldx: number, rows: number, k0: number, kc: number, dst: number): void;
  pack_t_centre_f32(x: number, ldx: number, rows: number, k0: number, kc: number, mean: number, dst: number): void;
  pack_t_centre_f64(x: number, ldx: number, rows: number, k0: number, kc: number, mean: number, dst: number): void;
  gemm_block(
    iLo: number, iHi: number, jLo: number, jHi: number, m: number, n: number, k0: number, kc: number,
    alpha: number, pa: number, pb: number, c: number, ldc: number, lower: number, aUpper: number,
  ): void;
  fused_update(a: number, n: number, lo: number, u: number, w: number, un: number, pn: number): void;
}

/** Hands out zeroed float64 arrays for one computation. */
export interface Arena {
  f64(length: number): Float64Array;
  /** A zeroed Float32Array of length n, 16-byte aligned. */
  f32(length: number): Float32Array;
}

const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: WasmModule | null | undefined;

/** The compiled kernels, or null when this runtime lacks WebAssembly SIMD. Compiled once, on first use. */
function kernelModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      const bytes = Uint8Array.from(atob(KERNELS_WASM_BASE64), (ch) => ch.charCodeAt(0));
      compiled = wasmApi?.validate(bytes) ? new wasmApi.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** Wasm arenas by their memory's buffer, so kernels can recognise their operands. */
const arenas = new WeakMap<ArrayBufferLike, WasmArena>();

/** Rows of packing space for products of up to `maxDim` rows per operand. */
const panelRowsFor = (maxDim: number) => Math.ceil(maxDim / 4) * 4;

class WasmArena implements Arena {
  private next: number;
  /** Where the arrays begin (after the packing space), and where the memory ends. */
  private readonly start: number;
  private readonly end: number;
  /** Packing space for the A and B panels of one k-block, each `panelRows` rows. */
  readonly packA: number;
  readonly packB: number;

  constructor(
    readonly memory: WasmMemory,
    readonly kernels: KernelExports,
    heapStart: number,
    readonly panelRows: number,
  ) {
    this.packA = heapStart;
    this.packB = heapStart + panelRows * KC * 8;
    this.start = this.packB + NC * KC * 8;
    this.next = this.start;
    this.end = memory.buffer.byteLength;
  }

  f64(length: number): Float64Array {
    return new Float64Array(this.memory.buffer, this.take(length * 8), length);
  }

  f32(length: number): Float32Array {
    return new Float32Array(this.memory.buffer, this.take(length * 4), length);
  }

  /**
   * Whether `doubles` float64 values (and packing for `panelRows` rows) fit in this arena once emptied, with the
   * same 4 KiB to spare for the arrays' 16-byte alignment as {@link createArena} asks of a new one.
   */
  fits(doubles: number, panelRows: number): boolean {
    return panelRows <= this.panelRows && this.start + doubles * 8 + 4096 <= this.end;
  }

  /** Empties the arena: every array taken from it before is overwritten by the next ones. */
  reset(): void {
    this.next = this.start;
  }

  private take(bytes: number): number {
    if (this.next + bytes > this.end) throw new InternalError(`wasm arena exhausted: ${bytes} more bytes requested`);
    const at = this.next;
    this.next = (this.next + bytes + 15) & ~15;
    return at;
  }
}

/**
 * An arena with room for `doubles` float64 values (plus packing space for
 * products of up to `maxDim` rows per operand): wasm memory when available,
 * else plain arrays.
 */
export function createArena(doubles: number, maxDim: number): Arena {
  const mod = kernelModule();
  const panelRows = panelRowsFor(maxDim);
  const needed = (panelRows + NC) * KC * 8 + doubles * 8;
  // Spare pages hold the kernels' stack and data (below __heap_base) and the 16-byte alignment of each array.
  const pages = Math.ceil(needed / PAGE) + 4;
  if (mod && wasmApi && pages <= MAX_PAGES) {
    try {
      const memory = new wasmApi.Memory({ initial: pages, maximum: pages });
      const kernels = new wasmApi.Instance(mod, { env: { memory } }).exports as KernelExports;
      const heapStart = (kernels.__heap_base.value + 15) & ~15;
      if (heapStart + needed + 4096 <= memory.buffer.byteLength) {
        const arena = new WasmArena(memory, kernels, heapStart, panelRows);
        arenas.set(memory.buffer, arena);
        return arena;
      }
    } catch {
      // No room for a wasm heap this size: fall through to plain arrays.
    }
  }
  return plainArena();
}

let scratch: WasmArena | null = null;

/**
 * Like {@link createArena}, but the same wasm memory call after call, emptied each time, while it is large
 * enough: for a synchronous caller that keeps none of the arrays past its return (nearest neighbours, run
 * once per scarce class). A new memory per call was ~18 MB of garbage a class, reclaimed only by a major
 * GC: a +73 MB sawtooth through a 30-class run's generate stage. The memory kept is the largest asked for.
 */
export function scratchArena(doubles: number, maxDim: number): Arena {
  if (scratch && scratch.fits(doubles, panelRowsFor(maxDim))) {
    scratch.reset();
    return scratch;
  }
  const arena = createArena(doubles, maxDim);
  scratch = arena instanceof WasmArena ? arena : scratch;
  return arena;
}

/** An arena of ordinary (JS heap) arrays: the kernels then run in JS. */
export function plainArena(): Arena {
  return { f64: (length) => new Float64Array(length), f32: (length) => new Float32Array(length) };
}

/** The wasm arena holding all of `arrays`, if there is one. */
function arenaOf(...arrays: ArrayBufferView[]): WasmArena | undefined {
  const arena = arenas.get(arrays[0]!.buffer);
  return arena && arrays.every((x) => x.buffer === arena.memory.buffer) ? arena : undefined;
}

/** Packs logical rows [first, first + rows) of an operand, columns [k0, k0 + kc), at dst. */
type Packer = (first: number, rows: number, k0: number, kc: number, dst: number) => void;

/**
 * The blocked product loop shared by all wasm products: per k-block, pack
 * all of A, then B in chunks of NC rows, and hand short row ranges to
 * gemm_block. pc: byte address of C.
 */
function blockedProduct(
  arena: WasmArena, m: number, n: number, k: number, alpha: number,
  packA: Packer, packB: Packer, pc: number, ldc: number, lower: boolean, aUpper: boolean,
): void {
  const { kernels } = arena;
  for (let k0 = 0; k0 < k; k0 += KC) {
    const kc = Math.min(KC, k - k0);
    const mEff = aUpper ? Math.min(m, k0 + kc) : m; // rows ≥ k0 + kc are zero in this block
    if (mEff <= 0) continue;
    const nEff = lower ? Math.min(n, Math.ceil(mEff / 4) * 4) : n;
    packA(0, mEff, k0, kc, arena.packA);
    for (let j0 = 0; j0 < nEff; j0 += NC) {
      const j1 = Math.min(nEff, j0 + NC);
      packB(j0, j1 - j0, k0, kc, arena.packB);
      // In lower mode, rows above j0 have nothing in this column chunk.
      for (let i = lower ? j0 : 0; i < mEff; i += ROWS_PER_CALL) {
        const iHi = Math.min(mEff, i + ROWS_PER_CALL);
        kernels.gemm_block(i, iHi, j0, j1, m, n, k0, kc, alpha, arena.packA, arena.packB, pc, ldc, lower ? 1 : 0, aUpper ? 1 : 0);
      }
    }
  }
}

/**
 * C += α·A·Bᵀ in wasm when A, B and C share an arena with enough packing
 * space; returns false (nothing done) otherwise. Same contract as gemmNT.
 */
export function gemmNTWasm(
  m: number, n: number, k: number, alpha: number,
  a: Float64Array, aOff: number, lda: number,
  b: Float64Array, bOff: number, ldb: number,
  c: Float64Array, cOff: number, ldc: number,
  lower: boolean, aUpper: boolean,
): boolean {
  const arena = arenaOf(a, b, c);
  if (!arena || m > arena.panelRows || n > arena.panelRows) return false;
  const { kernels } = arena;
  const rowsOf = (x: Float64Array, off: number, ld: number): Packer => (first, rows, k0, kc, dst) =>
    kernels.pack(x.byteOffset + (off + first * ld) * 8, ld, rows, k0, kc, dst);
  blockedProduct(arena, m, n, k, alpha, rowsOf(a, aOff, lda), rowsOf(b, bOff, ldb), c.byteOffset + cOff * 8, ldc, lower, aUpper);
  return true;
}

/**
 * Lower triangle of cov += (X − mean)ᵀ·(X − mean) for X = `samples` (kc
 * rows of `dims`, float32 or float64) in wasm, when samples, mean and cov
 * share an arena; returns false otherwise. Centring happens while packing,
 * with the same values as the JS path.
 */
export function covarianceUpdateWasm(
  samples: Float32Array | Float64Array, kc: number, dims: number, mean: Float64Array, cov: Float64Array,
): boolean {
  const arena = arenaOf(samples, mean, cov);
  if (!arena || dims > arena.panelRows) return false;
  const size = samples.BYTES_PER_ELEMENT;
  const packCentred = samples instanceof Float32Array ? arena.kernels.pack_t_centre_f32 : arena.kernels.pack_t_centre_f64;
  const pack: Packer = (first, rows, k0, kcBlock, dst) =>
    packCentred(samples.byteOffset + first * size, dims, rows, k0, kcBlock, mean.byteOffset + first * 8, dst);
  blockedProduct(arena, dims, dims, kc, 1, pack, pack, cov.byteOffset, dims, true, false);
  return true;
}

/** The tridiagonalisation step of linalg's fusedUpdate in wasm; false when the operands are not in one arena. */
export function fusedUpdateWasm(
  a: Float64Array, n: number, lo: number,
  u: Float64Array, w: Float64Array, un: Float64Array, pn: Float64Array,
): boolean {
  const arena = arenaOf(a, u, w, un, pn);
  if (!arena) return false;
  arena.kernels.fused_update(a.byteOffset, n, lo, u.byteOffset, w.byteOffset, un.byteOffset, pn.byteOffset);
  return true;
}

/** The wasm arena that `x` is a view of, if any. */
export function wasmArenaOf(x: Float64Array): Arena | undefined {
  return arenaOf(x);
}
