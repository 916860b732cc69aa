/**
 * The optional native addon (native/ in this repository, built by node-gyp at install; see
 * native/build.mjs) and the BLAS it loads at run time. Nothing here is required: when the addon was not
 * built, or no BLAS library is found, `loadNative` throws with the reason and the backend picker moves
 * on to plain wasm.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendUnavailableError } from '../errors.js';

/** The addon's functions (native/src/addon.c). Offsets are byte offsets into the wasm heap. */
export interface NativeAddon {
  load(paths: string[]): { path: string; config: string };
  setThreads(n: number): number;
  getThreads(): number;
  conv2d(heap: ArrayBuffer, xOff: number, filterOff: number, yOff: number, geom: Int32Array): void;
  conv2dBackpropInput(heap: ArrayBuffer, dyOff: number, filterOff: number, dxOff: number, geom: Int32Array): void;
  conv2dBackpropFilter(heap: ArrayBuffer, xOff: number, dyOff: number, dwOff: number, geom: Int32Array): void;
  matmul(heap: ArrayBuffer, aOff: number, bOff: number, cOff: number, dims: Int32Array): void;
  /** y = act(y + bias) in place over [rows, channels]; biasOff < 0: no bias; act 0 none, 1 ReLU. */
  biasAct(heap: ArrayBuffer, yOff: number, biasOff: number, rows: number, channels: number, act: 0 | 1): void;
  setChunkFloats(n: number): void;
  /** Forward convolution products image by image in this thread (true) or over the batch; returns the old setting. */
  setPerImage(on: boolean): boolean;
  /** Threads sharing the images of this thread's image-by-image products (1–8); returns the old count. */
  setImageThreads(n: number): number;
  /** c += aᵀ·a on the lower triangle (Float64, row-major); false when the BLAS has no cblas_dsyrk. */
  syrkLower(a: Float64Array, rows: number, dims: number, c: Float64Array): boolean;
  /** c = a·bᵀ (Float64, row-major; a m × k, b n × k, c m × n, overwritten); false when the BLAS has no cblas_dgemm. */
  gemmNT(a: Float64Array, m: number, b: Float64Array, n: number, k: number, c: Float64Array): boolean;
}

/** What this code calls on the addon. */
const ADDON_FUNCTIONS = ['load', 'setThreads', 'getThreads', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'matmul', 'biasAct', 'setChunkFloats', 'setPerImage', 'setImageThreads', 'syrkLower', 'gemmNT'] as const satisfies readonly (keyof NativeAddon)[];

/** `0` turns the native kernels off at run time (the picker then uses plain wasm). */
export const NATIVE_ENV = 'GAN_AUGMENT_NATIVE';
/** A BLAS shared library with `cblas_sgemm` to load instead of the default candidates. */
export const BLAS_ENV = 'GAN_AUGMENT_BLAS';
/** Threads for OpenBLAS' sgemm (default {@link DEFAULT_BLAS_THREADS}). */
export const BLAS_THREADS_ENV = 'GAN_AUGMENT_BLAS_THREADS';
/**
 * Both cores of a 2-core machine, at most 2: on an idle 2-core machine two OpenBLAS threads train
 * 1.33× faster than one (226 vs 170 img/s, 28×28×1; 46 vs 36 at 64×64×3), and with 20+ runnable
 * processes level with one (docs/native-kernels.md) — but with one other process busy on the second core
 * 0.6–0.7× as fast, so `train.blasThreads: auto` reads the machine's load first and trains on fewer where
 * the cores are not free (gan/parallel/plan.ts `planBlasThreads`). More than two threads were not measured: sgemm calls
 * this small pay a hand-off per call that more threads would not earn back. Results are the same from
 * run to run at one thread count, and differ in the last bits between thread counts.
 */
export const DEFAULT_BLAS_THREADS = Math.min(2, Math.max(1, os.availableParallelism()));

/**
 * BLAS threads while sampling a generator (both `run` and `gan-augment generate`): one. The cores go to
 * sampler threads instead (generate/sampler-pool.ts: each samples part of every batch with its own
 * one-thread sgemm) and to the PNG writer's thread. sgemm calls of one image's 49 rows gain little from
 * a second BLAS thread (1.29× for the generator alone, docs/native-kernels.md) where a second sampler
 * gains 1.8× (3,400 vs 1,850 img/s for the cDCGAN generator on 2 cores). The same count for every
 * command and every pool size, so `generate` gives the bytes a run shipped (results differ in the last
 * bits between BLAS thread counts).
 */
