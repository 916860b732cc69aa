import { describe, expect, it } from 'vitest';
import { decideClass, decideWhole, FEW_HELD_OUT, GUARD_EACH_MAX, imageGains, noGainSoFar, screenedOut, screenFor, setsToTest, setsToTestUnderWarn, stoppedEarly, settleSets, wholeStoppedEarly, type GuardClass, type GuardWhole, type HeldOutFigures } from '../../src/guard/decide.js';
import { targetsFrom } from '../../src/stages/targets.js';

/** Figures of one classifier: by default the class's probability is `softRecall` on each of 5 held-out images. */
const f = (softRecall: number, balancedAccuracy = 0.8, recall = softRecall, classProbs: number[] = new Array<number>(5).fill(softRecall)): HeldOutFigures => ({ recall, classProbs, balancedAccuracy });
/** Figures from the class's probability on each held-out image. */
const probs = (classProbs: number[], balancedAccuracy = 0.8) => f(classProbs.reduce((s, p) => s + p, 0) / classProbs.length, balancedAccuracy, undefined, classProbs);

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
    expect(decideClass('coffee', level, level, FEW_HELD_OUT - 1, 'fallback').reason).toMatch(new RegExp(`judged on ${FEW_HELD_OUT - 1} held-out images of the class, too few`));
    expect(decideClass('coffee', level, level, FEW_HELD_OUT, 'fallback').reason).not.toMatch(/too few/);
    // A gain shown on few images needs no excuse.
    expect(decideClass('coffee', [f(0.6, 0.81), f(0.62, 0.82), f(0.61, 0.8)], [f(0.5), f(0.52), f(0.49)], 2, 'fallback').reason).not.toMatch(/too few/);
  });

  it('keeps only a gain the held-out images bear out, not one that rests on one of them', () => {
    // Every seed gains 8 points of soft recall, all of it on the first of five images.
    const without = [probs([0.5, 0.5, 0.5, 0.5, 0.5]), probs([0.52, 0.5, 0.5, 0.5, 0.5]), probs([0.49, 0.5, 0.5, 0.5, 0.5])];
    const onOne = [probs([0.9, 0.5, 0.5, 0.5, 0.5], 0.81), probs([0.92, 0.5, 0.5, 0.5, 0.5], 0.81), probs([0.89, 0.5, 0.5, 0.5, 0.5], 0.81)];
    const d = decideClass('coat', onOne, without, 5, 'fallback');
    expect(d.gain.low!).toBeGreaterThan(0);
    expect(d.gain.lowOverImages!).toBeLessThan(0);
    expect(d.decision).toBe('fallback');
    expect(d.reason).toMatch(/^held-out soft recall gain \+8\.0 points is not above 0 with 95 % confidence over the 5 held-out images \(lower bound -\d+\.\d\): it rests on some of them; judged on 5 held-out images of the class, too few to show a gain/);
    // The same 8 points spread over the five images: kept, both bounds in the reason.
    const spread = [probs([0.58, 0.58, 0.58, 0.58, 0.58], 0.81), probs([0.6, 0.58, 0.58, 0.58, 0.58], 0.81), probs([0.57, 0.58, 0.58, 0.58, 0.58], 0.81)];
    const k = decideClass('coat', spread, without, 5, 'fallback');
    expect(k.decision).toBe('kept');
    expect(k.gain.lowOverImages!).toBeCloseTo(8, 6);
    expect(k.reason).toMatch(/soft recall \+8\.0 points \(lower bound \+8\.0 over seeds, \+8\.0 over images\)/);
    // One held-out image: no confidence over images, whatever the seeds say.
    const one = decideClass('coat', [probs([0.9]), probs([0.91]), probs([0.92])], [probs([0.5]), probs([0.5]), probs([0.5])], 1, 'fallback');
    expect(one.decision).toBe('fallback');
    expect(one.gain.lowOverImages).toBeNull();
    expect(one.reason).toMatch(/^one held-out image gives no confidence over images \(soft-recall gain \+41\.0 points\); judged on 1 held-out image/);
  });

  it('averages each image over the seeds, and rejects figures over different images', () => {
    expect(imageGains([probs([0.6, 0.2]), probs([0.8, 0.2])], [probs([0.5, 0.3]), probs([0.5, 0.1])])).toEqual([20, 0].map((x) => expect.closeTo(x, 9)));
    expect(() => imageGains([probs([0.6, 0.2])], [probs([0.5])])).toThrow(/same 2 held-out images but received 2 and 1/);
  });

  it('falls back without held-out images, and rejects unpaired figures', () => {
    const none = decideClass('coat', [f(0.9), f(0.9)], [f(0.1), f(0.2)], 0, 'fallback');
    expect(none.reason).toMatch(/no held-out/);
    // No held-out image, no recall: null (JSON-safe), not a NaN a message would print as "NaN %".
    expect([none.withSynthetic, none.without]).toEqual([null, null]);
    expect(() => decideClass('coat', [f(0.9)], [], 5, 'fallback')).toThrow(RangeError);
  });
});

