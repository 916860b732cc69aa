#!/usr/bin/env node
// Regenerates the committed test fixtures from Debian's Fashion-MNIST package:
//
//   fixtures/fmnist-tiny/<class>/<class>-NNNN.png       (train split, imbalanced)
//       7 classes x 100 images; pullover, coat, shirt x 10 images
//   fixtures/fmnist-tiny-test/<class>/<class>-NNNN.png  (t10k split, held out)
//       10 classes x 20 images
//
// Deterministic: the first N images of each class in file order; NNNN is the
// 0-based position within the class. Idempotent: clears and rewrites only these
// two folders. Usage: node scripts/make-fixtures.mjs   (or `npm run fixtures`)

import { mkdir, rm } from 'node:fs/promises';
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
} from './fmnist.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// The minority classes are the three visually confusable upper-body garments,
// which makes the imbalance hard (and realistic) to fix.
const MINORITY = new Set(['pullover', 'coat', 'shirt']);

const JOBS = [
  {
    split: 'train',
    out: join(ROOT, 'fixtures', 'fmnist-tiny'),
    counts: CLASS_NAMES.map((name) => (MINORITY.has(name) ? 10 : 100)),
  },
  {
    split: 't10k',
    out: join(ROOT, 'fixtures', 'fmnist-tiny-test'),
    counts: CLASS_NAMES.map(() => 20),
  },
];

async function writeSplit({ split, out, counts }) {
  const { images, labels } = loadSplit(split);
  const perClass = firstNPerClass(labels, counts);
  await rm(out, { recursive: true, force: true });
  const tasks = [];
  for (let c = 0; c < CLASS_NAMES.length; c++) {
    const name = CLASS_NAMES[c];
    const dir = join(out, name);
    await mkdir(dir, { recursive: true });
    perClass[c].forEach((srcIndex, k) => {
      const file = join(dir, `${name}-${padIndex(k, perClass[c].length)}.png`);
      tasks.push(() => writeGrayPng(imageAt(images, srcIndex), file));
    });
  }
  await runPool(tasks, Math.max(2, availableParallelism() * 2));
  return perClass.map((idx, c) => `${CLASS_NAMES[c]}=${idx.length}`);
}

const t0 = performance.now();
try {
  for (const job of JOBS) {
    const summary = await writeSplit(job);
    const total = job.counts.reduce((a, b) => a + b, 0);
    console.log(`${job.out.slice(ROOT.length + 1)} (${job.split}): ${total} images  ${summary.join(' ')}`);
  }
  console.log(`done in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
} catch (err) {
  console.error(`make-fixtures: ${err.message}`);
  process.exitCode = 1;
}
