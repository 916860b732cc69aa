#!/usr/bin/env node
/**
 * GAN quality on fmnist-lt at the same wall-clock budget per variant (issue: "GANs that work on 20–100
 * images per class"). For each variant it runs the real CLI, then scores the synthetic images of the
 * scarce classes (pullover, coat, shirt) by FID and KID against the official test split of that class,
 * in the feature space of a classifier trained on the (balanced) test split.
 *
 *   node bench/gan-eval.mjs [--budget 240] [--variants plain,diffaug,diffaug-ema,default,per-class] [--json]
 *
 * Needs bench/data/fmnist-lt (node bench/make-fmnist-lt.mjs; Debian's dataset-fashion-mnist).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(ROOT, 'dist', p));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const BUDGET = Number(opt('budget', '240'));
const JSON_OUT = args.includes('--json');
const DATA = path.join(ROOT, 'bench/data/fmnist-lt');
const SCARCE = ['pullover', 'coat', 'shirt'];
const PLAIN = ['gan.head=concat', 'gan.mbstd=false', 'augment.policy=[]', 'gan.emaHalfLifeImages=0'];
const VARIANTS = {
  plain: PLAIN,
  diffaug: ['gan.head=concat', 'gan.mbstd=false', 'gan.emaHalfLifeImages=0'],
  'diffaug-ema': ['gan.head=concat', 'gan.mbstd=false'],
  default: [],
  'per-class': ['gan.mode=per-class'],
};
const chosen = opt('variants', Object.keys(VARIANTS).join(',')).split(',');

function sh(cmd, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}\n${err.slice(-2000)}`))));
  });
}

if (!existsSync(path.join(DATA, 'train'))) {
  console.error('building fmnist-lt …');
  await sh(process.execPath, [path.join(ROOT, 'bench/make-fmnist-lt.mjs'), DATA]);
}
const { initBackend } = await dist('backend/select.js');
const { scanFolder } = await dist('dataset/scan.js');
const { decodeAll } = await dist('dataset/decode.js');
const { buildClassifier } = await dist('classifier/model.js');
const { trainClassifier, accuracyOn } = await dist('classifier/train.js');
const { features } = await dist('classifier/predict.js');
const { fid } = await dist('metrics/fid.js');
const { kid } = await dist('metrics/kid.js');
await initBackend('wasm');
const settings = { size: 28, channels: 1, fit: 'cover', background: '#000000', kernel: 'lanczos3', cache: false };

async function load(root) {
  const scan = await scanFolder(root);
  const files = scan.classes.flatMap((c, ci) => c.files.map((f) => ({ file: path.join(scan.root, f), ci })));
  const dec = await decodeAll(files.map((f) => f.file), settings);
  const labels = Int32Array.from(dec.kept.map((i) => files[i].ci));
  return { labels: scan.classes.map((c) => c.label), data: { pixels: dec.images.pixels, count: dec.images.count, size: 28, channels: 1, labels, numClasses: scan.classes.length } };
}

// 1. Feature extractor: a classifier trained on the balanced test split (fixed seed and budget).
const test = await load(path.join(DATA, 'test'));
const clf = buildClassifier({ size: 28, channels: 1, numClasses: 10, widths: [32, 64, 128], seed: 0 });
const t0 = performance.now();
await trainClassifier(clf, test.data, { steps: 600, batchSize: 64, seed: 0 });
const acc = await accuracyOn(clf, test.data);
console.error(`feature classifier: test-split accuracy ${(acc.accuracy * 100).toFixed(1)}% in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
const per = 28 * 28;
const classPixels = (d, ci) => {
  const idx = [];
  d.labels.forEach((l, i) => l === ci && idx.push(i));
  const px = new Uint8Array(idx.length * per);
  idx.forEach((src, k) => px.set(d.pixels.subarray(src * per, (src + 1) * per), k * per));
  return { px, n: idx.length };
};
const realFeat = {};
for (const label of SCARCE) {
  const { px, n } = classPixels(test.data, test.labels.indexOf(label));
  realFeat[label] = { data: await features(clf, px, n), rows: n };
}
const dims = realFeat[SCARCE[0]].data.length / realFeat[SCARCE[0]].rows;

// 2. Each variant through the real CLI, same budget.
const rows = [];
for (const name of chosen) {
  const out = path.join(ROOT, 'bench/out', `gan-${name}`);
  await mkdir(out, { recursive: true });
  const perJob = name === 'per-class' ? Math.round(BUDGET / SCARCE.length) : BUDGET;
  const cfg = path.join(out, '..', `gan-${name}.yaml`);
  await writeFile(cfg, `input: ${path.join(DATA, 'train')}\nout: ${out}\nseed: 1\n`);
  const set = ['train.steps=1000000', `train.budgetSeconds=${perJob}`, 'train.logEvery=50', 'train.sampleEvery=0', 'train.checkpointEvery=0', 'generate.oversample=1', ...VARIANTS[name]];
  const started = performance.now();
  await sh(process.execPath, [path.join(ROOT, 'bin/gan-augment.js'), 'run', cfg, '--force', '--quiet', '--set', ...set]);
  const wall = (performance.now() - started) / 1000;
  const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
  const manifest = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  const row = { variant: name, steps: summary.train.steps, trainSeconds: +summary.train.seconds.toFixed(0), wallSeconds: +wall.toFixed(0), fid: {}, kid: {} };
  for (const label of SCARCE) {
    const files = manifest.filter((e) => e.source === 'synthetic' && e.label === label).map((e) => path.resolve(out, e.path));
    const dec = await decodeAll(files, settings);
    const f = await features(clf, dec.images.pixels, dec.images.count);
    const a = realFeat[label];
    row.fid[label] = fid({ data: f, rows: dec.images.count, dims }, { data: a.data, rows: a.rows, dims });
    row.kid[label] = kid({ data: f, rows: dec.images.count, dims }, { data: a.data, rows: a.rows, dims }).kid;
  }
  row.meanFid = SCARCE.reduce((s, l) => s + row.fid[l], 0) / SCARCE.length;
  rows.push(row);
  console.error(`${name}: ${row.steps} steps in ${row.trainSeconds} s; mean FID ${row.meanFid.toFixed(2)}`);
}
const base = rows.find((r) => r.variant === 'plain');
const fmt = (x) => x.toFixed(2);
if (JSON_OUT) {
  console.log(JSON.stringify({ budgetSeconds: BUDGET, extractor: { trainedOn: 'fmnist-lt test split', accuracy: acc.accuracy, dims }, rows }, null, 1));
} else {
  console.log(`fmnist-lt, ${BUDGET} s training budget per variant (2 cores, wasm); FID/KID of the scarce classes vs the test split, features: ${dims}-d classifier (test-split accuracy ${(acc.accuracy * 100).toFixed(1)}%)`);
  console.log(['variant', 'steps', ...SCARCE.map((l) => `FID ${l}`), 'mean FID', 'vs plain', ...SCARCE.map((l) => `KID ${l}`)].join(' | '));
  for (const r of rows) {
    const vs = base ? `${(((base.meanFid - r.meanFid) / base.meanFid) * 100).toFixed(0)}% lower` : '-';
    console.log([r.variant, r.steps, ...SCARCE.map((l) => fmt(r.fid[l])), fmt(r.meanFid), vs, ...SCARCE.map((l) => r.kid[l].toFixed(4))].join(' | '));
  }
}