describe('noGainSoFar and stoppedEarly', () => {
  it('gives up on a class only where its mean gain over the first seeds is not above 0', () => {
    expect(noGainSoFar([f(0.5), f(0.49)], [f(0.5), f(0.5)])).toBe(true);
    expect(noGainSoFar([f(0.5), f(0.5)], [f(0.5), f(0.5)])).toBe(true);
    // One seed down, the other up more: a gain so far, trained on.
    expect(noGainSoFar([f(0.45), f(0.6)], [f(0.5), f(0.5)])).toBe(false);
  });
  it('says how many seeds it was trained on and why not the rest; falls back (kept under warn, not helping)', () => {
    const d = stoppedEarly('coat', [f(0.45), f(0.5)], [f(0.5), f(0.5)], 5, 5, 'fallback');
    expect([d.decision, d.helps]).toEqual(['fallback', false]);
    expect(d.reason).toBe('no gain over the first 2 of 5 seeds (held-out soft recall -2.5 points), so not trained on the other 3; judged on 5 held-out images of the class, too few to show a gain (a larger train.validation holds out more, at the cost of the GAN\'s training images)');
    expect(d.gain.mean).toBeCloseTo(-2.5, 9);
    const w = stoppedEarly('coat', [f(0.45), f(0.5)], [f(0.5), f(0.5)], 15, 5, 'warn', true);
    expect([w.decision, w.helps, w.reason]).toEqual(['kept', false, 'no gain over the first 2 of 5 seeds (held-out soft recall -2.5 points), so not trained on the other 3']);
  });
});

