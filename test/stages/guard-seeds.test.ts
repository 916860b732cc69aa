/**
 * The guard gives up on a class seed by seed: past the first 2 seeds, a class whose mean held-out gain so far
 * is not above 0 is not trained on the seeds left. Tiny random 8×8 images and 20-step classifiers (real tfjs on
 * wasm): what the classes gain is noise, which is what makes them stop at different seeds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { guardClassifiers, guardStage, type GuardSummary } from '../../src/stages/guard.js';
import { Rng } from '../../src/util/rng.js';
import { asRun } from '../helpers/config.js';
import { randomImages } from '../helpers/small-gan.js';

const SEEDS = 5;
const labels = ['a', 'b', 'c', 'd'];
const runs: GuardSummary[] = [];
const warned: GuardSummary[] = [];
/** Each run's progress reports, as [done, total]. */
const progress: [number, number][][] = [];
const warnedProgress: [number, number][][] = [];
/** Under warn with the classes screened side by side (`guard.screen: together`), and its progress reports. */
const together: GuardSummary[] = [];
const togetherProgress: [number, number][][] = [];
/** Under fallback, screened together, where one class gains nothing beside the others: screened again without it. */
let again: GuardSummary;
const againProgress: [number, number][] = [];

beforeAll(async () => {
  await initBackend('wasm');
  // 30 images of each class in turn; the last 6 of each held out.
  const data = randomImages(120, 4, 3);
  const held = Array.from({ length: 120 }, (_, i) => i).filter((i) => i >= 96);
  const rng = new Rng(11);
  const images = ['b', 'c', 'd'].flatMap((label) => Array.from({ length: 10 }, () => ({ label, pixels: Uint8Array.from({ length: 64 }, () => rng.int(256)) })));
  const targets = images.map((img) => ({ weight: 1, softLabel: { [img.label]: 1 } }));
  // Two config seeds (of 16 tried) whose classes stop at the 2nd, 3rd and 4th seed, and go the whole way.
  for (const seed of [6, 11]) {
    const config = asRun(ConfigSchema.parse({ input: '/unused', out: '/unused', seed, guard: { mode: 'fallback', seeds: SEEDS, steps: 20 }, features: { cache: false } }));
    const seen: [number, number][] = [];
    progress.push(seen);
    runs.push(await guardStage({ config, data, labels, held, classes: ['b', 'c', 'd'].map((label) => ({ label, fill: 10 })), images, targets, onProgress: (done, total) => seen.push([done, total]) }));
  }
  // Two (of 12 tried) whose classes together, as warn delivers them, stop at the 3rd and the 2nd seed.
  for (const seed of [6, 7]) {
    const config = asRun(ConfigSchema.parse({ input: '/unused', out: '/unused', seed, guard: { mode: 'warn', seeds: SEEDS, steps: 20 }, features: { cache: false } }));
    const seen: [number, number][] = [];
    warnedProgress.push(seen);
    warned.push(await guardStage({ config, data, labels, held, classes: ['b', 'c', 'd'].map((label) => ({ label, fill: 10 })), images, targets, onProgress: (done, total) => seen.push([done, total]) }));
  }
  // Screened together, the noise, config seed 3 (of 8 tried): b and c gain a little beside the others' images, d does not.
  const side = asRun(ConfigSchema.parse({ input: '/unused', out: '/unused', seed: 3, guard: { mode: 'fallback', seeds: SEEDS, steps: 20, screen: 'together' }, features: { cache: false } }));
  again = await guardStage({ config: side, data, labels, held, classes: ['b', 'c', 'd'].map((label) => ({ label, fill: 10 })), images, targets, onProgress: (done, total) => againProgress.push([done, total]) });
  // Under warn the noise gains a little beside the others' images in every seed tried (16 of 16 went the whole
  // way); dark images take from the classes: of three config seeds (0–2 of 10 tried) one stops at the 2nd seed,
  // one at the 3rd or 4th, one goes the whole way.
  const dark = ['b', 'c', 'd'].flatMap((label) => Array.from({ length: 10 }, () => ({ label, pixels: Uint8Array.from({ length: 64 }, () => rng.int(40)) })));
  for (const seed of [0, 1, 2]) {
    const config = asRun(ConfigSchema.parse({ input: '/unused', out: '/unused', seed, guard: { mode: 'warn', seeds: SEEDS, steps: 20, screen: 'together' }, features: { cache: false } }));
    const seen: [number, number][] = [];
    togetherProgress.push(seen);
    together.push(await guardStage({ config, data, labels, held, classes: ['b', 'c', 'd'].map((label) => ({ label, fill: 10 })), images: dark, targets, onProgress: (done, total) => seen.push([done, total]) }));
  }
}, 300_000);

