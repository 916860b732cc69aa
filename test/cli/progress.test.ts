import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/progress.js';
import { secondsLeft, TrainProgress } from '../../src/time-left.js';
import { formatEta } from '../../src/util/text.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, stream };
}
const step = (job: string, s: number, of = 100) =>
  ({ type: 'train.step', job, step: s, of, lossD: 1.23456789, lossG: NaN, dReal: 0, dFake: 0, p: 1, imgPerSec: 99.5 }) as const;

describe('JSON-lines progress', () => {
  it('writes one JSON object per event, with `event`, `t`, and `class` for per-class jobs', () => {
    const { lines, stream } = capture();
    const sink = createProgress('json', stream);
    sink({ type: 'stage.start', stage: 'train', total: 200 });
    sink(step('coat', 1));
    sink(step('shared', 1));
    sink({ type: 'warn', message: 'careful "quotes"' });
    sink.close();
    const ev = lines.map((l) => JSON.parse(l));
    expect(ev[0]).toMatchObject({ event: 'stage.start', stage: 'train', total: 200 });
    expect(ev[1]).toMatchObject({ event: 'train.step', class: 'coat', job: 'coat', step: 1, of: 100, lossD: 1.23457, lossG: null });
    expect(ev[2].class).toBeUndefined();
    expect(ev[3]).toMatchObject({ event: 'warn', message: 'careful "quotes"' });
    for (const e of ev) expect(typeof e.t).toBe('number');
  });

  it('throttles progress per job to about one a second, always keeping the first and the last', () => {
    const { lines, stream } = capture();
    const sink = createProgress('json', stream);
    for (let s = 1; s <= 100; s++) {
      sink(step('coat', s));
      sink(step('shirt', s));
      sink({ type: 'decode.progress', done: s, total: 100 });
    }
    const ev = lines.map((l) => JSON.parse(l));
    const of = (pred: (e: Record<string, unknown>) => boolean) => ev.filter(pred).map((e) => e.step ?? e.done);
    expect(of((e) => e.class === 'coat')).toEqual([1, 100]);
    expect(of((e) => e.class === 'shirt')).toEqual([1, 100]);
    expect(of((e) => e.event === 'decode.progress')).toEqual([1, 100]);
  });

  it('quiet writes the warnings only, as text lines or JSON lines', () => {
    for (const [mode, want] of [
      ['quiet', ['warning: the guard kept images that do not help']],
      ['quiet-json', [{ event: 'warn', message: 'the guard kept images that do not help' }]],
    ] as const) {
      const { lines, stream } = capture();
      const sink = createProgress(mode, stream);
      sink({ type: 'info', message: 'x' });
      sink({ type: 'stage.start', stage: 'train', total: 100 });
      sink(step('coat', 1));
      sink({ type: 'warn', message: 'the guard kept images that do not help' });
      sink.close();
      expect(mode === 'quiet' ? lines : lines.map((l) => JSON.parse(l)).map(({ t: _t, ...e }) => e)).toEqual(want);
    }
  });
});

describe("generate.anchor's fit progress", () => {
  it('JSON: throttled per class, first and last kept, each with its class', () => {
    const { lines, stream } = capture();
    const sink = createProgress('json', stream);
    for (let s = 1; s <= 300; s++) for (const label of ['coat', 'shirt']) sink({ type: 'generate.fit', label, done: s, total: 300 });
    const ev = lines.map((l) => JSON.parse(l));
    expect(ev.filter((e) => e.class === 'coat').map((e) => [e.event, e.done, e.total])).toEqual([
      ['generate.fit', 1, 300],
      ['generate.fit', 300, 300],
    ]);
    expect(ev.filter((e) => e.class === 'shirt')).toHaveLength(2);
  });

  it('text: a throttled line naming the class and its step, the last always', () => {
    const { lines, stream } = capture();
    const sink = createProgress('lines', stream);
    for (let s = 1; s <= 300; s++) sink({ type: 'generate.fit', label: 'coat', done: s, total: 300 });
    expect(lines).toEqual(['generate: coat fitting latents, step 1/300', 'generate: coat fitting latents, step 300/300']);
  });
});

