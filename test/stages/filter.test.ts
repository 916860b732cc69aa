/**
 * The near-copy filter through the synthesize stage, on real images: candidates are held-out real coats
 * (what a perfect generator would make) plus one exact training coat, which the discriminator is made to
 * love. The copy must never be kept, whatever the filter order; new images mostly pass.
 */
import { tf } from '../../src/tf.js';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { ConfigSchema, type Config, type ConfigInput } from '../../src/config/schema.js';
import { filterCandidates } from '../../src/stages/filter.js';
import { prepareQuality, type QualityContext } from '../../src/stages/quality.js';
import { loadFixture, type Fixture } from '../classifier/fixture.js';
import { ROOT, tempDir } from '../helpers/tmp.js';
import { asRun } from '../helpers/config.js';

let train: Fixture;
let q: QualityContext;
let cands: { pixels: Uint8Array; count: number; scores: Float32Array };
let base: ConfigInput;
const COPY_AT = 5;
const per = 28 * 28;

beforeAll(async () => {
  await initBackend('wasm');
  train = await loadFixture();
  const held = await loadFixture(path.join(ROOT, 'fixtures/fmnist-tiny-test'));
  base = { input: '/unused', out: await tempDir(), seed: 3, features: { cache: false, classifier: { steps: 150 } } };
  const config = asRun(ConfigSchema.parse(base));
  q = await prepareQuality(config, { data: train.data, labels: train.labels, files: train.files.map((rel) => ({ rel })) }, () => {});
  const coat = train.labels.indexOf('coat');
  const heldCoats = [...held.data.labels.keys()].filter((i) => held.data.labels[i] === coat);
  const trainCoat = [...train.data.labels.keys()].filter((i) => train.data.labels[i] === coat)[3]!;
  const n = heldCoats.length + 1;
  const pixels = new Uint8Array(n * per);
  const order = [...heldCoats.slice(0, COPY_AT).map((i) => ['held', i] as const), ['train', trainCoat] as const, ...heldCoats.slice(COPY_AT).map((i) => ['held', i] as const)];
  order.forEach(([src, i], k) => pixels.set((src === 'held' ? held : train).data.pixels.subarray(i * per, (i + 1) * per), k * per));
  // The discriminator "loves" the copy: the highest score by far.
  const scores = Float32Array.from({ length: n }, (_, k) => (k === COPY_AT ? 10 : -k / n));
  cands = { pixels, count: n, scores };
}, 120_000);

afterAll(() => q?.dispose());

const run = (over: ConfigInput['filter'], target = 10) => {
  const config: Config = asRun(ConfigSchema.parse({ ...base, filter: over }));
  return filterCandidates(cands, 'coat', target, config, q);
};

describe('near-copy filter on an injected training image', () => {
  it('rejects it in feature space first when near-copy runs first, naming the training file', async () => {
    // Without the label filter (on by default): the classifier, trained on 10 coats, doubts held-out coats.
    const r = await run({ order: ['near-copy', 'discriminator'] });
    expect(r.sel.kept).not.toContain(COPY_AT);
    const rej = r.sel.rejected.find((x) => x.index === COPY_AT)!;
    expect(rej.reason).toBe('near-copy-feature');
    expect(rej.detail).toContain(train.files[[...train.data.labels.keys()].filter((i) => train.data.labels[i] === train.labels.indexOf('coat'))[3]!]);
    expect(r.sel.kept).toHaveLength(10);
    // pooled calibration: every real image's distance to its nearest other real image
    expect(r.nearCopy.map((c) => [c.space, c.scope, c.calibrationSamples])).toEqual([
      ['feature', 'pooled', 730],
      ['pixel', 'pooled', 730],
    ]);
  });

  it('rejects it in pixel space at distance exactly 0, even after the discriminator ranked it first', async () => {
    const r = await run({ order: ['discriminator', 'near-copy'], nearCopySpaces: ['pixel'], discriminator: 'threshold', threshold: -100 });
    expect(r.perImage['near-pixel']![COPY_AT]).toBe(0);
    const rej = r.sel.rejected.find((x) => x.index === COPY_AT)!;
    expect(rej.reason).toBe('near-copy-pixel');
    expect(rej.detail).toMatch(/^identical to coat\/coat-\d+\.png$/);
    expect(r.sel.kept).not.toContain(COPY_AT);
  });

  it('lets new real images through: the threshold is calibrated on real-vs-real distances', async () => {
    const pooled = await run({ order: ['near-copy'] }, 100);
    const isNew = (x: { index: number }) => x.index !== COPY_AT;
    expect(pooled.sel.rejected.filter(isNew)).toEqual([]);
    expect(pooled.sel.shortfall).toBe(100 - pooled.sel.kept.length);
    // per-class calibration on 10 coats is stricter (their nearest neighbours lie far apart), and still catches the copy
    const perClass = await run({ order: ['near-copy'], nearCopyCalibration: 'class' }, 100);
    expect(perClass.nearCopy.map((c) => [c.scope, c.calibrationSamples])).toEqual([
      ['class', 10],
      ['class', 10],
    ]);
    expect(perClass.nearCopy[1]!.threshold).toBeGreaterThan(pooled.nearCopy[1]!.threshold);
    expect(perClass.sel.rejected.find((x) => x.index === COPY_AT)).toBeDefined();
    expect(perClass.sel.rejected.filter(isNew).length).toBeLessThanOrEqual(6);
  });

  it('leaks no tensors while scoring (features, probabilities)', async () => {
    await run({ order: ['near-copy', 'label', 'discriminator'] });
    const n = tf.memory().numTensors;
    await run({ order: ['near-copy', 'label', 'discriminator'] });
    expect(tf.memory().numTensors).toBe(n);
  });

  it('keeps it when the near-copy filter is left out (so the filter is what catches it)', async () => {
    const r = await run({ order: ['discriminator'] });
    expect(r.sel.kept[0]).toBe(COPY_AT);
  });
});

