#!/usr/bin/env node
// Builds a long-tail benchmark dataset from Debian's Fashion-MNIST, one of the SPLITS below:
//
//   fmnist-lt   (default)  train: 7 classes x 1000, pullover/coat/shirt x 50
//   fmnist-lt2             train: 7 classes x 1000, sandal/bag/trouser x 20 (another scarce triple, fewer images)
//   fmnist-mid             train: 7 classes x 1000, pullover/coat/shirt x 200 (fmnist-lt's classes at a milder imbalance)
//   fmnist-lt7             train: trouser/bag/sneaker x 1000, the other seven x 50 (most classes scarce)
//
//   <out>/train/<class>/<class>-NNNN.png   train split, first-N per class in file order
//   <out>/test/<class>/<class>-NNNN.png    the whole official t10k split (1000 per class)
//
// Optionally also (or only) the full 60,000-image train split for ingest benchmarks:
//
//   <full>/<class>/<class>-NNNN.png        all train images, NNNN = position within class
//
// Usage:
//   node bench/make-fmnist-lt.mjs [outDir]                 # default outDir: bench/data/<split>
//   node bench/make-fmnist-lt.mjs --split fmnist-lt2       # the second split, in bench/data/fmnist-lt2
//   node bench/make-fmnist-lt.mjs --full <dir>             # only the full train split
//   node bench/make-fmnist-lt.mjs <outDir> --full <dir>    # both
//   options: --split NAME     (fmnist-lt | fmnist-lt2 | fmnist-mid | fmnist-lt7; default fmnist-lt)
//            --concurrency N  (PNG writes in flight; default 2 x CPUs)
//            --force          (allow clearing a non-empty folder this script did not create)
//
// Idempotent: each output folder gets a marker file (.fmnist-lt / .fmnist-full);
// folders carrying the marker are cleared and rewritten. bench/data/ is gitignored.

import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import {
  CLASS_NAMES,
  loadSplit,
  firstNPerClass,
  imageAt,
  writeGrayPng,
  runPool,
  padIndex,
} from '../scripts/fmnist.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The long-tail splits: which classes are cut, and to how many training images (the others keep 1000). */
export const SPLITS = {
  'fmnist-lt': { scarce: ['pullover', 'coat', 'shirt'], scarceCount: 50, otherCount: 1000 },
  'fmnist-lt2': { scarce: ['sandal', 'bag', 'trouser'], scarceCount: 20, otherCount: 1000 },
  // fmnist-lt's classes at a milder imbalance (5:1), as many users' data is: does a GAN trained on 200 help where one on 50 does not?
  'fmnist-mid': { scarce: ['pullover', 'coat', 'shirt'], scarceCount: 200, otherCount: 1000 },
  // Most classes scarce (seven of ten), as a long tail of many classes is: what the guard costs per scarce class.
  'fmnist-lt7': { scarce: ['t-shirt', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'ankle-boot'], scarceCount: 50, otherCount: 1000 },
};
const splitCounts = (split) => CLASS_NAMES.map((name) => (split.scarce.includes(name) ? split.scarceCount : split.otherCount));

function usage(msg) {
  if (msg) console.error(`make-fmnist-lt: ${msg}`);
  console.error('usage: node bench/make-fmnist-lt.mjs [outDir] [--split fmnist-lt|fmnist-lt2|fmnist-mid|fmnist-lt7] [--full <dir>] [--concurrency N] [--force]');
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { out: undefined, full: undefined, split: 'fmnist-lt', concurrency: availableParallelism() * 2, force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--full') {
      opts.full = argv[++i];
      if (!opts.full) usage('--full needs a directory');
    } else if (a === '--split') {
      opts.split = argv[++i];
      if (!SPLITS[opts.split]) usage(`--split: expected one of ${Object.keys(SPLITS).join(', ')}, received "${opts.split}"`);
    } else if (a === '--concurrency') {
      opts.concurrency = Number(argv[++i]);
      if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) usage('--concurrency needs a positive integer');
    } else if (a === '--force') {
      opts.force = true;
    } else if (a === '-h' || a === '--help') {
      usage();
    } else if (a.startsWith('-')) {
      usage(`unknown option ${a}`);
    } else if (opts.out === undefined) {
      opts.out = a;
    } else {
      usage(`unexpected argument ${a}`);
    }
  }
  // --full alone builds only the full set; no folder builds the split at its default path.
  if (opts.out === undefined && opts.full === undefined) opts.out = join(ROOT, 'bench', 'data', opts.split);
  return opts;
}

