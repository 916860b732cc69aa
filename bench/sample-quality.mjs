#!/usr/bin/env node
/**
 * Per-class quality of the kept synthetic images of finished runs, against HELD-OUT real images, with each
 * class's floor: its real training images against the same held-out images, in the same feature space.
 * A kept set "as good as real" scores about the floor; FID/floor is the figure to compare across runs.
 * Diversity: coverage (Naeem et al. 2020) of the held-out images by the kept ones, against the training images' own,
 * and the kept images' spread (what the run records and the verdict judges).
 * Optionally renders, per scarce class, a strip real | kept | rejected (rejected needs filter.keepRejected; where
 * the guard fell back on a class, its kept images are the ones it withheld, in withheld/).
 *
 *   node bench/sample-quality.mjs --runs out/a,out/b --train fixtures/fmnist-tiny --test fixtures/fmnist-tiny-test \
 *     [--extractor-data bench/data/fmnist-lt/test] [--grid docs/images/x.png] [--per 12] [--json] [--raw 500 --psi 1,0.8]
 *
 * With `--held 5,10,20` (and `--draws 20`) it also shows how a run's own figures behave: a run measures FID and
 * KID against the few images the GAN held out (`train.validation`), so per run and class it draws that many
 * held-out images at random, `--draws` times, and prints the FID ÷ floor a run would report (median and
 * 10–90 % range) and the share of draws the report's verdict would call FID and KID `good` — beside the
 * ratio against the whole held-out folder.
 *
 * With `--raw <n>` it also scores n unselected samples per class straight from each run's generator
 * (model/generator; seeds 0..n-1, every latent entry scaled by each `--psi`, default 1): what selection
 * starts from, and whether truncating the latent (ψ < 1) trades spread for realism.
 *
 * With `--invert <steps>` (a probe of GAN inversion; docs/measurements.md "Sampling around the real images") it
 * fits one latent per real training image of each class to each run's generator (pixel MSE, Adam 0.05, from the
 * best of 64 random starts) and scores the reconstructions and 10 images per real image made from them: a
 * random real image's latent plus σ·ε with `--sigma σ`, or with σ 0 a norm-kept interpolation between two. With
 * `--dump <dir>` the first `--dump-per` (default 950) of those are written as <dir>/<class>/*.png, for
 * `bench/oracle-real.mjs --from <dir>` to run under evaluate's yardstick. In `--grid`, such a run's rows show
 * real | reconstructions | images made from them.
 *
 * Features: a fixed classifier (widths 32-64-128, seed 0, 600 steps) trained on --extractor-data (default: the
 * test folder) — never on the runs' own training images, so the floor and the kept sets are measured alike.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(ROOT, 'dist', p));
const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const RUNS = opt('runs', '').split(',').filter(Boolean).map((r) => path.resolve(r));
const TRAIN = path.resolve(opt('train', 'fixtures/fmnist-tiny'));
const TEST = path.resolve(opt('test', 'fixtures/fmnist-tiny-test'));
const EXTRACTOR_DATA = path.resolve(opt('extractor-data', TEST));
const GRID = opt('grid', null);
const PER = Number(opt('per', '12'));
const JSON_OUT = args.includes('--json');
const RAW = Number(opt('raw', '0'));
const PSIS = opt('psi', '1').split(',').map(Number);
const HELD = opt('held', '').split(',').filter(Boolean).map(Number);
const DRAWS = Number(opt('draws', '20'));
const INVERT = Number(opt('invert', '0'));
const SIGMA = Number(opt('sigma', '0'));
const DUMP = opt('dump', null);
const DUMP_PER = Number(opt('dump-per', '950'));
if (RUNS.length === 0) {
  console.error('usage: node bench/sample-quality.mjs --runs <out>[,<out>…] --train <folder> --test <folder> [--extractor-data <folder>] [--grid <png>] [--raw <n> [--psi 1,0.8]] [--held 5,50 [--draws 20]] [--invert <steps> [--sigma 0.3] [--dump <dir> [--dump-per 950]]]');
  process.exit(2);
}

const { initBackend } = await dist('backend/select.js');
const { scanFolder } = await dist('dataset/scan.js');
const { decodeAll } = await dist('dataset/decode.js');
const { buildClassifier } = await dist('classifier/model.js');
const { trainClassifier, accuracyOn } = await dist('classifier/train.js');
const { features } = await dist('classifier/predict.js');
const { saveClassifier, loadClassifier } = await dist('classifier/io.js');
const { fid } = await dist('metrics/fid.js');
const { kid } = await dist('metrics/kid.js');
const { coverage } = await dist('metrics/coverage.js');
const { spreadRatio } = await dist('metrics/spread.js');
const { VERDICT_LIMITS } = await dist('report/verdict.js');
const { loadParams } = await dist('gan/model-io.js');
const { generate, latentLength, toPixels } = await dist('gan/generator.js');
const { latentOf } = await dist('generate/sample.js');
const tfjs = await import('@tensorflow/tfjs');
await initBackend('wasm');

const first = JSON.parse(await readFile(path.join(RUNS[0], 'summary.json'), 'utf8'));
const size = first.decode?.size ?? 28;
const channels = first.decode?.channels ?? 1;
const settings = { size, channels, fit: 'cover', background: '#000000', kernel: 'lanczos3', cache: false };
const per = size * size * channels;

async function load(root) {
  const scan = await scanFolder(root);
  const files = scan.classes.flatMap((c, ci) => c.files.map((f) => ({ file: path.join(scan.root, f), ci })));
  const dec = await decodeAll(files.map((f) => f.file), settings);
  const labels = Int32Array.from(dec.kept.map((i) => files[i].ci));
  return { labels: scan.classes.map((c) => c.label), data: { pixels: dec.images.pixels, count: dec.images.count, size, channels, labels, numClasses: scan.classes.length } };
}
function classPixels(set, label) {
  const ci = set.labels.indexOf(label);
  const idx = [];
  set.data.labels.forEach((l, i) => l === ci && idx.push(i));
  const px = new Uint8Array(idx.length * per);
  idx.forEach((src, k) => px.set(set.data.pixels.subarray(src * per, (src + 1) * per), k * per));
  return { px, n: idx.length };
}
async function decodeFiles(files) {
  if (files.length === 0) return { px: new Uint8Array(0), n: 0 };
  const dec = await decodeAll(files, settings);
  return { px: dec.images.pixels, n: dec.images.count };
}

// The extractor is cached under bench/out/ by the folder it was trained on and the decode size and
// channels (delete it to retrain): a 28 px gray extractor must not score 32 px RGB images.
const exData = await load(EXTRACTOR_DATA);
const cacheDir = path.join(ROOT, 'bench/out/sample-quality-extractor', `${path.relative(ROOT, EXTRACTOR_DATA).replace(/[^\w.-]+/g, '_')}-${size}x${channels}`);
let clf;
const t0 = performance.now();
if (existsSync(path.join(cacheDir, 'model.json'))) {
  clf = (await loadClassifier(cacheDir)).classifier;
} else {
  clf = buildClassifier({ size, channels, numClasses: exData.labels.length, widths: [32, 64, 128], seed: 0 });
  await trainClassifier(clf, exData.data, { steps: 600, batchSize: 64, seed: 0 });
  await mkdir(cacheDir, { recursive: true });
  await saveClassifier(cacheDir, clf, exData.labels, { by: 'bench/sample-quality.mjs', steps: 600 });
}
const acc = await accuracyOn(clf, exData.data);
console.error(`feature classifier on ${path.relative(ROOT, EXTRACTOR_DATA)}: accuracy ${(acc.accuracy * 100).toFixed(1)}% (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
const train = await load(TRAIN);
const test = await load(TEST);
const feat = async ({ px, n }) => ({ data: await features(clf, px, n), rows: n });
let dims = 0;
const F = (f) => ({ data: f.data, rows: f.rows, dims });

const scarce = (Array.isArray(first.synthesis) ? first.synthesis : []).map((c) => c.label).filter(Boolean);
const labels = scarce.length ? scarce : (opt('classes', '') || '').split(',');
const floors = {};
const testFeat = {};
const trainFeat = {};
for (const label of labels) {
  const tf = await feat(classPixels(test, label));
  dims = tf.data.length / tf.rows;
  testFeat[label] = tf;
  const tr = await feat(classPixels(train, label));
  floors[label] = { fid: fid(F(tr), F(tf)), kid: kid(F(tr), F(tf)).kid, coverage: coverage(F(tf), F(tr)), nTrain: tr.rows, nTest: tf.rows };
  trainFeat[label] = tr;
}

const rows = [];
const strips = [];
for (const run of RUNS) {
  const manifest = (await readFile(path.join(run, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  const row = { run: path.relative(ROOT, run), classes: {} };
  for (const label of labels) {
    // A class the guard fell back on lists no synthetic image: its kept images are in withheld/ (sorted by rank).
    let files = manifest.filter((e) => e.source === 'synthetic' && e.label === label).map((e) => path.resolve(run, e.path));
    const wdir = path.join(run, 'withheld', label);
    if (files.length === 0 && existsSync(wdir)) files = (await readdir(wdir)).filter((f) => f.endsWith('.png')).sort().map((f) => path.join(wdir, f));
    const kept = await decodeFiles(files);
    const rdir = path.join(run, 'rejected', label);
    const rfiles = existsSync(rdir) ? (await readdir(rdir)).filter((f) => f.endsWith('.png')).sort().map((f) => path.join(rdir, f)) : [];
    const rej = await decodeFiles(rfiles.slice(0, PER));
    const c = { kept: kept.n, fid: null, kid: null };
    if (kept.n >= 2) {
      const kf = await feat(kept);
      c.fid = fid(F(kf), F(testFeat[label]));
      c.kid = kid(F(kf), F(testFeat[label])).kid;
      // Coverage of the held-out images by as many kept images as the class has real training images (5
      // evenly spaced draws), beside the training images' own (the floor's counterpart), and the spread the
      // run itself records (metrics/spread.ts: kept ÷ the class's real training images, same features).
      Object.assign(c, diversity(kf, label));
      if (HELD.length) c.held = heldDraws(kf, label);
    }
    c.fidRatio = c.fid === null ? null : c.fid / floors[label].fid;
    row.classes[label] = c;
    strips.push({ run: row.run, label, kept, rej });
  }
  const ratios = labels.map((l) => row.classes[l].fidRatio).filter((x) => x !== null);
  row.meanRatio = ratios.length ? ratios.reduce((a, b) => a + b, 0) / ratios.length : null;
  rows.push(row);
  if (RAW > 0) {
    const { saved, params } = await loadParams(path.join(run, 'model', 'generator'), 'generator');
    for (const psi of PSIS) rows.push(await rawRow(run, { spec: saved.spec, params }, saved.labels, psi));
  }
  if (INVERT > 0) {
    const { saved, params } = await loadParams(path.join(run, 'model', 'generator'), 'generator');
    rows.push(...(await invertRows(run, { spec: saved.spec, params }, saved.labels)));
  }
}

/**
 * GAN inversion probe: per class, fits one latent per real image of --train (the GAN's held-out ones too; pixel
 * MSE plus 0.001 × the latent's mean square, INVERT Adam steps from the best of 64 random starts) and scores the
 * reconstructions, and images made from them: around a random one (σ = --sigma) or between two (σ 0).
 */