describe('usefulness filter through the stage', () => {
  it('keeps at most the target, only candidates the classifier puts in their class by the margin, nearest the boundary first', async () => {
    const r = await run({ order: ['usefulness'], usefulnessMinMargin: 0.05 }, 6);
    const prob = r.perImage['label-prob']!;
    const margin = r.perImage['margin']!;
    expect(r.sel.kept.length).toBeLessThanOrEqual(6);
    for (const i of r.sel.kept) expect(margin[i]!).toBeGreaterThanOrEqual(0.05);
    for (const x of r.sel.rejected.filter((x) => x.reason === 'label')) expect(margin[x.index]!).toBeLessThan(0.05);
    // every right-class candidate left out for 'usefulness' is at least as far from the boundary as every kept one
    const keptMax = Math.max(...r.sel.kept.map((i) => margin[i]!));
    for (const x of r.sel.rejected.filter((x) => x.reason === 'usefulness')) expect(margin[x.index]!).toBeGreaterThanOrEqual(keptMax);
    expect(prob.length).toBe(cands.count);
    expect(r.sel.after.map((a) => a.step)).toEqual(['usefulness']);
  });
});

describe('label filter relative to the class\'s real images (filter.labelQuantile)', () => {
  it('lowers the class\'s threshold to the quantile of its real training images\' probability, never the held-out ones', async () => {
    const absolute = await run({ order: ['label'] }, 20);
    const relative = await run({ order: ['label'], labelQuantile: 0.5 }, 20);
    const tau = (r: typeof absolute) => r.sel.after.find((s) => s.step === 'label')!.cut!;
    expect(tau(absolute)).toBe(0.5);
    // The classifier's p(coat) of every real coat; the two it is surest of are held out, so the median of
    // the rest is lower than the median of all: the threshold must be the former.
    const { probabilities } = await import('../../src/classifier/predict.js');
    const coat = q.labels.indexOf('coat');
    const own = [...q.real.labels.keys()].filter((i) => q.real.labels[i] === coat);
    const pixels = new Uint8Array(own.length * per);
    own.forEach((i, k) => pixels.set(q.real.pixels.subarray(i * per, (i + 1) * per), k * per));
    const p = await probabilities(q.classifier!, pixels, own.length);
    const pc = own.map((i, k) => ({ i, p: p[k * q.labels.length + coat]! })).sort((a, b) => a.p - b.p);
    const median = (xs: number[]) => (xs[(xs.length - 1) >> 1]! + xs[xs.length >> 1]!) / 2;
    const heldOut = new Set(pc.slice(-2).map((x) => x.i));
    const expected = Math.min(0.5, median(pc.slice(0, -2).map((x) => x.p)));
    expect(expected).not.toBeCloseTo(Math.min(0.5, median(pc.map((x) => x.p))), 5);
    const config: Config = asRun(ConfigSchema.parse({ ...base, filter: { order: ['label'], labelQuantile: 0.5 } }));
    expect(tau(await filterCandidates(cands, 'coat', 20, config, q, heldOut))).toBeCloseTo(expected, 5);
    // Below τ here (a classifier that learned coats from 10 images doubts most of them), so it keeps more.
    expect(tau(relative)).toBeLessThan(0.5);
    expect(relative.sel.kept.length).toBeGreaterThan(absolute.sel.kept.length);
  });
});
