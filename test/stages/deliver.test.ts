import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config/schema.js';
import { DEFAULTS } from '../../src/config/defaults.js';
import type { EventSink, PipelineEvent } from '../../src/events.js';
import { realEntry, type ManifestEntry } from '../../src/manifest/build.js';
import { deliverShare, mixedReal, plannedSynthetic, shareText } from '../../src/stages/deliver.js';
import type { ClassSynthesis } from '../../src/stages/synthesize.js';
import { deliveredTargets, HARD_TARGET } from '../../src/stages/targets.js';
import { fillShortfalls } from '../../src/stages/write.js';
import { CLASSES_IN_FULL } from '../../src/config/defaults.js';
import { asRun } from '../helpers/config.js';

const HASH = 'a'.repeat(64);

describe('plannedSynthetic', () => {
  it.each([
    [950, 0.5, 475],
    [951, 0.5, 476],
    [10, 1, 10],
    [3, 0.1, 1],
    [1, 0.5, 1],
    [0, 0.5, 0],
    [7, 0.999, 7],
  ])('deficit %i, share %f: %i synthetic', (deficit, share, want) => {
    expect(plannedSynthetic(deficit, share)).toBe(want);
  });
  it('never asks for more than the deficit, and the real part is what is left', () => {
    for (let deficit = 0; deficit < 40; deficit++)
      for (const share of [0.01, 0.25, 0.5, 0.75, 1]) {
        const planned = plannedSynthetic(deficit, share);
        expect(planned).toBeLessThanOrEqual(deficit);
        expect(planned + mixedReal({ target: deficit, planned })).toBe(deficit);
      }
  });
});

describe('deliver in the config', () => {
  it('defaults to a share chosen by where the candidates come from, hard labels', () => {
    expect(DEFAULTS.deliver).toEqual({ share: 'auto', labels: 'hard' });
  });
  it('auto: half the fill for a GAN, the whole fill for candidates made elsewhere; a set share is kept', () => {
    const at = (deliver: object, generate: object = {}) => ConfigSchema.parse({ input: '.', deliver, generate, filter: { order: ['near-copy', 'coverage'] } });
    expect(deliverShare(at({}))).toBe(0.5);
    expect(deliverShare(at({}, { from: 'elsewhere' }))).toBe(1);
    expect(deliverShare(at({ share: 0.25 }, { from: 'elsewhere' }))).toBe(0.25);
    expect(deliverShare(at({ share: 1 }))).toBe(1);
    expect(shareText(at({}, { from: 'elsewhere' }))).toBe('auto = 1');
    expect(shareText(at({ share: 0.25 }))).toBe('0.25');
  });
  it.each([
    [{ share: 0 }, 'deliver.share'],
    [{ share: 1.5 }, 'deliver.share'],
    [{ share: 'half' }, 'deliver.share'],
    [{ labels: 'teacher' }, 'deliver.labels'],
  ])('rejects %j at its key', (deliver, key) => {
    const r = ConfigSchema.safeParse({ input: '.', deliver });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(key);
  });
});

describe('deliveredTargets', () => {
  it('recommends each image its class under deliver.labels: hard, without asking a teacher', async () => {
    const images = [{ label: 'b', pixels: new Uint8Array(4) }, { label: 'a', pixels: new Uint8Array(4) }];
    expect(await deliveredTargets('hard', null, images, ['a', 'b'])).toEqual([HARD_TARGET, HARD_TARGET]);
  });
  it("gives label smoothing under soft when there is no teacher", async () => {
    const [t] = await deliveredTargets('soft', null, [{ label: 'b', pixels: new Uint8Array(4) }], ['a', 'b']);
    expect(t).toEqual({ weight: 1, softLabel: { a: 0.05, b: 0.95 } });
  });
});

describe('fillShortfalls with deliver.share', () => {
  const real = (label: string, n: number): ManifestEntry[] => Array.from({ length: n }, (_, i) => realEntry(`in/${label}/${i}.png`, label, HASH));
  const synthesis = (label: string, target: number, planned: number, kept: number): ClassSynthesis =>
    ({ label, target, planned, kept, shortfall: planned - kept, oversampled: 0 }) as ClassSynthesis;
  const run = (config: object, classes: ClassSynthesis[], fallback: string[] = []) => {
    const entries = [...real('a', 5), ...real('b', 4)];
    const events: PipelineEvent[] = [];
    const emit: EventSink = (e) => events.push(e);
    fillShortfalls(entries, classes, asRun(ConfigSchema.parse({ input: '.', ...config })), emit, new Set(fallback));
    const listed = (label: string) => entries.filter((e) => e.source === 'oversampled' && e.label === label).length;
    return { listed, events, classes };
  };

  it("lists the class's real images again for the fill's real part, and for the filters' shortfall under oversample", () => {
    const { listed, events, classes } = run({}, [synthesis('a', 20, 10, 10), synthesis('b', 20, 10, 7)]);
    expect(listed('a')).toBe(10);
    expect(listed('b')).toBe(13);
    expect(classes.map((c) => c.oversampled)).toEqual([10, 13]);
    expect(events.map((e) => ('message' in e ? e.message : ''))).toEqual([
      'class "a": 10 real images listed again — 10 for the rest of its fill (deliver.share auto = 0.5: 10 of 20 synthetic)',
      'class "b": 13 real images listed again — 10 for the rest of its fill (deliver.share auto = 0.5: 10 of 20 synthetic); 3 for what the filters left short (filter.shortfall: oversample)',
    ]);
  });
  it('fills the real part even when filter.shortfall is leave, and nothing at share 1 with nothing short', () => {
    expect(run({ filter: { shortfall: 'leave' } }, [synthesis('b', 20, 10, 7)]).listed('b')).toBe(10);
    const whole = run({ deliver: { share: 1 } }, [synthesis('a', 20, 20, 20)]);
    expect(whole.listed('a')).toBe(0);
    expect(whole.events).toEqual([]);
  });
  it('fills the whole target where the guard fell back', () => {
    expect(run({}, [synthesis('a', 20, 10, 10)], ['a']).listed('a')).toBe(20);
  });
  it(`beyond ${CLASSES_IN_FULL} scarce classes says it in one line, each class's count named`, () => {
    const many = [synthesis('a', 20, 10, 10), synthesis('b', 20, 10, 7), ...Array.from({ length: CLASSES_IN_FULL }, (_, i) => synthesis(`x${i}`, 20, 10, 10))];
    const { listed, events } = run({}, many, ['b']);
    expect(listed('a')).toBe(10);
    expect(listed('b')).toBe(20);
    // The classes without real images in this tiny set (x…) list none; the fallen-back class b is the guard's to say.
    expect(events.map((e) => ('message' in e ? e.message : ''))).toEqual([
      `real images listed again to fill 1 of ${CLASSES_IN_FULL + 2} scarce classes (deliver.share auto = 0.5, and what the filters left short): a 10 (each class's count in summary.json, "oversampled")`,
    ]);
  });
});