/** Seeds a class was trained on: all, or as many as its reason says. */
const trainedOn = (reason: string) => Number(/^no gain over the first (\d+) of 5 seeds/.exec(reason)?.[1] ?? SEEDS);

describe('guardStage, seed by seed', () => {
  it('trains a class on the next seed only while its mean gain so far is above 0, and counts what it trained', () => {
    const stops: number[] = [];
    for (const s of runs) {
      const n = s.perClass.map((c) => trainedOn(c.reason));
      stops.push(...n);
      for (const c of s.perClass) {
        const k = trainedOn(c.reason);
        // Stopped: no gain over the seeds it was trained on, and it says how many were left.
        if (k < SEEDS) expect(c.reason, c.label).toMatch(new RegExp(`^no gain over the first ${k} of 5 seeds \\(held-out soft recall (-\\d+\\.\\d|\\+0\\.0) points\\), so not trained on the other ${SEEDS - k}`));
      }
      // Each class's classifiers, the classifier without on every seed any class was trained on, and one per seed for each set of two or more tested together.
      const sets = s.rounds.filter((r) => r.classes.length > 1).length;
      expect(s.classifiers).toBe(n.reduce((a, b) => a + b, 0) + Math.max(...n) + SEEDS * sets);
    }
    // Over these runs classes stopped after the 2nd seed and later ones, and one went the whole way.
    // (Measured: [2, 5, 4] and [5, 3, 2]; before seed by seed, [2, 5, 5] and [5, 5, 2].)
    expect(stops).toContain(2);
    expect(stops.filter((k) => k === 3 || k === 4).length).toBeGreaterThan(0);
    expect(stops).toContain(SEEDS);
  });

  it('reports each count once, the total shrinking as classes are given up on, and ends at what it trained', () => {
    runs.forEach((s, r) => {
      const seen = progress[r]!;
      // A round's last classifier and the round's new total were once the same count, said twice.
      for (let i = 1; i < seen.length; i++) expect(seen[i], `report ${i}`).not.toEqual(seen[i - 1]);
      expect(seen.at(-1)).toEqual([s.classifiers, s.classifiers]);
      expect(seen.map(([done]) => done)).toEqual([...seen.map(([done]) => done)].sort((a, b) => a - b));
    });
    // Classes given up on took their classifiers off the first total.
    expect(progress.some((seen) => seen.some(([, total]) => total < seen[0]![1]))).toBe(true);
  });
});