async function invertRows(run, g, ganLabels) {
  const zl = latentLength(g.spec);
  const recon = { run: `${path.relative(ROOT, run)} inverted ${INVERT}`, raw: true, classes: {} };
  const inter = { run: `${path.relative(ROOT, run)} ${SIGMA > 0 ? `around, σ ${SIGMA}` : 'interpolated'}`, raw: true, classes: {} };
  for (const label of labels) {
    const { px, n } = classPixels(train, label);
    const ci = ganLabels.indexOf(label);
    const x = tfjs.tidy(() => tfjs.tensor4d(Float32Array.from(px, (v) => v / 127.5 - 1), [n, size, size, channels]));
    const lab = tfjs.fill([n], ci, 'int32');
    // best of 64 random starts per image
    const S = 64;
    const starts = new Float32Array(S * zl);
    for (let i = 0; i < S; i++) starts.set(latentOf(100000 + i, zl), i * zl);
    const sImg = tfjs.tidy(() => generate(g, tfjs.tensor2d(starts, [S, zl]), tfjs.fill([S], ci, 'int32'), 'eval').reshape([S, -1]));
    const best = tfjs.tidy(() => {
      const xf = x.reshape([n, -1]);
      const d = xf.square().sum(1, true).add(sImg.square().sum(1).reshape([1, S])).sub(xf.matMul(sImg, false, true).mul(2));
      return d.argMin(1);
    });
    const z0 = tfjs.tidy(() => tfjs.gather(tfjs.tensor2d(starts, [S, zl]), best));
    sImg.dispose();
    best.dispose();
    const zv = tfjs.variable(z0);
    z0.dispose();
    const optim = tfjs.train.adam(0.05);
    let last = 0;
    for (let s = 0; s < INVERT; s++) {
      const l = optim.minimize(() => tfjs.tidy(() => generate(g, zv, lab, 'eval').sub(x).square().mean().add(zv.square().mean().mul(0.001))), true, [zv]);
      if (s === INVERT - 1) last = (await l.data())[0];
      l.dispose();
    }
    optim.dispose();
    const zs = Float32Array.from(await zv.data());
    const img = tfjs.tidy(() => toPixels(generate(g, zv, lab, 'eval')));
    const rpx = Uint8Array.from(await img.data());
    img.dispose();
    const rf = await feat({ px: rpx, n });
    const f = fid(F(rf), F(testFeat[label]));
    recon.classes[label] = { kept: n, fid: f, kid: null, fidRatio: f / floors[label].fid, mse: last, ...diversity(rf, label) };
    // 10 per real image (or --dump-per): around a random fitted latent, or between a random pair at t ~ U(0.2, 0.8)
    const m = Math.max(10 * n, DUMP ? DUMP_PER : 0);
    let st = 777;
    const rand = () => ((st = (Math.imul(st, 1664525) + 1013904223) >>> 0) / 4294967296);
    const zi = new Float32Array(m * zl);
    for (let k = 0; k < m; k++) {
      const i = Math.floor(rand() * n);
      let j = Math.floor(rand() * (n - 1));
      if (j >= i) j++;
      const t = 0.2 + 0.6 * rand();
      let ni = 0, nj = 0, nm = 0;
      for (let d = 0; d < zl; d++) {
        ni += zs[i * zl + d] ** 2;
        nj += zs[j * zl + d] ** 2;
      }
      if (SIGMA > 0) {
        // local: z_i + σ·ε (Box–Muller)
        for (let d = 0; d < zl; d++) zi[k * zl + d] = zs[i * zl + d] + SIGMA * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
        continue;
      }
      for (let d = 0; d < zl; d++) {
        zi[k * zl + d] = (1 - t) * zs[i * zl + d] + t * zs[j * zl + d];
        nm += zi[k * zl + d] ** 2;
      }
      // keep the norm between the endpoints' (a lerp midpoint of two Gaussian vectors is shorter than either)
      const target = (1 - t) * Math.sqrt(ni) + t * Math.sqrt(nj);
      for (let d = 0; d < zl; d++) zi[k * zl + d] *= target / Math.sqrt(nm);
    }
    const iimg = tfjs.tidy(() => toPixels(generate(g, tfjs.tensor2d(zi, [m, zl]), tfjs.fill([m], ci, 'int32'), 'eval')));
    const ipx = Uint8Array.from(await iimg.data());
    iimg.dispose();
    if (DUMP) {
      await mkdir(path.join(DUMP, label), { recursive: true });
      for (let k = 0; k < DUMP_PER; k++) {
        await sharp(Buffer.from(ipx.subarray(k * per, (k + 1) * per)), { raw: { width: size, height: size, channels } }).png().toFile(path.join(DUMP, label, `${label}-inv-${String(k).padStart(5, '0')}.png`));
      }
    }
    const inf = await feat({ px: ipx, n: m });
    const f2 = fid(F(inf), F(testFeat[label]));
    inter.classes[label] = { kept: m, fid: f2, kid: null, fidRatio: f2 / floors[label].fid, ...diversity(inf, label) };
    strips.push({ run: `${path.relative(ROOT, run)} inverted`, label, kept: { px: rpx, n }, rej: { px: ipx.subarray(0, PER * per), n: Math.min(PER, m) } });
    zv.dispose();
    x.dispose();
    lab.dispose();
  }
  for (const r of [recon, inter]) r.meanRatio = labels.reduce((a, l) => a + r.classes[l].fidRatio, 0) / labels.length;
  console.error(`inverted: pixel MSE ${labels.map((l) => `${l} ${recon.classes[l].mse.toFixed(3)}`).join(', ')}`);
  return [recon, inter];
}