describe("the guard's progress", () => {
  it('JSON: throttled, first and last kept; text: the first and the last line', () => {
    const feed = (sink: ReturnType<typeof createProgress>) => {
      sink({ type: 'stage.start', stage: 'guard', total: 12 });
      for (let done = 1; done <= 12; done++) sink({ type: 'guard.progress', done, total: 12 });
      sink({ type: 'stage.end', stage: 'guard', seconds: 1.25 });
      sink.close();
    };
    const json = capture();
    feed(createProgress('json', json.stream));
    expect(json.lines.map((l) => JSON.parse(l)).filter((e) => e.event === 'guard.progress').map((e) => [e.done, e.total])).toEqual([
      [1, 12],
      [12, 12],
    ]);
    const text = capture();
    feed(createProgress('lines', text.stream));
    expect(text.lines).toEqual([
      'guard: started (12)',
      expect.stringMatching(/^guard: 1\/12 classifiers, about \d+ s left$/),
      'guard: 12/12 classifiers',
      'guard: done in 1.3 s',
    ]);
  });

  it('says about how long the rest of its classifiers take, at the rate since the guard began, as its total moves', () => {
    const { lines, stream } = capture();
    const c = { ms: 0 };
    const sink = createProgress('lines', stream, () => c.ms);
    sink({ type: 'stage.start', stage: 'guard', total: 10 });
    c.ms = 20_000;
    sink({ type: 'guard.progress', done: 1, total: 10 });
    expect(lines.at(-1)).toBe('guard: 1/10 classifiers, about 3 min left');
    const json = capture();
    const j = createProgress('json', json.stream, () => c.ms);
    c.ms = 0;
    j({ type: 'stage.start', stage: 'guard', total: 10 });
    c.ms = 40_000;
    j({ type: 'guard.progress', done: 2, total: 6 });
    expect(JSON.parse(json.lines.at(-1)!)).toMatchObject({ event: 'guard.progress', done: 2, total: 6, etaSeconds: 80 });
    expect(secondsLeft(0, 5, 10)).toBeNull();
    expect(secondsLeft(5, 5, 10)).toBeNull();
  });

  it('bars: the guard\'s bar takes the classifiers a set tested side by side adds', () => {
    const out = capture();
    // cli-progress draws only on a terminal.
    Object.assign(out.stream, { isTTY: true, columns: 120 });
    const sink = createProgress('bars', out.stream);
    sink({ type: 'stage.start', stage: 'guard', total: 10 });
    sink({ type: 'guard.progress', done: 10, total: 15 });
    sink({ type: 'guard.progress', done: 15, total: 15 });
    sink({ type: 'stage.end', stage: 'guard', seconds: 1 });
    sink.close();
    const drawn = out.lines.join('\n');
    expect(drawn).toContain('0/10 classifiers');
    expect(drawn).toContain('15/15 classifiers');
    expect(drawn).not.toContain('/10 classifiers | ETA 0s\u001b[0K\u001b[?25h');
  });
});

