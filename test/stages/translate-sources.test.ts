/**
 * A translator never translates a held-out real image: the guard judges on them, and a held-out image of
 * another class delivered under the scarce label is one the guard's classifiers would have trained on.
 * A tiny untrained translator on random 8×8 images (real tfjs on wasm); enough candidates asked that every
 * source image would be taken if nothing were left out.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { buildDiscriminator, disposeDiscriminator } from '../../src/gan/discriminator.js';
import { buildTranslator, translatorSpec } from '../../src/gan/translator.js';
import { SamplerPools } from '../../src/generate/sampler-pool.js';
import { candidatesFor, generateCandidates, translatedFor } from '../../src/stages/generate.js';
import { plannedHeldOut, sharedHeldOut } from '../../src/stages/guard.js';
import { Rng } from '../../src/util/rng.js';
import { asRun } from '../helpers/config.js';
import { randomImages } from '../helpers/small-gan.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('translation sources', () => {
  it('are the source classes\' images less the held-out ones, each once; the planned count is the count made', async () => {
    // Classes 0 and 1 plentiful (40 each), 2 scarce (8); 20 % held out.
    const data = { ...randomImages(88, 3, 5), labels: Int32Array.from({ length: 88 }, (_, i) => (i < 40 ? 0 : i < 80 ? 1 : 2)) };
    const labels = ['a', 'b', 'c'];
    const config = asRun(ConfigSchema.parse({ input: '/unused', out: '/unused', seed: 3, decode: { size: 8, channels: 1 }, gan: { mode: 'translate' }, train: { validation: 0.2 }, generate: { oversample: 10 } }));
    // As the run builds it: every real image but those the guard judges on.
    const pool = { real: data, labels, scarce: ['c'], held: new Set(plannedHeldOut(config, data, labels, ['c'])) };
    const held = sharedHeldOut(config, data, new Set([2]));
    expect([...pool.held].sort((x, y) => x - y)).toEqual([...held].sort((x, y) => x - y));
    const heldSources = held.filter((i) => data.labels[i] !== 2);
    expect(heldSources.length).toBeGreaterThan(0);

    const rng = new Rng(1);
    const g = buildTranslator(translatorSpec({ numClasses: 3, size: 8, channels: 1, width: 2, resBlocks: 1 }), rng);
    const d = buildDiscriminator({ numClasses: 3, width: 2, size: 8, channels: 1, head: 'projection', mbstd: true }, rng);
    const deficit = 32;
    expect(candidatesFor(deficit, config)).toBeGreaterThan(80);
    const made = await generateCandidates({ g, d, classIndex: 2 }, 'c', deficit, config, () => {}, undefined, pool, new SamplerPools(() => {}));
    const sources = made.sources!;
    expect(new Set(sources).size).toBe(sources.length);
    expect(sources.filter((i) => pool.held.has(i))).toEqual([]);
    // Every image of the source classes the GAN trained on, none of the scarce class.
    expect(sources.length).toBe(80 - heldSources.length);
    expect(sources.every((i) => data.labels[i] !== 2)).toBe(true);
    expect(made.count).toBe(sources.length);
    expect(translatedFor(pool, 'c', deficit, config)).toBe(made.count);
    for (const p of Object.values(g.params)) p.dispose();
    disposeDiscriminator(d);
  });
});
