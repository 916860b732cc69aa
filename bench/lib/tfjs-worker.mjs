#!/usr/bin/env node
/**
 * The tfjs side of bench/run.mjs: a JSON-lines server (one request per stdin line, one JSON reply per
 * stdout line; nothing else is written to stdout) so that tfjs and PyTorch take turns in one run
 * without start-up or warm-up in any timed turn. The backend is chosen once, at start:
 *   node bench/lib/tfjs-worker.mjs [--backend wasm|native] (GAN_AUGMENT_WASM_THREADS=N: threaded wasm;
 *                                                          GAN_AUGMENT_BLAS_THREADS=N: native BLAS threads)
 * Requests:
 *   {"cmd":"info"}                                        -> backend line, threads
 *   {"cmd":"train","size":28,"channels":1,"batch":64,"model":"reference","iters":6[,"workers":2]}
 *                                                          -> {"msPerIter":[…],"medianMs":…,"imgPerSec":…}
 *   {"cmd":"generate","count":2560,"out":DIR,"size":28,"channels":1,"genBatch":256}
 *                                                          -> {"imgPerSec":…,"seconds":…,"modelSeconds":…}
 *   {"cmd":"tensors","steps":[10,1000]}                   -> {"counts":{"10":n,"1000":m}} (small model)
 *   {"cmd":"classifier","iters":60}                        -> as train: evaluate's classifier (convs 16/32/64,
 *                                                             batch 64, 28×28×1), one Adam step an iteration
 *   {"cmd":"rss"}                                          -> {"maxRssMB":…}
 */
import { createInterface } from 'node:readline';
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { loadProject, makeParallelTrainer, makeTrainer, ROOT } from './gan.mjs';

const { values: args } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' } } });
const p = await loadProject();
// A backend that cannot start (e.g. `native` without the addon or OpenBLAS) answers every request with
// the reason, so bench/run.mjs can print why that path was skipped.
let info;
let initError = null;
try {
  info = await p.select.initBackend(args.backend);
} catch (err) {
  initError = err instanceof Error ? err.message : String(err);
}
const { tf } = p;
const dist = (f) => import(pathToFileURL(path.join(ROOT, 'dist', f)).href);

