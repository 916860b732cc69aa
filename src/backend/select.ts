/**
 * Picking and initialising the tfjs backend at run time. The native backends are optional dependencies
 * (their install downloads libtensorflow, which fails offline); each is tried in a try/catch so a
 * missing or broken install only moves the choice down the list: node-gpu → node → native → wasm → cpu.
 * `native` is the wasm backend with its convolutions and matrix products served by the optional native
 * addon on a BLAS sgemm (native-kernels.ts); `wasm` is always plain wasm.
 */
import { tf, tfRequire } from '../tf.js';
import { BackendUnavailableError, InternalError, UserError } from '../errors.js';
import type { BackendChoice } from '../config/schema.js';
import { registerWasmKernels } from './wasm-kernels.js';
import { initThreadedWasm, THREADS_ENV, threadsFromEnv } from './wasm-threads.js';
import { loadNative } from './native.js';
import { nativeKernelsActive, registerNativeKernels } from './native-kernels.js';

export type BackendName = Exclude<BackendChoice, 'auto'>;
export const AUTO_ORDER: BackendName[] = ['node-gpu', 'node', 'native', 'wasm', 'cpu'];

export interface BackendInfo {
  /** Our name for it (`node-gpu`, `node`, `native` = wasm + native kernels, `wasm`, `cpu`). */
  name: BackendName;
  /** tfjs' name for it (`tensorflow`, `wasm`, `cpu`). */
  tfName: string;
  /** Human-readable details, e.g. "SIMD, 1 thread"; for `native`, the BLAS and the kernels it serves. */
  details: string;
  /** `native` only: the kernels served by the native addon (the rest run on wasm). */
  nativeKernels?: string[];
  /** `wasm` only: XNNPACK threads (1 unless the threaded binary runs). */
  threads?: number;
  /** Why each backend tried before it was not used. */
  skipped: { name: BackendName; reason: string }[];
  tfjsVersion: string;
}

/** Loads a package by a computed name so tsc and start-up work when it is absent. */
async function importOptional(name: string): Promise<unknown> {
  return tfRequire(name);
}

export interface BackendOptions {
  /**
   * wasm only: threads for XNNPACK through tfjs' threaded SIMD binary (see wasm-threads.ts).
   * Default: the GAN_AUGMENT_WASM_THREADS environment variable, else 1. Takes effect only if wasm has not
   * been initialised in this process yet.
   */
  wasmThreads?: number;
  /**
   * wasm only, where neither GAN_AUGMENT_WASM_THREADS nor `wasmThreads` says: the threads a run's training
   * asks for (gan/parallel/plan.ts `planWasmThreads`) and why. Unlike those it does not keep the native
   * backend from loading: it applies only where `auto` reaches plain wasm, or wasm is named.
   */
  trainingThreads?: { threads: number; reason: string };
  /**
   * native only: leave OpenBLAS' thread count (one per process) as the thread that started this one set
   * it, and never change it from here (a sampler thread, generate/sampler-pool.ts).
   */
  inheritBlasThreads?: boolean;
}

interface Initialised {
  tfName: string;
  details: string;
  nativeKernels?: string[];
  threads?: number;
}

