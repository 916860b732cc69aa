/**
 * How the cores train one GAN (`train.workers`). On wasm without native kernels, `auto` first means the
 * threaded wasm binary, chosen before the backend starts ({@link planWasmThreads}); where it does not run,
 * data-parallel replicas where they are the faster way to use the cores — a job that can be split, and a
 * step large enough that each thread's share repays the exchanges between them ({@link planWorkers}).
 * Pure: the caller passes the backend, the core count and what an image costs the models (gan/cost.ts).
 */
import type { MachineLoad } from '../../backend/machine-load.js';
import type { Config } from '../../config/schema.js';
import { unsplittable } from './shard.js';

export interface WorkersPlan {
  workers: number;
  /** Why this many, for the console and the summary. */
  reason: string;
  /** An explicit `train.workers` > 1 that cannot be honoured (the caller warns). */
  refused: boolean;
}

export interface BackendFacts {
  /** Our backend name (backend/select.ts). */
  name: string;
  /** wasm only: XNNPACK threads (1 unless the threaded binary runs). */
  threads?: number;
}

/** Why `config` cannot train on `n` > 1 threads with `backend`, or null. */
function obstacle(config: Config, backend: BackendFacts, n: number): string | null {
  const { gan, train } = config;
  if (backend.name !== 'wasm') return `data-parallel threads need the plain wasm backend; this run uses ${backend.name}`;
  if ((backend.threads ?? 1) > 1) return `the threaded wasm binary already runs ${backend.threads} threads`;
  if (gan.mode === 'translate') return 'gan.mode translate trains on one thread';
  if (gan.mode === 'per-class' && gan.concurrency > 1) return `gan.concurrency ${gan.concurrency} interleaves per-class jobs on one thread`;
  if (gan.modeSeeking > 0) return "gan.modeSeeking compares the two halves of a batch, which replicas would split";
  return unsplittable(train.batchSize, n);
}

/** OpenBLAS threads while a GAN trains (`train.blasThreads`). */
export interface BlasThreadsPlan {
  /** The count to train with; null: the process' count (`auto`, or a backend without OpenBLAS). */
  threads: number | null;
  /** What to tell the user, or null (`auto`). */
  note: string | null;
}

/** What `auto` reads before training: the process' OpenBLAS threads and how busy other processes keep the cores. */
export interface BlasLoad extends Pick<MachineLoad, 'othersBusy' | 'cores'> {
  /** The process' count (GAN_AUGMENT_BLAS_THREADS, else both cores of a 2-core machine, at most 2). */
  processThreads: number;
}

/**
 * How far short of a whole free core a BLAS thread may fall: n threads where other processes leave at
 * least n − 0.45 cores free (two on 2 cores where they keep at most 0.45 busy). Measured on 2 cores (fmnist-lt's default model, 60 steps, one other process busy
 * d % of a core): two threads against one 1.24× at d = 0, 1.05× at 30, 0.62× at 60, 0.71× at 100, and
 * 0.32× with two such processes (docs/measurements.md, "Two BLAS threads on a busy machine").
 */
export const BLAS_FREE_MARGIN = 0.45;

/** The OpenBLAS threads the cores other processes leave free can run: at most the process' count, at least one. Pure. */
export function blasThreadsFor(load: BlasLoad): number {
  return Math.max(1, Math.min(load.processThreads, Math.floor(load.cores - load.othersBusy + BLAS_FREE_MARGIN)));
}

/**
 * `train.blasThreads` on `backend`. Only the native backend runs OpenBLAS; elsewhere an explicit count
 * (a preset's, say) has nothing to set, which is said but is no fault. Under `auto`, `load` (where read)
 * lowers the process' count to what the cores other processes leave free can run: a thread held back by
 * the OS stalls every product (backend/machine-load.ts). Pure.
 */
export function planBlasThreads(config: Config, backend: BackendFacts, load: BlasLoad | null = null): BlasThreadsPlan {
  const asked = config.train.blasThreads;
  if (asked === 'auto') {
    if (backend.name !== 'native' || !load || load.processThreads <= 1) return { threads: null, note: null };
    const n = blasThreadsFor(load);
    if (n >= load.processThreads) return { threads: null, note: null };
    return {
      threads: n,
      note: `train: ${n} BLAS thread${n === 1 ? '' : 's'}, not ${load.processThreads} (train.blasThreads: auto): other processes keep ${load.othersBusy.toFixed(1)} of the ${load.cores} cores busy, and a BLAS thread the OS holds back stalls every product (set train.blasThreads to fix the count)`,
    };
  }
  if (backend.name !== 'native') return { threads: null, note: `train.blasThreads: ${asked} applies to the native backend's OpenBLAS; this run uses ${backend.name}` };
  return { threads: asked, note: `train: ${asked} BLAS thread${asked === 1 ? '' : 's'} (train.blasThreads)` };
}

