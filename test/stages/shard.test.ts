import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import { UserError } from '../../src/errors.js';
import { checkShardable, parseShard, selectShard, shardLabels } from '../../src/stages/shard.js';

describe('parseShard', () => {
  it.each([
    ['0/1', { index: 0, count: 1 }],
    ['2/3', { index: 2, count: 3 }],
    [' 1 / 4 ', { index: 1, count: 4 }],
  ])('reads %j', (text, spec) => expect(parseShard(text)).toEqual(spec));

  it.each(['3/3', '1/0', '-1/3', '1', 'a/b', '1/3/5', ''])('refuses %j, naming the flag and what it expected', (text) => {
    expect(() => parseShard(text)).toThrow(UserError);
    expect(() => parseShard(text)).toThrow(`--shard: expected i/n with 0 ≤ i < n (0-based, like JOB_COMPLETION_INDEX), e.g. 0/3; received "${text}"`);
  });
});

describe('shard assignment', () => {
  const labels = ['shirt', 'coat', 'pullover', 'bag', 'trouser', 'ankle-boot', 'dress'];

  it('deals every scarce class to exactly one shard, balanced to within one', () => {
    for (const n of [1, 2, 3, 4, 7, 9]) {
      const parts = Array.from({ length: n }, (_, i) => shardLabels(labels, { index: i, count: n }));
      expect(parts.flat().sort()).toEqual([...labels].sort());
      const sizes = parts.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    }
  });

  it('depends on the labels, not on their order', () => {
    const shuffled = [...labels].reverse();
    for (let i = 0; i < 3; i++) expect(shardLabels(shuffled, { index: i, count: 3 }).sort()).toEqual(shardLabels(labels, { index: i, count: 3 }).sort());
    expect(shardLabels(labels, { index: 0, count: 3 })).toEqual(['ankle-boot', 'dress', 'trouser']);
  });

  it('keeps the plan order of what it selects; no shard = everything', () => {
    const scarce = labels.map((label) => ({ label }));
    expect(selectShard(scarce, { index: 1, count: 3 }).map((c) => c.label)).toEqual(['pullover', 'bag']);
    expect(selectShard(scarce, null)).toEqual(scarce);
  });

  it('refuses to split a shared GAN, allows one shard of it', () => {
    const config = (mode: 'shared' | 'per-class') => ({ gan: { mode }, generate: { from: null } }) as Config;
    expect(() => checkShardable(config('shared'), { index: 0, count: 2 })).toThrow(/every shard would train the same shared model/);
    expect(() => checkShardable(config('shared'), { index: 0, count: 1 })).not.toThrow();
    expect(() => checkShardable(config('per-class'), { index: 1, count: 2 })).not.toThrow();
  });

  it('refuses to split a run that imports its candidates (generate.from): there is no training to split', () => {
    const config = { gan: { mode: 'per-class' }, generate: { from: '/data/outside' } } as Config;
    expect(() => checkShardable(config, { index: 0, count: 2 })).toThrow('--shard 0/2: shards split GAN training between machines, and generate.from trains none (its candidates come from /data/outside); run without --shard');
    expect(() => checkShardable(config, null)).not.toThrow();
  });
});
