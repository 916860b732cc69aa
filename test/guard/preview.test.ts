import { describe, expect, it } from 'vitest';
import { holdoutCount, splitHoldout } from '../../src/dataset/holdout.js';
import { FEW_HELD_OUT } from '../../src/guard/decide.js';
import { fewHeldOutNote, guardHoldoutCount, IMPORT_MIN_TRAIN } from '../../src/guard/preview.js';
import { Rng } from '../../src/util/rng.js';

describe('holdoutCount', () => {
  it('is what splitHoldout holds out of a class of n images', () => {
    for (const fraction of [0, 0.05, 0.1, 0.3, 0.5]) {
      for (const n of [1, 2, 3, 4, 10, 15, 20, 49, 50, 51, 1000]) {
        const split = splitHoldout(new Int32Array(n), 1, fraction, new Rng(7));
        expect(holdoutCount(n, fraction), `n ${n}, fraction ${fraction}`).toBe(split.held.length);
      }
    }
  });
});

describe('fewHeldOutNote', () => {
  const fmnistLt = [
    { label: 'coat', count: 50 },
    { label: 'pullover', count: 50 },
    { label: 'shirt', count: 50 },
  ];

  it('names the classes a fallback guard will judge on too few held-out images, before the training', () => {
    const note = fewHeldOutNote(fmnistLt, 0.1, 'fallback');
    expect(note).toBe(
      `guard: "coat", "pullover", "shirt" will be judged on 5 held-out real images each (train.validation 0.1); below ${FEW_HELD_OUT} the guard has kept no ` +
        'synthetic images in the measurements so far, not even perfect ones (new real images; docs/measurements.md): expect their fills to be oversampled real images. ' +
        "A larger train.validation holds out more, at the cost of the GAN's training images",
    );
  });

  it('counts the scarce classes instead of naming them when there are many and every one holds out as few', () => {
    const many = Array.from({ length: 53 }, (_, i) => ({ label: `c${i}`, count: 30 }));
    expect(fewHeldOutNote(many, 0.1, 'fallback')).toMatch(/^guard: all 53 scarce classes will be judged on 3 held-out real images each \(train\.validation 0\.1\)/);
    // One class unlike the rest: every class named with its count.
    const mixed = [...many.slice(0, 52), { label: 'c52', count: 20 }];
    expect(fewHeldOutNote(mixed, 0.1, 'fallback')).toMatch(/^guard: "c0" \(3\), .*"c52" \(2\) will be judged on the held-out real images in brackets/);
  });

  it('with imported candidates (generate.from), holds out up to 15 of a scarce class, and says that more costs nothing delivered', () => {
    // fmnist-lt's 50 per class: 15 held out whatever train.validation says, so nothing to warn about.
    expect(fewHeldOutNote(fmnistLt, 0.1, 'fallback', true)).toBeNull();
    const tiny = fmnistLt.map((c) => ({ ...c, count: 10 }));
    const note = fewHeldOutNote(tiny, 0.1, 'fallback', true)!;
    expect(note).toMatch(/^guard: "coat", "pullover", "shirt" will be judged on 5 held-out real images each/);
    expect(note).toMatch(/A larger train\.validation holds out more, at no cost to the delivered dataset here \(generate\.from: no GAN trains on them; the manifest lists every real image\)$/);
    expect(note).not.toContain("GAN's training images");
  });

  it('gives each class its own count when they differ, and leaves out the classes with enough', () => {
    const note = fewHeldOutNote([{ label: 'bag', count: 20 }, { label: 'shirt', count: 50 }, { label: 'coat', count: 400 }, { label: 'tiny', count: 2 }], 0.1, 'fallback')!;
    expect(note).toMatch(/^guard: "bag" \(2\), "shirt" \(5\), "tiny" \(0\) will be judged on the held-out real images in brackets \(train\.validation 0\.1\)/);
    expect(note).not.toMatch(/coat/);
    // "tiny" (2 images) holds out none: no likelihood but a certainty, said as such.
    expect(note).toContain('oversampled real images. "tiny" holds out no image (a class of 1–2 images trains on all of them), so the guard cannot keep its synthetic images at all (guard: warn keeps them unproven). A larger');
    expect(fewHeldOutNote(fmnistLt, 0.1, 'fallback')).not.toContain('holds out no image');
    expect(fewHeldOutNote([{ label: 'coat', count: 50 }], 0.1, 'fallback')).toMatch(/^guard: "coat" will be judged on 5 held-out real images \(train.validation 0.1\).*expect its fill to be/);
    expect(fewHeldOutNote([{ label: 'a', count: 2 }, { label: 'b', count: 1 }], 0.1, 'fallback')).toMatch(/^guard: "a", "b" will be judged on no held-out real image \(train.*"a", "b" hold out no image .* cannot keep their synthetic images at all/);
  });

  it('says nothing when every class holds out enough, or when the guard does not decide', () => {
    expect(fewHeldOutNote(fmnistLt, 0.3, 'fallback')).toBeNull();
    expect(fewHeldOutNote([{ label: 'coat', count: 150 }], 0.1, 'fallback')).toBeNull();
    expect(fewHeldOutNote(fmnistLt, 0.1, 'warn')).toBeNull();
    expect(fewHeldOutNote(fmnistLt, 0.1, 'off')).toBeNull();
    expect(fewHeldOutNote([], 0.1, 'fallback')).toBeNull();
  });
});

describe('guardHoldoutCount', () => {
  it('is the GAN split\'s count, except a scarce class under generate.from holds out up to 15, keeping 5', () => {
    expect(IMPORT_MIN_TRAIN).toBe(5);
    for (const n of [1, 2, 3, 10, 20, 50, 1000]) expect(guardHoldoutCount(n, 0.1, false), `n ${n}`).toBe(holdoutCount(n, 0.1));
    // [n, validation, held out]
    const imported: [number, number, number][] = [[1, 0.1, 0], [2, 0.1, 0], [3, 0.1, 2], [6, 0.1, 2], [10, 0.1, 5], [20, 0.1, 15], [20, 0.3, 15], [50, 0.1, 15], [50, 0.5, 25], [1000, 0.1, 100]];
    for (const [n, v, k] of imported) expect(guardHoldoutCount(n, v, true), `n ${n}, validation ${v}`).toBe(k);
  });
});