/**
 * The least forward-pass work, in multiply-adds (gan/cost.ts), one thread's share of a training step must
 * hold for `auto` to split the step. Below it the replicas' exchanges — batch-norm statistics at every
 * normalised layer, the gradients, each a barrier — and two threads sharing the machine eat what splitting
 * saves. Measured on 2 cores (a 2-GHz first-generation AMD EPYC, plain wasm, median img/s of a 60-step
 * quickstart run, two threads against one, 2026-12-07): 1.04× at a share of 112 M (the quickstart's batch of
 * 32; 1.00× and 0.96× over whole 100-step runs, which also pay ~0.6 s to start the second thread), 1.09× at
 * 168 M (batch 48), 1.30× at 223 M (batch 64), 1.35× at 419 M (the quickstart at the default widths,
 * batch 32); bench's train-workers, the reference model at batch 64, 1.51× at 1,696 M. Under `auto` the
 * threaded wasm binary ({@link planWasmThreads}) comes first; this applies where it does not run.
 */
export const MIN_SPLIT_MACS = 200e6;

export function planWorkers(config: Config, backend: BackendFacts, cores: number, imageMacs: number): WorkersPlan {
  const asked = config.train.workers;
  if (asked === 1) return { workers: 1, reason: 'train.workers: 1', refused: false };
  const n = asked === 'auto' ? 2 : asked;
  if (asked === 'auto' && cores < 2) return { workers: 1, reason: 'one core', refused: false };
  const why = obstacle(config, backend, n);
  if (why) return { workers: 1, reason: why, refused: asked !== 'auto' };
  const share = (config.train.batchSize / n) * imageMacs;
  if (asked === 'auto' && share < MIN_SPLIT_MACS) {
    return { workers: 1, reason: `a thread's share of a step (${fmtMacs(share)} multiply-adds) is under the ${fmtMacs(MIN_SPLIT_MACS)} that repay splitting it`, refused: false };
  }
  return { workers: n, reason: `data-parallel on ${n} wasm threads${asked === 'auto' ? ' (train.workers: auto)' : ''}`, refused: false };
}

/**
 * The least forward-pass work, in multiply-adds, a whole training step (the batch through G and D) must hold
 * for `train.workers: auto` to train on the threaded wasm binary, whose XNNPACK threads split each
 * convolution; below it their hand-offs cost more than they share. Measured on 2 cores (the 2-GHz AMD EPYC,
 * plain wasm, median per-iteration img/s of 60-step runs, the threaded binary on 2 threads against the
 * single-thread binary, alternating, 2026-12-08): 0.65× at a step of 2 M (widths 8 / 8, batch 8), 0.68–0.92×
 * at 8 M, 0.89–1.05× at 19 M, 1.01–1.13× at 31 M, 1.15–1.18× at 63 M, 1.15–1.33× at 112 M (the quickstart's
 * models at batch 16), 1.50× at 223 M (the quickstart), 1.64× at 3.4 G (bench's reference model, whose
 * data-parallel replicas read 1.36× in the same turns: `npm run bench -- --only train-workers,train-2proc`).
 */
export const MIN_THREADED_STEP_MACS = 50e6;

/**
 * The least work a whole training (steps × a step's multiply-adds) must hold to repay starting the threaded
 * binary's threads: ~0.3 s of a process here, which a 63-M step saves back in ~20 steps.
 */
export const MIN_THREADED_TRAINING_MACS = 2e9;

/** XNNPACK threads `auto` starts: measured on 2 cores only (GAN_AUGMENT_WASM_THREADS=auto takes one per core). */
export const THREADED_AUTO_MAX = 2;

export interface WasmThreadsPlan {
  /** XNNPACK threads: ≥ 2 starts the threaded wasm binary, 1 the single-thread one. */
  threads: number;
  /** Why, for the backend line. */
  reason: string;
}

/**
 * The wasm binary a run that trains should start, should wasm be its backend: under `train.workers: auto`
 * the threaded one (on both cores of a 2-core machine) where a step holds enough work to share
 * ({@link MIN_THREADED_STEP_MACS}) and the training enough to repay starting it. It beat two data-parallel
 * replicas at every model size measured on the 2-GHz host, costs less memory (~30–80 MB against ~160–190 MB a
 * replica) and changes no bits: one thread and two compute the same weights (test/e2e/wasm-threads.test.ts).
 * An explicit `train.workers` keeps the single-thread binary (1: one thread; ≥ 2: replicas, each on it).
 * `stepMacs` is the forward multiply-adds of a whole step. Pure.
 */
export function planWasmThreads(config: Config, cores: number, stepMacs: number): WasmThreadsPlan {
  const asked = config.train.workers;
  if (asked !== 'auto') return { threads: 1, reason: `train.workers: ${asked}` };
  if (cores < 2) return { threads: 1, reason: 'one core' };
  if (stepMacs < MIN_THREADED_STEP_MACS) return { threads: 1, reason: `a training step of ${fmtMacs(stepMacs)} multiply-adds is under the ${fmtMacs(MIN_THREADED_STEP_MACS)} that threads can share` };
  const total = stepMacs * config.train.steps;
  if (total < MIN_THREADED_TRAINING_MACS) return { threads: 1, reason: `${config.train.steps} training steps (${fmtMacs(total)} multiply-adds) would not repay starting the threaded binary` };
  const threads = Math.min(cores, THREADED_AUTO_MAX);
  return { threads, reason: `train.workers: auto, a training step of ${fmtMacs(stepMacs)} multiply-adds` };
}

const fmtMacs = (m: number): string => (m >= 1e9 ? `${(m / 1e9).toFixed(1)} G` : m >= 1e7 ? `${Math.round(m / 1e6)} M` : `${(m / 1e6).toFixed(1)} M`);
