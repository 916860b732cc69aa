#!/usr/bin/env node
// Renders, per scarce class of a translate-mode run, one PNG to look at: its kept translations' sources
// (row 1), the translations (row 2), the noise cGAN's kept images of the class from another run (row 3,
// with --noise), and real images of the class (last row); 12 columns spread over the kept list, best
// first by the discriminator.
//
// Usage: node bench/translate-grids.mjs <translate-out> [--noise <noise-out>] [--real <run-out>] [--to docs/images] [--scale 3]
//   <translate-out> may also be a `generate --source` output folder; --real then names the run whose real images to show.

import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import sharp from 'sharp';

const args = process.argv.slice(2);
const opt = (name, def) => (args.includes(name) ? args[args.indexOf(name) + 1] : def);
const out = resolve(args[0]);
const noise = opt('--noise', null);
const to = resolve(opt('--to', 'docs/images'));
const scale = Number(opt('--scale', '3'));
const COLS = Number(opt('--cols', '12'));

const rows = async (dir) => (await readFile(join(dir, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
const spread = (xs, k) => (xs.length <= k ? xs : Array.from({ length: k }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (k - 1))]));
const best = (a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity);

const entries = await rows(out);
const noiseEntries = noise ? await rows(resolve(noise)) : [];
const realDir = resolve(opt('--real', out));
const realEntries = realDir === out ? entries : await rows(realDir);
const first = entries.find((e) => e.translatedFrom);
if (!first) throw new Error(`${out}/manifest.jsonl has no translated rows`);
const { width: size, channels } = await sharp(resolve(out, first.path)).metadata();
await mkdir(to, { recursive: true });

async function tile(file) {
  return sharp(file).resize(size, size).toColourspace(channels === 1 ? 'b-w' : 'srgb').png().toBuffer();
}

for (const label of [...new Set(entries.filter((e) => e.translatedFrom).map((e) => e.label))]) {
  const made = spread(entries.filter((e) => e.label === label && e.translatedFrom).sort(best), COLS);
  const lines = [made.map((e) => resolve(out, e.translatedFrom.path)), made.map((e) => resolve(out, e.path))];
  if (noise) lines.push(spread(noiseEntries.filter((e) => e.label === label && e.source === 'synthetic').sort(best), COLS).map((e) => resolve(noise, e.path)));
  lines.push(spread(realEntries.filter((e) => e.label === label && e.source === 'real'), COLS).map((e) => resolve(realDir, e.path)));
  const gap = 2;
  const composite = [];
  for (const [r, files] of lines.entries()) {
    for (const [c, f] of files.entries()) composite.push({ input: await tile(f), left: c * (size + gap), top: r * (size + gap) + (r >= 2 ? gap * 2 : 0) });
  }
  const w = COLS * (size + gap);
  const h = lines.length * (size + gap) + gap * 2;
  const file = join(to, `translate-${label.replace(/[^\w-]/g, '_')}.png`);
  // sharp resizes before it composites: compose first, then scale the result.
  const sheet = await sharp({ create: { width: w, height: h, channels: 3, background: '#808080' } }).composite(composite).png().toBuffer();
  await sharp(sheet).resize(w * scale, h * scale, { kernel: 'nearest' }).png().toFile(file);
  const bySource = {};
  for (const e of entries.filter((x) => x.label === label && x.translatedFrom)) bySource[e.translatedFrom.label] = (bySource[e.translatedFrom.label] ?? 0) + 1;
  process.stdout.write(`${file}: ${made.length} pairs; kept translations by source class ${JSON.stringify(bySource)}\n`);
}
