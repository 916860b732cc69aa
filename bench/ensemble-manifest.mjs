#!/usr/bin/env node
/**
 * Would several GAN trainings together add what one lacks? Each training of the default config settles on a
 * few templates per scarce class, and the trainings settle on different ones (the grids in docs/images). This
 * writes one manifest whose scarce classes are filled from the kept synthetic images of several runs of one
 * config, taken in turn (each run's best first), and oversampled real images where they run out; `evaluate` then
 * measures it like any run:
 *
 *   node bench/ensemble-manifest.mjs --out <folder> <run out folder> [<run out folder> ...]
 *   node bin/gan-augment.js evaluate --manifest <folder>/manifest.jsonl --test <test folder> --seeds 5
 *
 * The real entries and summary.json come from the first run (every run lists the same real images); paths are
 * rewritten relative to <folder>. Not part of `npm test`; the figures are in docs/measurements.md.
 */
import fs from 'node:fs';
import path from 'node:path';

const argv = process.argv.slice(2);
const at = argv.indexOf('--out');
const out = at >= 0 ? argv[at + 1] : undefined;
const runs = argv.filter((_, i) => at < 0 || (i !== at && i !== at + 1));
if (!out || runs.length < 2) {
  console.error('usage: node bench/ensemble-manifest.mjs --out <folder> <run out folder> <run out folder> [...]');
  process.exit(2);
}
fs.mkdirSync(out, { recursive: true });
const rebase = (run, p) => (path.isAbsolute(p) ? p : path.relative(out, path.resolve(run, p)));
const read = (run) =>
  fs
    .readFileSync(path.join(run, 'manifest.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .map((e) => ({ ...e, path: rebase(run, e.path) }));
const manifests = runs.map(read);
const first = manifests[0];
const real = first.filter((e) => e.source === 'real');
/** What the first run added per class: the fill every run was asked for. */
const fill = new Map();
for (const e of first) if (e.source !== 'real') fill.set(e.label, (fill.get(e.label) ?? 0) + 1);

const added = [];
console.log('class       fill  synthetic per run (in turn)          oversampled');
for (const [label, n] of fill) {
  const lists = manifests.map((m) => m.filter((e) => e.source === 'synthetic' && e.label === label));
  const taken = lists.map(() => 0);
  const picked = [];
  for (let round = 0; picked.length < n && lists.some((l) => round < l.length); round++) {
    lists.forEach((l, r) => {
      if (round < l.length && picked.length < n) {
        picked.push(l[round]);
        taken[r]++;
      }
    });
  }
  const ownReal = real.filter((e) => e.label === label);
  const over = Array.from({ length: n - picked.length }, (_, j) => ({ ...ownReal[j % ownReal.length], source: 'oversampled' }));
  added.push(...picked, ...over);
  console.log(`${label.padEnd(11)} ${String(n).padStart(4)}  ${taken.join(' + ').padEnd(36)} ${over.length}`);
}
fs.writeFileSync(path.join(out, 'manifest.jsonl'), [...real, ...added].map((e) => JSON.stringify(e)).join('\n') + '\n');
fs.copyFileSync(path.join(runs[0], 'summary.json'), path.join(out, 'summary.json'));
console.log(`wrote ${path.join(out, 'manifest.jsonl')} (${real.length} real, ${added.length} added)`);
