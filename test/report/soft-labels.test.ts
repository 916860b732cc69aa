/** What soft labels make of the delivered synthetic images, per class (report.html's balance section). */
import { describe, expect, it } from 'vitest';
import { realEntry, syntheticEntry, type ManifestEntry } from '../../src/manifest/build.js';
import { softDelivery } from '../../src/report/soft-labels.js';

const HASH = 'a'.repeat(64);
const synth = (label: string, soft: Record<string, number> | null, weight: number, i: number): ManifestEntry => ({
  ...syntheticEntry({ path: `synthetic/${label}/${i}.png`, label, score: 0, generator: 'model/generator', generatorStep: 1, seed: i, sha256: HASH }),
  weight,
  softLabel: soft,
});

describe('softDelivery', () => {
  it('sums the weights per class and counts the images the teacher puts mostly in another class, by class', () => {
    const entries = [
      realEntry('x/shirt/0.png', 'shirt', HASH),
      synth('shirt', { shirt: 0.9, 't-shirt': 0.1 }, 0.9, 1),
      synth('shirt', { shirt: 0.3, 't-shirt': 0.6, pullover: 0.1 }, 0.3, 2),
      synth('shirt', { shirt: 0.2, pullover: 0.45, 't-shirt': 0.35 }, 0.2, 3),
      synth('shirt', { shirt: 0.1, 't-shirt': 0.9 }, 0.1, 4),
      synth('coat', { coat: 0.8, pullover: 0.2 }, 0.8, 5),
    ];
    const out = softDelivery(entries);
    expect(out.map((d) => d.label)).toEqual(['shirt', 'coat']);
    const shirt = out[0]!;
    expect(shirt.images).toBe(4);
    expect(shirt.weight).toBeCloseTo(1.5, 10);
    expect(shirt.elsewhere).toBe(3);
    expect(shirt.to).toEqual([['t-shirt', 2], ['pullover', 1]]);
    expect(out[1]).toEqual({ label: 'coat', images: 1, weight: 0.8, elsewhere: 0, to: [] });
  });

  it('is empty under hard labels', () => {
    expect(softDelivery([synth('shirt', null, 1, 1), realEntry('x/shirt/0.png', 'shirt', HASH)])).toEqual([]);
  });
});
