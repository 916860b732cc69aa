/**
 * The do-no-harm guard's check on real images (fmnist-tiny through sharp, real tfjs classifiers: native, else wasm),
 * both ways. Bag keeps only 2 of its real training images; its "synthetic" images are 18 other real bags —
 * what a perfect generator would add — and on 10 held-out bags the guard must find that they help and keep
 * them. Pullover's "synthetic" images are shirts and t-shirts labelled pullover: the guard must fall back.
 * (The same with coat, a class its neighbours pullover and shirt blur, gains +6 points of soft recall on
 * every seed but not over the held-out images: the guard does not keep it, and is not asked to here.)
 * Sandal, like bag, keeps 2 and is offered 18 more: the two gain alone, and are then tested side by side.
 * (The e2e guard test covers a GAN's noise through the CLI; this is the only test in which the guard keeps.)
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { ConfigSchema } from '../../src/config/schema.js';
import type { LabelledImages } from '../../src/dataset/sampler.js';
import { guardStage, type GuardSummary } from '../../src/stages/guard.js';
import { loadFixture, type Fixture } from '../classifier/fixture.js';
import { asRun } from '../helpers/config.js';
import { ROOT } from '../helpers/tmp.js';

const per = 28 * 28;
const HELD_PER_CLASS = 10;
/** The classes that keep 2 real training images each and are offered 18 new real ones. */
const KEEP = 'bag';
const KEEP2 = 'sandal';
const KEEPS = [KEEP, KEEP2];
let summary: GuardSummary;
/** The same check under `guard: warn`, bag and pullover only, on fewer steps. */
let warned: GuardSummary;
/** The first check with the classes screened side by side (`guard.screen: together`). */
let together: GuardSummary;

/** The image rows of `f` at `idx`. */
const rows = (f: Fixture, idx: readonly number[]) => idx.map((i) => f.data.pixels.slice(i * per, (i + 1) * per));
const indicesOf = (f: Fixture, label: string) => [...f.data.labels.keys()].filter((i) => f.data.labels[i] === f.labels.indexOf(label));

