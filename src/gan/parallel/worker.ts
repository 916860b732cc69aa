/**
 * A training replica's thread: its own single-threaded wasm backend and copies of G, D and their Adam
 * states; it runs `replicaIteration` on the part of each batch the main thread (replica 0) posts, in
 * lock-step with it through the shared channel. Messages are handled one after another, in order.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '../../backend/select.js';
import { Adam } from '../adam.js';
import { buildDiscriminator } from '../discriminator.js';
import { buildGenerator } from '../generator.js';
import { loadModels } from '../models-state.js';
import type { GanState } from '../train-step.js';
import { Rng } from '../../util/rng.js';
import { AllReduce } from './allreduce.js';
import { replicaIteration } from './replica-step.js';
import type { ReplicaReply, ReplicaRequest } from './pool.js';

let state: GanState | null = null;
let reduce: AllReduce | null = null;

async function handle(msg: ReplicaRequest): Promise<ReplicaReply | null> {
  switch (msg.type) {
    case 'init': {
      await initBackend('wasm', { wasmThreads: 1 });
      reduce = new AllReduce(msg.channel, msg.rank, msg.timeoutMs);
      const rng = new Rng(0); // every weight is overwritten by the first `load`
      const g = buildGenerator(msg.specs.g, rng);
      const d = buildDiscriminator(msg.specs.d, rng);
      state = { g, d, optG: new Adam(g.params, msg.lrG, msg.beta1, msg.beta2), optD: new Adam(d.params, msg.lrD, msg.beta1, msg.beta2) };
      return { type: 'ready' };
    }
    case 'load':
      loadModels(state!, msg.state);
      return null;
    case 'step':
      replicaIteration(state!, msg.part, msg.positions, msg.batch, msg.settings, reduce!);
      return null;
  }
}

let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (msg: ReplicaRequest) => {
  queue = queue.then(async () => {
    try {
      const reply = await handle(msg);
      if (reply) parentPort!.postMessage(reply);
    } catch (err) {
      // Wake the other replicas at their barrier, then say why.
      reduce?.abort();
      const e = err as Error;
      parentPort!.postMessage({ type: 'error', message: e?.message ?? String(err), stack: e?.stack ?? '' } satisfies ReplicaReply);
    }
  });
});
