/**
 * tfjs-backend-wasm's threaded SIMD binary in Node (XNNPACK's thread pool over emscripten
 * pthreads). tfjs 4.22 never selects it in Node (`WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired false
 * there, tfjs issue #3830) and its loader hands emscripten `blob:` URLs for the pthread worker script
 * and the main script, which Node's worker_threads cannot load. This module:
 *   1. writes the worker script and the main script to a private temporary folder, the worker script
 *      prefixed so that, inside each worker, `URL.createObjectURL` returns the main script's path;
 *   2. while the backend initialises (and only then), makes the main thread's `URL.createObjectURL`
 *      return the worker script's path for the worker blob;
 *   3. forces the multithread flag and sets the thread count; tfjs caps the pool at half of
 *      `os.cpus().length` (it assumes two hyper-threads per core, wrong for a 2-vCPU VM), read once when
 *      the module is instantiated, so `os.cpus()` reports 2 × threads entries during initialisation.
 * It patches two globals for the duration of the initialisation and starts a pool of worker threads, so
 * it runs only where asked: GAN_AUGMENT_WASM_THREADS, or a run whose training repays it
 * (gan/parallel/plan.ts `planWasmThreads`, via select.ts). It has its own tests.
 */
import { tf, tfRequire } from '../tf.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import path from 'node:path';
import { BackendUnavailableError } from '../errors.js';

/** Environment variable that turns the threaded wasm path on: a thread count ≥ 2. */
export const THREADS_ENV = 'GAN_AUGMENT_WASM_THREADS';

/**
 * The requested wasm thread count from the environment: undefined when unset/empty, 1 to force one
 * thread. `auto` = the number of logical cores.
 * @throws {Error} on anything else, naming the variable and the value.
 */
export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[THREADS_ENV]?.trim();
  if (!raw) return undefined;
  if (raw === 'auto') return os.availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new BackendUnavailableError(`${THREADS_ENV}: expected an integer from 1 to 64 or "auto", received "${raw}"`);
  }
  return n;
}

let scratch: string | undefined;

function writeScripts(): { worker: string; main: string } {
  const pkgDir = path.dirname(tfRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const glue = readFileSync(path.join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js'), 'utf8');
  const { wasmWorkerContents } = tfRequire(path.join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  scratch = mkdtempSync(path.join(os.tmpdir(), 'gan-augment-wasm-threads-'));
  const main = path.join(scratch, 'tfjs-backend-wasm-threaded-simd.js');
  const worker = path.join(scratch, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
  writeFileSync(main, glue);
  // Inside a worker the main script arrives as a Blob: point its object URL at the file instead. The
  // exported source has real newlines where its string literals need "\n" (tfjs escapes them too).
  const source = wasmWorkerContents.replace(/\n/g, '\\n');
  writeFileSync(worker, `URL.createObjectURL = () => ${JSON.stringify(main)};\nURL.revokeObjectURL = () => {};\n${source}`);
  return { worker, main };
}

function removeScratch(): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

/**
 * Initialises the wasm backend with its threaded SIMD binary and `threads` threads. Call instead of
 * `tf.setBackend('wasm')`, after the wasm backend module and our kernels are registered.
 * @returns the thread count XNNPACK reports.
 * @throws {Error} when the threaded binary cannot start (the caller falls back to one thread).
 */
export async function initThreadedWasm(threads: number): Promise<number> {
  const wasmMod = tfRequire('@tensorflow/tfjs-backend-wasm') as {
    setThreadsCount(n: number): void;
    getThreadsCount(): number;
  };
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new BackendUnavailableError('the threaded wasm binary needs SIMD, which this Node lacks');
  const { worker } = writeScripts();
  const original = URL.createObjectURL;
  const cpus = os.cpus;
  URL.createObjectURL = ((obj: Blob) => (obj instanceof Blob && obj.type === 'application/javascript' ? worker : original.call(URL, obj))) as typeof URL.createObjectURL;
  os.cpus = () => {
    const real = cpus.call(os);
    return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]!);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasmMod.setThreadsCount(threads);
  try {
    if (!(await tf.setBackend('wasm'))) throw new BackendUnavailableError('the threaded wasm backend failed to initialise');
  } catch (err) {
    removeScratch();
    throw err;
  } finally {
    URL.createObjectURL = original;
    os.cpus = cpus;
  }
  // The pool's idle workers would otherwise keep the process alive after the work is done.
  const pthread = (tf.backend() as unknown as { wasm: { PThread?: { unusedWorkers: Worker[]; runningWorkers: Worker[] } } }).wasm.PThread;
  // tfjs' glue starts a fixed pool of 8 workers, each a V8 isolate with the module compiled in it; XNNPACK's
  // n threads run n − 1 of them beside this thread (at 2 threads 1 ran, 7 stayed unused). Keep the running
  // ones and as many unused as make `threads` in all, one spare at least, and end the rest.
  if (pthread) for (const w of pthread.unusedWorkers.splice(Math.max(1, threads - pthread.runningWorkers.length))) void w.terminate();
  const pool = [...(pthread?.unusedWorkers ?? []), ...(pthread?.runningWorkers ?? [])];
  for (const w of pool) (w as unknown as { unref?: () => void }).unref?.();
  // Emscripten loads its whole worker pool before the backend starts, and reads the scripts again only
  // to add a worker past it. Where the pool already holds a worker for every thread, nothing reads them
  // again: remove them now, so not even a killed process leaves them in the temp folder. Otherwise
  // they stay until the process exits.
  if (pool.length >= threads) removeScratch();
  else process.once('exit', removeScratch);
  return wasmMod.getThreadsCount();
}
