import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/progress.js';

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

  it('quiet writes nothing', () => {
    const { lines, stream } = capture();
    const sink = createProgress('quiet', stream);
    sink({ type: 'info', message: 'x' });
    sink(step('coat', 1));
    expect(lines).toEqual([]);
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
    expect(text.lines).toEqual(['guard: started (12)', 'guard: 1/12 classifiers', 'guard: 12/12 classifiers', 'guard: done in 1.3 s']);
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