const trainers = new Map();
async function trainerFor(req) {
  const key = JSON.stringify([req.size ?? 28, req.channels ?? 1, req.batch ?? 64, req.model ?? 'reference', req.workers ?? 1]);
  if (!trainers.has(key)) {
    const opts = { size: req.size ?? 28, channels: req.channels ?? 1, batch: req.batch ?? 64, model: req.model ?? 'reference' };
    const t = (req.workers ?? 1) > 1 ? await makeParallelTrainer(p, { ...opts, workers: req.workers }) : makeTrainer(p, opts);
    for (let i = 0; i < (req.warmup ?? 3); i++) t.iteration();
    trainers.set(key, t);
  }
  return trainers.get(key);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function train(req) {
  const t = await trainerFor(req);
  const ms = [];
  const cpuMs = [];
  for (let i = 0; i < (req.iters ?? 6); i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    t.iteration();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs.push((c.user + c.system) / 1000);
  }
  const med = median(ms);
  // CPU time of the whole process (every thread): on a busy machine the wall clock mostly measures the
  // wait for a core, while one thread's CPU time is close to what it would take on an idle one.
  const cpu = median(cpuMs);
  return { msPerIter: ms, medianMs: med, imgPerSec: t.batch / (med / 1000), cpuMsPerIter: cpuMs, imgPerCpuSec: t.batch / (cpu / 1000) };
}

const generators = new Map();
async function generate(req) {
  const { sampleClass } = await dist('generate/sample.js');
  const { sampleToPngs } = await dist('generate/from-model.js');
  const { PngWriter } = await dist('manifest/write.js');
  const { planSamplers, withSamplers } = await dist('generate/sampler-pool.js');
  const { workerBackend } = await dist('backend/select.js');
  const { syntheticName } = await dist('out/layout.js');
  const size = req.size ?? 28;
  const channels = req.channels ?? 1;
  const numClasses = 10;
  const key = `${size}x${channels}`;
  if (!generators.has(key)) {
    const g = p.gen.buildGenerator({ numClasses, latentDim: 100, embedDim: 50, width: 128, size, channels }, new p.Rng(5));
    // Warm-up: one batch per size, not written, not timed.
    await sampleClass(g, null, 0, req.genBatch ?? 256, Array.from({ length: req.genBatch ?? 256 }, (_, i) => i + 1), req.genBatch ?? 256);
    generators.set(key, g);
  }
  const g = generators.get(key);
  const count = req.count ?? 2560;
  rmSync(req.out, { recursive: true, force: true });
  const t0 = performance.now();
  // As `gan-augment generate --class <all ten>` does (src/generate/from-model.ts): sampler threads started
  // for the whole job (`--workers auto`), each batch split among them, each batch's PNGs written on the
  // PNG writer's thread while the next batch is sampled.
  const plan = planSamplers(req.workers ?? 'auto', workerBackend(), os.availableParallelism(), count, 1);
  const writer = new PngWriter(size, channels);
  await withSamplers({ g, d: null }, plan, async (pool) => {
    for (let c = 0; c < numClasses; c++) {
      const n = Math.floor(count / numClasses) + (c < count % numClasses ? 1 : 0);
      const seeds = Array.from({ length: n }, (_, i) => (c * 1_000_003 + i * 7919 + 1) >>> 0);
      const dir = path.join(req.out, `class-${c}`);
      const files = seeds.map((s, i) => path.join(dir, syntheticName(i, s)));
      await sampleToPngs(g, c, seeds, files, req.genBatch ?? 256, writer, undefined, pool);
    }
  });
  await writer.done();
  const seconds = (performance.now() - t0) / 1000;
  // The generator alone, for the README's breakdown: the same images without encoding or writing.
  const tm = performance.now();
  for (let c = 0; c < numClasses; c++) {
    const n = Math.floor(count / numClasses) + (c < count % numClasses ? 1 : 0);
    await sampleClass(g, null, c, n, Array.from({ length: n }, (_, i) => i + 1), req.genBatch ?? 256);
  }
  const modelMs = performance.now() - tm;
  const { samplingImageThreads } = await dist('backend/native.js');
  return { imgPerSec: count / seconds, seconds, modelSeconds: modelMs / 1000, modelImgPerSec: count / (modelMs / 1000), count, samplers: plan.threads, imageThreads: plan.threads === 1 ? samplingImageThreads() : 1 };
}

/** numTensors after each of `steps` training iterations of a small conditional GAN (defaults model). */
async function tensors(req) {
  const t = makeTrainer(p, { size: 8, channels: 1, batch: 8, gWidth: 8, dWidth: 4, latentDim: 8, embedDim: 4, numClasses: 3, model: req.model ?? 'defaults' });
  const counts = {};
  const marks = [...(req.steps ?? [10, 1000])].sort((a, b) => a - b);
  let done = 0;
  for (const m of marks) {
    while (done < m) {
      t.iteration();
      done++;
    }
    counts[m] = tf.memory().numTensors;
  }
  t.dispose();
  return { counts, numBytes: tf.memory().numBytes };
}

const classifiers = new Map();
/**
 * Adam steps of evaluate's classifier (src/classifier; the guard trains the same one) on a fixed batch of
 * 28×28 images: what the guard and `evaluate` spend their time on. The step and optimiser are the
 * product's (`trainStep`, `classifierOptimizer`).
 */
async function classifier(req) {
  const { buildClassifier } = await dist('classifier/model.js');
  const { trainStep, classifierOptimizer } = await dist('classifier/train.js');
  const size = req.size ?? 28;
  const channels = req.channels ?? 1;
  const batch = req.batch ?? 64;
  const key = `${size}x${channels}x${batch}`;
  if (!classifiers.has(key)) {
    const c = buildClassifier({ size, channels, numClasses: 10, widths: [16, 32, 64], seed: 1 });
    const opt = classifierOptimizer(2e-3);
    const images = Float32Array.from({ length: batch * size * size * channels }, (_, i) => Math.sin(i * 0.37));
    const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
    for (let i = 0; i < 20; i++) trainStep(c, opt, images, labels);
    classifiers.set(key, { c, opt, images, labels });
  }
  const st = classifiers.get(key);
  const ms = [];
  const cpuMs = [];
  for (let i = 0; i < (req.iters ?? 60); i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    trainStep(st.c, st.opt, st.images, st.labels);
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs.push((c.user + c.system) / 1000);
  }
  const med = median(ms);
  return { msPerIter: ms, medianMs: med, imgPerSec: batch / (med / 1000), cpuMsPerIter: cpuMs, imgPerCpuSec: batch / (median(cpuMs) / 1000) };
}

const handlers = {
  classifier,
  info: async () => ({ backend: p.select.describeBackend(info), name: info.name, details: info.details }),
  train,
  generate,
  tensors,
  rss: async () => ({ maxRssMB: process.resourceUsage().maxRSS / 1024 }),
};

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  let reply;
  try {
    const req = JSON.parse(line);
    if (req.cmd === 'quit') break;
    const h = handlers[req.cmd];
    reply = initError ? { error: initError } : h ? await h(req) : { error: `unknown cmd ${req.cmd}` };
  } catch (err) {
    reply = { error: err instanceof Error ? `${err.message}\n${err.stack}` : String(err) };
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
}
process.exit(0);
