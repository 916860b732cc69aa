import { describe, expect, it } from 'vitest';
import { differences, differencesText } from '../../src/util/differences.js';

describe('differences', () => {
  it('names each differing leaf by its dotted key, with both values; arrays compare whole', () => {
    const a = { train: { lrG: 0.0002, steps: 0 }, gan: { arch: 'dcgan', widths: [8, 16] }, seed: 0 };
    const b = { train: { lrG: 0.0005, steps: 0 }, gan: { arch: 'dcgan', widths: [8, 32] }, seed: 0, extra: true };
    expect(differences(a, b)).toEqual([
      { key: 'extra', before: undefined, after: 'true' },
      { key: 'gan.widths', before: '[8,16]', after: '[8,32]' },
      { key: 'train.lrG', before: '0.0002', after: '0.0005' },
    ]);
    expect(differences(a, structuredClone(a))).toEqual([]);
  });

  it('says them in one line, the first few, long values cut', () => {
    const list = differences({ a: 1, b: 'x'.repeat(60), c: 3, d: 4, e: 5 }, { a: 2, b: 'y', c: 4, d: 5, e: 6 });
    expect(differencesText(list, 2)).toBe(`a 1 → 2; b "${'x'.repeat(36)}… → "y"; and 3 more`);
    expect(differencesText([{ key: 'x', before: undefined, after: '1' }])).toBe('x (unset) → 1');
  });
});
