#!/usr/bin/env node
/**
 * The ceiling of any generator on fmnist-lt, measured with the same yardstick as `npm run eval`: instead of
 * synthetic images, the "run" adds REAL images of the scarce classes that fmnist-lt leaves out — the next
 * N images of pullover, coat and shirt in Debian's Fashion-MNIST train split (fmnist-lt takes the first 50)
 * — listed as source "synthetic" beside fmnist-lt's real images. A generator trained on the 50 images can at
 * best sample the class's true distribution; these images are exactly such samples. So the synthetic row's
 * gain here is what a perfect generator would give, and the gap to our generator's row is how much the
 * samples, not the selection or the yardstick, leave on the table.
 *
 *   node bench/oracle-real.mjs [--per 950] [--seeds 5] [--steps N] [--tune-seeds N] [--out bench/out/oracle-real-<per>] [--backend auto] [--from <dir>]
 *
 * --from <dir>: list the first N images of <dir>/<class>/*.png (by name) as the synthetic ones instead — any
 * set of images a probe made (bench/sample-quality.mjs --dump), under the same yardstick; the scarce classes
 * are <dir>'s folders. With --from, --dataset <split> (default fmnist-lt) picks bench/data/<split>, and --size /
 * --channels its decode settings (default 28 / 1).
 * --steps: the classifiers' training steps (default: evaluate's own, as `npm run eval`).
 * --tune-seeds: passed to evaluate (default: evaluate's own, 0 since 2026-12-05: the images as listed — all N, hard
 * labels); n > 0 lets evaluate's validation split choose their use (it may keep only half of them).
 *
 * Below 950, each scarce class is filled up to 1000 with its 50 real images again (source "oversampled"), as
 * a run fills a shortfall. Writes <out>/synthetic/<class>/*.png, <out>/manifest.jsonl, <out>/summary.json (decode settings and
 * targets: every class 1000, as the default run's), then runs `gan-augment evaluate` against
 * bench/data/fmnist-lt/test and prints its table. Not part of `npm test`.
 */
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CLASS_NAMES, imageAt, loadSplit, writeGrayPng, runPool, padIndex } from '../scripts/fmnist.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    per: { type: 'string', default: '950' },
    seeds: { type: 'string', default: '5' },
    steps: { type: 'string' },
    'tune-seeds': { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string', default: 'auto' },
    from: { type: 'string' },
    dataset: { type: 'string', default: 'fmnist-lt' },
    size: { type: 'string', default: '28' },
    channels: { type: 'string', default: '1' },
  },
});
const PER = Number(args.per);
if (args.dataset !== 'fmnist-lt' && !args.from) throw new Error('--dataset other than fmnist-lt needs --from: the real images beyond the split are Fashion-MNIST\'s');
const SCARCE = args.from ? (await readdir(args.from, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort() : ['pullover', 'coat', 'shirt'];
const TAKEN = 50; // fmnist-lt's scarce classes hold the first 50 of each, in file order
const DATA = path.join(ROOT, 'bench/data', args.dataset);
const OUT = path.resolve(args.out ?? path.join(ROOT, `bench/out/oracle-real-${PER}`));
const label = (name) => name.toLowerCase().replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '');

function run(cmd, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}`))));
  });
}

if (!existsSync(path.join(DATA, 'train'))) {
  if (args.dataset !== 'fmnist-lt') throw new Error(`no ${DATA}/train: build it first (node bench/make-public-lt.mjs --split ${args.dataset}, or bench/make-fmnist-lt.mjs --split ${args.dataset})`);
  await run(process.execPath, [path.join(ROOT, 'bench/make-fmnist-lt.mjs')]);
}
if (!existsSync(path.join(ROOT, 'dist/cli/main.js'))) await run('npm', ['run', '--silent', 'build']);

await rm(OUT, { recursive: true, force: true });
const train = args.from ? null : loadSplit('train');
const entry = (file, lab, source) => ({ path: path.relative(OUT, file), label: lab, split: 'train', source, score: null, scores: null, generator: null, generatorStep: null, seed: null, sha256: '', weight: 1, softLabel: null });
const entries = [];
for (const lab of (await readdir(path.join(DATA, 'train'))).sort()) {
  for (const f of (await readdir(path.join(DATA, 'train', lab))).sort()) entries.push(entry(path.join(DATA, 'train', lab, f), lab, 'real'));
}
const tasks = [];
// Every class is filled to the largest class's count (fmnist-lt: 1000), as a run's default targets are.
const TARGET = Math.max(...[...new Set(entries.map((e) => e.label))].map((l) => entries.filter((e) => e.label === l).length));
for (const name of SCARCE) {
  await mkdir(path.join(OUT, 'synthetic', name), { recursive: true });
  if (args.from) {
    // --from <dir>: <dir>/<class>/*.png (the first PER, in name order) instead of real images
    const files = (await readdir(path.join(args.from, name))).filter((f) => f.endsWith('.png')).sort().slice(0, PER);
    if (files.length < PER) throw new Error(`${name}: only ${files.length} images in ${path.join(args.from, name)}`);
    for (const f of files) entries.push(entry(path.resolve(args.from, name, f), name, 'synthetic'));
  } else {
    const c = CLASS_NAMES.findIndex((n) => label(n) === name);
    if (c < 0) throw new Error(`no Fashion-MNIST class "${name}" (known: ${CLASS_NAMES.join(', ')})`);
    const idx = [];
    for (let i = 0; i < train.labels.length; i++) if (train.labels[i] === c) idx.push(i);
    const extra = idx.slice(TAKEN, TAKEN + PER);
    if (extra.length < PER) throw new Error(`${name}: only ${extra.length} images beyond the first ${TAKEN}`);
    extra.forEach((src, k) => {
      const file = path.join(OUT, 'synthetic', name, `${name}-oracle-${padIndex(k)}.png`);
      tasks.push(() => writeGrayPng(imageAt(train.images, src), file));
      entries.push(entry(file, name, 'synthetic'));
    });
  }
  // Below the target, the rest is filled as a run fills a shortfall: the class's real images again.
  const real = entries.filter((e) => e.label === name && e.source === 'real');
  for (let k = 0; real.length + PER + k < TARGET; k++) entries.push({ ...real[k % real.length], source: 'oversampled' });
}
await runPool(tasks, 8);
// The manifest's sha256 of every file, as `run` writes it.
await runPool(entries.map((e) => async () => (e.sha256 = createHash('sha256').update(await readFile(path.resolve(OUT, e.path))).digest('hex'))), 8);
await writeFile(path.join(OUT, 'manifest.jsonl'), entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
const labels = [...new Set(entries.map((e) => e.label))].sort();
await writeFile(path.join(OUT, 'summary.json'), JSON.stringify({ decode: { size: Number(args.size), channels: Number(args.channels) }, classes: labels.map((l) => ({ label: l, target: TARGET })) }, null, 2));
const count = (src) => entries.filter((e) => e.source === src).length;
console.log(`oracle: ${args.dataset}'s ${count('real')} real images + ${PER} ${args.from ? `images from ${args.from}` : `more REAL images`} of each of ${SCARCE.join(', ')}${args.from ? '' : ` (positions ${TAKEN}–${TAKEN + PER - 1} of the train split)`} as "synthetic"${count('oversampled') ? `, ${count('oversampled')} oversampled to fill each to ${TARGET}` : ''}`);

const cli = path.join(ROOT, 'bin/gan-augment.js');
const json = await run(process.execPath, [cli, 'evaluate', '--manifest', path.join(OUT, 'manifest.jsonl'), '--test', path.join(DATA, 'test'), '--seeds', args.seeds, '--scarce', SCARCE.join(','), '--backend', args.backend, '--json', ...(args.steps ? ['--steps', args.steps] : []), ...(args['tune-seeds'] ? ['--tune-seeds', args['tune-seeds']] : [])]);
const result = JSON.parse(json);
const { formatEvaluation } = await import(path.join(ROOT, 'dist/evaluate/format.js'));
console.log(formatEvaluation(result));
