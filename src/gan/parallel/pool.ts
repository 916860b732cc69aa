/**
 * Data-parallel training of one noise GAN on several threads: this thread is replica 0, each worker
 * thread (worker.ts) another replica with its own single-threaded wasm backend. Each iteration posts
 * every worker its part of the batch and trains on part 0 here; batch-norm statistics, gradients and
 * the step's figures are summed through one shared channel (allreduce.ts), so every replica applies the
 * same update and the models stay identical. Only the models' owner (this thread) keeps the EMA,
 * samples and checkpoints.
 */
import { Worker } from 'node:worker_threads';
import { tf } from '../../tf.js';
import type { Config } from '../../config/schema.js';
import { InternalError } from '../../errors.js';
import { workerUrl } from '../../util/worker-url.js';
import type { DiscriminatorSpec } from '../discriminator.js';
import type { GeneratorSpec } from '../generator.js';
import type { ModelsState } from '../models-state.js';
import type { GanState, StepSettings } from '../train-step.js';
import { AllReduce, createChannel, ReplicaAbortedError, type ReduceChannel } from './allreduce.js';
import { replicaIteration, type IterationResult } from './replica-step.js';
import { batchOf, shardIndices, stepPart, type StepArrays } from './shard.js';

export type ReplicaRequest =
  | {
      type: 'init';
      channel: ReduceChannel;
      rank: number;
      timeoutMs: number;
      specs: { g: GeneratorSpec; d: DiscriminatorSpec };
      lrG: number;
      lrD: number;
      beta1: number;
      beta2: number;
    }
  | { type: 'load'; state: ModelsState }
  | { type: 'step'; part: StepArrays; positions: Int32Array; batch: number; settings: StepSettings };

export type ReplicaReply = { type: 'ready' } | { type: 'error'; message: string; stack: string };

/** Floats the channel must hold: the larger model's parameters (one gradient), or a batch's figures. */
function capacityFor(state: GanState, batch: number): number {
  const count = (p: Record<string, tf.Tensor>) => Object.values(p).reduce((n, t) => n + t.size, 0);
  return Math.max(count(state.g.params), count(state.d.params), batch + 3);
}

export class ReplicaPool {
  private readonly errors: string[] = [];

  private constructor(
    private readonly workers: Worker[],
    private readonly reduce: AllReduce,
  ) {
    for (const w of workers) {
      w.on('message', (m: ReplicaReply) => {
        if (m.type === 'error') this.errors.push(m.message);
      });
      w.on('error', (err) => {
        this.errors.push(err.message);
        reduce.abort();
      });
    }
  }

  get replicas(): number {
    return this.reduce.replicas;
  }

  /**
   * Starts `replicas − 1` worker threads with models shaped like `state`'s (their weights come with the
   * first `load`). This thread must run on the plain wasm backend, as the workers do: replicas on
   * different kernels would drift apart.
   */
  static async start(
    replicas: number,
    state: GanState,
    config: Config,
    specs: { g: GeneratorSpec; d: DiscriminatorSpec },
    timeoutMs = 300_000,
  ): Promise<ReplicaPool> {
    if (tf.getBackend() !== 'wasm') throw new InternalError(`data-parallel training needs the wasm backend on this thread too (it runs on ${tf.getBackend()})`);
    const channel = createChannel(replicas, capacityFor(state, config.train.batchSize));
    const url = workerUrl('./worker.js', import.meta.url, 'gan/parallel');
    const workers = Array.from({ length: replicas - 1 }, () => new Worker(url));
    try {
      await Promise.all(
        workers.map(
          (w, i) =>
            new Promise<void>((resolve, reject) => {
              const onMessage = (m: ReplicaReply) => {
                w.off('message', onMessage);
                if (m.type === 'ready') resolve();
                else reject(new InternalError(`training replica ${i + 1} failed to start: ${m.message}`));
              };
              w.on('message', onMessage);
              w.once('error', reject);
              const { train } = config;
              w.postMessage({
                type: 'init',
                channel,
                rank: i + 1,
                timeoutMs,
                specs,
                lrG: train.lrG,
                lrD: train.lrD,
                beta1: train.beta1,
                beta2: train.beta2,
              } satisfies ReplicaRequest);
            }),
        ),
      );
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new ReplicaPool(workers, new AllReduce(channel, 0, timeoutMs));
  }

  /** Sets every worker's models to `state` (this thread's models are the caller's to set). */
  load(state: ModelsState): void {
    const { g, d, spectral, optG, optD } = state;
    for (const w of this.workers) w.postMessage({ type: 'load', state: { g, d, spectral, optG, optD } } satisfies ReplicaRequest);
  }

  /** One D and one G step on the whole batch `arrays`, split across the replicas; the whole batch's figures. */
  iterate(state: GanState, arrays: StepArrays, settings: StepSettings): IterationResult {
    const batch = batchOf(arrays);
    const parts = shardIndices(batch, this.replicas);
    this.workers.forEach((w, i) => {
      const positions = parts[i + 1]!;
      w.postMessage({ type: 'step', part: stepPart(arrays, positions), positions, batch, settings } satisfies ReplicaRequest);
    });
    try {
      return replicaIteration(state, stepPart(arrays, parts[0]!), parts[0]!, batch, settings, this.reduce);
    } catch (err) {
      // Whatever failed here, the workers must not wait for this replica at a barrier.
      this.reduce.abort();
      if (err instanceof ReplicaAbortedError && this.errors.length) throw new InternalError(`a training replica failed: ${this.errors[0]}`);
      throw err;
    }
  }

  /** A worker's error that has arrived since, if any (they arrive as messages, after a failed iterate). */
  async failure(waitMs = 2000): Promise<string | null> {
    const until = Date.now() + waitMs;
    while (!this.errors.length && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return this.errors[0] ?? null;
  }

  /** Stops the worker threads (their replicas go with them). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
