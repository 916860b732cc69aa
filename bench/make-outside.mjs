#!/usr/bin/env node
/**
 * Candidates "from outside" for fmnist-lt (or fmnist-lt2), to try `generate.from` end to end: the next N
 * real images of each scarce class (pullover, coat, shirt; fmnist-lt2: sandal, bag, trouser) in Debian's
 * Fashion-MNIST train split — the split takes the first 50 (20) — written as
 * bench/data/<out>/<class>/<class>-<k>.png. They stand in for a perfect outside generator (one
 * that samples the class's true distribution and never saw fmnist-lt's images), so a run importing them
 * shows what the product's filters, guard and manifest make of candidates that can help (the ceiling:
 * docs/measurements.md). Not part of `npm test`.
 *
 *   node bench/make-outside.mjs [--split fmnist-lt|fmnist-lt2] [--per 900] [--out <split>-outside]
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CLASS_NAMES, imageAt, loadSplit, padIndex, runPool, writeGrayPng } from '../scripts/fmnist.mjs';
import { SPLITS } from './make-fmnist-lt.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { split: { type: 'string', default: 'fmnist-lt' }, per: { type: 'string', default: '900' }, out: { type: 'string' } } });
const SPLIT = SPLITS[args.split];
if (!SPLIT) throw new Error(`--split: expected one of ${Object.keys(SPLITS).join(', ')}, received "${args.split}"`);
const PER = Number(args.per);
const TAKEN = SPLIT.scarceCount; // the split's scarce classes hold the first TAKEN of each, in file order
const SCARCE = SPLIT.scarce;
const OUT = path.join(ROOT, 'bench/data', args.out ?? `${args.split}-outside`);
const label = (name) => name.toLowerCase().replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '');

if (!existsSync(path.join(ROOT, 'bench/data', args.split, 'train'))) throw new Error(`no bench/data/${args.split}: run node bench/make-fmnist-lt.mjs --split ${args.split} first`);
await rm(OUT, { recursive: true, force: true });
const train = loadSplit('train');
const tasks = [];
for (const name of SCARCE) {
  const c = CLASS_NAMES.findIndex((n) => label(n) === name);
  const idx = [];
  for (let i = 0; i < train.labels.length; i++) if (train.labels[i] === c) idx.push(i);
  const extra = idx.slice(TAKEN, TAKEN + PER);
  if (extra.length < PER) throw new Error(`${name}: only ${extra.length} images beyond the first ${TAKEN}`);
  await mkdir(path.join(OUT, name), { recursive: true });
  extra.forEach((src, k) => tasks.push(() => writeGrayPng(imageAt(train.images, src), path.join(OUT, name, `${name}-${padIndex(k, PER)}.png`))));
}
await runPool(tasks, 8);
console.log(`wrote ${PER} images of each of ${SCARCE.join(', ')} (positions ${TAKEN}–${TAKEN + PER - 1} of the train split) to ${path.relative(ROOT, OUT)}/`);
