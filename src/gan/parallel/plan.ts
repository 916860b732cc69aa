/**
 * How many threads train one GAN (`train.workers`): `auto` means both cores where data-parallel training
 * is the faster way to use them — the plain wasm backend on one thread, a job that can be split, and a
 * step large enough that each thread's share repays the exchanges between them.
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
  /** A line for the console where `auto` left a second core idle and something else can use it. */
  note?: string;
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
 * batch 32); bench's train-workers, the reference model at batch 64, 1.51× at 1,696 M. The threaded wasm
 * binary (GAN_AUGMENT_WASM_THREADS=2), which splits each convolution instead, read 1.50× at 112 M and 1.61× at
 * 223 M in the same setting: hence the note where `auto` keeps one thread.
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
    const reason = `a thread's share of a step (${fmtMacs(share)} multiply-adds) is under the ${fmtMacs(MIN_SPLIT_MACS)} that repay splitting it`;
    return {
      workers: 1,
      reason,
      refused: false,
      note: `train: one wasm thread (train.workers: auto; ${reason}); GAN_AUGMENT_WASM_THREADS=2 runs the threaded wasm binary, whose convolutions use both cores (the quickstart's models trained 1.5× as many images a second with it on a 2-core machine)`,
    };
  }
  return { workers: n, reason: `data-parallel on ${n} wasm threads${asked === 'auto' ? ' (train.workers: auto)' : ''}`, refused: false };
}

const fmtMacs = (m: number): string => (m >= 1e9 ? `${(m / 1e9).toFixed(1)} G` : m >= 1e7 ? `${Math.round(m / 1e6)} M` : `${(m / 1e6).toFixed(1)} M`);
