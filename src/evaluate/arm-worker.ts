/**
 * A classifier thread (arm-pool.ts): the backend of the thread that started it, on one thread, its copy
 * of the training and test images, and one classifier trained and tested per request with the same function
 * as that thread (`trainedLogits`).
 */
import { workerData } from 'node:worker_threads';
import { initBackend } from '../backend/select.js';
import { serveRequests } from '../util/worker-rpc.js';
import type { ArmRequest, ArmWorkerInit } from './arm-pool.js';
import { trainedLogits } from './train.js';

const init = workerData as ArmWorkerInit;
// OpenBLAS' thread count is the process'; the starting thread holds it at one for every classifier.
serveRequests<void, ArmRequest, Float32Array, number>(initBackend(init.backend, { wasmThreads: 1, inheritBlasThreads: true }).then(() => {}), async (_, req, step) => {
  const logits = await trainedLogits(init.train, req.arm, init.settings, req.seed, init.test, { onStep: step, progressEvery: req.progressEvery });
  return { value: logits, transfer: [logits.buffer as ArrayBuffer] };
});