describe('lines printed while a bar draws', () => {
  it('bars: a warning or info line prints above the bar when it happens, and the bar is drawn again below it', () => {
    const out = capture();
    Object.assign(out.stream, { isTTY: true, columns: 120 });
    let ms = 0;
    const sink = createProgress('bars', out.stream, () => ms);
    sink({ type: 'stage.start', stage: 'guard', total: 10 });
    sink({ type: 'info', message: 'guard: the 17 scarce classes judged side by side' });
    const atInfo = out.lines.join('\n');
    // Printed at once, on a cleared line, with the bar drawn again after it.
    expect(atInfo.indexOf('\u001b[2K')).toBeGreaterThan(-1);
    expect(atInfo.indexOf('\u001b[2K')).toBeLessThan(atInfo.indexOf('guard: the 17 scarce classes judged side by side'));
    expect(atInfo.slice(atInfo.indexOf('judged side by side'))).toContain('0/10 classifiers | - left');
    ms = 30_000;
    sink({ type: 'guard.progress', done: 3, total: 10 });
    sink({ type: 'warn', message: 'something to know now' });
    sink({ type: 'guard.progress', done: 10, total: 10 });
    sink({ type: 'stage.end', stage: 'guard', seconds: 30 });
    sink.close();
    const drawn = out.lines.join('\n');
    expect(drawn.indexOf('warning: something to know now')).toBeLessThan(drawn.indexOf('10/10 classifiers'));
    expect(drawn).toContain('3/10 classifiers | 70 s left');
    expect(drawn).toContain('10/10 classifiers | 0 s left');
    // Each line once: nothing held back and printed again when the bar ends.
    expect(drawn.split('warning: something to know now').length).toBe(2);
    expect(drawn.split('judged side by side').length).toBe(2);
  });
});

