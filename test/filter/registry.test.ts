/**
 * The filter registry (filter/steps.ts): the config's step names and the reject reasons come from it,
 * and a new filter is one file (toy-filter.ts) plus one row.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { InternalError, UserError } from '../../src/errors.js';
import { FILTERS, FILTER_STEPS, REJECT_REASONS } from '../../src/filter/steps.js';
import type { FilterDef } from '../../src/filter/types.js';
import type { FeatureExtractor } from '../../src/metrics/features.js';
import { filterCandidates } from '../../src/stages/filter.js';
import type { QualityContext } from '../../src/stages/quality.js';
import { MIN_BRIGHTNESS, toyFilter } from './toy-filter.js';
import { asRun } from '../helpers/config.js';

const SIZE = 4;
const PER = SIZE * SIZE;

/** A real (if crude) extractor: each image's mean and spread of pixel values. */
const stats: FeatureExtractor = {
  info: { id: 'stats', kind: 'layers', dims: 2, inputSize: SIZE, inputChannels: 1, resize: 'none', decodeKernel: 'nearest', normalize: 'x/255' },
  async extract(pixels, count) {
    const f = new Float32Array(count * 2);
    for (let i = 0; i < count; i++) {
      const px = pixels.subarray(i * PER, (i + 1) * PER);
      const mean = px.reduce((s, v) => s + v, 0) / PER / 255;
      f[2 * i] = mean;
      f[2 * i + 1] = Math.sqrt(px.reduce((s, v) => s + (v / 255 - mean) ** 2, 0) / PER);
    }
    return f;
  },
  dispose() {},
};

/** `count` flat grey images of the given brightness levels (0–255), one level each. */
const images = (levels: number[]) => Uint8Array.from(levels.flatMap((v) => Array<number>(PER).fill(v)));

async function context(): Promise<QualityContext> {
  const real = { pixels: images([10, 20, 200, 220]), count: 4, size: SIZE, channels: 1, labels: Int32Array.from([0, 0, 1, 1]), numClasses: 2 };
  return {
    real,
    labels: ['a', 'b'],
    realNames: ['a/0.png', 'a/1.png', 'b/0.png', 'b/1.png'],
    extractor: stats,
    realFeatures: await stats.extract(real.pixels, real.count),
    classifier: null,
    summary: { extractor: stats.info, classifier: null, dataHash: 'x', prepareSeconds: 0 },
    calibrated: new Map(),
    dispose() {},
  };
}

const configWith = (order: string[]): Config => {
  const config = asRun(parseConfigText('input: in\n', '/p/c.yaml').config);
  // `order` holds a name the shipped schema does not know: the point of the test is a registry with a row added.
  return { ...config, filter: { ...config.filter, order: order as Config['filter']['order'] } };
};

describe('filter registry', () => {
  it('is where the config step names and the reject reasons come from', () => {
    expect(FILTER_STEPS).toEqual(Object.keys(FILTERS));
    expect(REJECT_REASONS).toEqual(['coverage', 'discriminator', 'drs', 'label', 'near-copy-feature', 'near-copy-pixel', 'near-duplicate', 'usefulness', 'surplus']);
    for (const def of Object.values(FILTERS)) for (const r of def.reasons) expect(REJECT_REASONS).toContain(r);
  });

  it('an unknown step name is a keyed config error', () => {
    const err = (() => {
      try {
        parseConfigText('input: a\nfilter:\n  order: [toy]\n', 'c.yaml');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).problems).toEqual([`filter.order.0 (line 3): expected one of ${FILTER_STEPS.map((s) => `"${s}"`).join(', ')}, received "toy"`]);
  });

  it('a toy filter is one file and one row: it runs in order, its reason is counted, its score reaches the manifest scores', async () => {
    const registry = { ...FILTERS, toy: toyFilter };
    const levels = [30, 240, 100, 180, 250, 60];
    const cands = { pixels: images(levels), count: levels.length, scores: Float32Array.from([0.9, 0.1, 0.8, 0.3, 0.5, 0.7]) };
    const r = await filterCandidates(cands, 'b', 2, configWith(['toy', 'discriminator']), await context(), new Set(), registry);
    const bright = levels.map((v, i) => [v / 255, i] as const).filter(([b]) => b >= MIN_BRIGHTNESS).map(([, i]) => i);
    expect(r.sel.after[0]).toMatchObject({ step: 'toy', left: bright.length });
    expect((r.sel.byReason as Record<string, number>)['too-dark']).toBe(levels.length - bright.length);
    // Of the bright ones (1, 3, 4), the two best by discriminator logit.
    expect(r.sel.kept).toEqual([4, 3]);
    expect(Object.keys(r.perImage)).toEqual(['discriminator', 'brightness']);
    expect(r.sel.rejected.find((x) => x.index === 0)).toMatchObject({ reason: 'too-dark' });
  });

  it('a rejection with a reason the row does not declare is a bug, not a silent count', async () => {
    const liar: FilterDef = { ...toyFilter, reasons: ['something-else'] };
    const cands = { pixels: images([0, 255]), count: 2, scores: Float32Array.from([1, 2]) };
    await expect(filterCandidates(cands, 'a', 1, configWith(['liar']), await context(), new Set(), { ...FILTERS, liar })).rejects.toThrow(InternalError);
    await expect(filterCandidates(cands, 'a', 1, configWith(['nope']), await context(), new Set(), FILTERS)).rejects.toThrow('not in the filter registry');
  });
});
