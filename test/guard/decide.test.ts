import { describe, expect, it } from 'vitest';
import { decideClass, FEW_HELD_OUT, type HeldOutFigures } from '../../src/guard/decide.js';
import { targetsFrom } from '../../src/stages/targets.js';

const f = (softRecall: number, balancedAccuracy = 0.8, recall = softRecall): HeldOutFigures => ({ recall, softRecall, balancedAccuracy });

describe('decideClass', () => {
  it.each([
    ['a consistent gain, balanced accuracy up: kept', [f(0.6, 0.81), f(0.62, 0.82), f(0.61, 0.8)], [f(0.5), f(0.52), f(0.49)], 'fallback', 'kept', true, /soft recall \+10\.7 points/],
    ['a gain that one seed contradicts: fallback', [f(0.7), f(0.4), f(0.66)], [f(0.5), f(0.52), f(0.49)], 'fallback', 'fallback', false, /not above 0 with 95 % confidence/],
    ['a gain bought with balanced accuracy: fallback', [f(0.6, 0.7), f(0.62, 0.7), f(0.61, 0.7)], [f(0.5), f(0.52), f(0.49)], 'fallback', 'fallback', false, /balanced accuracy drops \(70\.0 % vs 80\.0 %\)/],
    ['a loss under warn: kept, but not helping', [f(0.3), f(0.32), f(0.31)], [f(0.5), f(0.52), f(0.49)], 'warn', 'kept', false, /not above 0/],
    ['one seed: no confidence, fallback', [f(0.9)], [f(0.5)], 'fallback', 'fallback', false, /one seed/],
  ] as const)('%s', (_n, withSyn, without, mode, decision, helps, reason) => {
    const d = decideClass('coat', withSyn, without, 5, mode);
    expect(d.decision).toBe(decision);
    expect(d.helps).toBe(helps);
    expect(d.reason).toMatch(reason);
    expect(d.withSynthetic).toBeCloseTo(withSyn.reduce((s, x) => s + x.recall, 0) / withSyn.length, 12);
  });

  it('says when no gain was found on fewer than FEW_HELD_OUT held-out images, and only then', () => {
    const level = [f(0.9), f(0.9), f(0.9)];
    expect(decideClass('coffee', level, level, 2, 'fallback').reason).toMatch(/; judged on 2 held-out images of the class, too few to show a gain \(a larger train\.validation holds out more/);
    expect(decideClass('coffee', level, level, 1, 'fallback').reason).toMatch(/judged on 1 held-out image of/);
    expect(decideClass('coffee', level, level, FEW_HELD_OUT, 'fallback').reason).not.toMatch(/too few/);
    // A gain shown on few images needs no excuse.
    expect(decideClass('coffee', [f(0.6, 0.81), f(0.62, 0.82), f(0.61, 0.8)], [f(0.5), f(0.52), f(0.49)], 2, 'fallback').reason).not.toMatch(/too few/);
  });

  it('falls back without held-out images, and rejects unpaired figures', () => {
    expect(decideClass('coat', [f(0.9), f(0.9)], [f(0.1), f(0.2)], 0, 'fallback').reason).toMatch(/no held-out/);
    expect(() => decideClass('coat', [f(0.9)], [], 5, 'fallback')).toThrow(RangeError);
  });
});

describe('targetsFrom', () => {
  it("uses the teacher's probabilities as soft label and its probability of the intended class as weight", () => {
    const probs = Float32Array.from([0.7, 0.2999, 0.0001, 0.1, 0.1, 0.8]);
    const t = targetsFrom(probs, [0, 2], ['a', 'b', 'c']);
    expect(t[0]).toEqual({ weight: 0.7, softLabel: { a: 0.7, b: 0.2999 } });
    expect(t[1]!.weight).toBeCloseTo(0.8, 6);
    expect(Object.keys(t[1]!.softLabel)).toEqual(['a', 'b', 'c']);
  });
  it('falls back to label smoothing without a teacher', () => {
    const [t] = targetsFrom(null, [1], ['a', 'b']);
    expect(t).toEqual({ weight: 1, softLabel: { a: 0.05, b: 0.95 } });
  });
});