describe('decideWhole', () => {
  // Three seeds; coat's synthetic images lift coat by 10 points of soft recall on each of its 5 held-out
  // images and take as much from pullover (a neighbour it now steals), balanced accuracy level.
  const seedsOf = (p: number, ba = 0.8) => [0, 0.01, -0.01].map((d) => f(p + d, ba));
  const coat = { withSyn: seedsOf(0.6), without: seedsOf(0.5), heldOut: 5 };
  const pullover = { withSyn: seedsOf(0.4), without: seedsOf(0.5), heldOut: 5 };

  it('finds no gain where one class gains what its neighbour loses, though the class alone is kept', () => {
    expect(decideClass('coat', coat.withSyn, coat.without, 5, 'fallback').decision).toBe('kept');
    const w = decideWhole(['coat'], [coat, pullover]);
    expect(w.helps).toBe(false);
    expect(w.gain.mean).toBeCloseTo(0, 9);
    expect(w.heldOut).toBe(10);
    expect(w.classes).toEqual(['coat']);
    expect(w.reason).toMatch(/^held-out soft recall gain \+0\.0 points is not above 0 with 95 % confidence/);
  });

  it('averages the classes (each once) over seeds and every held-out image of them over images; a class with none is left out', () => {
    const shirt = { withSyn: seedsOf(0.7), without: seedsOf(0.6), heldOut: 5 };
    const none = { withSyn: [f(0.1, 0.8, 0, []), f(0.1, 0.8, 0, []), f(0.1, 0.8, 0, [])], without: [f(0.9, 0.8, 0, []), f(0.9, 0.8, 0, []), f(0.9, 0.8, 0, [])], heldOut: 0 };
    const w = decideWhole(['coat', 'shirt'], [coat, shirt, none]);
    expect(w.helps).toBe(true);
    expect(w.gain.mean).toBeCloseTo(10, 9);
    expect(w.gain.lowOverImages!).toBeCloseTo(10, 9);
    expect(w.heldOut).toBe(10);
    expect(w.reason).toMatch(/^held-out soft recall \+10\.0 points \(lower bound \+10\.0 over seeds\), balanced accuracy 80\.0 % vs 80\.0 %$/);
    // A drop in balanced accuracy (any class) stands against the whole.
    expect(decideWhole(['coat', 'shirt'], [{ ...coat, withSyn: seedsOf(0.6, 0.7) }, shirt]).reason).toMatch(/balanced accuracy drops \(70\.0 % vs 80\.0 %\)/);
    expect(decideWhole(['coat'], [none]).reason).toMatch(/^no held-out real image of the scarce classes to judge on/);
  });

  it('is judged over seeds, not over images: a neighbour left level is no objection', () => {
    // Coat gains 10 points on every image, shirt (no synthetic images here) is level: the images' gains are 10 and 0.
    const level = { withSyn: seedsOf(0.6), without: seedsOf(0.6), heldOut: 5 };
    const w = decideWhole(['coat'], [coat, level]);
    expect(w.gain.lowOverImages!).toBeLessThan(w.gain.mean);
    expect(w.helps, w.reason).toBe(true);
    expect(w.gain.mean).toBeCloseTo(5, 9);
  });

  it('rejects figures over different seeds, and none', () => {
    expect(() => decideWhole(['coat'], [coat, { ...pullover, withSyn: pullover.withSyn.slice(1) }])).toThrow(/same 3 seeds, with and without, but received 2 and 3/);
    expect(() => decideWhole([], [])).toThrow(RangeError);
  });
});