/**
 * What a run with `n` held-out images of the class would report, for each n in --held: FID(kept, held) ÷
 * FID(training images, held) over --draws random draws of the held-out images from the test folder, and the
 * share of draws whose FID and KID the verdict (src/report/verdict.ts VERDICT_LIMITS) would call good.
 */
function heldDraws(kf, label) {
  const out = {};
  const test = testFeat[label];
  let state = 12345;
  const rand = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
  for (const n of HELD) {
    if (n > test.rows) continue;
    const ratios = [];
    let fidGood = 0;
    let kidGood = 0;
    for (let d = 0; d < DRAWS; d++) {
      const idx = Array.from({ length: test.rows }, (_, i) => i);
      for (let i = 0; i < n; i++) {
        const j = i + Math.floor(rand() * (test.rows - i));
        [idx[i], idx[j]] = [idx[j], idx[i]];
      }
      const data = new Float64Array(n * dims);
      idx.slice(0, n).forEach((src, i) => data.set(test.data.subarray(src * dims, (src + 1) * dims), i * dims));
      const held = { data, rows: n, dims };
      const r = fid(F(kf), held) / fid(F(trainFeat[label]), held);
      ratios.push(r);
      if (r <= VERDICT_LIMITS.fidRatioGood) fidGood++;
      const kk = kid(F(kf), held);
      const kf0 = kid(F(trainFeat[label]), held).kid;
      if ((kk.kid - kf0) / Math.max(Math.abs(kf0), kk.std, 1e-9) <= VERDICT_LIMITS.kidExcessGood) kidGood++;
    }
    ratios.sort((a, b) => a - b);
    const q = (p) => ratios[Math.min(ratios.length - 1, Math.floor(p * ratios.length))];
    out[n] = { median: q(0.5), p10: q(0.1), p90: q(0.9), fidGood: fidGood / DRAWS, kidGood: kidGood / DRAWS };
  }
  return out;
}