beforeAll(async () => {
  // The native kernels where this machine has OpenBLAS (half the time of wasm: 54 s against 107 s alone), else
  // wasm; the guard decides the same on both.
  await initBackend('native').catch(() => initBackend('wasm'));
  const train = await loadFixture();
  const test = await loadFixture(path.join(ROOT, 'fixtures/fmnist-tiny-test'));
  const { labels } = train;
  // Training images: 20 of each class in the fixture (its scarce classes have 10), but only 2 bags and 2
  // sandals, so that every class is about as frequent as those judged will be once filled. Held-out: 10 test images of each.
  const trainIdx = labels.flatMap((l) => indicesOf(train, l).slice(0, KEEPS.includes(l) ? 2 : 20));
  const heldIdx = labels.flatMap((l) => indicesOf(test, l).slice(0, HELD_PER_CLASS));
  const count = trainIdx.length + heldIdx.length;
  const pixels = new Uint8Array(count * per);
  [...rows(train, trainIdx), ...rows(test, heldIdx)].forEach((p, j) => pixels.set(p, j * per));
  const data: LabelledImages = { ...train.data, pixels, count, labels: Int32Array.from([...trainIdx.map((i) => train.data.labels[i]!), ...heldIdx.map((i) => test.data.labels[i]!)]) };
  const held = Array.from({ length: heldIdx.length }, (_, j) => trainIdx.length + j);
  // Their candidates: training images left out and the 10 test images not held out — all real, all new.
  const fresh = (l: string) => [...rows(train, indicesOf(train, l).slice(2, 10)), ...rows(test, indicesOf(test, l).slice(HELD_PER_CLASS))];
  // Pullover's: shirts and t-shirts.
  const wrong = [...rows(test, indicesOf(test, 'shirt').slice(HELD_PER_CLASS)), ...rows(test, indicesOf(test, 't-shirt').slice(HELD_PER_CLASS))];
  const images = [...KEEPS.flatMap((l) => fresh(l).map((p) => ({ label: l, pixels: p }))), ...wrong.map((p) => ({ label: 'pullover', pixels: p }))];
  const targets = images.map((img) => ({ weight: 1, softLabel: { [img.label]: 1 } }));
  // evaluate's classifier, at fewer steps than its budget (600 here) and 3 seeds: what this test can afford (250: the same decisions as 400, in 60 % of the time on a 2-GHz core).
  const config = asRun(ConfigSchema.parse({ input: '/unused', out: '/unused', seed: 0, guard: { mode: 'fallback', seeds: 3, steps: 250 }, features: { cache: false } }));
  const classes = [{ label: KEEP, fill: 18 }, { label: KEEP2, fill: 18 }, { label: 'pullover', fill: 10 }];
  summary = await guardStage({ config, data, labels, held, classes, images, targets });
  // Side by side at 150 steps: the same decisions (pullover −5.7 points beside the others, bag and sandal +57 together), in 60 % of the time.
  const side = asRun(ConfigSchema.parse({ input: '/unused', out: '/unused', seed: 0, guard: { mode: 'fallback', seeds: 3, steps: 150, screen: 'together' }, features: { cache: false } }));
  together = await guardStage({ config: side, data, labels, held, classes, images, targets });
  const warn = asRun(ConfigSchema.parse({ input: '/unused', out: '/unused', seed: 0, guard: { mode: 'warn', seeds: 3, steps: 80 }, features: { cache: false } }));
  const two = images.map((img, i) => ({ img, t: targets[i]! })).filter((x) => x.img.label !== KEEP2);
  warned = await guardStage({ config: warn, data, labels, held, classes: [{ label: KEEP, fill: 18 }, { label: 'pullover', fill: 10 }], images: two.map((x) => x.img), targets: two.map((x) => x.t) });
}, 400_000);

describe('guardStage on real images', () => {
  it('keeps new real images of a class that had 2: a gain over seeds and over held-out images', () => {
    expect(summary.heldOut[KEEP]).toBe(HELD_PER_CLASS);
    const c = summary.perClass.find((x) => x.label === KEEP)!;
    expect(c.decision, c.reason).toBe('kept');
    expect(c.helps).toBe(true);
    expect(c.gain.low!).toBeGreaterThan(0);
    expect(c.gain.lowOverImages!).toBeGreaterThan(0);
    expect(c.balancedAccuracy.withSynthetic).toBeGreaterThanOrEqual(c.balancedAccuracy.without);
    expect(c.reason).toMatch(/^held-out soft recall \+\d+\.\d points \(lower bound \+\d+\.\d over seeds, \+\d+\.\d over images\)/);
  });

  it('tests the classes that gained alone side by side, and delivers them only if the scarce classes together gain', () => {
    expect(summary.rounds.map((r) => r.classes)).toEqual([KEEPS]);
    const together = summary.rounds[0]!;
    expect(together.helps, together.reason).toBe(true);
    // Judged on every held-out image of the scarce classes, the pullovers' too (their fill is real in that set).
    expect(together.heldOut).toBe(3 * HELD_PER_CLASS);
    expect(together.reason).toMatch(/^held-out soft recall \+\d+\.\d points \(lower bound \+\d+\.\d over seeds\), balanced accuracy/);
    for (const l of KEEPS) expect(summary.perClass.find((x) => x.label === l)).toMatchObject({ decision: 'kept', helps: true, helpsAlone: true });
    // Pullover did not help alone: not tested again.
    expect(summary.perClass.find((c) => c.label === 'pullover')).toMatchObject({ decision: 'fallback', helpsAlone: false });
  });

  it('falls back on a class filled with another class’s images', () => {
    const pullover = summary.perClass.find((c) => c.label === 'pullover')!;
    expect(pullover.decision).toBe('fallback');
    expect(pullover.helps).toBe(false);
    expect(pullover.gain.mean).toBeLessThan(0);
    expect(summary.seeds).toEqual([0, 1, 2]);
    expect(summary.steps).toBe(250);
    // Shirts as pullovers gain nothing over the first 2 seeds: not trained on the third.
    expect(pullover.reason).toMatch(/^no gain over the first 2 of 3 seeds \(held-out soft recall -\d+\.\d points\), so not trained on the other 1; judged on 10 held-out images/);
    // 2 seeds × (without + 3 classes), the third seed without + bag + sandal, and bag and sandal together on 3.
    expect(summary.classifiers).toBe(2 * 4 + 3 + 3);
  });
});

