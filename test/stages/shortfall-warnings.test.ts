/** The warnings for classes the filters left short: one a class up to CLASSES_IN_FULL scarce classes, one in all beyond. */
import { describe, expect, it } from 'vitest';
import { CLASSES_IN_FULL } from '../../src/config/defaults.js';
import { REJECT_REASONS, type RejectReason } from '../../src/filter/steps.js';
import { shortfallWarnings, type Short } from '../../src/stages/synthesize.js';

const reasons = (over: Partial<Record<RejectReason, number>>) => ({ ...Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])), ...over }) as Record<RejectReason, number>;
const short = (label: string, kept: number, byLabel: number, surplus = 0): Short => ({ label, kept, planned: 285, candidates: 1140, byReason: reasons({ label: byLabel, surplus }) });
const oversample = { filter: { shortfall: 'oversample' } } as Parameters<typeof shortfallWarnings>[2];

describe('shortfallWarnings', () => {
  it(`one line a class up to ${CLASSES_IN_FULL} scarce classes`, () => {
    expect(shortfallWarnings([short('coat', 111, 1029)], CLASSES_IN_FULL, oversample)).toEqual([
      'class "coat": the filters kept 111 of the 285 needed (short by 174) from 1140 candidates; rejected: label 1029. The rest are filled with its real images (filter.shortfall: oversample)',
    ]);
    expect(shortfallWarnings([], 3, oversample)).toEqual([]);
  });

  it('beyond it, one line naming each short class with kept of needed, and the rejections summed (the ranked surplus left out)', () => {
    const lines = shortfallWarnings([short('coat', 111, 1029, 5), short('shirt', 0, 1140)], CLASSES_IN_FULL + 12, { filter: { shortfall: 'leave' } } as Parameters<typeof shortfallWarnings>[2]);
    expect(lines).toEqual([
      `the filters kept fewer than needed for 2 of ${CLASSES_IN_FULL + 12} scarce classes (kept of needed): coat 111/285, shirt 0/285; rejected in all: label 2169 (each class's figures are in summary.json). Raise generate.oversample, loosen filter.*, or set filter.shortfall: oversample`,
    ]);
  });
});