/**
 * Coverage of the class's held-out images by as many of `kf`'s rows as it has real training images (5 evenly
 * spaced draws), ÷ the training images' own coverage; and `kf`'s spread ÷ the training images'.
 */
function diversity(kf, label) {
  const m = Math.min(kf.rows, floors[label].nTrain);
  let s = 0;
  for (let d = 0; d < 5; d++) {
    const idx = Array.from({ length: m }, (_, i) => Math.floor(((i + d / 5) * kf.rows) / m) % kf.rows);
    const data = new Float64Array(m * dims);
    idx.forEach((src, i) => data.set(kf.data.subarray(src * dims, (src + 1) * dims), i * dims));
    s += coverage(F(testFeat[label]), { data, rows: m, dims });
  }
  const cov = s / 5;
  return { coverage: cov, coverageRatio: floors[label].coverage > 0 ? cov / floors[label].coverage : null, spread: spreadRatio(F(kf), F(trainFeat[label])) };
}

/** FID ÷ floor of RAW unselected samples per class from the run's generator `g`, latents scaled by psi. */
async function rawRow(run, g, ganLabels, psi) {
  const zl = latentLength(g.spec);
  const row = { run: `${path.relative(ROOT, run)} raw ${RAW} ψ ${psi}`, raw: true, classes: {} };
  for (const label of labels) {
    const z = new Float32Array(RAW * zl);
    for (let i = 0; i < RAW; i++) z.set(latentOf(i, zl).map((v) => v * psi), i * zl);
    const img = tfjs.tidy(() => toPixels(generate(g, tfjs.tensor2d(z, [RAW, zl]), tfjs.fill([RAW], ganLabels.indexOf(label), 'int32'), 'eval')));
    const px = Uint8Array.from(await img.data());
    img.dispose();
    const rf = await feat({ px, n: RAW });
    const f = fid(F(rf), F(testFeat[label]));
    row.classes[label] = { kept: RAW, fid: f, kid: null, fidRatio: f / floors[label].fid, ...diversity(rf, label) };
  }
  row.meanRatio = labels.reduce((a, l) => a + row.classes[l].fidRatio, 0) / labels.length;
  return row;
}

