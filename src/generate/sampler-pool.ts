/**
 * Sampling on several threads: this thread and each sampler thread (sampler-worker.ts) hold the same
 * generator (and discriminator) on the same backend, and every batch is split among them (batches.ts).
 * An image depends only on its seed, not on the batch it is sampled in (one sgemm per image on the
 * native path; tested), so the images are the bytes one thread gives; the discriminator's logits too,
 * because each thread's part keeps whole minibatch-stddev groups (gan/parallel/shard.ts).
 */
import { Worker } from 'node:worker_threads';
import { workerBackend } from '../backend/select.js';
import type { Discriminator, DiscriminatorSpec } from '../gan/discriminator.js';
import type { Generator, GeneratorSpec } from '../gan/generator.js';
import { readParams, readSpectral } from '../gan/models-state.js';
import { RpcWorker } from '../util/worker-rpc.js';
import { workerUrl } from '../util/worker-url.js';

/** `generate.workers` / `--workers`: a thread count, or `auto`. */
export type SamplerWorkers = 'auto' | number;

/**
 * Below this many images, `auto` samples on one thread. A sampler thread takes ~0.45 s to start (its tfjs
 * and wasm backend, the models' weights; this thread samples meanwhile), the time of ~800 images, and
 * holds ~75 MB: a default fmnist-lt run (1,900 candidates per class) peaked at 518 MB with it against
 * 441 MB without, over its 500 MB budget, to save about a second. From 4,096 (e.g. `generate.oversample:
 * 10`, 9,500 per class: ~2.5 s saved per class on native, ~5 s on wasm) it pays.
 */
export const MIN_POOLED_IMAGES = 4096;

export interface SamplersPlan {
  /** Threads sampling, this one included. */
  threads: number;
  /** Why this many, for the console. */
  reason: string;
  /** An explicit count > 1 that cannot be honoured (the caller warns). */
  refused: boolean;
  /**
   * Wait for the sampler threads before the first batch: an explicit count is honoured from the first
   * image; under `auto` this thread samples alone until they have started.
   */
  wait?: boolean;
}

/**
 * How many threads sample `images` images: `auto` = one per core left free, at most 2 (measured on 2
 * cores; more were not), where a sampler thread can run this thread's backend and there are enough
 * images to repay its start. `busy`: cores other threads keep busy meanwhile — 1 where the PNG writer's
 * thread encodes while sampling goes on (`gan-augment generate`; on 2 cores a second sampler there
 * measured no faster, docs/native-kernels.md), 0 for a run's candidates. Pure: the caller passes the
 * backend a worker would start (select.ts `workerBackend`).
 */
export function planSamplers(asked: SamplerWorkers, backend: 'native' | 'wasm' | null, cores: number, images: number, busy = 0): SamplersPlan {
  if (asked === 1) return { threads: 1, reason: 'one thread asked', refused: false };
  if (backend === null) return { threads: 1, reason: 'sampler threads need the wasm or native backend on one thread', refused: asked !== 'auto' };
  if (asked !== 'auto') return { threads: asked, reason: `${asked} threads asked`, refused: false, wait: true };
  const free = cores - busy;
  if (free < 2) return { threads: 1, reason: busy ? `${cores} cores, one kept by the PNG writer` : 'one core', refused: false };
  if (images < MIN_POOLED_IMAGES) return { threads: 1, reason: `fewer than ${MIN_POOLED_IMAGES} images`, refused: false };
  return { threads: 2, reason: `${backend} on 2 threads`, refused: false };
}

export interface SamplerModels {
  g: Generator;
  d: Discriminator | null;
}

/** What a sampler thread starts with (its workerData). */
export interface SamplerInit {
  backend: 'native' | 'wasm';
  g: { spec: GeneratorSpec; params: Record<string, Float32Array> };
  d: { spec: DiscriminatorSpec; params: Record<string, Float32Array>; spectral: Record<string, { u: Float32Array; v: Float32Array }> } | null;
}

/** One batch to sample: `latents` (seeds.length rows) when they are not the prior's `latentOf(seed)` (generate.anchor). */
export type SamplerRequest = { classIndex: number; seeds: number[]; latents?: Float32Array };

export interface SampledPart {
  pixels: Uint8Array;
  scores: Float32Array | null;
}

export class SamplerPool {
  private constructor(private readonly workers: RpcWorker<SamplerRequest, SampledPart>[]) {}

