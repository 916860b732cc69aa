#!/usr/bin/env node
/**
 * Would the do-no-harm guard let a perfect generator's images through? The ceiling's images (950 more REAL
 * images per scarce class, `bench/oracle-real.mjs`, which gives +8.1 points under `evaluate`) handed to the
 * guard exactly as a default run hands it its kept images: the real training folder, the GAN's held-out split
 * (train.validation at the default seed, so 5 per scarce class on fmnist-lt), the default config's quick
 * classifiers, each scarce class filled with its deficit. Synthetic images enter with hard labels and weight 1
 * (a run's come with the real-data teacher's soft label and weight: this is the kinder case).
 *
 *   node bench/oracle-guard.mjs [--from bench/out/oracle-real-950/synthetic] [--dataset fmnist-lt] [--seed 0]
 *       [--validation 0.1] [--steps <guard.steps; default auto: evaluate's budget>] [--seeds <guard.seeds; default 5>] [--backend auto]
 *
 * --from: <dir>/<class>/*.png, the images to judge (bench/oracle-real.mjs writes them under <its out>/synthetic);
 * the scarce classes are its folders. Prints the guard's line per class. Not part of `npm test`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    from: { type: 'string', default: path.join(ROOT, 'bench/out/oracle-real-950/synthetic') },
    dataset: { type: 'string', default: 'fmnist-lt' },
    seed: { type: 'string', default: '0' },
    validation: { type: 'string', default: '0.1' },
    backend: { type: 'string', default: 'auto' },
    steps: { type: 'string' },
    seeds: { type: 'string' },
  },
});
const dist = (p) => import(path.join(ROOT, 'dist', p));
const { initBackend } = await dist('backend/select.js');
const { ConfigSchema } = await dist('config/schema.js');
const { withDecode } = await dist('dataset/auto-decode.js');
const { splitHoldout, ganHoldoutRng } = await dist('dataset/holdout.js');
const { guardStage } = await dist('stages/guard.js');
const { scanFolder } = await dist('dataset/scan.js');
const { decodeAll } = await dist('dataset/decode.js');

const SIZE = 28;
// Decoded as a run decodes fmnist-lt (28 px gray), in the scan's class and file order, so that the held-out
// split below is the one a run at this seed holds out.
const settings = { size: SIZE, channels: 1, fit: 'cover', background: '#000000', kernel: 'lanczos3', cache: false };
async function load(root) {
  const scan = await scanFolder(root);
  const files = scan.classes.flatMap((c, ci) => c.files.map((f) => ({ file: path.join(scan.root, f), ci })));
  const dec = await decodeAll(files.map((f) => f.file), settings);
  const labels = Int32Array.from(dec.kept.map((i) => files[i].ci));
  return { labels: scan.classes.map((c) => c.label), data: { pixels: dec.images.pixels, count: dec.images.count, size: SIZE, channels: 1, labels, numClasses: scan.classes.length } };
}

const backend = await initBackend(args.backend);
process.stderr.write(`backend: ${backend.name} (${backend.details})\n`);
const trainDir = path.join(ROOT, 'bench/data', args.dataset, 'train');
const { labels, data } = await load(trainDir);
const candidates = await load(args.from);
const counts = labels.map((_, c) => data.labels.filter((x) => x === c).length);
const target = Math.max(...counts);
const per = SIZE * SIZE;
const images = [];
const classes = [];
for (const [ci, label] of candidates.labels.entries()) {
  const c = labels.indexOf(label);
  if (c < 0) throw new Error(`--from: class folder "${label}" is not a class of ${trainDir}`);
  const fill = target - counts[c];
  const rows = [...candidates.data.labels.keys()].filter((i) => candidates.data.labels[i] === ci).slice(0, fill);
  for (const i of rows) images.push({ label, pixels: candidates.data.pixels.slice(i * per, (i + 1) * per) });
  classes.push({ label, fill });
}
const scarce = candidates.labels;
const targets = images.map((img) => ({ weight: 1, softLabel: { [img.label]: 1 } }));
const seed = Number(args.seed);
const validation = Number(args.validation);
const config = withDecode(ConfigSchema.parse({ input: trainDir, out: '/unused', seed, guard: { mode: 'fallback', ...(args.steps ? { steps: Number(args.steps) } : {}), ...(args.seeds ? { seeds: Number(args.seeds) } : {}) }, train: { validation } }), { size: SIZE, channels: 1 });
const held = splitHoldout(data.labels, data.numClasses, validation, ganHoldoutRng(seed)).held;
process.stderr.write(`${args.dataset}: ${data.count} real images, ${held.length} held out; judging ${classes.map((c) => `${c.label} (${c.fill})`).join(', ')} from ${args.from}\n`);
const t0 = performance.now();
const g = await guardStage({ config, data, labels, held, classes, images, targets, onProgress: (d, t) => process.stderr.write(`\rguard ${d}/${t}`) });
process.stderr.write(`\n`);
console.log(`guard (${g.seeds.length} seeds of ${g.steps} steps; held-out ${scarce.map((l) => `${l} ${g.heldOut[l]}`).join(', ')}; ${((performance.now() - t0) / 1000).toFixed(0)} s):`);
for (const c of g.perClass) {
  const gi = c.gain;
  console.log(`  ${c.label.padEnd(10)} ${c.decision.padEnd(8)} recall ${(100 * c.withSynthetic).toFixed(1)} % with, ${(100 * c.without).toFixed(1)} % without; soft-recall gain ${gi.mean.toFixed(1)} (bounds ${gi.low?.toFixed(1)} over seeds, ${gi.lowOverImages?.toFixed(1)} over images) — ${c.reason}`);
}