if (JSON_OUT) {
  console.log(JSON.stringify({ train: path.relative(ROOT, TRAIN), test: path.relative(ROOT, TEST), extractor: { data: path.relative(ROOT, EXTRACTOR_DATA), accuracy: acc.accuracy, dims }, floors, rows }, null, 1));
} else {
  console.log(`FID/KID of kept synthetic images vs held-out ${path.relative(ROOT, TEST)}; floor = real training images of the class vs the same; features ${dims}-d (classifier on ${path.relative(ROOT, EXTRACTOR_DATA)}, accuracy ${(acc.accuracy * 100).toFixed(1)}%)`);
  console.log(['run', ...labels.flatMap((l) => [`${l} FID (floor ${floors[l].fid.toFixed(1)})`, 'x floor']), 'mean x floor'].join(' | '));
  for (const r of rows) {
    console.log([r.run, ...labels.flatMap((l) => [r.classes[l].fid?.toFixed(1) ?? '-', r.classes[l].fidRatio?.toFixed(2) ?? '-']), r.meanRatio?.toFixed(2) ?? '-'].join(' | '));
  }
  console.log(['KID', ...labels.map((l) => `${l} floor ${floors[l].kid.toFixed(4)}`)].join(' | '));
  for (const r of rows) if (!r.raw) console.log([r.run, ...labels.map((l) => r.classes[l].kid?.toFixed(4) ?? '-')].join(' | '));
  console.log(['coverage of held-out (k 5) by as many kept as real training images ÷ by the real training images; spread of kept ÷ real', ...labels.map((l) => `${l} floor ${floors[l].coverage.toFixed(2)}`)].join(' | '));
  for (const n of HELD) {
    console.log(`a run's own FID ÷ floor with ${n} held-out images (median [10 %, 90 %] over ${DRAWS} draws; share of draws the verdict calls FID / KID good) — vs the whole folder`);
    for (const r of rows) if (!r.raw) console.log([r.run, ...labels.map((l) => { const h = r.classes[l].held?.[n]; return h ? `${h.median.toFixed(2)} [${h.p10.toFixed(2)}, ${h.p90.toFixed(2)}]; good ${(100 * h.fidGood).toFixed(0)} % / ${(100 * h.kidGood).toFixed(0)} % — vs ${r.classes[l].fidRatio?.toFixed(2)}` : '-'; })].join(' | '));
  }
  for (const r of rows) console.log([r.run, ...labels.map((l) => (r.classes[l].coverage === undefined ? '-' : `${r.classes[l].coverage.toFixed(2)} = ${r.classes[l].coverageRatio?.toFixed(2) ?? '-'} × floor; spread ${r.classes[l].spread?.toFixed(2) ?? '-'}`))].join(' | '));
}