/** Clear a folder we own (has our marker, or is empty/missing); refuse otherwise. */
async function prepareDir(dir, marker, force) {
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(marker) && !force) {
      throw new Error(
        `${dir} is not empty and was not created by this script (no ${marker} marker); ` +
          'pick another folder or pass --force to clear it.',
      );
    }
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, marker), 'generated by bench/make-fmnist-lt.mjs; safe to delete\n');
}

/** Queue PNG writes for the selected indices; returns per-class counts. */
async function queueClasses(tasks, images, perClass, outDir) {
  for (let c = 0; c < CLASS_NAMES.length; c++) {
    const name = CLASS_NAMES[c];
    const dir = join(outDir, name);
    await mkdir(dir, { recursive: true });
    const idx = perClass[c];
    idx.forEach((srcIndex, k) => {
      const file = join(dir, `${name}-${padIndex(k, idx.length)}.png`);
      tasks.push(() => writeGrayPng(imageAt(images, srcIndex), file));
    });
  }
  return perClass.map((idx) => idx.length);
}

function fmtCounts(counts) {
  return counts.map((n, c) => `${CLASS_NAMES[c]}=${n}`).join(' ');
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = performance.now();

  const train = loadSplit('train');
  const tLoad = performance.now();
  console.log(`read Fashion-MNIST train (${train.count} images) in ${((tLoad - t0) / 1000).toFixed(2)} s`);

  const reports = [];

  if (opts.out) {
    const out = resolve(opts.out);
    const test = loadSplit('t10k');
    await prepareDir(out, '.fmnist-lt', opts.force);
    const tasks = [];
    const trainCounts = await queueClasses(tasks, train.images, firstNPerClass(train.labels, splitCounts(SPLITS[opts.split])), join(out, 'train'));
    const testCounts = await queueClasses(
      tasks,
      test.images,
      firstNPerClass(test.labels, CLASS_NAMES.map(() => Infinity)),
      join(out, 'test'),
    );
    const t = performance.now();
    await runPool(tasks, opts.concurrency);
    const secs = (performance.now() - t) / 1000;
    reports.push(
      `${out}/train: ${trainCounts.reduce((a, b) => a + b)} images  ${fmtCounts(trainCounts)}`,
      `${out}/test:  ${testCounts.reduce((a, b) => a + b)} images  ${fmtCounts(testCounts)}`,
      `  wrote ${tasks.length} PNGs in ${secs.toFixed(2)} s (${(tasks.length / secs).toFixed(0)} img/s, concurrency ${opts.concurrency})`,
    );
  }

  if (opts.full) {
    const full = resolve(opts.full);
    await prepareDir(full, '.fmnist-full', opts.force);
    const tasks = [];
    const counts = await queueClasses(
      tasks,
      train.images,
      firstNPerClass(train.labels, CLASS_NAMES.map(() => Infinity)),
      full,
    );
    const t = performance.now();
    await runPool(tasks, opts.concurrency);
    const secs = (performance.now() - t) / 1000;
    reports.push(
      `${full}: ${tasks.length} images  ${fmtCounts(counts)}`,
      `  wrote ${tasks.length} PNGs in ${secs.toFixed(2)} s (${(tasks.length / secs).toFixed(0)} img/s, concurrency ${opts.concurrency})`,
    );
  }

  for (const line of reports) console.log(line);
  console.log(`total ${((performance.now() - t0) / 1000).toFixed(2)} s`);
}

// Run only as a script: bench/eval.mjs imports SPLITS.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`make-fmnist-lt: ${err.message}`);
    process.exitCode = 1;
  });
}