describe('guardStage under warn, seed by seed', () => {
  it('trains the classes together, as delivered, on the next seed only while their mean gain so far is above 0', () => {
    const wholeStops: number[] = [];
    for (const w of warned) {
      for (const c of w.perClass) expect(c.decision).toBe('kept');
      expect(w.rounds.map((r) => r.classes)).toEqual([['b', 'c', 'd']]);
      const whole = w.rounds[0]!;
      const k = trainedOn(whole.reason);
      wholeStops.push(k);
      if (k < SEEDS) {
        expect(whole.helps).toBe(false);
        expect(whole.gain.mean).toBeLessThanOrEqual(0);
        expect(whole.reason).toMatch(new RegExp(`^no gain over the first ${k} of 5 seeds \\(held-out soft recall (-\\d+\\.\\d|\\+0\\.0) points\\), so not trained on the other ${SEEDS - k}$`));
      }
      // The classifier without is trained on every seed anything else was.
      const n = w.perClass.map((c) => trainedOn(c.reason));
      expect(w.classifiers).toBe(n.reduce((a, b) => a + b, 0) + Math.max(...n, k) + k);
    }
    // (Measured: 3 and 2.)
    expect(wholeStops).toContain(2);
    expect(wholeStops.filter((k) => k === 3 || k === 4).length).toBeGreaterThan(0);
  });

  it('screened together: one classifier a seed with every class, trained on while any class or the classes together gain so far', () => {
    const ks: number[] = [];
    together.forEach((t, r) => {
      const seen = togetherProgress[r]!;
      // Per seed: the classifier without, the one with every class and one for a screen again without the classes
      // that gained nothing: 15, not 25.
      expect(seen[0]![1]).toBe(guardClassifiers({ images: ['b', 'c', 'd'].map((label) => ({ label })), classes: ['b', 'c', 'd'].map((label) => ({ label })) }, SEEDS, 'warn', 'together'));
      expect(seen[0]![1]).toBe(3 * SEEDS);
      seen.slice(0, -1).forEach(([done, total], i) => expect(done, `report ${i}`).toBeLessThan(total));
      for (let i = 1; i < seen.length; i++) expect(seen[i]![1], `report ${i}`).toBeLessThanOrEqual(seen[i - 1]![1]);
      // Every class read off the same classifiers: trained on as many seeds, the scarce classes together (what warn delivers) too.
      for (const c of t.perClass) expect(c.reason, c.label).toMatch(/^with every scarce class's synthetic images side by side \(guard\.screen: together\), /);
      const k = trainedOn(t.perClass[0]!.reason.replace(/^with every scarce class's synthetic images side by side \(guard\.screen: together\), /, ''));
      ks.push(k);
      for (const c of t.perClass) expect(trainedOn(c.reason.replace(/^with every scarce class's synthetic images side by side \(guard\.screen: together\), /, '')), c.label).toBe(k);
      expect(t.rounds[0]!.classes).toEqual(['b', 'c', 'd']);
      // Stopped early: no class and not the three together gained so far.
      if (k < SEEDS) {
        for (const c of t.perClass) expect(c.gain.mean).toBeLessThanOrEqual(0);
        expect(t.rounds[0]!.gain.mean).toBeLessThanOrEqual(0);
      }
      // The screen's classifiers are warn's delivered set: nothing more where no class helped.
      if (t.rounds.length === 1) expect(t.classifiers).toBe(2 * k);
    });
    expect(ks).toContain(2);
    expect(ks).toContain(SEEDS);
    expect(ks.filter((k) => k > 2 && k < SEEDS).length).toBeGreaterThan(0);
  });

  it('screened together, a class that gains nothing beside the others is left out and the rest screened again', () => {
    const of = (l: string) => again.perClass.find((c) => c.label === l)!;
    expect(of('d').gain.mean).toBeLessThanOrEqual(0);
    expect(of('d').reason).toMatch(/^with every scarce class's synthetic images side by side \(guard\.screen: together\), /);
    for (const l of ['b', 'c']) expect(of(l).reason, l).toMatch(/^with the synthetic images of b and c side by side \(guard\.screen: together; without d, whose images gained their class least beside the others'\), /);
    // b and c read off the classifiers with their two sets of images, not those with all three.
    expect(of('b').balancedAccuracy).toEqual(of('c').balancedAccuracy);
    expect(of('b').balancedAccuracy.withSynthetic).not.toBe(of('d').balancedAccuracy.withSynthetic);
    // The second screen adds to the total as it starts: never a count reached before the end.
    againProgress.slice(0, -1).forEach(([done, total], i) => expect(done, `report ${i}`).toBeLessThan(total));
    expect(againProgress.at(-1)).toEqual([again.classifiers, again.classifiers]);
    expect(again.classifiers).toBeGreaterThan(2 * SEEDS);
  });

  it('never says a count reached before the end, and under warn starts from the most it may train and only falls', () => {
    // Once a run read "guard: 12/12 classifiers", then 13/14, 15/15, 16/16, 17/18: the classes decided alone,
    // then the scarce classes together added seed by seed.
    for (const seen of [...progress, ...warnedProgress]) seen.slice(0, -1).forEach(([done, total], i) => expect(done, `report ${i} of ${seen.length}`).toBeLessThan(total));
    warnedProgress.forEach((seen, r) => {
      expect(seen.at(-1)).toEqual([warned[r]!.classifiers, warned[r]!.classifiers]);
      // Per seed: the classifier without, one per class, one with every class side by side.
      expect(seen[0]![1]).toBe(guardClassifiers({ images: ['b', 'c', 'd'].map((label) => ({ label })), classes: ['b', 'c', 'd'].map((label) => ({ label })) }, SEEDS, 'warn'));
      expect(seen[0]![1]).toBe(SEEDS * 5);
      for (let i = 1; i < seen.length; i++) expect(seen[i]![1], `report ${i}`).toBeLessThanOrEqual(seen[i - 1]![1]);
    });
  });
});
