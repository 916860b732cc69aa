#!/usr/bin/env node
/**
 * `npm run bench`: gan-augment's speed figures, each against its reference, measured back to back in
 * one run. tfjs and PyTorch run in long-lived worker processes (bench/lib/tfjs-worker.mjs,
 * bench/reference/dcgan_torch.py --mode serve) that take turns — A B A B … — so a busy spell on a
 * shared machine hits both sides; each figure is the median over the turns (≥ 5), never an absolute
 * pass/fail time. Not part of `npm test`.
 *
 *   npm run build && npm run bench [-- --json] [--reps 5] [--only train,generate] [--skip fid2048] [--native 1,2]
 *
 * Every tfjs figure says which path it took: `wasm ×1` (plain wasm, one thread), `native N thread(s)`
 * (wasm with the native addon's BLAS kernels, OpenBLAS on N threads; --native lists the thread counts,
 * `--native ''` leaves them out; skipped with the reason where the addon or OpenBLAS is missing).
 *
 * Figures (ratio > 1 means gan-augment is faster / leaner):
 *   startup         seconds from a shell to the exit of `gan-augment --version` and of `gan-augment validate
 *                   configs/quickstart.yaml` (neither loads tfjs) vs `python3 -c "import torch"`, what any PyTorch
 *                   script pays before its first line; each the median of --reps alternating turns
 *   classifier      img/s, Adam steps of evaluate's classifier (the guard's too) — wasm ×1, and native on one
 *                   BLAS thread as `classifier-native` — vs the same network and optimiser in PyTorch, 1 thread
 *   train           img/s, default cDCGAN 28×28×1, batch 64, one D + one G step — vs PyTorch at its
 *                   fastest thread count (1 or 2), same architecture and optimiser
 *   train-threads   the same on the threaded wasm binary (GAN_AUGMENT_WASM_THREADS=2; what `run` trains on on plain wasm)
 *   train-defaults  the project's default model (projection head, minibatch stddev, DiffAugment) vs the
 *                   same PyTorch figure (which does less per step)
 *   train-small     the quickstart preset's networks (half the default widths, `upsample` generator, batch
 *                   32) on the native backend, one OpenBLAS thread against two (`train.blasThreads`): the
 *                   ratio of the two, no PyTorch side
 *   train-busy      the default cDCGAN on the native backend beside one other busy process (a `node -e` busy
 *                   loop, running through the section's turns), one OpenBLAS thread against two: why
 *                   `train.blasThreads: auto` reads the machine's load first; the ratio of the two
 *   train-workers   data-parallel training on two wasm threads (`train.workers: 2`, src/gan/parallel): this
 *                   thread and a worker thread, each a single-thread wasm replica on half of every batch of
 *                   64, gradients and batch-norm statistics summed through shared memory — vs PyTorch at its
 *                   fastest thread count, and vs wasm ×1 on the whole batch in the same turns
 *   train-2proc     the ceiling of data-parallel training on two wasm workers: two single-thread wasm
 *                   worker processes each train on half the batch (32) at the same time, summed img/s,
 *                   against one wasm worker on the whole batch — no gradient exchange, so an upper bound
 *                   (issue #16's "both cores" design), beside the threaded wasm binary
 *   train-64        train at 64×64×3
 *   generate        img/s from noise to PNG files on disk (sampleToPngs + PngWriter, as `gan-augment
 *                   generate` runs them) vs PyTorch + PIL
 *   features        img/s through the default feature extractor vs PyTorch on the same net (bench/features.mjs)
 *   fid2048         seconds for FID at 2048-d vs numpy + scipy (bench/fid.mjs, if present)
 *   ingest          img/s scan + decode vs a plain sharp loop (bench/ingest.mjs, if present)
 *   tensors         tf.memory().numTensors after 1,000 training steps vs after 10 (small model; 1.00 = flat)
 *   rss-train       peak RSS of the training worker vs PyTorch's
 *   rss-run         peak RSS of a whole `gan-augment run` on fmnist-lt at the default config (~10 min;
 *                   builds bench/data/fmnist-lt first if missing; --skip rss-run for a quick pass)
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ROOT } from './lib/gan.mjs';

const PYTHON = '/usr/bin/python3'; // Debian's interpreter has torch; the python3 first on PATH does not.
const ALL = ['startup', 'classifier', 'train', 'train-threads', 'train-defaults', 'train-small', 'train-busy', 'train-workers', 'train-2proc', 'train-64', 'generate', 'features', 'fid2048', 'ingest', 'tensors', 'rss-train', 'rss-run'];

const { values: args } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    reps: { type: 'string', default: '5' },
    only: { type: 'string' },
    skip: { type: 'string', default: '' },
    threads: { type: 'string', default: '2' },
    native: { type: 'string', default: '1,2' },
  },
});
const reps = Math.max(1, Number(args.reps));
const only = args.only ? args.only.split(',') : ALL;
const skip = new Set(args.skip.split(',').filter(Boolean));
const want = (name) => only.includes(name) && !skip.has(name);
const log = (...a) => (args.json ? console.error(...a) : console.log(...a));
const progress = (msg) => process.stderr.write(`  … ${msg}\n`);

if (!existsSync(path.join(ROOT, 'dist/gan/train-step.js'))) {
  console.error('bench/run.mjs: dist/ is missing; run `npm run build` first');
  process.exit(1);
}

/** A JSON-lines worker process: `ask(req)` sends one request and resolves with its one-line reply. */
function worker(cmd, argv, env = {}) {
  const child = spawn(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  lines.on('line', (l) => waiting.shift()?.resolve(l));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`${cmd} exited (${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
  });
  return {
    ask(req) {
      return new Promise((resolve, reject) => {
        waiting.push({
          resolve: (l) => {
            const r = JSON.parse(l);
            if (r.error) reject(new Error(`${path.basename(argv[0] ?? cmd)}: ${r.error.split('\n')[0]}`));
            else resolve(r);
          },
          reject,
        });
        child.stdin.write(JSON.stringify(req) + '\n');
      });
    },
    close() {
      child.stdin.end();
      setTimeout(() => child.kill(), 5000).unref();
    },
  };
}

function probeTorch() {
  const r = spawnSync(PYTHON, ['-c', 'import torch, numpy, PIL; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : r.stderr.trim().split('\n').pop();
    return { ok: false, why: `SKIPPED PyTorch side: ${PYTHON} cannot import torch, numpy and PIL (${why}); apt-get install python3-torch python3-pil` };
  }
  return { ok: true, version: r.stdout.trim() };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (v, unit) => (v === null || v === undefined || Number.isNaN(v) ? '—' : unit === 's' ? `${v.toFixed(2)} s` : unit === 'MB' ? `${v.toFixed(0)} MB` : unit === 'tensors' ? `${v}` : `${v.toFixed(1)} ${unit}`);

const figures = [];
/** Records a figure and prints its line. `higherIsBetter` decides the ratio's direction (> 1 = better). */
function figure(name, value, unit, reference, refLabel, detail, higherIsBetter = true) {
  const ratio = value !== null && reference ? (higherIsBetter ? value / reference : reference / value) : null;
  figures.push({ name, value, unit, reference: reference ?? null, ratio, detail, referenceLabel: refLabel });
  const r = ratio === null ? '' : `  → ${ratio.toFixed(2)}×`;
  log(`${name.padEnd(15)} ${fmt(value, unit).padStart(12)}  vs ${refLabel} ${fmt(reference, unit)}${r}  (${detail})`);
}

// ---------------------------------------------------------------------------------------------------

const torch = probeTorch();
const cores = os.availableParallelism();
log(`# gan-augment bench — ${os.cpus()[0]?.model ?? 'cpu'}, ${cores} cores, node ${process.version}, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
log(`# PyTorch: ${torch.ok ? `torch ${torch.version} (${PYTHON})` : torch.why}`);
log(`# each figure: median of ${reps} turns per side, sides alternating within the run; ratio > 1 = gan-augment faster`);

const tfjs = worker(process.execPath, [path.join(ROOT, 'bench/lib/tfjs-worker.mjs')], { GAN_AUGMENT_WASM_THREADS: '' });
const tfjsInfo = await tfjs.ask({ cmd: 'info' });
log(`# tfjs: ${tfjsInfo.backend}`);
/** The native paths: one worker per BLAS thread count, each on `--backend native`. */
const natives = [];
for (const t of args.native.split(',').filter(Boolean).map(Number)) {
  const w = worker(process.execPath, [path.join(ROOT, 'bench/lib/tfjs-worker.mjs'), '--backend', 'native'], { GAN_AUGMENT_WASM_THREADS: '', GAN_AUGMENT_BLAS_THREADS: String(t) });
  try {
    const info = await w.ask({ cmd: 'info' });
    const blas = /\(([^,:]+)/.exec(info.backend)?.[1] ?? 'BLAS';
    natives.push({ key: `native${t}`, w, name: t === 1 ? 'native' : `native${t}`, label: `native ${t} thread${t === 1 ? '' : 's'} (${blas})` });
    log(`# tfjs (native, ${t} BLAS thread${t === 1 ? '' : 's'}): ${info.backend}`);
  } catch (err) {
    log(`# native ${t} thread${t === 1 ? '' : 's'}: SKIPPED (${err instanceof Error ? err.message : err}); the figures below are wasm only`);
    w.close();
  }
}
let tfjsThreads = null;
if (want('train-threads') || want('train-2proc')) {
  tfjsThreads = worker(process.execPath, [path.join(ROOT, 'bench/lib/tfjs-worker.mjs')], { GAN_AUGMENT_WASM_THREADS: args.threads });
  const info = await tfjsThreads.ask({ cmd: 'info' });
  log(`# tfjs (threads): ${info.backend}`);
}
const py = torch.ok ? worker(PYTHON, [path.join(ROOT, 'bench/reference/dcgan_torch.py'), '--mode', 'serve']) : null;

/**
 * Turns for one shape: every side runs one turn of `iters` iterations per round, the order rotating
 * each round; returns the median over rounds of each side's median img/s.
 */
async function trainRounds(shape, sides) {
  const got = Object.fromEntries(sides.map((s) => [s.key, []]));
  const model = Object.fromEntries(sides.map((s) => [s.key, []]));
  const cpu = Object.fromEntries(sides.map((s) => [s.key, []]));
  const samplers = {};
  const imageThreads = {};
  for (let r = 0; r < reps; r++) {
    const order = sides.map((_, i) => sides[(i + r) % sides.length]);
    for (const s of order) {
      const reply = await s.run();
      got[s.key].push(reply.imgPerSec);
      if (reply.modelImgPerSec) model[s.key].push(reply.modelImgPerSec);
      if (reply.imgPerCpuSec) cpu[s.key].push(reply.imgPerCpuSec);
      if (reply.samplers) samplers[s.key] = reply.samplers;
      if (reply.imageThreads) imageThreads[s.key] = reply.imageThreads;
    }
    progress(`${shape} round ${r + 1}/${reps}: ${sides.map((s) => `${s.key} ${got[s.key].at(-1).toFixed(1)}`).join(', ')} img/s`);
  }
  return Object.fromEntries(Object.entries(got).map(([k, v]) => [k, { median: median(v), all: v, model: model[k].length ? median(model[k]) : null, cpu: cpu[k].length ? median(cpu[k]) : null, samplers: samplers[k] ?? null, imageThreads: imageThreads[k] ?? null }]));
}

function torchSides(size, channels, iters) {
  if (!py) return [];
  return [1, 2].map((threads) => ({ key: `torch${threads}`, run: () => py.ask({ cmd: 'train', threads, iters, size, channels, batch: 64 }) }));
}

function bestTorch(res) {
  const t = ['torch1', 'torch2'].filter((k) => res[k]).map((k) => ({ k, v: res[k].median }));
  if (!t.length) return { value: null, label: 'PyTorch (skipped)' };
  const best = t.reduce((a, b) => (b.v > a.v ? b : a));
  return { value: best.v, label: `PyTorch ${torch.version} ${best.k.slice(5)} thread${best.k === 'torch1' ? '' : 's'}`, others: t };
}

/**
 * The same comparison per CPU-second (img per second of CPU time of the whole process, every thread):
 * on a loaded machine this stays close to the idle-machine speed of a one-thread path, while wall-clock
 * figures swing with the load. For multi-thread paths it measures work, not speed.
 */
function cpuNote(res, key) {
  if (!res[key]?.cpu || !res.torch1?.cpu) return '';
  return `; per CPU-second ${res[key].cpu.toFixed(1)} vs PyTorch 1t ${res.torch1.cpu.toFixed(1)} img → ${(res[key].cpu / res.torch1.cpu).toFixed(2)}×`;
}

const failures = [];
async function section(name, fn) {
  try {
    await fn();
  } catch (err) {
    failures.push(name);
    log(`${name.padEnd(15)} FAILED: ${err instanceof Error ? err.message : err}`);
  }
}

if (want('train') || want('train-threads') || want('train-defaults')) {
  await section('train', async () => {
    const sides = [];
    if (want('train')) sides.push({ key: 'tfjs', run: () => tfjs.ask({ cmd: 'train', size: 28, channels: 1, model: 'reference', iters: 4 }) });
    if (tfjsThreads) sides.push({ key: 'tfjsThreads', run: () => tfjsThreads.ask({ cmd: 'train', size: 28, channels: 1, model: 'reference', iters: 4 }) });
    if (want('train-defaults')) sides.push({ key: 'tfjsDefaults', run: () => tfjs.ask({ cmd: 'train', size: 28, channels: 1, model: 'defaults', iters: 4 }) });
    if (want('train')) for (const n of natives) sides.push({ key: n.key, run: () => n.w.ask({ cmd: 'train', size: 28, channels: 1, model: 'reference', iters: 4 }) });
    sides.push(...torchSides(28, 1, 8));
    const res = await trainRounds('28×28×1', sides);
    const ref = bestTorch(res);
    const torchAll = ref.others?.map((o) => `${o.k.slice(5)}t ${o.v.toFixed(1)}`).join(', ');
    const d = (k) => `median of ${res[k].all.length}: ${res[k].all.map((v) => v.toFixed(1)).join(' ')}; PyTorch ${torchAll ?? 'skipped'}`;
    if (res.tfjs) figure('train', res.tfjs.median, 'img/s', ref.value, ref.label, `28×28×1 batch 64, path wasm ×1; ${d('tfjs')}${cpuNote(res, 'tfjs')}`);
    for (const n of natives) if (res[n.key]) figure(`train-${n.name}`, res[n.key].median, 'img/s', ref.value, ref.label, `28×28×1 batch 64, path ${n.label}; ${d(n.key)}${cpuNote(res, n.key)}`);
    if (res.tfjsThreads) figure('train-threads', res.tfjsThreads.median, 'img/s', ref.value, ref.label, `wasm ${args.threads} threads (threaded binary); ${d('tfjsThreads')}`);
    if (res.tfjsDefaults) figure('train-defaults', res.tfjsDefaults.median, 'img/s', ref.value, ref.label, `projection head + mbstd + DiffAugment, 1 thread; ${d('tfjsDefaults')}`);
  });
}

if (want('classifier')) {
  await section('classifier', async () => {
    // Every classifier (the guard's, evaluate's, the feature classifier) trains on one thread.
    const sides = [{ key: 'tfjs', run: () => tfjs.ask({ cmd: 'classifier', iters: 60 }) }];
    const one = natives.find((n) => n.key === 'native1');
    if (one) sides.push({ key: 'native1', run: () => one.w.ask({ cmd: 'classifier', iters: 60 }) });
    if (py) sides.push({ key: 'torch1', run: () => py.ask({ cmd: 'classifier', threads: 1, iters: 60 }) });
    const res = await trainRounds('classifier', sides);
    const ref = res.torch1 ? { value: res.torch1.median, label: `PyTorch ${torch.version} 1 thread` } : { value: null, label: 'PyTorch (skipped)' };
    const d = (k) => `median of ${res[k].all.length}: ${res[k].all.map((v) => v.toFixed(0)).join(' ')}; PyTorch ${res.torch1 ? res.torch1.all.map((v) => v.toFixed(0)).join(' ') : 'skipped'}`;
    const what = "evaluate's classifier (convs 16/32/64 on 28×28×1), Adam steps of batch 64";
    figure('classifier', res.tfjs.median, 'img/s', ref.value, ref.label, `${what}, path wasm ×1; ${d('tfjs')}${cpuNote(res, 'tfjs')}`);
    if (res.native1) figure('classifier-native', res.native1.median, 'img/s', ref.value, ref.label, `${what}, path ${one.label}; ${d('native1')}${cpuNote(res, 'native1')}`);
  });
}

/**
 * The native backend on one BLAS thread against two, in alternating turns of `step` (sides `one`, `two`),
 * with each side's turns as text; null where either count is missing (said as the figure's SKIPPED line).
 */
async function oneAgainstTwo(name, title, step) {
  const one = natives.find((n) => n.key === 'native1');
  const two = natives.find((n) => n.key === 'native2');
  if (!one || !two) {
    log(`${name.padEnd(15)} SKIPPED: needs the native backend at 1 and 2 BLAS threads (--native 1,2)`);
    return null;
  }
  const res = await trainRounds(title, [
    { key: 'one', run: () => one.w.ask(step) },
    { key: 'two', run: () => two.w.ask(step) },
  ]);
  return { res, all: (k) => res[k].all.map((v) => v.toFixed(0)).join(', ') };
}

if (want('train-small')) {
  await section('train-small', async () => {
    const small = { cmd: 'train', size: 28, channels: 1, model: 'quickstart', batch: 32, iters: 8 };
    const r = await oneAgainstTwo('train-small', '28×28×1 quickstart networks', small);
    if (!r) return;
    const { res, all } = r;
    figure('train-small', res.one.median, 'img/s', res.two.median, 'the same on 2 BLAS threads', `quickstart networks, batch 32, native 1 BLAS thread (train.blasThreads: 1, the preset's) vs 2; turns ${all('one')} vs ${all('two')}`);
  });
}

if (want('train-busy')) {
  await section('train-busy', async () => {
    // Another program busy on a core for as long as the turns take (killed after them).
    const hog = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    try {
      const step = { cmd: 'train', size: 28, channels: 1, model: 'reference', iters: 4 };
      const r = await oneAgainstTwo('train-busy', '28×28×1 beside a busy process', step);
      if (!r) return;
      const { res, all } = r;
      figure('train-busy', res.one.median, 'img/s', res.two.median, 'the same on 2 BLAS threads', `28×28×1 batch 64 beside one busy process, native 1 BLAS thread (what train.blasThreads: auto picks there) vs 2; turns ${all('one')} vs ${all('two')}`);
    } finally {
      hog.kill();
    }
  });
}

if (want('train-workers')) {
  await section('train-workers', async () => {
    const whole = { cmd: 'train', size: 28, channels: 1, model: 'reference', iters: 4 };
    const sides = [
      { key: 'one', run: () => tfjs.ask(whole) },
      { key: 'two', run: () => tfjs.ask({ ...whole, workers: 2 }) },
      ...torchSides(28, 1, 8),
    ];
    const res = await trainRounds('28×28×1 two wasm threads', sides);
    const ref = bestTorch(res);
    const all = (k) => res[k].all.map((v) => v.toFixed(0)).join(', ');
    figure('train-workers', res.two.median, 'img/s', ref.value, ref.label, `28×28×1 batch 64, path wasm ×2 threads (data-parallel); all turns ${all('two')}`);
    figure('train-workers-vs-1', res.two.median, 'img/s', res.one.median, 'wasm ×1 on batch 64', `the same turns; wasm ×1 ${all('one')}`);
  });
}

if (want('train-2proc')) {
  await section('train-2proc', async () => {
    // A second single-thread wasm worker; each side's one turn: both halves at once, or the whole batch.
    const second = worker(process.execPath, [path.join(ROOT, 'bench/lib/tfjs-worker.mjs')], { GAN_AUGMENT_WASM_THREADS: '' });
    try {
      const half = { cmd: 'train', size: 28, channels: 1, model: 'reference', iters: 4, batch: 32 };
      await Promise.all([tfjs.ask({ ...half, iters: 1 }), second.ask({ ...half, iters: 1 })]); // warm-up at this batch size
      const sides = [
        { key: 'one', run: () => tfjs.ask({ cmd: 'train', size: 28, channels: 1, model: 'reference', iters: 4 }) },
        { key: 'two', run: async () => ({ imgPerSec: (await Promise.all([tfjs.ask(half), second.ask(half)])).reduce((a, r) => a + r.imgPerSec, 0) }) },
        ...(tfjsThreads ? [{ key: 'threads', run: () => tfjsThreads.ask({ cmd: 'train', size: 28, channels: 1, model: 'reference', iters: 4 }) }] : []),
      ];
      const res = await trainRounds('28×28×1 two workers', sides);
      figure('train-2proc', res.two.median, 'img/s', res.one.median, 'wasm ×1 on batch 64', `two wasm ×1 processes on 32 images each at once, summed (no gradient exchange: the ceiling of two data-parallel wasm workers); all turns ${res.two.all.map((v) => v.toFixed(0)).join(', ')}`);
      if (res.threads) figure('train-threads-vs-1', res.threads.median, 'img/s', res.one.median, 'wasm ×1 on batch 64', `the threaded wasm binary, ${args.threads} threads, same turns`);
    } finally {
      second.close();
    }
  });
}

if (want('train-64')) {
  await section('train-64', async () => {
    const sides = [{ key: 'tfjs', run: () => tfjs.ask({ cmd: 'train', size: 64, channels: 3, model: 'reference', iters: 1, warmup: 1 }) }];
    if (tfjsThreads) sides.push({ key: 'tfjsThreads', run: () => tfjsThreads.ask({ cmd: 'train', size: 64, channels: 3, model: 'reference', iters: 1, warmup: 1 }) });
    for (const n of natives) sides.push({ key: n.key, run: () => n.w.ask({ cmd: 'train', size: 64, channels: 3, model: 'reference', iters: 1, warmup: 1 }) });
    sides.push(...torchSides(64, 3, 2));
    const res = await trainRounds('64×64×3', sides);
    const ref = bestTorch(res);
    const all = (k) => `median of ${res[k].all.length}: ${res[k].all.map((v) => v.toFixed(1)).join(' ')}; PyTorch ${ref.others?.map((o) => `${o.k.slice(5)}t ${o.v.toFixed(1)}`).join(', ') ?? 'skipped'}`;
    figure('train-64', res.tfjs.median, 'img/s', ref.value, ref.label, `64×64×3 batch 64, path wasm ×1; ${all('tfjs')}${cpuNote(res, 'tfjs')}`);
    for (const n of natives) if (res[n.key]) figure(`train-64-${n.name}`, res[n.key].median, 'img/s', ref.value, ref.label, `64×64×3 batch 64, path ${n.label}; ${all(n.key)}${cpuNote(res, n.key)}`);
    if (res.tfjsThreads) figure('train-64-threads', res.tfjsThreads.median, 'img/s', ref.value, ref.label, `64×64×3, wasm ${args.threads} threads (threaded binary)`);
  });
}

if (want('generate')) {
  await section('generate', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'gan-augment-bench-gen-'));
    try {
      const count = 2560;
      const sides = [{ key: 'tfjs', run: () => tfjs.ask({ cmd: 'generate', count, out: path.join(dir, 'tfjs'), genBatch: 256 }) }];
      if (tfjsThreads) sides.push({ key: 'tfjsThreads', run: () => tfjsThreads.ask({ cmd: 'generate', count, out: path.join(dir, 'tfjs2'), genBatch: 256 }) });
      for (const n of natives) sides.push({ key: n.key, run: () => n.w.ask({ cmd: 'generate', count, out: path.join(dir, n.key), genBatch: 256 }) });
      // The first native path again with two sampler threads (`--workers 2`; `auto` takes them only with a
      // core for each beside the PNG writer's).
      if (natives[0]) sides.push({ key: 'native1x2', run: () => natives[0].w.ask({ cmd: 'generate', count, out: path.join(dir, 'native1x2'), genBatch: 256, workers: 2 }) });
      if (py) for (const threads of [1, 2]) sides.push({ key: `torch${threads}`, run: () => py.ask({ cmd: 'generate', threads, count, out: path.join(dir, `torch${threads}`), genBatch: 256 }) });
      const res = await trainRounds('generate', sides);
      const ref = bestTorch(res);
      const split = (k) => (res[k]?.model ? `generator alone ${res[k].model.toFixed(0)} img/s` : 'n/a');
      const samplers = (k) => `${res[k]?.samplers ?? 1} sampler thread${(res[k]?.samplers ?? 1) === 1 ? '' : 's'}${(res[k]?.imageThreads ?? 1) > 1 ? ` (its convolutions' images shared by ${res[k].imageThreads} native threads)` : ''}`;
      figure('generate', res.tfjs.median, 'img/s', ref.value, `${ref.label} + PIL`, `${count} PNGs 28×28 per turn, batch 256, path wasm ×1, ${samplers('tfjs')} + zlib PNG writer overlapping sampling; median of ${res.tfjs.all.length}; ${split('tfjs')} vs PyTorch ${split('torch1')} (1t), ${split('torch2')} (2t)`);
      for (const n of natives) if (res[n.key]) figure(`generate-${n.name}`, res[n.key].median, 'img/s', ref.value, `${ref.label} + PIL`, `path ${n.label}, ${samplers(n.key)}; median of ${res[n.key].all.length}; ${split(n.key)}`);
      if (res.native1x2) figure('generate-native-2-samplers', res.native1x2.median, 'img/s', ref.value, `${ref.label} + PIL`, `path ${natives[0].label}, 2 sampler threads (--workers 2) beside the PNG writer's; median of ${res.native1x2.all.length}`);
      if (res.tfjsThreads) figure('generate-threads', res.tfjsThreads.median, 'img/s', ref.value, `${ref.label} + PIL`, `wasm ${args.threads} threads (threaded binary)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Runs another helper's bench script, if present, and returns its stdout lines. */
function runScript(file, argv) {
  const full = path.join(ROOT, 'bench', file);
  if (!existsSync(full)) return null;
  progress(`node bench/${file} ${argv.join(' ')}`);
  const r = spawnSync(process.execPath, [full, ...argv], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`bench/${file} exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`);
  return r.stdout.split('\n');
}

const seconds = (text) => {
  const m = /([\d.]+)\s*(ms|s)\b/.exec(text);
  return m ? Number(m[1]) / (m[2] === 'ms' ? 1000 : 1) : null;
};

if (want('features')) {
  await section('features', async () => {
    const lines = runScript('features.mjs', ['--reps', String(reps)]);
    if (!lines) return log(`${'features'.padEnd(15)} SKIPPED: bench/features.mjs is not present`);
    const rate = (l) => Number(/\s([\d.]+) images\/s/.exec(l)?.[1] ?? NaN);
    const ours = lines.find((l) => l.startsWith('extract (tfjs wasm)'));
    if (!ours) throw new Error('bench/features.mjs printed no "extract (tfjs wasm)" line');
    const torchLines = lines.filter((l) => /^extract \(PyTorch \d+t\)/.test(l));
    const best = torchLines.map((l) => ({ t: /PyTorch (\d+)t/.exec(l)[1], v: rate(l) })).sort((a, b) => b.v - a.v)[0];
    figure('features', rate(ours), 'img/s', best?.v ?? null, best ? `PyTorch ${best.t} thread${best.t === '1' ? '' : 's'}, same network` : 'PyTorch (skipped)', `10,000 images 28×28 through the default extractor (classifier penultimate layer), wasm 1 thread, median of ${reps} (bench/features.mjs)`);
  });
}

if (want('fid2048')) {
  await section('fid2048', async () => {
    const lines = runScript('fid.mjs', ['--dims', '2048', '--reps', String(Math.min(reps, 3))]);
    if (!lines) return log(`${'fid2048'.padEnd(15)} SKIPPED: bench/fid.mjs is not present`);
    const line = lines.find((l) => l.startsWith('FID 2048-d'));
    if (!line) throw new Error('bench/fid.mjs printed no "FID 2048-d" line');
    const js = seconds(line.split('| ')[0].split(': JS ')[1] ?? '');
    const scipyPart = line.split('| ').find((p) => p.startsWith('numpy/scipy '));
    const ref = scipyPart && !scipyPart.includes('skipped') ? seconds(scipyPart) : null;
    figure('fid2048', js, 's', ref, 'numpy+scipy (np.cov + sqrtm)', `10,000+10,000 samples, best of ${Math.min(reps, 3)} turns each (bench/fid.mjs)`, false);
  });
}

if (want('ingest')) {
  await section('ingest', async () => {
    const lines = runScript('ingest.mjs', ['--rounds', String(reps)]);
    if (!lines) return log(`${'ingest'.padEnd(15)} SKIPPED: bench/ingest.mjs is not present`);
    const num = (prefix) => {
      const l = lines.find((x) => x.startsWith(prefix));
      const m = l && /:\s*([\d,.]+)\s*img\/s/.exec(l);
      return m ? Number(m[1].replace(/,/g, '')) : null;
    };
    const ours = num('gan-augment ingest (scan + decode, cold');
    const plain = num('plain sharp');
    if (ours === null) throw new Error('bench/ingest.mjs printed no "gan-augment ingest" figure');
    figure('ingest', ours, 'img/s', plain, 'plain sharp decode+resize loop', `cold, cache off, median of ${reps} (bench/ingest.mjs)`);
  });
}

if (want('startup')) {
  await section('startup', async () => {
    const cli = path.join(ROOT, 'bin/gan-augment.js');
    const timed = (cmd, argv) => {
      const t0 = performance.now();
      const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${argv.join(' ')} exited ${r.status}: ${(r.stderr || '').trim().split('\n').pop()}`);
      return (performance.now() - t0) / 1000;
    };
    const sides = {
      version: () => timed(process.execPath, [cli, '--version']),
      validate: () => timed(process.execPath, [cli, 'validate', 'configs/quickstart.yaml']),
      ...(torch.ok ? { torch: () => timed(PYTHON, ['-c', 'import torch']) } : {}),
    };
    const turns = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
    for (let i = 0; i < Math.max(reps, 5); i++) for (const [k, run] of Object.entries(sides)) turns[k].push(run());
    const med = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
    const ref = turns.torch ? med(turns.torch) : null;
    const refLabel = ref === null ? `PyTorch (${torch.why})` : 'python3 -c "import torch"';
    figure('startup', med(turns.version), 's', ref, refLabel, `gan-augment --version, median of ${turns.version.length} turns`, false);
    figure('startup-validate', med(turns.validate), 's', ref, refLabel, `gan-augment validate configs/quickstart.yaml, median of ${turns.validate.length} turns`, false);
  });
}

if (want('tensors')) {
  await section('tensors', async () => {
    const r = await tfjs.ask({ cmd: 'tensors', steps: [10, 1000] });
    const after10 = r.counts['10'];
    const after1000 = r.counts['1000'];
    figures.push({ name: 'tensors', value: after1000, unit: 'tensors', reference: after10, ratio: after10 ? after1000 / after10 : null, detail: 'numTensors after 1,000 vs after 10 training steps (small model, project defaults)' });
    log(`${'tensors'.padEnd(15)} ${String(after1000).padStart(12)}  vs after 10 steps ${after10}  → ${after1000 === after10 ? 'flat' : `LEAK of ${after1000 - after10}`}  (numTensors after 1,000 training steps, small model)`);
  });
}

if (want('rss-train')) {
  await section('rss-train', async () => {
    const ours = (await tfjs.ask({ cmd: 'rss' })).maxRssMB;
    const ref = py ? (await py.ask({ cmd: 'rss' })).maxRssMB : null;
    figure('rss-train', ours, 'MB', ref, 'PyTorch', 'peak RSS of the worker that ran every figure above', false);
  });
}

if (want('rss-run')) {
  await section('rss-run', async () => {
    // A whole `run` at the default config on fmnist-lt (7 × 1000 + 3 × 50 images), as `npm run eval` runs it;
    // the figure is the summary's peakRssMB (process.resourceUsage().maxRSS: every thread of the process).
    const data = path.join(ROOT, 'bench/data/fmnist-lt');
    if (!existsSync(path.join(data, 'train'))) {
      const made = spawnSync(process.execPath, [path.join(ROOT, 'bench/make-fmnist-lt.mjs')], { cwd: ROOT, encoding: 'utf8' });
      if (made.status !== 0) return log(`${'rss-run'.padEnd(15)} SKIPPED: bench/data/fmnist-lt could not be built (${(made.stderr || '').trim().split('\n').pop()})`);
    }
    const out = path.join(ROOT, 'bench/out/rss-run');
    const config = path.join(ROOT, 'bench/out/rss-run.yaml');
    mkdirSync(out, { recursive: true });
    writeFileSync(config, `input: ${path.join(data, 'train')}\nout: ${out}\nseed: 0\n`);
    progress('rss-run: a full run on fmnist-lt at the default config (about 10 minutes on 2 idle cores)');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/gan-augment.js'), 'run', config, '--force', '--quiet'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`gan-augment run exited ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-2).join(' | ')}`);
    const summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
    figure('rss-run', summary.peakRssMB, 'MB', null, 'no reference (PyTorch has no such pipeline)', `peak RSS of \`gan-augment run\` on fmnist-lt, default config, ${(summary.durations.total / 60).toFixed(1)} min, backend ${summary.backend.name}`, false);
  });
}

log(`# load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
tfjs.close();
tfjsThreads?.close();
for (const n of natives) n.w.close();
py?.close();

if (args.json) {
  console.log(JSON.stringify({
    machine: { cpu: os.cpus()[0]?.model, cores, node: process.version, torch: torch.ok ? torch.version : null, load: os.loadavg() },
    figures: figures.map(({ name, value, unit, reference, ratio, detail }) => ({ name, value, unit, reference, ratio, detail })),
    failed: failures,
  }));
}
process.exitCode = failures.length ? 1 : 0;
