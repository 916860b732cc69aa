/**
 * planBalance against imbalanced-learn itself: imblearn-reference.json holds RandomOverSampler's targets
 * (imbalanced-learn 0.10.0, Debian's python3-imblearn; `bench/imblearn-reference.py` writes it) for 81
 * class counts × sampling_strategy. Each strategy goes through the config's schema first, as a config or
 * `--strategy` value would. Where gan-augment parts from imbalanced-learn on purpose the case is listed
 * below with the reason and our targets; the test checks both, so the list cannot go stale.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { StrategySchema } from '../../src/config/schema.js';
import { planBalance } from '../../src/dataset/balance.js';

interface Case {
  id: string;
  counts: Record<string, number>;
  strategy: unknown;
  imblearn: { targets: Record<string, number> } | { error: string };
}
const ref = JSON.parse(readFileSync(new URL('./imblearn-reference.json', import.meta.url), 'utf8')) as { imblearnVersion: string; cases: Case[] };

/** Our targets, or 'refused' when the schema or planBalance rejects the strategy. */
function ours(c: Case): Record<string, number> | 'refused' {
  const parsed = StrategySchema.safeParse(c.strategy);
  if (!parsed.success) return 'refused';
  try {
    const plan = planBalance(Object.entries(c.counts).map(([label, count]) => ({ label, count })), parsed.data);
    return Object.fromEntries(plan.classes.map((k) => [k.label, k.target]));
  } catch {
    return 'refused';
  }
}

const ONE_CLASS = 'one class: imbalanced-learn refuses ("needs to have more than 1 class"); ours has nothing to balance, and a map still sets its target';
const BOTTOM_TIE = 'classes tied at the smallest count: imbalanced-learn takes the first by label as the minority, ours every one of them (the choice should not hang on the names)';
const SPELLING = 'our hyphenated spelling (imbalanced-learn knows only "not majority" / "not minority", which we accept too)';
const FLOAT_ERROR = "r × largest is whole, but imbalanced-learn's float arithmetic lands just below it and loses an image (its issue #1215); ours rounds the product first";
const AT_RATIO = 'a class already at or above floor(r × largest): imbalanced-learn refuses the whole strategy ("required to remove samples"); ours leaves the class as it is';
const MULTI = 'imbalanced-learn takes a ratio only for two classes; ours brings every class up to floor(r × largest)';

const DIVERGES: Record<string, { why: string; ours: Record<string, number> }> = {
  'single/auto': { why: ONE_CLASS, ours: { only: 42 } },
  'single/not majority': { why: ONE_CLASS, ours: { only: 42 } },
  'single/not minority': { why: ONE_CLASS, ours: { only: 42 } },
  'single/minority': { why: ONE_CLASS, ours: { only: 42 } },
  'single/all': { why: ONE_CLASS, ours: { only: 42 } },
  'float/single-0.5': { why: ONE_CLASS, ours: { only: 42 } },
  'dict/single': { why: ONE_CLASS, ours: { only: 50 } },
  'tie-bottom/minority': { why: BOTTOM_TIE, ours: { z: 100, m: 40, c: 100, b: 100 } },
  'tie-bottom/not minority': { why: BOTTOM_TIE, ours: { z: 100, m: 100, c: 10, b: 10 } },
  'fmnist-tiny/minority': {
    why: BOTTOM_TIE,
    ours: { 'ankle-boot': 100, bag: 100, coat: 100, dress: 100, pullover: 100, sandal: 100, shirt: 100, sneaker: 100, trouser: 100, tshirt: 100 },
  },
  'fmnist-tiny/not minority': {
    why: BOTTOM_TIE,
    ours: { 'ankle-boot': 100, bag: 100, coat: 10, dress: 100, pullover: 10, sandal: 100, shirt: 10, sneaker: 100, trouser: 100, tshirt: 100 },
  },
  'spelling/not-majority': { why: SPELLING, ours: { a: 50, b: 50, c: 50 } },
  'spelling/not-minority': { why: SPELLING, ours: { a: 50, b: 50, c: 10 } },
  'float/binary-100-0.57': { why: FLOAT_ERROR, ours: { maj: 100, min: 57 } },
  'float/binary-100-0.29': { why: FLOAT_ERROR, ours: { maj: 100, min: 29 } },
  'float/binary-100-0.29-min28': { why: FLOAT_ERROR, ours: { maj: 100, min: 29 } },
  'float/binary-would-remove': { why: AT_RATIO, ours: { maj: 100, min: 60 } },
  'float/binary-already-at': { why: AT_RATIO, ours: { maj: 100, min: 50 } },
  'float/binary-within-1': { why: AT_RATIO, ours: { maj: 1001, min: 500 } },
  'float/binary-equal-1.0': { why: AT_RATIO, ours: { a: 10, b: 10 } },
  'float/binary-equal-0.5': { why: AT_RATIO, ours: { a: 10, b: 10 } },
  'float/multi-0.5': { why: MULTI, ours: { a: 100, b: 50, c: 50 } },
  'float/multi-1001-0.5': { why: MULTI, ours: { a: 1001, b: 500, c: 500 } },
  'float/multi-1.0': { why: MULTI, ours: { a: 100, b: 100, c: 100 } },
};

describe(`planBalance against imbalanced-learn ${ref.imblearnVersion}'s RandomOverSampler`, () => {
  const same = ref.cases.filter((c) => !(c.id in DIVERGES));
  it.each(same.map((c) => [c.id, c] as const))('%s: the same targets, or both refuse', (_, c) => {
    expect(ours(c)).toEqual('targets' in c.imblearn ? c.imblearn.targets : 'refused');
  });

  const parted = ref.cases.filter((c) => c.id in DIVERGES);
  it.each(parted.map((c) => [c.id, c] as const))('%s: parts on purpose, as listed', (_, c) => {
    const d = DIVERGES[c.id]!;
    expect(ours(c)).toEqual(d.ours);
    expect('targets' in c.imblearn ? c.imblearn.targets : 'refused').not.toEqual(d.ours);
  });

  it('lists no case the reference does not hold', () => {
    const ids = new Set(ref.cases.map((c) => c.id));
    expect(Object.keys(DIVERGES).filter((id) => !ids.has(id))).toEqual([]);
    expect(same.length).toBeGreaterThan(50);
  });
});