// Grid: one row per (run, class): PER real training images | PER kept (evenly spaced over the kept set) | PER rejected.
if (GRID) {
  const cell = size * 2;
  const gap = 8;
  const width = 3 * PER * cell + 2 * gap;
  const composites = [];
  const tile = async (px, i, x, y) => {
    const raw = Buffer.from(px.subarray(i * per, (i + 1) * per));
    const img = await sharp(raw, { raw: { width: size, height: size, channels } }).resize(cell, cell, { kernel: 'nearest' }).png().toBuffer();
    composites.push({ input: img, left: x, top: y });
  };
  let y = 0;
  for (const s of strips) {
    const real = classPixels(train, s.label);
    for (let i = 0; i < Math.min(PER, real.n); i++) await tile(real.px, i, i * cell, y);
    // Kept images evenly spaced over the whole kept set: the manifest lists them best first by the
    // discriminator, and its top images are its favourite template, not what the set holds.
    const shown = Math.min(PER, s.kept.n);
    for (let i = 0; i < shown; i++) await tile(s.kept.px, Math.floor((i * s.kept.n) / shown), PER * cell + gap + i * cell, y);
    for (let i = 0; i < Math.min(PER, s.rej.n); i++) await tile(s.rej.px, i, 2 * (PER * cell + gap) + i * cell, y);
    y += cell + 4;
  }
  await sharp({ create: { width, height: y, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite(composites)
    .png({ compressionLevel: 9 })
    .toFile(GRID);
  console.error(`grid: ${GRID} (rows: ${strips.map((s) => `${s.run}:${s.label}`).join(', ')}; columns: ${PER} real | ${PER} kept | ${PER} rejected)`);
}