describe('training progress over every job, and the time left', () => {
  /** A clock the test moves: ms. */
  const clockAt = () => {
    const c = { ms: 0 };
    return { c, now: () => c.ms };
  };
  const at = (c: { ms: number }, ms: number, e: ReturnType<typeof step>) => {
    c.ms = ms;
    return e;
  };

  it('TrainProgress: steps summed over the jobs; the rate from this process\'s first step, so a resumed job counts only what it trains now', () => {
    const p = new TrainProgress(3000);
    expect(p.step('coat', 1, 1000, 0)).toEqual({ done: 1, etaSeconds: null, byBudget: false });
    // 1 step a second: 899 left of coat, and two classes of 1,000 not started.
    expect(p.step('coat', 101, 1000, 100_000)).toEqual({ done: 101, etaSeconds: 2899, byBudget: false });
    expect(p.step('shirt', 10, 1000, 109_000).done).toBe(111);
    const resumed = new TrainProgress(1000);
    expect(resumed.step('shared', 501, 1000, 5_000)).toEqual({ done: 501, etaSeconds: null, byBudget: false });
    expect(resumed.step('shared', 601, 1000, 105_000)).toEqual({ done: 601, etaSeconds: 399, byBudget: false });
    expect(new TrainProgress(0).step('shared', 5, 100, 0).etaSeconds).toBeNull();
    // Two jobs at once, each at 1 step a second: 49 steps left each take 49 s, not 98.
    const both = new TrainProgress(200);
    both.step('coat', 1, 100, 0);
    both.step('shirt', 1, 100, 0);
    both.step('coat', 51, 100, 50_000);
    expect(both.step('shirt', 51, 100, 50_000)).toEqual({ done: 102, etaSeconds: 49, byBudget: false });
  });

  it('TrainProgress: a job\'s time left is at most what train.budgetSeconds leaves it, and a class not started yet has the whole budget', () => {
    const p = new TrainProgress(1000);
    expect(p.step('shared', 1, 1000, 0, 600)).toEqual({ done: 1, etaSeconds: 600, byBudget: true });
    // 1 step a second: 900 s at the rate, 500 s of budget.
    expect(p.step('shared', 100, 1000, 99_000, 500)).toEqual({ done: 100, etaSeconds: 500, byBudget: true });
    expect(p.step('shared', 900, 1000, 899_000, 200)).toEqual({ done: 900, etaSeconds: 100, byBudget: false });
    // Per-class, a 50 s budget each: coat has 40 s left (89 steps at the rate), the two classes to come 50 s each.
    const perClass = new TrainProgress(300);
    expect(perClass.step('coat', 1, 100, 0, 50).etaSeconds).toBeNull();
    expect(perClass.step('coat', 11, 100, 10_000, 40)).toEqual({ done: 11, etaSeconds: 140, byBudget: true });
  });

  it('formatEta: seconds, then minutes, then hours and minutes', () => {
    expect([formatEta(0), formatEta(44.6), formatEta(89), formatEta(200), formatEta(1620), formatEta(3900), formatEta(-3)]).toEqual(['0 s', '45 s', '89 s', '3 min', '27 min', '1 h 05 min', '0 s']);
  });

  it('text: a per-class step names its class, and the time left is every job\'s', () => {
    const { lines, stream } = capture();
    const { c, now } = clockAt();
    const sink = createProgress('lines', stream, now);
    sink({ type: 'stage.start', stage: 'train', total: 300 });
    sink(at(c, 0, step('coat', 1)));
    sink(at(c, 99_000, step('coat', 100)));
    expect(lines.slice(1)).toEqual([
      'train: coat step 1/100 lossD 1.235 lossG NaN D(real) 0.000 D(fake) 0.000 100 img/s',
      'train: coat step 100/100 lossD 1.235 lossG NaN D(real) 0.000 D(fake) 0.000 100 img/s, 3 min left (every job)',
    ]);
    const shared = capture();
    const one = createProgress('lines', shared.stream, now);
    one({ type: 'stage.start', stage: 'train', total: 100 });
    one(at(c, 0, step('shared', 1)));
    one(at(c, 99_000, step('shared', 100)));
    expect(shared.lines.at(-1)).toBe('train: step 100/100 lossD 1.235 lossG NaN D(real) 0.000 D(fake) 0.000 100 img/s, 0 s left');
    const budgeted = capture();
    const cut = createProgress('lines', budgeted.stream, now);
    cut({ type: 'stage.start', stage: 'train', total: 1000 });
    // The first step knows no rate yet, but the budget already bounds the time left.
    cut({ ...at(c, 0, step('shared', 1, 1000)), budgetLeft: 120 });
    expect(budgeted.lines.at(-1)).toMatch(/100 img\/s, 2 min left \(train\.budgetSeconds\)$/);
  });

  it('JSON: each written step carries etaSeconds once a rate is known, measured on every step, written or not', () => {
    const { lines, stream } = capture();
    const { c, now } = clockAt();
    const sink = createProgress('json', stream, now);
    sink({ type: 'stage.start', stage: 'train', total: 200 });
    for (let s = 1; s <= 50; s++) sink(at(c, (s - 1) * 10, step('shared', s)));
    c.ms = 2000;
    sink(step('shared', 51));
    const ev = lines.map((l) => JSON.parse(l)).filter((e) => e.event === 'train.step');
    expect(ev.map((e) => e.step)).toEqual([1, 51]);
    expect(ev[0].etaSeconds).toBeUndefined();
    // 50 steps in 2 s: 149 left take 6 s.
    expect(ev[1].etaSeconds).toBe(6);
  });

  it('bars: per-class jobs fill one bar over every job\'s steps, naming the class training', () => {
    const out = capture();
    Object.assign(out.stream, { isTTY: true, columns: 120 });
    const sink = createProgress('bars', out.stream);
    sink({ type: 'stage.start', stage: 'train', total: 300 });
    sink(step('coat', 100));
    sink(step('shirt', 50));
    sink({ type: 'stage.end', stage: 'train', seconds: 1 });
    sink.close();
    const drawn = out.lines.join('\n');
    expect(drawn).toContain('step 150/300 (shirt)');
    expect(drawn).not.toContain('step 50/300');
    const budget = capture();
    Object.assign(budget.stream, { isTTY: true, columns: 120 });
    const { c, now } = clockAt();
    const bar = createProgress('bars', budget.stream, now);
    bar({ type: 'stage.start', stage: 'train', total: 1000 });
    bar(at(c, 0, step('shared', 1, 1000)));
    bar({ ...at(c, 10_000, step('shared', 11, 1000)), budgetLeft: 30 });
    bar.close();
    expect(budget.lines.join('\n')).toContain('step 11/1000 | D 1.235 G NaN | 100 img/s | 30 s (budget) left');
  });
});
