/**
 * Training `evaluate`'s and the guard's classifiers on several threads. Every classifier of a comparison
 * trains on the same images and is tested on the same images; only its arm (which images, weights and
 * targets) and seed differ, and each is independent of the others. So this thread and each classifier
 * thread (arm-worker.ts, the same backend on one thread) take whole classifiers from one queue.
 *
 * A classifier's logits are the same bytes whichever thread trains it and however many train at once
 * (tested), so the figures do not depend on the machine's cores. Every classifier trains with one BLAS
 * thread: these are small products, and on the 2-core machine of 2026-12-06 one BLAS thread trained a
 * fmnist-lt classifier in 16.8 s and two in 27 s, to the same figures (docs/measurements.md, "Classifiers
 * on both cores"). A classifier thread holds its own tfjs, wasm heap, BLAS buffers and copy of the images
 * (~100 MB beside a run): the run's guard takes one only where memory allows (stages/guard.ts).
 */
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import { withBlasThreads } from '../backend/native.js';
import { MAX_AUTO_THREADS } from '../config/defaults.js';
import { workerBackend } from '../backend/select.js';
import type { Classifier } from '../classifier/model.js';
import type { LabelledImages } from '../dataset/sampler.js';
import { InterruptedError } from '../errors.js';
import { RpcWorker } from '../util/worker-rpc.js';
import { workerUrl } from '../util/worker-url.js';
import type { ArmPool } from './arms.js';
import { trainedLogits, type EvalTrainSettings } from './train.js';

/** BLAS threads of every evaluation classifier (see the module comment). */
export const CLASSIFIER_BLAS_THREADS = 1;

/** One classifier to train: its arm and seed; `inspect` runs on this thread with the trained classifier before its test. */
export interface ArmJob {
  arm: ArmPool;
  seed: number;
  inspect?: (c: Classifier) => Promise<void>;
}

/** `evaluate --threads`, the guard: a thread count, or `auto` (one per core, at most `MAX_AUTO_THREADS`, config/defaults.ts). */
export type ClassifierThreads = 'auto' | number;

/** Threads to train on: `asked`, or under `auto` one per core (at most 2) where a worker can run this thread's backend. */
export function planClassifierThreads(asked: ClassifierThreads, backend: 'native' | 'wasm' | null, cores: number, jobs: number): { threads: number; reason: string } {
  if (jobs < 2) return { threads: 1, reason: 'one classifier' };
  if (backend === null) return { threads: 1, reason: 'classifier threads need the wasm or native backend on one thread; this thread trains each on what it runs' };
  if (asked !== 'auto') return { threads: Math.min(asked, jobs), reason: `${asked} thread${asked === 1 ? '' : 's'} asked` };
  const n = Math.min(MAX_AUTO_THREADS, cores, jobs);
  return { threads: n, reason: n > 1 ? `${n} threads (one per core)` : 'one core' };
}

/** What a classifier thread starts with (its workerData). */
export interface ArmWorkerInit {
  backend: 'native' | 'wasm';
  train: LabelledImages;
  test: { pixels: Uint8Array; count: number };
  settings: EvalTrainSettings;
}
/** One classifier to train and test on a classifier thread; it reports its steps (every `progressEvery`) and answers its test logits. */
export type ArmRequest = { arm: ArmPool; seed: number; progressEvery: number };
type ArmWorker = RpcWorker<ArmRequest, Float32Array, number>;

export interface ArmRunOptions {
  threads?: ClassifierThreads;
  signal?: AbortSignal;
  /** Steps done by classifier `job` (every `progressEvery` steps, and at the end). */
  onStep?: (job: number, step: number) => void;
  progressEvery?: number;
  /** Classifier `job` is trained and tested, after `seconds` of its own. */
  onDone?: (job: number, logits: Float32Array, seconds: number) => void;
  /** Why a classifier thread did not start, if one did not (its jobs then train on the other threads). */
  onWarn?: (message: string) => void;
}