export const SAMPLING_BLAS_THREADS = 1;

/**
 * Threads that take the images of a sampler's image-by-image products (convolutions, transposed
 * convolutions) while it samples a batch alone: as many as the native kernels may use
 * (GAN_AUGMENT_BLAS_THREADS, default both cores of a 2-core machine, at most 2), at most 8; 1 without the
 * native backend. Each image is the same one-BLAS-thread sgemm calls on whichever thread takes it, so the
 * count changes no pixel; the images are handed out one at a time, so a thread the OS holds back (the
 * PNG writer's core) costs at most one image. A batch split among sampler threads (sampler-pool.ts)
 * takes one each: the cores are theirs already.
 */
export function samplingImageThreads(): number {
  return cached ? Math.min(8, cached.allowed) : 1;
}

/** OpenBLAS' thread count now (inside withBlasThreads, that count), or null without the native backend or thread control. */
export function blasThreads(): number | null {
  if (!cached || cached.threads === null) return null;
  const n = cached.addon.getThreads();
  return n < 0 ? null : n;
}

/** Sets OpenBLAS' sgemm threads now (training's load watch, between steps); without thread control, nothing. */
export function setBlasThreadsNow(n: number): void {
  if (cached && cached.threads !== null) cached.addon.setThreads(n);
}

/**
 * Runs `fn` with OpenBLAS' sgemm on `n` threads, then puts the count back. Without the native backend,
 * or a BLAS without thread control, just runs `fn`.
 */
export async function withBlasThreads<T>(n: number, fn: () => Promise<T>): Promise<T> {
  const info = cached;
  if (!info || info.threads === null || info.threads === n) return fn();
  const before = info.threads;
  info.addon.setThreads(n);
  try {
    return await fn();
  } finally {
    info.addon.setThreads(before);
  }
}

/**
 * Runs `fn` with this thread's native forward convolutions computed image by image, so that an image does
 * not depend on the batch it is computed in (what sampling needs: `generate` reproduces a run's images
 * whatever the batch). Outside, the products take the batch's rows together (faster; training and
 * classifiers need no such guarantee). Without the native backend, just runs `fn` (wasm's products are
 * image by image anyway).
 */
export async function withImageByImageProducts<T>(fn: () => Promise<T>): Promise<T> {
  const addon = cached?.addon;
  if (!addon) return fn();
  const before = imageByImage;
  imageByImage = true;
  addon.setPerImage(true);
  const threadsBefore = addon.setImageThreads(1);
  try {
    return await fn();
  } finally {
    imageByImage = before;
    addon.setPerImage(before);
    addon.setImageThreads(threadsBefore);
  }
}

/**
 * Inside withImageByImageProducts: how many threads share the images of this thread's products from
 * now on (1–8; see samplingImageThreads). Without the native backend, nothing.
 */
export function setImageThreads(n: number): void {
  cached?.addon.setImageThreads(n);
}

/** Whether this thread is inside withImageByImageProducts (the matrix products then leave batch rows to wasm). */
export function imageByImageProducts(): boolean {
  return imageByImage;
}

let imageByImage = false;

/** Libraries tried in turn, per platform: OpenBLAS (Debian/Ubuntu `libopenblas0`), Accelerate on macOS. */
export const BLAS_CANDIDATES: Record<string, string[]> = {
  linux: ['libopenblas.so.0', 'libopenblas.so'],
  darwin: ['/System/Library/Frameworks/Accelerate.framework/Accelerate', '/opt/homebrew/opt/openblas/lib/libopenblas.dylib', '/usr/local/opt/openblas/lib/libopenblas.dylib'],
};

export interface NativeInfo {
  addon: NativeAddon;
  /** Short name and version, e.g. `openblas 0.3.21` or `Accelerate`. */
  blas: string;
  /** The library's own description (OpenBLAS: build options and the CPU core it picked). */
  config: string;
  /** sgemm threads in use (null when the library offers no control, e.g. Accelerate). */
  threads: number | null;
  /**
   * Native threads this process may use (GAN_AUGMENT_BLAS_THREADS, else DEFAULT_BLAS_THREADS): sgemm's while
   * training, the image threads' while sampling (samplingImageThreads).
   */
  allowed: number;
}