  /** Why the sampler threads did not start, if they did not (sampling then stays on this thread). */
  get startError(): string | null {
    return this.workers.find((w) => w.startError)?.startError?.message ?? null;
  }

  /**
   * Threads sampling now, this one included: 1 until every sampler thread has started (or if one could
   * not), so this thread samples whole batches meanwhile and the threads' start costs no time. Before every
   * thread has started nothing is sent to any, so a thread that does not start costs nothing but its time.
   */
  get threads(): number {
    return this.startError === null && this.workers.every((w) => w.hasStarted) ? this.workers.length + 1 : 1;
  }

  /**
   * Starts `threads − 1` sampler threads holding copies of `models`, on the backend this thread runs,
   * and returns without waiting for them (see `threads`); null when this backend cannot run in a worker
   * (select.ts `workerBackend`).
   */
  static async start(models: SamplerModels, threads: number): Promise<SamplerPool | null> {
    const backend = workerBackend();
    if (backend === null || threads < 2) return null;
    const { g, d } = models;
    const init: SamplerInit = {
      backend,
      g: { spec: g.spec, params: await readParams(g.params) },
      d: d
        ? {
            spec: d.spec,
            params: await readParams(d.params),
            spectral: await readSpectral(d),
          }
        : null,
    };
    const url = workerUrl('./sampler-worker.js', import.meta.url, 'generate');
    // Plain wasm on one thread. A native sampler leaves OpenBLAS' thread count (one per process) alone: it
    // samples only while this thread runs a batch loop, which holds the count at SAMPLING_BLAS_THREADS.
    const env = { ...process.env, GAN_AUGMENT_WASM_THREADS: '' };
    return new SamplerPool(Array.from({ length: threads - 1 }, (_, i) => new RpcWorker<SamplerRequest, SampledPart>(new Worker(url, { workerData: init, env }), `sampler thread ${i + 1}`)));
  }

  /** Resolves once every sampler thread has started or one could not (for tests and measurements). */
  async whenStarted(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.ready));
  }

  /**
   * Samples `seeds` of class `classIndex` as one batch on sampler thread `worker` (0-based); `latents`
   * (a row per seed) when a seed's latent is not the prior's (generate.anchor).
   * @throws {InternalError} when the thread fails
   */
  sample(worker: number, classIndex: number, seeds: number[], latents?: Float32Array): Promise<SampledPart> {
    const request: SamplerRequest = { classIndex, seeds, ...(latents ? { latents } : {}) };
    return this.workers[worker]!.call(request, latents ? [latents.buffer as ArrayBuffer] : []);
  }

  /** Stops the sampler threads. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

/**
 * The sampler pool of a sequence of sampling jobs (a run's scarce classes): kept while the jobs sample
 * the same models (every class of a shared GAN), replaced when they change (per-class GANs).
 */
export class SamplerPools {
  private current: { models: SamplerModels; pool: SamplerPool | null } | null = null;

  /** `onWarn` hears why a pool's sampler threads did not start, if they did not. */
  constructor(private readonly onWarn?: (message: string) => void) {}

  /** The pool for `models` under `plan` (null on one thread). */
  async for(models: SamplerModels, plan: SamplersPlan): Promise<SamplerPool | null> {
    if (plan.threads < 2) return null;
    const c = this.current;
    if (c && c.models.g === models.g && c.models.d === models.d) return c.pool;
    await this.close();
    const pool = await SamplerPool.start(models, plan.threads);
    this.current = { models, pool };
    if (plan.wait) await pool?.whenStarted();
    return pool;
  }

  /** Stops the current pool's threads. */
  async close(): Promise<void> {
    const pool = this.current?.pool;
    this.current = null;
    if (!pool) return;
    if (pool.startError) this.onWarn?.(`sampled on one thread: ${pool.startError}`);
    await pool.close();
  }
}

/**
 * Runs `fn` with a pool of `plan.threads` samplers for `models` (none when the plan says one thread),
 * and stops the pool after. `onWarn` hears why sampler threads did not start, if they did not (the
 * sampling then ran on this thread alone, with the same images).
 */
export async function withSamplers<T>(models: SamplerModels, plan: SamplersPlan, fn: (pool: SamplerPool | null) => Promise<T>, onWarn?: (message: string) => void): Promise<T> {
  const pools = new SamplerPools(onWarn);
  try {
    return await fn(await pools.for(models, plan));
  } finally {
    await pools.close();
  }
}