describe('setsToTest and settleSets', () => {
  const cls = (label: string, helps: boolean, gain = 1): GuardClass => ({ label, decision: helps ? 'kept' : 'fallback', helps, withSynthetic: 0.5, without: 0.4, gain: { mean: gain, low: 0.5, lowOverImages: 0.5 }, balancedAccuracy: { withSynthetic: 0.8, without: 0.8 }, heldOut: 15, reason: `${label}'s reason` });
  const whole = (helps: boolean, classes: string[]): GuardWhole => ({ classes, helps, gain: { mean: 1, low: helps ? 0.5 : -0.5, lowOverImages: 0.5 }, balancedAccuracy: { withSynthetic: 0.8, without: 0.8 }, heldOut: 45, reason: helps ? 'a gain' : 'no gain found' });

  it('tests the classes that helped alone together, then each alone, the largest gain first', () => {
    expect(setsToTest([cls('coat', true, 5), cls('shirt', true, 9)])).toEqual([['coat', 'shirt'], ['shirt'], ['coat']]);
    expect(setsToTest([cls('coat', true)])).toEqual([['coat']]);
    // Three or more: the set without the smallest gain alone, down to the two largest, before each alone.
    expect(setsToTest([cls('coat', true, 5), cls('pullover', true, 2), cls('shirt', true, 9)])).toEqual([['coat', 'pullover', 'shirt'], ['coat', 'shirt'], ['shirt'], ['coat'], ['pullover']]);
    expect(setsToTest([cls('a', true, 1), cls('b', true, 4), cls('c', true, 3), cls('d', true, 2)])).toEqual([['a', 'b', 'c', 'd'], ['b', 'c', 'd'], ['b', 'c'], ['b'], ['c'], ['d'], ['a']]);
    expect(setsToTest([])).toEqual([]);
  });
  it('screened together, no class was trained alone: one chain of nested sets, down to the largest gain alone', () => {
    expect(setsToTest([cls('a', true, 1), cls('b', true, 4), cls('c', true, 3), cls('d', true, 2)], 'together')).toEqual([['a', 'b', 'c', 'd'], ['b', 'c', 'd'], ['b', 'c'], ['b']]);
    expect(setsToTest([cls('coat', true, 5), cls('shirt', true, 9)], 'together')).toEqual([['coat', 'shirt'], ['shirt']]);
    expect(setsToTest([cls('coat', true)], 'together')).toEqual([['coat']]);
    // Under warn, every class first as before.
    expect(setsToTestUnderWarn(['coat', 'pullover', 'shirt'], [cls('coat', true, 5), cls('pullover', true, 9)], 'together')).toEqual([['coat', 'pullover', 'shirt'], ['coat', 'pullover'], ['pullover']]);
  });
  it('screened together: which classes to leave out before screening the set again', () => {
    // m: index; passes; mean gain (fraction); lower bound over seeds (points).
    const c = (m: number, helps: boolean, gain: number, low: number | null = null) => ({ m, gain, decision: { ...cls(String(m), helps), gain: { mean: 100 * gain, low, lowOverImages: null } } });
    // Every class passes: stop.
    expect(screenedOut([c(0, true, 0.1), c(1, true, 0.2)])).toEqual([]);
    // Those that gained nothing on average, first.
    expect(screenedOut([c(0, false, 0.01, 2), c(1, false, -0.02), c(2, false, 0), c(3, true, 0.1)])).toEqual([1, 2]);
    // Some pass: the others.
    expect(screenedOut([c(0, true, 0.1), c(1, false, 0.05, 1), c(2, false, 0.01)])).toEqual([1, 2]);
    // None passes, some near it (lower bound over seeds above 0): the least gain of the others — the neighbour most likely taking from them.
    expect(screenedOut([c(0, false, 0.08, 0.5), c(1, false, 0.005, -5), c(2, false, 0.1, 1.7), c(3, false, 0.004, -2)])).toEqual([3]);
    // All near it: the least of them.
    expect(screenedOut([c(0, false, 0.08, 0.5), c(1, false, 0.1, 1.7)])).toEqual([0]);
    // None near it: stop, rather than a round a class.
    expect(screenedOut([c(0, false, 0.01, -3), c(1, false, 0.02, null)])).toEqual([]);
  });
  it('guard.screen: auto screens each class alone up to GUARD_EACH_MAX scarce classes, together beyond; a set screen is kept', () => {
    expect(GUARD_EACH_MAX).toBe(5);
    expect([1, 3, 5, 6, 50].map((n) => screenFor('auto', n))).toEqual(['each', 'each', 'each', 'together', 'together']);
    expect([screenFor('each', 50), screenFor('together', 2)]).toEqual(['each', 'together']);
  });
  it('delivers the first set whose whole gains; the other classes that helped alone fall back, saying why', () => {
    const perClass = [cls('coat', true, 5), cls('pullover', false), cls('shirt', true, 9)];
    const final = settleSets(perClass, [whole(false, ['coat', 'shirt']), whole(true, ['shirt'])]);
    expect(final.map((c) => [c.label, c.decision, c.helps])).toEqual([['coat', 'fallback', false], ['pullover', 'fallback', false], ['shirt', 'kept', true]]);
    expect(final[0]!.reason).toBe("coat's reason; but the scarce classes together do not gain: with coat, shirt filled with synthetic images, no gain found; delivered instead: the synthetic images of shirt");
    // What did not help alone keeps its own reason; what is delivered, its own.
    expect([final[1]!.reason, final[2]!.reason]).toEqual(["pullover's reason", "shirt's reason"]);
  });
  it('falls back on every class where no set tested gains', () => {
    const final = settleSets([cls('coat', true)], [whole(false, ['coat'])]);
    expect(final.map((c) => [c.decision, c.helps, c.reason])).toEqual([['fallback', false, "coat's reason; but the scarce classes together do not gain: with coat filled with synthetic images, no gain found"]]);
    expect(settleSets([cls('coat', true)], [whole(true, ['coat'])])[0]!.decision).toBe('kept');
  });
  it('under warn (every class tested, as delivered) a class that helped alone is still delivered, no longer helping, saying why', () => {
    // warn's classes are all kept, helping or not.
    const perClass = [cls('coat', true, 5), { ...cls('pullover', false), decision: 'kept' as const }];
    const final = settleSets(perClass, [whole(false, ['coat', 'pullover'])], 'warn');
    expect(final.map((c) => [c.label, c.decision, c.helps])).toEqual([['coat', 'kept', false], ['pullover', 'kept', false]]);
    expect(final[0]!.reason).toBe("coat's reason; but the scarce classes together do not gain: with coat, pullover filled with synthetic images, no gain found");
    expect(final[1]!.reason).toBe("pullover's reason");
    // Where the whole gains, nothing changes.
    expect(settleSets(perClass, [whole(true, ['coat', 'pullover'])], 'warn')).toEqual(perClass);
  });
  it('under warn, where every class together gains nothing, tests the sets fallback would, and says what fallback would deliver', () => {
    const helping = [cls('coat', true, 5), cls('pullover', true, 9)];
    // Every class first (what warn delivers), then fallback's sets without repeating it.
    expect(setsToTestUnderWarn(['coat', 'pullover', 'shirt'], helping)).toEqual([['coat', 'pullover', 'shirt'], ['coat', 'pullover'], ['pullover'], ['coat']]);
    expect(setsToTestUnderWarn(['coat', 'pullover'], helping)).toEqual([['coat', 'pullover'], ['pullover'], ['coat']]);
    expect(setsToTestUnderWarn(['coat', 'shirt'], [])).toEqual([['coat', 'shirt']]);
    // shirt helped alone, coat too, but only coat + pullover together gain: all stay delivered (warn); shirt's reason says what fallback would deliver.
    const perClass = [cls('coat', true, 5), cls('pullover', true, 9), cls('shirt', true, 2)];
    const final = settleSets(perClass, [whole(false, ['coat', 'pullover', 'shirt']), whole(true, ['coat', 'pullover'])], 'warn');
    expect(final.map((c) => [c.label, c.decision, c.helps])).toEqual([['coat', 'kept', true], ['pullover', 'kept', true], ['shirt', 'kept', false]]);
    expect(final[2]!.reason).toBe("shirt's reason; but the scarce classes together do not gain: with coat, pullover, shirt filled with synthetic images, no gain found; under guard: fallback the run would deliver the synthetic images of coat, pullover instead");
  });
});

describe('wholeStoppedEarly', () => {
  it('says how many seeds the whole was trained on and why not the rest, and never helps', () => {
    const scarce = [{ withSyn: [f(0.4), f(0.45)], without: [f(0.5), f(0.5)], heldOut: 5 }, { withSyn: [f(0.55), f(0.5)], without: [f(0.5), f(0.5)], heldOut: 5 }];
    const w = decideWhole(['coat', 'shirt'], scarce);
    expect(w.gain.mean).toBeCloseTo(-2.5, 10);
    const early = wholeStoppedEarly(w, 2, 5);
    expect(early).toEqual({ ...w, helps: false, reason: 'no gain over the first 2 of 5 seeds (held-out soft recall -2.5 points), so not trained on the other 3' });
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
