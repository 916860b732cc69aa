#!/usr/bin/env node
/**
 * Major-to-minor translation without a GAN, as a file-level probe: does a plentiful class's image, pushed by
 * gradient steps until a classifier trained on the real images calls it a scarce class, help a fresh classifier
 * as that scarce class? M2m (Kim, Jeong, Shin, CVPR 2020) translates inside the training loop, against the model
 * being trained (its λ term) and from the start of deferred re-sampling; here the real-data classifier stands in
 * for both and the images are written once, as gan-augment would deliver them. Per scarce class: seed images
 * from the other classes with p ∝ 1 − β^(n_seed − n_class)+ (β 0.999, so only larger classes seed), a random
 * start of L2 norm ≤ 0.5 (pixels in [0, 1]), `--iters` L2-normalised steps of `--step` on cross-entropy to the
 * class + λ·(the seed class's logit), accepted when the classifier's probability of the class is ≥ `--gamma`;
 * the rest of the fill oversampled real images.
 *
 *   npm run build
 *   node bench/m2m-static.mjs --run <run out folder> --test <test folder> --out <folder> [--step 0.5] [--iters 30] [--gamma 0.9] [--lam 0] [--seed 0]
 *   node bin/gan-augment.js evaluate --manifest <folder>/manifest.jsonl --test <test folder> --seeds 5
 *
 * The real entries and summary.json come from the run; the classifier trains as `evaluate`'s real row does.
 * Not part of `npm test`; the figures are in docs/measurements.md.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { initBackend } from '../dist/backend/select.js';
import { loadEvaluationData } from '../dist/evaluate/load.js';
import { budgetSteps, EVAL_DEFAULTS, trainArm } from '../dist/evaluate/train.js';
import { oversampledEntry } from '../dist/manifest/build.js';
import { Rng } from '../dist/util/rng.js';

const opts = { step: 0.5, iters: 30, gamma: 0.9, lam: 0, seed: 0, backend: 'native' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) opts[argv[i].replace(/^--/, '')] = argv[i + 1];
if (!opts.run || !opts.test || !opts.out) {
  console.error('usage: node bench/m2m-static.mjs --run <run out folder> --test <test folder> --out <folder> [--step 0.5] [--iters 30] [--gamma 0.9] [--lam 0] [--seed 0]');
  process.exit(2);
}
const [step, iters, gamma, lam, seed] = ['step', 'iters', 'gamma', 'lam', 'seed'].map((k) => Number(opts[k]));
await initBackend(opts.backend);

const ev = await loadEvaluationData(path.join(opts.run, 'manifest.jsonl'), opts.test);
const { labels, real } = ev;
const { size: S, channels: C } = ev.train;
const per = S * S * C;
const data = { ...ev.train, count: real, labels: ev.train.labels.subarray(0, real), pixels: ev.train.pixels.subarray(0, real * per) };
const k = labels.length;
const counts = new Array(k).fill(0);
for (const l of data.labels) counts[l]++;
const most = Math.max(...counts);
const scarce = labels.map((_, i) => i).filter((i) => counts[i] < most);

const t0 = performance.now();
const settings = { ...EVAL_DEFAULTS, steps: budgetSteps(real, EVAL_DEFAULTS.batchSize) };
const teacher = await trainArm(data, { name: 'real', pool: Int32Array.from({ length: real }, (_, i) => i), classWeight: new Float32Array(k).fill(1) }, settings, 1000 + seed);
console.log(`classifier on the real images: ${settings.steps} steps, ${((performance.now() - t0) / 1000).toFixed(0)} s`);

fs.mkdirSync(opts.out, { recursive: true });
const rebase = (p) => (path.isAbsolute(p) ? p : path.relative(opts.out, path.resolve(opts.run, p)));
const realEntries = fs
  .readFileSync(path.join(opts.run, 'manifest.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l))
  .filter((e) => e.source === 'real')
  .map((e) => ({ ...e, path: rebase(e.path) }));
const byClass = Array.from({ length: k }, () => []);
data.labels.forEach((l, i) => byClass[l].push(i));
const rng = new Rng(12345 + seed);
const B = 64;
// Pixels here are in [-1, 1]: twice the paper's [0, 1] units.
const [STEP, START] = [2 * step, 2 * 0.5];

/** One batch translated towards class `t`: the images in [-1, 1] and the classifier's probability of `t`. */
function translate(x0, from, t) {
  return tf.tidy(() => {
    let x = tf.tensor4d(x0, [B, S, S, C]);
    const noise = tf.randomUniform([B, S, S, C], -0.5, 0.5, 'float32', rng.nextUint32());
    const norm = noise.reshape([B, -1]).norm(2, 1).reshape([B, 1, 1, 1]);
    x = x.add(noise.mul(tf.minimum(1, tf.div(START, norm.add(1e-10))))).clipByValue(-1, 1);
    const yT = tf.oneHot(tf.fill([B], t, 'int32'), k);
    const y0 = tf.oneHot(tf.tensor1d(from, 'int32'), k);
    const grad = tf.grad((xx) => {
      const logits = teacher.model.apply(xx, { training: false });
      return tf.losses.softmaxCrossEntropy(yT, logits).add(logits.mul(y0).sum(1).mean().mul(lam));
    });
    for (let it = 0; it < iters; it++) {
      const g = grad(x);
      const gn = g.reshape([B, -1]).norm(2, 1).reshape([B, 1, 1, 1]).add(1e-10);
      x = x.sub(g.div(gn).mul(STEP)).clipByValue(-1, 1);
    }
    const p = tf.softmax(teacher.model.apply(x, { training: false })).mul(yT).sum(1);
    return [x, p];
  });
}