/** Where the built addon lives: native/build/Release beside dist/ (or src/ under vitest). */
export function addonPath(): string {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  return path.join(root, 'native', 'build', 'Release', 'gan_augment_native.node');
}

function blasName(libPath: string, config: string): string {
  const m = /OpenBLAS\s+([\d.]+)/i.exec(config);
  if (m) return `openblas ${m[1]}`;
  if (/Accelerate/.test(libPath)) return 'Accelerate';
  return path.basename(libPath);
}

/** Whether GAN_AUGMENT_BLAS_THREADS sets the count (then `train.blasThreads: auto` keeps it whatever the machine's load). */
export function blasThreadsFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env[BLAS_THREADS_ENV]?.trim());
}

function threadsWanted(env: NodeJS.ProcessEnv): number {
  const raw = env[BLAS_THREADS_ENV]?.trim();
  if (!raw) return DEFAULT_BLAS_THREADS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new BackendUnavailableError(`${BLAS_THREADS_ENV}: expected an integer from 1 to 256, received "${raw}"`);
  return n;
}

let cached: NativeInfo | undefined;

/**
 * Loads the addon and a BLAS library, once per process, and sets the sgemm thread count.
 * @throws {Error} with a one-line reason when the native path is turned off, not built, or finds no BLAS.
 */
export function loadNative(env: NodeJS.ProcessEnv = process.env, options: { inheritThreads?: boolean } = {}): NativeInfo {
  if (env[NATIVE_ENV]?.trim() === '0') throw new BackendUnavailableError(`turned off by ${NATIVE_ENV}=0`);
  const threads = threadsWanted(env);
  if (!cached) {
    const file = addonPath();
    if (!existsSync(file)) {
      const script = path.join(path.dirname(file), '../../build.mjs');
      throw new BackendUnavailableError(`addon not built (no C compiler or node-gyp at install?); \`node ${script}\` builds it`);
    }
    const addon = createRequire(import.meta.url)(file) as NativeAddon;
    // A build from an older checkout lacks what this code calls: refuse it rather than fail mid-run.
    const missing = ADDON_FUNCTIONS.filter((f) => typeof addon[f] !== 'function');
    if (missing.length) {
      const script = path.join(path.dirname(file), '../../build.mjs');
      throw new BackendUnavailableError(`addon built by an older version (no ${missing.join(', ')}); \`node ${script}\` rebuilds it`);
    }
    const override = env[BLAS_ENV]?.trim();
    const candidates = override ? [override] : (BLAS_CANDIDATES[process.platform] ?? []);
    if (!candidates.length) throw new BackendUnavailableError(`no BLAS candidates for ${process.platform}; set ${BLAS_ENV} to a library with cblas_sgemm`);
    let lib: { path: string; config: string };
    try {
      lib = addon.load(candidates);
    } catch (err) {
      const hint = process.platform === 'linux' ? ' (apt-get install libopenblas0)' : '';
      throw new BackendUnavailableError(`no BLAS library${hint}: ${(err as Error).message}`);
    }
    cached = { addon, blas: blasName(lib.path, lib.config), config: lib.config, threads: null, allowed: threads };
  }
  cached.allowed = threads;
  if (options.inheritThreads) {
    // A sampler thread: it runs inside the starting thread's withBlasThreads, and must not change the
    // process' count under that thread's other work (results differ in the last bits between counts).
    cached.threads = null;
    return cached;
  }
  const got = cached.addon.setThreads(threads);
  cached.threads = got < 0 ? null : got;
  return cached;
}

let plainBlas: NativeAddon | null | undefined;
/**
 * The addon for BLAS calls outside tfjs — FID's covariance (`syrkLower`), the near-copy filter's pixel
 * products (`gemmNT`) — when it loads, null otherwise (turned off, not built, no BLAS); loaded once a process.
 */
export function blasAddon(): NativeAddon | null {
  if (plainBlas !== undefined) return plainBlas;
  try {
    plainBlas = loadNative().addon;
  } catch {
    plainBlas = null;
  }
  return plainBlas;
}
