import { tf } from '../../src/tf.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { loadOrTrainClassifier, type CachedClassifier } from '../../src/classifier/cache.js';
import { loadClassifier, saveClassifier } from '../../src/classifier/io.js';
import { buildClassifier, classifierVariables, disposeClassifier, type ClassifierSpec } from '../../src/classifier/model.js';
import { embed, predictLogits } from '../../src/classifier/predict.js';
import { accuracyOn, shiftBatch, trainClassifier, trainStep } from '../../src/classifier/train.js';
import { datasetHash } from '../../src/metrics/features.js';
import { Rng } from '../../src/util/rng.js';
import { tempDir } from '../helpers/tmp.js';
import { loadFixture, type Fixture } from './fixture.js';

const SMALL: ClassifierSpec = { size: 28, channels: 1, numClasses: 10, widths: [4, 8], seed: 0 };

let fx: Fixture;
beforeAll(async () => {
  await initBackend('wasm');
  fx = await loadFixture();
});

describe('buildClassifier', () => {
  it('gives logits per class and features of the last width', async () => {
    const c = buildClassifier({ ...SMALL, widths: [4, 8, 12] });
    const e = await embed(c, fx.data.pixels, 5);
    expect([e.dims, e.features.length, e.probs.length]).toEqual([12, 60, 50]);
    for (let i = 0; i < 5; i++) expect(e.probs.slice(i * 10, i * 10 + 10).reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    expect((await predictLogits(c, fx.data.pixels, 5)).length).toBe(50);
    disposeClassifier(c);
  });

  it('is seeded: the same spec gives the same weights', async () => {
    const a = buildClassifier(SMALL);
    const b = buildClassifier(SMALL);
    const c = buildClassifier({ ...SMALL, seed: 1 });
    const w = (m: typeof a) => classifierVariables(m).map((v) => Array.from(v.dataSync()));
    expect(w(a)).toEqual(w(b));
    expect(w(a)).not.toEqual(w(c));
    [a, b, c].forEach(disposeClassifier);
  });

  it.each([
    [{ widths: [] }, /spec.widths to be a non-empty list/],
    [{ numClasses: 1 }, /spec.numClasses to be an integer ≥ 2 but received 1/],
    [{ channels: 2 }, /spec.channels to be 1 or 3 but received 2/],
    [{ size: 0 }, /spec.size/],
    [{ seed: -1 }, /spec.seed/],
  ])('refuses %j', (bad, message) => {
    expect(() => buildClassifier({ ...SMALL, ...bad } as ClassifierSpec)).toThrow(message);
  });

  it('refuses pixels that do not hold the images asked for', async () => {
    const c = buildClassifier(SMALL);
    await expect(embed(c, new Uint8Array(100), 1)).rejects.toThrow(/Expected 1 images of 28×28×1 \(784 bytes\) but received 100 bytes/);
    disposeClassifier(c);
  });
});

describe('trainStep', () => {
  it('leaks no tensors and moves every weight', () => {
    const c = buildClassifier(SMALL);
    const opt = tf.train.adam(1e-3);
    const rng = new Rng(0);
    const x = Float32Array.from({ length: 8 * 784 }, () => rng.next() * 2 - 1);
    const y = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    trainStep(c, opt, x, y); // creates Adam's moment variables
    const before = classifierVariables(c).map((v) => v.dataSync().slice());
    const n = tf.memory().numTensors;
    const loss = trainStep(c, opt, x, y);
    expect(tf.memory().numTensors).toBe(n);
    expect(Number.isFinite(loss)).toBe(true);
    classifierVariables(c).forEach((v, i) => expect(Array.from(v.dataSync())).not.toEqual(Array.from(before[i]!)));
    opt.dispose();
    disposeClassifier(c);
  });
});

describe('shiftBatch', () => {
  it('shifts by whole pixels and repeats the edge', () => {
    // a 3×3 image with one bright pixel in the middle; find a seed whose shift is (1, 0) by trying
    for (let seed = 0; seed < 50; seed++) {
      const img = Float32Array.from([0, 0, 0, 0, 1, 0, 0, 0, 0]);
      const rng = new Rng(seed);
      const probe = new Rng(seed);
      const dx = probe.int(3) - 1;
      const dy = probe.int(3) - 1;
      shiftBatch(img, 1, 3, 1, 1, rng);
      const at = img.indexOf(1);
      expect(at).toBe((1 + dy) * 3 + (1 + dx));
      expect(img.reduce((s, v) => s + v, 0)).toBe(1);
    }
  });
});

describe('trainClassifier on the fixture', () => {
  let trained: CachedClassifier;
  let cacheDir: string;
  const settings = { widths: [16, 32, 64], steps: 400, batchSize: 32, lr: 2e-3, shift: 2, seed: 0 };

  beforeAll(async () => {
    cacheDir = await tempDir();
    trained = await loadOrTrainClassifier(fx.data, fx.labels, datasetHash(fx.data, fx.labels), settings, cacheDir);
  }, 120_000);

  it('learns the real classes within its fixed budget', async () => {
    expect(trained.cached).toBe(false);
    expect(trained.training.steps).toBe(400);
    expect(trained.training.trainAccuracy).toBeGreaterThan(0.75);
    // Every class, the 10-image ones too, is recognised well above chance (0.1). (Timings are measured
    // in bench/features.mjs, not asserted here.)
    for (const a of trained.training.classAccuracy) expect(a).toBeGreaterThanOrEqual(0.3);
  });

  it('is deterministic: the same data, seed and budget give the same weights', async () => {
    const again = buildClassifier(trained.classifier.spec);
    const short = { ...settings, steps: 15 };
    const a = buildClassifier(trained.classifier.spec);
    await trainClassifier(a, fx.data, short);
    await trainClassifier(again, fx.data, short);
    const w = (m: typeof a) => classifierVariables(m).map((v) => Array.from(v.dataSync()));
    expect(w(a)).toEqual(w(again));
    disposeClassifier(a);
    disposeClassifier(again);
  });

  it('is cached by dataset hash + settings: a second call loads the same model', async () => {
    const again = await loadOrTrainClassifier(fx.data, fx.labels, datasetHash(fx.data, fx.labels), settings, cacheDir);
    expect(again.cached).toBe(true);
    expect(again.key).toBe(trained.key);
    expect(again.training.trainAccuracy).toBe(trained.training.trainAccuracy);
    const a = await predictLogits(trained.classifier, fx.data.pixels, 50);
    const b = await predictLogits(again.classifier, fx.data.pixels, 50);
    expect(Array.from(b)).toEqual(Array.from(a));
    disposeClassifier(again.classifier);
    const other = await loadOrTrainClassifier(fx.data, fx.labels, datasetHash(fx.data, fx.labels), { ...settings, steps: 2 }, cacheDir);
    expect(other.cached).toBe(false);
    expect(other.key).not.toBe(trained.key);
    disposeClassifier(other.classifier);
  });

  it('saves and loads with the config that made it', async () => {
    const dir = path.join(await tempDir(), 'clf');
    await saveClassifier(dir, trained.classifier, fx.labels, { settings, note: 'test' });
    const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(json.userDefinedMetadata.made.settings).toEqual(settings);
    expect(json.userDefinedMetadata.labels).toEqual(fx.labels);
    const { classifier, meta } = await loadClassifier(dir);
    expect(meta.spec).toEqual(trained.classifier.spec);
    const acc = await accuracyOn(classifier, fx.data);
    expect(acc.accuracy).toBeCloseTo(trained.training.trainAccuracy, 10);
    disposeClassifier(classifier);
  });

  it('refuses a folder without a classifier', async () => {
    await expect(loadClassifier(await tempDir())).rejects.toThrow(/expected a tfjs model.json, but it does not exist/);
  });
});