const added = [];
console.log('class       fill  accepted / tried');
for (const t of scarce) {
  const need = most - counts[t];
  const w = counts.map((n, c) => (c === t ? 0 : 1 - 0.999 ** Math.max(0, n - counts[t])));
  const wsum = w.reduce((a, b) => a + b, 0);
  const pick = () => {
    let r = rng.next() * wsum;
    for (let c = 0; c < k; c++) if ((r -= w[c]) < 0) return c;
    return k - 1;
  };
  const dir = path.join(opts.out, 'synthetic', labels[t]);
  fs.mkdirSync(dir, { recursive: true });
  let made = 0;
  let tried = 0;
  while (made < need && tried < 4 * need) {
    const from = Array.from({ length: B }, pick);
    const src = from.map((c) => byClass[c][rng.int(byClass[c].length)]);
    const x0 = new Float32Array(B * per);
    src.forEach((s, i) => {
      for (let j = 0; j < per; j++) x0[i * per + j] = data.pixels[s * per + j] / 127.5 - 1;
    });
    const res = translate(x0, from, t);
    const [xs, ps] = [res[0].dataSync(), res[1].dataSync()];
    tf.dispose(res);
    for (let i = 0; i < B && made < need; i++) {
      tried++;
      if (ps[i] < gamma) continue;
      const px = new Uint8Array(per);
      for (let j = 0; j < per; j++) px[j] = Math.max(0, Math.min(255, Math.round((xs[i * per + j] + 1) * 127.5)));
      const name = `${String(made).padStart(5, '0')}-from-${labels[from[i]]}.png`;
      const buf = await sharp(Buffer.from(px), { raw: { width: S, height: S, channels: C } }).png().toBuffer();
      fs.writeFileSync(path.join(dir, name), buf);
      const rel = `synthetic/${labels[t]}/${name}`;
      added.push({ path: rel, file_name: rel, label: labels[t], split: 'train', source: 'synthetic', score: ps[i], scores: null, generator: 'm2m-static', generatorStep: null, seed: null, sha256: createHash('sha256').update(buf).digest('hex'), weight: 1, softLabel: null });
      made++;
    }
  }
  const own = realEntries.filter((e) => e.label === labels[t]);
  for (let j = made; j < need; j++) added.push(oversampledEntry(own[j % own.length]));
  console.log(`${labels[t].padEnd(11)} ${String(need).padStart(4)}  ${made} / ${tried}`);
}
fs.writeFileSync(path.join(opts.out, 'manifest.jsonl'), [...realEntries, ...added].map((e) => JSON.stringify(e)).join('\n') + '\n');
fs.copyFileSync(path.join(opts.run, 'summary.json'), path.join(opts.out, 'summary.json'));
console.log(`wrote ${path.join(opts.out, 'manifest.jsonl')} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
