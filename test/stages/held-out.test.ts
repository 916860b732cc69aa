/**
 * The images the guard judges on are known before any GAN trains (`plannedHeldOut`), and the feature
 * classifier — which picks the candidates and gives the synthetic images their soft labels — never trains
 * on them. Tiny random 8×8 images, real trainers' splits, a real classifier on wasm.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { loadClassifier } from '../../src/classifier/io.js';
import { disposeClassifier } from '../../src/classifier/model.js';
import { parseConfigText } from '../../src/config/load.js';
import { pickImages } from '../../src/dataset/sampler.js';
import { Trainer } from '../../src/gan/train-loop.js';
import { datasetHash } from '../../src/metrics/features.js';
import { outLayout } from '../../src/out/layout.js';
import { checkHeldOut, heldOutOf, plannedHeldOut } from '../../src/stages/guard.js';
import { InternalError } from '../../src/errors.js';
import { prepareQuality } from '../../src/stages/quality.js';
import { asRun } from '../helpers/config.js';
import { randomImages } from '../helpers/small-gan.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const configOf = (yaml: string, mode = 'shared') => asRun(parseConfigText(`input: x\ndecode: {size: 8}\ngan: {mode: ${mode}, gWidth: 8, dWidth: 4, latentDim: 4, embedDim: 2}\n${yaml}`, '/tmp/c.yaml').config);
// Classes a, b plentiful (20 each), c scarce (10).
const data = { ...randomImages(50, 3, 7), labels: Int32Array.from({ length: 50 }, (_, i) => (i < 20 ? 0 : i < 40 ? 1 : 2)) };
const labels = ['a', 'b', 'c'];

describe('plannedHeldOut', () => {
  it("is what the guard judges on once the GANs have trained: the trainers' own splits, shared and per-class", () => {
    for (const seed of [0, 1, 2, 3]) {
      for (const mode of ['shared', 'per-class'] as const) {
        const config = configOf(`seed: ${seed}\ntrain: {validation: 0.3}\n`, mode);
        let jobs;
        if (mode === 'shared') {
          const t = new Trainer(data, config);
          jobs = [{ labels, result: { held: [...t.held] } }];
          t.dispose();
        } else {
          const own = [40, 41, 42, 43, 44, 45, 46, 47, 48, 49];
          const t = new Trainer({ ...pickImages(data, own), labels: new Int32Array(own.length), numClasses: 1 }, config);
          jobs = [{ labels: ['c'], result: { held: [...t.held] } }];
          t.dispose();
        }
        const planned = plannedHeldOut(config, data, labels, ['c']);
        expect(planned, `${mode}, seed ${seed}`).toEqual(heldOutOf(config, data, labels, jobs, ['c']));
        expect(planned.filter((i) => data.labels[i] === 2).length, `${mode}, seed ${seed}`).toBe(3);
        expect(() => checkHeldOut(config, data, labels, jobs, planned)).not.toThrow();
        // A GAN that held out other images than the guard would judge on: the run stops rather than judge on images it trained on.
        const other = jobs.map((j) => ({ ...j, result: { held: [...j.result.held.slice(1), j.result.held[0]! === 0 ? 1 : 0].filter((x, k, a) => a.indexOf(x) === k) } }));
        expect(() => checkHeldOut(config, data, labels, other, planned)).toThrow(InternalError);
      }
    }
  });
});

describe('the feature classifier', () => {
  it('trains on every real image but the held-out ones, and says so', async () => {
    const out = await tempDir();
    const config = configOf(`out: ${out}\nseed: 4\ntrain: {validation: 0.3}\nfeatures: {classifier: {steps: 5}}\n`);
    const held = plannedHeldOut(config, data, labels, ['c']);
    const rest = [...data.labels.keys()].filter((i) => !held.includes(i));
    const said: string[] = [];
    const q = await prepareQuality(config, { data, labels, files: [...data.labels.keys()].map((i) => ({ rel: `${i}.png` })) }, (e) => e.type === 'info' && said.push(e.message), undefined, held);
    q.dispose();
    expect(q.summary.classifier!.heldOut).toBe(held.length);
    expect(said.find((m) => m.startsWith('feature classifier'))).toMatch(new RegExp(`accuracy on the ${rest.length} real images it trained on \\d+\\.\\d%; not on the ${held.length} held out, which the guard judges on\\)$`));
    // The cached model records the images it learned from.
    const dir = outLayout(out).classifierCache;
    const [key] = await readdir(dir);
    const saved = await loadClassifier(path.join(dir, key!));
    disposeClassifier(saved.classifier);
    expect(saved.meta.made.dataHash).toBe(datasetHash(pickImages(data, rest), labels));
    expect(saved.meta.made.dataHash).not.toBe(datasetHash(data, labels));
  });

  it('says what the held-out images are for under guard: off', async () => {
    const out = await tempDir();
    const config = configOf(`out: ${out}\nseed: 4\ntrain: {validation: 0.3}\nfeatures: {classifier: {steps: 5}}\nguard: off\n`);
    const held = plannedHeldOut(config, data, labels, ['c']);
    const said: string[] = [];
    const q = await prepareQuality(config, { data, labels, files: [...data.labels.keys()].map((i) => ({ rel: `${i}.png` })) }, (e) => e.type === 'info' && said.push(e.message), undefined, held);
    q.dispose();
    expect(said.find((m) => m.startsWith('feature classifier'))).toMatch(new RegExp(`; not on the ${held.length} held out, which the run's FID and KID compare kept images with\\)$`));
  });
});