describe('guardStage with the classes screened together (guard.screen: together)', () => {
  it('judges every class side by side, then without the one that gained nothing there: keeps the new real images, drops the shirts as pullovers', () => {
    expect(together.screen).toBe('together');
    expect(summary.screen).toBe('each');
    const of = (l: string) => together.perClass.find((x) => x.label === l)!;
    for (const l of KEEPS) expect(of(l).decision, of(l).reason).toBe('kept');
    const pullover = of('pullover');
    expect(pullover.decision).toBe('fallback');
    // Pullover judged beside the others' images, where it lost; bag and sandal then side by side without it.
    expect(pullover.gain.mean).toBeLessThanOrEqual(0);
    expect(pullover.reason).toMatch(/^with every scarce class's synthetic images side by side \(guard\.screen: together\), /);
    for (const l of KEEPS) expect(of(l).reason).toMatch(/^with the synthetic images of bag and sandal side by side \(guard\.screen: together; without pullover, whose images gained their class least beside the others'\), held-out soft recall \+/);
    // Not tested alone, so not said to have helped alone.
    for (const c of together.perClass) expect(c).not.toHaveProperty('helpsAlone');
    // Bag and sandal read off the same classifiers, which are the set then delivered: the same held-out balanced accuracy.
    expect(of(KEEP).balancedAccuracy).toEqual(of(KEEP2).balancedAccuracy);
    expect(together.rounds.map((r) => r.classes)).toEqual([KEEPS]);
    expect(together.rounds[0]!.helps, together.rounds[0]!.reason).toBe(true);
    expect(together.rounds[0]!.balancedAccuracy).toEqual(of(KEEP).balancedAccuracy);
    // 3 seeds × (without + all three), bag and sandal on 3, which serve as the set delivered: 9, where each alone took 14.
    expect(together.classifiers).toBe(3 * 2 + 3);
    expect(summary.classifiers).toBe(14);
  });
});

describe('guardStage under warn', () => {
  it('delivers every class, and tests them side by side as delivered: on the rest of the seeds only where they gained over the first 2', () => {
    expect(warned.mode).toBe('warn');
    for (const c of warned.perClass) expect(c.decision, c.reason).toBe('kept');
    expect(warned.rounds.map((r) => r.classes)).toEqual([[KEEP, 'pullover']]);
    const whole = warned.rounds[0]!;
    expect(whole.heldOut).toBe(2 * HELD_PER_CLASS);
    const wholeStopped = whole.reason.startsWith('no gain over the first 2 of 3 seeds');
    if (wholeStopped) expect(whole.helps).toBe(false);
    // A class that helped alone but not the two together is still delivered, and says why it does not help.
    for (const c of warned.perClass) if (c.helpsAlone && !whole.helps) expect(c).toMatchObject({ helps: false, reason: expect.stringContaining('but the scarce classes together do not gain') });
    // Alone: 2 seeds × (without + 2 classes), the third for the classes that gained (and the classifier without);
    // together: 2 seeds, the third where they gained (with the classifier without if not yet trained on it).
    const live = warned.perClass.filter((c) => !c.reason.startsWith('no gain over the first 2')).length;
    const alone = 2 * 3 + (live > 0 ? 1 + live : 0);
    expect(warned.classifiers).toBe(alone + 2 + (wholeStopped ? 0 : live > 0 ? 1 : 2));
  });
});

describe('heldOutOf', () => {
  it('per-class jobs: the classes no GAN trained on hold out copies of an image together', async () => {
    const { heldOutOf } = await import('../../src/stages/guard.js');
    const { randomImages } = await import('../helpers/small-gan.js');
    // 30 images of 8×8, classes 0/1/2 in turn; class 2's images 2, 5, 8 and 11 are one image four times.
    const data = randomImages(30, 3, 9);
    for (const i of [5, 8, 11]) data.pixels.copyWithin(i * 64, 2 * 64, 3 * 64);
    const job = { labels: ['a'], result: { held: [0, 3] } };
    const sides = new Set<string>();
    for (let seed = 0; seed < 12; seed++) {
      const config = asRun(ConfigSchema.parse({ input: '/unused', out: '/unused', seed, gan: { mode: 'per-class' }, train: { validation: 0.4 } }));
      const held = heldOutOf(config, data, ['a', 'b', 'c'], [job]);
      // The job's own held-out images (positions 0 and 3 of class a: images 0 and 9) come first.
      expect(held.slice(0, 2)).toEqual([0, 9]);
      const copiesHeld = [2, 5, 8, 11].map((i) => held.includes(i));
      expect(new Set(copiesHeld).size, `seed ${seed}`).toBe(1);
      sides.add(String(copiesHeld[0]));
      expect(held.filter((i) => data.labels[i] === 2).length).toBeGreaterThan(0);
    }
    // Over the seeds the four go to either side (4 fit the 4 a class of 10 holds out at 0.4).
    expect([...sides].sort()).toEqual(['false', 'true']);
  });

  it('generate.from: a scarce class holds out up to 15 (keeping 5), the others the shared split, the same for synthesis and the guard', async () => {
    const { heldOutOf } = await import('../../src/stages/guard.js');
    const { ganHeldOut } = await import('../../src/stages/synthesize.js');
    const { splitHoldout, ganHoldoutRng } = await import('../../src/dataset/holdout.js');
    const { randomImages } = await import('../helpers/small-gan.js');
    // 3 classes in turn: 20 images each.
    const data = randomImages(60, 3, 4);
    const config = asRun(ConfigSchema.parse({ input: '/unused', out: '/unused', seed: 5, generate: { from: '/outside' }, filter: { order: ['near-copy'] } }));
    const held = heldOutOf(config, data, ['a', 'b', 'c'], [], ['b']);
    const count = (c: number) => held.filter((i) => data.labels[i] === c).length;
    expect([count(0), count(1), count(2)]).toEqual([2, 15, 2]);
    // The plentiful classes' held-out images are the shared split's, draw for draw.
    const shared = splitHoldout(data.labels, 3, 0.1, ganHoldoutRng(5)).held;
    expect(held.filter((i) => data.labels[i] !== 1)).toEqual(shared.filter((i) => data.labels[i] !== 1));
    // Synthesis measures and filters against the same images.
    const byClass = ganHeldOut(data, config, new Set([1]));
    expect([0, 1, 2].flatMap((c) => byClass(c)).sort((a, b) => a - b)).toEqual(held);
  });
});

describe('guard settings', () => {
  it("trains evaluate's classifier, by default for evaluate's budget over its training images, 5 seeds", async () => {
    const { guardSettings } = await import('../../src/stages/guard.js');
    const { budgetSteps, EVAL_DEFAULTS } = await import('../../src/evaluate/train.js');
    const guard = ConfigSchema.parse({ input: '.' }).guard;
    expect(guard).toEqual({ mode: 'fallback', seeds: 5, steps: 'auto', threads: 'auto', screen: 'auto' });
    // fmnist-lt under generate.from: 6,405 real training images and 3 fills of 950.
    expect(guardSettings(guard, 9255)).toEqual({ ...EVAL_DEFAULTS, steps: budgetSteps(9255, 64) });
    expect(budgetSteps(9255, 64)).toBe(2314);
    expect(guardSettings({ ...guard, steps: 60 }, 9255).steps).toBe(60);
  });
  it('guard: <mode> is short for {mode: <mode>}; a bad mode or seed count is keyed', () => {
    expect(ConfigSchema.parse({ input: '.', guard: 'warn' }).guard).toEqual({ mode: 'warn', seeds: 5, steps: 'auto', threads: 'auto', screen: 'auto' });
    expect(ConfigSchema.parse({ input: '.', guard: { seeds: 3 } }).guard).toEqual({ mode: 'fallback', seeds: 3, steps: 'auto', threads: 'auto', screen: 'auto' });
    const bad = ConfigSchema.safeParse({ input: '.', guard: 'maybe' });
    expect(bad.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['guard.mode', 'expected one of "fallback", "warn", "off"']]);
    const seeds = ConfigSchema.safeParse({ input: '.', guard: { seeds: 0, steps: 'many' } });
    expect(seeds.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['guard.seeds', 'guard.steps']);
  });
});

describe('guardThreads', () => {
  it('two classifiers at a time only where a thread and what the guard\'s own classifier adds fit in the run\'s budget', async () => {
    const { guardThreads } = await import('../../src/stages/guard.js');
    const { CLASSIFIER_MB_PER_IMAGE, CLASSIFIER_THREAD_MB, RUN_MEMORY_BUDGET_MB } = await import('../../src/config/defaults.js');
    const room = (images: number) => RUN_MEMORY_BUDGET_MB - CLASSIFIER_THREAD_MB - images * CLASSIFIER_MB_PER_IMAGE;
    expect(guardThreads(room(1000), 1000).threads).toBe('auto');
    expect(guardThreads(room(1000) + 1, 1000).threads).toBe(1);
    expect(room(10_000)).toBeLessThan(room(1000));
    // The default fmnist-lt run's re-filter starts its guard at 328 MB with ~10,000 training images (measured): one at a time.
    expect(guardThreads(328, 10_000)).toEqual({ threads: 1, reason: '328 MB in use: a second classifier thread would take the run past its 500 MB budget; with memory to spare, guard.threads: 2 trains two at a time for ~315 MB more' });
    // fmnist-lt7's models re-filtered start their guard at 318–328 MB with 6,285 images; two threads rose 222–290 MB from there (measured): one.
    expect(guardThreads(318, 6285).threads).toBe(1);
    // The demo's guard starts at 253–284 MB with ~1,000 (measured): two, whichever side of 280 it stands.
    expect(guardThreads(284, 1000)).toEqual({ threads: 'auto', reason: '284 MB in use' });
    expect(guardThreads(253, 1000).threads).toBe('auto');
    // On plain wasm the demo's guard starts at 353–365 MB (after two-thread wasm training); two threads peaked
    // at 470 MB there (measured): two.
    expect(guardThreads(365, 1000).threads).toBe('auto');
  });

  it('guard.threads set to a number is taken whatever the memory, and validated like evaluate --threads', async () => {
    const { guardThreads } = await import('../../src/stages/guard.js');
    expect(guardThreads(328, 10_000, 2)).toEqual({ threads: 2, reason: 'guard.threads 2; 328 MB in use' });
    expect(guardThreads(100, 1000, 1)).toEqual({ threads: 1, reason: 'guard.threads 1; 100 MB in use' });
    expect(guardThreads(328, 10_000, 'auto').threads).toBe(1);
    expect(ConfigSchema.parse({ input: '.', guard: { threads: 2 } }).guard.threads).toBe(2);
    const bad = ConfigSchema.safeParse({ input: '.', guard: { threads: 0 } });
    expect(bad.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['guard.threads', 'expected "auto" or an integer from 1 to 16']]);
  });
});
