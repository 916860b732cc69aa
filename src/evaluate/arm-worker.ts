/**
 * A classifier thread (arm-pool.ts): the backend of the thread that started it, on one thread, its copy
 * of the training and test images, and one classifier trained and tested per request with the same function
 * as that thread (`trainedLogits`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../backend/select.js';
import type { ArmReply, ArmRequest, ArmWorkerInit } from './arm-pool.js';
import { trainedLogits } from './train.js';

const init = workerData as ArmWorkerInit;
const post = (m: ArmReply, transfer: ArrayBuffer[] = []) => parentPort!.postMessage(m, transfer);
// OpenBLAS' thread count is the process'; the starting thread holds it at one for every classifier.
const started = initBackend(init.backend, { wasmThreads: 1, inheritBlasThreads: true });
started.then(
  () => post({ type: 'ready' }),
  (err: Error) => post({ type: 'error', id: null, message: err?.message ?? String(err) }),
);

let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (req: ArmRequest) => {
  queue = queue.then(async () => {
    try {
      await started;
      const logits = await trainedLogits(init.train, req.arm, init.settings, req.seed, init.test, { onStep: (step) => post({ type: 'step', id: req.id, step }), progressEvery: req.progressEvery });
      post({ type: 'done', id: req.id, logits }, [logits.buffer as ArrayBuffer]);
    } catch (err) {
      post({ type: 'error', id: req.id, message: (err as Error)?.message ?? String(err) });
    }
  });
});