async function tryInit(name: BackendName, options: BackendOptions): Promise<Initialised> {
  switch (name) {
    case 'native': {
      // Checked before wasm starts: the threaded binary's heap is a SharedArrayBuffer, which the addon
      // does not take, and once started in this process wasm cannot be restarted single-threaded.
      if ((options.wasmThreads ?? 1) > 1) throw new BackendUnavailableError(`not with the threaded wasm binary (${THREADS_ENV}); unset it to use native kernels`);
      const native = loadNative(process.env, { inheritThreads: options.inheritBlasThreads ?? false });
      tfRequire('@tensorflow/tfjs-backend-wasm');
      registerWasmKernels();
      if (!(await tf.setBackend('wasm'))) throw new InternalError('the wasm backend failed to initialise');
      const kernels = registerNativeKernels(native.addon);
      const threads = native.threads === null ? '' : `, ${native.threads} BLAS thread${native.threads === 1 ? '' : 's'}`;
      return { tfName: 'wasm', details: `${native.blas}${threads}: ${kernels.join(', ')}`, nativeKernels: kernels };
    }
    case 'node-gpu':
    case 'node': {
      await importOptional(name === 'node-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
      if (!(await tf.setBackend('tensorflow'))) throw new InternalError('the tensorflow backend failed to initialise');
      return { tfName: 'tensorflow', details: name === 'node-gpu' ? 'libtensorflow with CUDA' : 'libtensorflow (CPU)' };
    }
    case 'wasm': {
      tfRequire('@tensorflow/tfjs-backend-wasm');
      registerWasmKernels();
      const planned = options.wasmThreads === undefined ? options.trainingThreads : undefined;
      const threads = options.wasmThreads ?? planned?.threads ?? 1;
      const why = planned ? ` (${planned.reason}; ${THREADS_ENV}=1 turns it off)` : ` via ${THREADS_ENV}=${threads}`;
      let note = planned && planned.threads === 1 ? ` (${planned.reason})` : '';
      if (threads > 1 && tf.findBackend('wasm') === null) {
        try {
          const got = await initThreadedWasm(threads);
          return { tfName: 'wasm', details: `SIMD, ${got} thread${got === 1 ? '' : 's'}, threaded binary${why}`, threads: got };
        } catch (err) {
          note = `; threaded binary failed (${reasonOf(err)})`;
        }
      }
      if (!(await tf.setBackend('wasm'))) throw new InternalError('the wasm backend failed to initialise');
      const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
      const count = wasmThreadCount();
      return { tfName: 'wasm', details: `${simd ? 'SIMD' : 'no SIMD'}, ${count} thread${count === 1 ? '' : 's'}${note}`, threads: count };
    }
    case 'cpu': {
      if (!(await tf.setBackend('cpu'))) throw new InternalError('the cpu backend failed to initialise');
      return { tfName: 'cpu', details: 'pure JavaScript (slow: for tiny runs and tests only)' };
    }
  }
}

function reasonOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') return 'not installed';
  const msg = e instanceof Error ? e.message : String(err);
  if (/tfjs_binding\.node/.test(msg)) return 'installed without its native binding (libtensorflow download failed?)';
  return msg.split('\n')[0] ?? msg;
}

/**
 * Selects and initialises a backend. `auto` takes the first of node-gpu → node → native → wasm → cpu that loads;
 * a named backend must load or this throws. On wasm, GAN_AUGMENT_WASM_THREADS=N (or `options.wasmThreads`)
 * opts into the threaded SIMD binary with N threads; if it cannot start, wasm runs on one thread and the
 * details say why.
 * @throws {UserError} when an explicitly requested backend cannot be loaded, or GAN_AUGMENT_WASM_THREADS
 * is not a thread count.
 */
export async function initBackend(choice: BackendChoice, options: BackendOptions = {}): Promise<BackendInfo> {
  // Production mode: no per-op debug checks, and no "install tfjs-node" banner on stdout.
  tf.enableProdMode();
  let wasmThreads = options.wasmThreads;
  try {
    wasmThreads ??= threadsFromEnv();
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  const order = choice === 'auto' ? AUTO_ORDER : [choice];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    try {
      const { tfName, details, nativeKernels, threads } = await tryInit(name, { ...options, wasmThreads });
      return { name, tfName, details, ...(nativeKernels ? { nativeKernels } : {}), ...(threads ? { threads } : {}), skipped, tfjsVersion: tf.version.tfjs };
    } catch (err) {
      skipped.push({ name, reason: reasonOf(err) });
    }
  }
  const why = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
  if (choice !== 'auto') {
    throw new UserError(`backend "${choice}" is not available (${why}); use --backend auto to pick one that is`);
  }
  throw new UserError(`no tfjs backend could be initialised (${why})`);
}

/**
 * One line for the console: `backend: wasm (SIMD, 1 thread); skipped node-gpu: not installed, …` or
 * `backend: wasm+native (openblas 0.3.21, 1 BLAS thread: Conv2D, …); skipped …`.
 */
export function describeBackend(info: BackendInfo): string {
  const skipped = info.skipped.map((s) => `${s.name}: ${s.reason}`).join(', ');
  const name = info.name === 'native' ? 'wasm+native' : info.name;
  return `backend: ${name} (${info.details})${skipped ? `; skipped ${skipped}` : ''}`;
}

/** XNNPACK's threads in the running wasm backend (1 unless the threaded binary runs). */
function wasmThreadCount(): number {
  return (tf.backend() as unknown as { wasm?: { tfjs?: { getThreadsCount?: () => number } } }).wasm?.tfjs?.getThreadsCount?.() ?? 1;
}

/**
 * The backend a worker thread must start to compute, bit for bit, what this thread computes: `native`
 * (wasm with the native kernels, one BLAS thread) or plain `wasm` on one thread. Null on any other
 * backend: tfjs-node runs its own threads, the threaded wasm binary already uses the cores, and cpu is
 * for tests and tiny runs.
 */
export function workerBackend(): 'native' | 'wasm' | null {
  if (tf.getBackend() !== 'wasm') return null;
  if (wasmThreadCount() > 1) return null;
  return nativeKernelsActive() ? 'native' : 'wasm';
}
