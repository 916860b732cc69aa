import { describe, expect, it } from 'vitest';
import { keepAboveThreshold } from '../../src/filter/discriminator-score.js';
import { keepLabelConsistent } from '../../src/filter/label-consistency.js';
import { rejectNearCopies } from '../../src/filter/near-copy.js';
import { describeLimits, GATE_KEYS, gateHasLimits, qualityGate, splitByGuard } from '../../src/filter/quality-gate.js';
import { applyFilters, gather, gatherRows, type FilterStep } from '../../src/filter/select.js';

// Six candidates of class 0 (of 2 classes).
const score = [3, 2, 1, 0, -1, -2];
const probOf0 = [0.9, 0.2, 0.9, 0.9, 0.9, 0.9];
const probs = probOf0.flatMap((p) => [p, 1 - p]);
const pixelDist = [5, 5, 0, 5, 5, 5]; // candidate 2 is a training image

const steps = {
  'near-copy': ((s) => rejectNearCopies(gather(pixelDist, s), 1, 'pixel')) as FilterStep,
  label: ((s) => keepLabelConsistent(gatherRows(probs, 2, s), 2, 0, 0.5)) as FilterStep,
  discriminator: ((s) => keepAboveThreshold(gather(score, s), 0)) as FilterStep,
};
const run = (order: (keyof typeof steps)[], target: number) => applyFilters(6, order.map((name) => ({ name, run: steps[name] })), score, target);

describe('applyFilters', () => {
  it('composes in the given order, attributing each rejection to the first step that made it', () => {
    const s = run(['near-copy', 'label', 'discriminator'], 2);
    expect(s.kept).toEqual([0, 3]);
    expect(s.shortfall).toBe(0);
    expect(s.byReason).toEqual({ coverage: 0, discriminator: 2, drs: 0, label: 1, 'near-copy-feature': 0, 'near-copy-pixel': 1, 'near-duplicate': 0, usefulness: 0, surplus: 0 });
    expect(s.after).toEqual([
      { step: 'near-copy', left: 5, cut: 1 },
      { step: 'label', left: 4, cut: 0.5 },
      { step: 'discriminator', left: 2, cut: 0 },
    ]);
    // in another order, the same candidates fall, each to the first step that sees it
    const t = run(['discriminator', 'label', 'near-copy'], 2);
    expect(t.kept).toEqual([0, 3]);
    expect(t.rejected.find((r) => r.index === 4)!.reason).toBe('discriminator');
  });

  it('keeps the target best and counts the rest as surplus', () => {
    const s = run(['near-copy'], 2);
    expect(s.kept).toEqual([0, 1]);
    expect(s.byReason.surplus).toBe(3);
    expect(s.rejected.filter((r) => r.reason === 'surplus').map((r) => r.index).sort()).toEqual([3, 4, 5]);
  });

  it('reports by how much it falls short, including when all are rejected or there are none', () => {
    expect(run(['near-copy', 'label', 'discriminator'], 5).shortfall).toBe(3);
    const none = applyFilters(6, [{ name: 'discriminator', run: (s) => keepAboveThreshold(gather(score, s), 100) }], score, 4);
    expect([none.kept, none.shortfall, none.byReason.discriminator]).toEqual([[], 4, 6]);
    const empty = applyFilters(0, [{ name: 'label', run: steps.label }], [], 3);
    expect([empty.kept, empty.rejected, empty.shortfall, empty.after]).toEqual([[], [], 3, [{ step: 'label', left: 0, cut: null }]]);
  });

  it('with no steps, is the plain top-k by discriminator score', () => {
    expect(applyFilters(6, [], score, 3).kept).toEqual([0, 1, 2]);
  });
});

describe('qualityGate', () => {
  const none = { maxFid: null, maxKid: null, minSpread: null };
  it.each([
    [{ fid: 10, kid: 0.01, spread: 0.7 }, { maxFid: 10, maxKid: 0.01, minSpread: 0.7 }, true], // exactly on a limit: passes
    [{ fid: 10.001, kid: 0 }, { ...none, maxFid: 10 }, false],
    [{ fid: 1, kid: 0.02 }, { ...none, maxKid: 0.01 }, false],
    [{ fid: 1, kid: 0, spread: 0.69 }, { ...none, minSpread: 0.7 }, false], // narrower than allowed
    [{ fid: 1, kid: 0, spread: 2 }, { ...none, minSpread: 0.7 }, true], // spread is a floor, not a band
    [{ fid: null, kid: null, spread: null }, { maxFid: 0, maxKid: 0, minSpread: 1 }, true], // missing scores are not failures
    [{ fid: 1e9, kid: 1e9, spread: 0 }, none, true],
  ])('%j with %j → passed %s', (score, limits, passed) => {
    const [r] = qualityGate([{ label: 'coat', ...score }], limits);
    expect(r!.passed).toBe(passed);
    expect(r!.reasons.length === 0).toBe(passed);
  });

  it('says which limit each failing class broke', () => {
    const r = qualityGate([{ label: 'coat', fid: 12.5, kid: 0.05, spread: 0.45 }], { maxFid: 10, maxKid: 0.01, minSpread: 0.7 });
    expect(r[0]!.reasons).toEqual(['FID 12.500 > quality.maxFid 10', 'KID 0.05000 > quality.maxKid 0.01', 'spread 0.450 < quality.minSpread 0.7']);
  });

  it('names and describes the limits a gate has (older summaries lack minSpread: no limit)', () => {
    expect(gateHasLimits({ maxFid: null, maxKid: null })).toBe(false);
    expect(gateHasLimits({ maxFid: null, maxKid: null, minSpread: 0.7 })).toBe(true);
    expect(describeLimits({ maxFid: 30, maxKid: null, minSpread: 0.7 })).toBe('FID ≤ 30 and spread ≥ 0.7');
    expect(GATE_KEYS).toBe('quality.maxFid, quality.maxKid, quality.minSpread');
  });

  it('a failed class the guard fell back on is withheld, not delivered: it cannot fail a run', async () => {
    const { gateFailure } = await import('../../src/stages/summary.js');
    const failed = [{ label: 'coat', reasons: ['spread 0.380 < quality.minSpread 0.7'] }, { label: 'shirt', reasons: ['FID 9.000 > quality.maxFid 5'] }];
    const guard = { perClass: [{ label: 'coat', decision: 'fallback' }, { label: 'shirt', decision: 'kept' }] };
    expect(splitByGuard(failed, guard)).toEqual({ delivered: [failed[1]], withheld: [failed[0]] });
    expect(splitByGuard(failed, null)).toEqual({ delivered: failed, withheld: [] }); // guard: off delivers every class
    expect(splitByGuard(failed, {})).toEqual({ delivered: failed, withheld: [] }); // an old summary's guard without perClass
    const summary = (g: typeof guard) => ({ out: '/o', quality: { gate: { failed } }, guard: g }) as unknown as Parameters<typeof gateFailure>[0];
    expect(gateFailure(summary(guard), 'fail')!.message).toBe('quality gate failed for "shirt" (FID 9.000 > quality.maxFid 5); every output was written to /o');
    expect(gateFailure(summary({ perClass: guard.perClass.map((c) => ({ ...c, decision: 'fallback' })) }), 'fail')).toBeNull();
    expect(gateFailure(summary(guard), 'warn')).toBeNull();
  });
});
