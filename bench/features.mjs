#!/usr/bin/env node
// Feature extraction speed (images/s) of the default extractor — the classifier's penultimate layer —
// on the wasm backend, with PyTorch CPU running the same network on the same number of images as the
// reference, plus what the rest of the quality stage costs on the fixture: training the classifier,
// and the near-copy nearest-neighbour searches.
//
//   npm run build && node bench/features.mjs [--images 10000] [--reps 5] [--batch 256]
//
// Each extraction figure is the median of --reps turns; tfjs and PyTorch take turns so a busy spell on
// the shared machine hits both. tfjs runs on one thread (wasm SIMD); PyTorch at 1 and 2 threads.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = '/usr/bin/python3'; // Debian's interpreter has torch; the python3 first on PATH does not.
const dist = (p) => pathToFileURL(path.join(ROOT, 'dist', p)).href;

const { values: args } = parseArgs({
  options: {
    images: { type: 'string', default: '10000' },
    reps: { type: 'string', default: '5' },
    batch: { type: 'string', default: '256' },
  },
});
const N = Number(args.images);
const reps = Number(args.reps);
const batch = Number(args.batch);
const WIDTHS = [16, 32, 64];

if (!existsSync(path.join(ROOT, 'dist/classifier/model.js'))) throw new Error('dist/ is missing: run `npm run build` first');
const tf = await import('@tensorflow/tfjs');
const { initBackend, describeBackend } = await import(dist('backend/select.js'));
const { buildClassifier, disposeClassifier } = await import(dist('classifier/model.js'));
const { embed } = await import(dist('classifier/predict.js'));
const { trainClassifier } = await import(dist('classifier/train.js'));
const { nearestNeighbours } = await import(dist('filter/nearest.js'));
const { default: fg } = await import('fast-glob');
const { default: sharp } = await import('sharp');

const backend = await initBackend('wasm');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The fixture, decoded as the pipeline sees it (28×28 gray), tiled up to N images.
const fixture = path.join(ROOT, 'fixtures/fmnist-tiny');
const labels = (await fg('*', { cwd: fixture, onlyDirectories: true })).sort();
const files = [];
for (const [ci, l] of labels.entries()) for (const f of (await fg('*.png', { cwd: path.join(fixture, l) })).sort()) files.push([path.join(fixture, l, f), ci]);
const per = 784;
const real = new Uint8Array(files.length * per);
await Promise.all(files.map(async ([f], i) => real.set(await sharp(f).greyscale().raw().toBuffer(), i * per)));
const data = { pixels: real, count: files.length, size: 28, channels: 1, labels: Int32Array.from(files.map((f) => f[1])), numClasses: labels.length };
const tiled = new Uint8Array(N * per);
for (let i = 0; i < N; i++) tiled.set(real.subarray((i % files.length) * per, ((i % files.length) + 1) * per), i * per);

console.log(`features benchmark: ${describeBackend(backend)}; node ${process.version}; ${N} images 28×28×1, batch ${batch}, classifier widths ${WIDTHS.join('/')}`);

// 1. Training the classifier (the default budget) on the fixture.
const spec = { size: 28, channels: 1, numClasses: labels.length, widths: WIDTHS, seed: 0 };
const c = buildClassifier(spec);
const training = await trainClassifier(c, data, { steps: 400, batchSize: 32, lr: 2e-3, shift: 2, seed: 0 });
console.log(
  `classifier training   ${training.seconds.toFixed(2)} s for 400 steps × 32 images on ${files.length} images (accuracy on them ${(100 * training.trainAccuracy).toFixed(1)}%)`,
);

// 2. Extraction: tfjs and PyTorch take turns.
const torch = checkTorch();
await embed(c, tiled, Math.min(N, 512), batch); // warm-up
const js = [];
const py = { 1: [], 2: [] };
for (let r = 0; r < reps; r++) {
  const n0 = tf.memory().numTensors;
  const t0 = performance.now();
  await embed(c, tiled, N, batch);
  js.push((performance.now() - t0) / 1000);
  if (tf.memory().numTensors !== n0) throw new Error('extraction leaked tensors');
  if (torch) for (const threads of [1, 2]) py[threads].push(torchSeconds(threads));
}
const jsRate = N / median(js);
console.log(`extract (tfjs wasm)   ${jsRate.toFixed(0)} images/s (${median(js).toFixed(3)} s for ${N})`);
if (torch) {
  for (const threads of [1, 2]) {
    const s = median(py[threads]);
    console.log(`extract (PyTorch ${threads}t)  ${(N / s).toFixed(0)} images/s (${s.toFixed(3)} s; torch ${torch}) → tfjs/PyTorch ${(jsRate / (N / s)).toFixed(2)}`);
  }
} else {
  console.log('extract (PyTorch)     skipped: /usr/bin/python3 has no torch');
}

// 3. Near-copy searches as one class runs them on the fixture: 180 candidates against all 730 real
//    images, and the pooled real-vs-real calibration (730 × 730), in pixel (784-d) and feature space.
const cands = tiled.subarray(0, 180 * per);
const feats = (await embed(c, real, files.length, batch)).features;
const candFeats = feats.subarray(0, 180 * WIDTHS.at(-1));
const time = (fn) => {
  const t = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  return median(t);
};
const dims = WIDTHS.at(-1);
const self = Int32Array.from({ length: files.length }, (_, i) => i);
const px = { data: real, rows: files.length, dims: per };
const fx = { data: feats, rows: files.length, dims };
console.log(`near-copy, pixel      ${time(() => nearestNeighbours({ data: cands, rows: 180, dims: per }, px)).toFixed(1)} ms for 180 candidates × ${files.length} real; calibration ${time(() => nearestNeighbours(px, px, self)).toFixed(1)} ms (${files.length}²)`);
console.log(`near-copy, feature    ${time(() => nearestNeighbours({ data: candFeats, rows: 180, dims }, fx)).toFixed(1)} ms for 180 candidates × ${files.length} real; calibration ${time(() => nearestNeighbours(fx, fx, self)).toFixed(1)} ms (${files.length}²)`);
disposeClassifier(c);

function checkTorch() {
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Seconds PyTorch takes for the same network's features of N random 28×28 images (its best of 3). */
function torchSeconds(threads) {
  const script = `
import time, torch
torch.set_num_threads(${threads})
torch.manual_seed(0)
layers, cin = [], 1
for w in ${JSON.stringify(WIDTHS)}:
    layers += [torch.nn.Conv2d(cin, w, 3, stride=2, padding=1), torch.nn.ReLU()]
    cin = w
net = torch.nn.Sequential(*layers, torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten()).eval()
x = torch.rand(${N}, 1, 28, 28) * 2 - 1
best = float('inf')
with torch.no_grad():
    net(x[:512])
    for _ in range(3):
        t0 = time.perf_counter()
        for i in range(0, ${N}, ${batch}):
            net(x[i:i + ${batch}])
        best = min(best, time.perf_counter() - t0)
print(best)
`;
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`PyTorch reference failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}