/**
 * Trains and tests every job's classifier on `train` and `test`, on this thread and up to `threads − 1`
 * classifier threads, and returns each job's test logits (count × classes), in job order. A job with
 * `inspect` trains on this thread.
 * @throws {InterruptedError} when `signal` aborts; {InternalError} when a classifier thread fails
 */
export async function trainArms(train: LabelledImages, test: LabelledImages, settings: EvalTrainSettings, jobs: readonly ArmJob[], options: ArmRunOptions = {}): Promise<{ logits: Float32Array[]; threads: number }> {
  const plan = planClassifierThreads(options.threads ?? 'auto', workerBackend(), os.availableParallelism(), jobs.length);
  const logits: Float32Array[] = new Array(jobs.length);
  const every = options.progressEvery ?? Math.max(1, Math.floor(settings.steps / 50));
  const workers = plan.threads > 1 ? startWorkers(plan.threads - 1, train, test, settings) : [];
  let stopped: Error | null = null;
  // A job with an inspection trains on this thread (the classifier must be here); the others on whichever is free.
  const mine = jobs.map((j) => Boolean(j.inspect));
  const claimed = new Array<boolean>(jobs.length).fill(false);
  const claim = (here: boolean): number | null => {
    if (stopped) return null;
    for (let i = 0; i < jobs.length; i++) {
      if (claimed[i] || (mine[i] && !here)) continue;
      claimed[i] = true;
      return i;
    }
    return null;
  };
  const finish = (i: number, l: Float32Array, t0: number) => {
    logits[i] = l;
    options.onDone?.(i, l, (performance.now() - t0) / 1000);
  };

  const local = async () => {
    for (let i = claim(true); i !== null; i = claim(true)) {
      const t0 = performance.now();
      const job = jobs[i]!;
      const l = await trainedLogits(train, job.arm, settings, job.seed, test, {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(job.inspect ? { inspect: job.inspect } : {}),
        onStep: (step) => options.onStep?.(i, step),
        progressEvery: every,
      });
      finish(i, l, t0);
    }
  };
  const remote = async (w: ArmWorker) => {
    try {
      await w.ready;
    } catch (err) {
      // A thread that does not start takes no job: this thread and the others do them all.
      if (!stopped) options.onWarn?.(`trained on fewer threads: ${(err as Error).message}`);
      return;
    }
    for (let i = claim(false); i !== null; i = claim(false)) {
      const t0 = performance.now();
      const job = jobs[i]!;
      finish(i, await w.call({ arm: job.arm, seed: job.seed, progressEvery: every }, [], (step) => options.onStep?.(i, step)), t0);
    }
  };
  const abort = () => {
    stopped ??= new InterruptedError('interrupted while training an evaluation classifier');
    for (const w of workers) w.stop(stopped);
  };
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    await withBlasThreads(CLASSIFIER_BLAS_THREADS, async () => {
      const all = [local(), ...workers.map(remote)];
      // The first failure stops the others: no new job starts, and the threads end.
      const results = await Promise.allSettled(all.map((p) => p.catch((err: Error) => {
        stopped ??= err;
        for (const w of workers) w.stop(err);
        throw err;
      })));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw stopped ?? failed.reason;
    });
  } finally {
    options.signal?.removeEventListener('abort', abort);
    await Promise.all(workers.map((w) => w.close()));
  }
  if (stopped) throw stopped;
  return { logits, threads: plan.threads };
}

function startWorkers(n: number, train: LabelledImages, test: LabelledImages, settings: EvalTrainSettings): ArmWorker[] {
  const backend = workerBackend();
  if (backend === null) return [];
  const init: ArmWorkerInit = { backend, train, test: { pixels: test.pixels, count: test.count }, settings };
  const url = workerUrl('./arm-worker.js', import.meta.url, 'evaluate');
  const env = { ...process.env, GAN_AUGMENT_WASM_THREADS: '' };
  return Array.from({ length: n }, (_, i): ArmWorker => new RpcWorker(new Worker(url, { workerData: init, env }), `classifier thread ${i + 1}`));
}
