import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { oversampledEntry, realEntry, syntheticEntry, type ManifestEntry } from '../../src/manifest/build.js';
import { checkShards, mergedTraining, planMerge, untestedTogether, type ShardOut } from '../../src/merge/plan.js';
import type { Summary } from '../../src/pipeline.js';
import type { RunState } from '../../src/stages/fingerprint.js';

const config = parseConfigText('input: /m1/in\nout: /m1/out\n', '/c.yaml', { set: ['gan.mode=per-class'] }).config;
const SHA = 'a'.repeat(64);
/** The command merge names for testing the shards' classes together, and whether it can take their trained models. */
const RERUN = { command: "gan-augment run <the shards' config> --out /m", reuses: true };
const classes = [
  { label: 'a', before: 2, target: 2, deficit: 0, synthetic: 0, after: 2 },
  { label: 'b', before: 1, target: 2, deficit: 1, synthetic: 0, after: 1 },
  { label: 'c', before: 1, target: 2, deficit: 1, synthetic: 0, after: 1 },
];

/** A shard out as a run on machine `m` would have written it. */
function shard(index: number, count: number, owns: string[], over: { config?: string; inputs?: string; m?: string } = {}): ShardOut {
  const m = over.m ?? `/m${index}`;
  const entries: ManifestEntry[] = [
    realEntry('../in/a/1.png', 'a', SHA),
    realEntry('../in/a/2.png', 'a', SHA),
    realEntry('../in/b/1.png', 'b', SHA),
    realEntry('../in/c/1.png', 'c', SHA),
    ...owns.map((l) => syntheticEntry({ path: `synthetic/${l}/00000-00000001.png`, label: l, score: 1, generator: `model/${l}/generator`, generatorStep: 4, seed: 1, sha256: SHA })),
    // filter.shortfall: oversample repeats a real image, with a path relative to this shard's out
    ...owns.map((l) => oversampledEntry(realEntry(`../in/${l}/1.png`, l, SHA))),
  ];
  const summary = {
    tool: 'gan-augment',
    input: `${m}/in`,
    out: `${m}/out`,
    classes,
    synthesis: [],
    train: { steps: 4 * owns.length, seconds: 1, imgPerSec: 10, final: null },
    durations: { scan: 1, decode: 1, train: index + 1, generate: 1, write: 1, total: index + 5 },
    peakRssMB: 300 + 10 * index,
    quality: null,
    backend: { name: 'wasm', details: '', tfjs: '4.22.0' },
    fingerprints: { code: 'v1', inputs: over.inputs ?? 'in1', config: over.config ?? 'cfg1' },
    shard: { index, count, classes: owns },
    incremental: { train: 'trained', upToDate: false },
    createdAt: '2020-01-01T00:00:00Z',
  } as unknown as Summary;
  return { dir: `/local/s${index}`, summary, entries, state: { config } as RunState };
}

describe('merge: which shards belong together', () => {
  const ok = [shard(0, 2, ['b']), shard(1, 2, ['c'])];
  it('accepts every shard of one job, in any order', () => {
    expect(() => checkShards(ok)).not.toThrow();
    expect(() => checkShards([...ok].reverse())).not.toThrow();
  });

  it.each([
    ['a missing shard', [shard(0, 3, ['b']), shard(1, 3, ['c'])], 'shard 2/3 is missing'],
    ['a shard twice', [shard(0, 2, ['b']), shard(0, 2, ['b']), shard(1, 2, ['c'])], 'shard 0/2 again'],
    ['another shard count', [shard(0, 2, ['b']), shard(1, 3, ['c'])], 'one of 2 shards'],
    ['another config', [shard(0, 2, ['b']), shard(1, 2, ['c'], { config: 'cfg2' })], 'made with a different config'],
    ['other inputs', [shard(0, 2, ['b']), shard(1, 2, ['c'], { inputs: 'in2' })], 'made from different inputs'],
    ['a class made twice', [shard(0, 2, ['b']), shard(1, 2, ['b', 'c'])], 'class "b" was made by both'],
  ])('refuses %s', (_what, shards, message) => {
    expect(() => checkShards(shards)).toThrow(/cannot merge/);
    try {
      checkShards(shards);
    } catch (err) {
      expect((err as { problems: string[] }).problems.join('\n')).toContain(message);
    }
  });

  it('names the settings another shard was made with, from the resolved configs in their states', () => {
    const other = shard(1, 2, ['c'], { config: 'cfg2' });
    other.state = { config: { ...config, train: { ...config.train, lrG: 0.0005 }, input: '/elsewhere' } } as RunState;
    try {
      checkShards([shard(0, 2, ['b']), other]);
      expect.unreachable();
    } catch (err) {
      expect((err as { problems: string[] }).problems).toContain(`/local/s1: made with a different config than /local/s0 (train.lrG ${config.train.lrG} → 0.0005, its value → this shard's; paths and --shard do not count)`);
    }
  });

  it('refuses an unsharded out', () => {
    const whole = shard(0, 1, ['b', 'c']);
    whole.summary.shard = null;
    expect(() => checkShards([whole])).toThrow('nothing to merge');
  });
});

describe('merge: the joined manifest and summary', () => {
  it('lists every real image once, re-anchored at the input here, and each shard’s own synthetic images', () => {
    const plan = planMerge([shard(1, 2, ['c']), shard(0, 2, ['b'])], '/here/merged', '/here/in');
    expect(plan.entries.filter((e) => e.source === 'real').map((e) => e.path)).toEqual(['../in/a/1.png', '../in/a/2.png', '../in/b/1.png', '../in/c/1.png']);
    expect(plan.entries.filter((e) => e.source === 'synthetic').map((e) => e.label)).toEqual(['b', 'c']);
    // oversampled entries are re-anchored at the input here, like the real images they repeat
    expect(plan.entries.filter((e) => e.source === 'oversampled').map((e) => e.path)).toEqual(['../in/b/1.png', '../in/c/1.png']);
    expect(plan.summary.classes.map((c) => [c.label, c.synthetic, c.oversampled, c.after])).toEqual([['a', 0, 0, 2], ['b', 1, 1, 3], ['c', 1, 1, 3]]);
    expect(plan.summary.shard).toBeNull();
    expect(plan.summary.merged.shards.map((s) => s.index)).toEqual([0, 1]);
    expect(plan.summary.durations.total).toBe(6);
    expect(plan.summary.peakRssMB).toBe(310);
    expect(plan.summary.train.steps).toBe(8);
    expect(plan.config).toMatchObject({ input: '/here/in', out: '/here/merged' });
  });

  it('keeps every shard’s guard decisions and sets tested together (each shard judged its own classes), and none where no shard ran a guard', () => {
    const judged = (index: number, label: string, decision: 'kept' | 'fallback') => {
      const s = shard(index, 2, [label]);
      s.summary.guard = { mode: 'fallback', seeds: [42], steps: 400, classifiers: 6, heldOut: { a: 1, b: 1, c: 1 }, perClass: [{ label, decision, helps: decision === 'kept', withSynthetic: 0.5, without: 0.5, heldOut: 1, reason: 'r' }], rounds: decision === 'kept' ? [{ classes: [label], helps: true, reason: 'a gain' }] : [] } as unknown as Summary['guard'];
      return s;
    };
    const plan = planMerge([judged(1, 'c', 'fallback'), judged(0, 'b', 'kept')], '/here/merged', '/here/in');
    expect(plan.summary.guard!.perClass.map((c) => [c.label, c.decision])).toEqual([['b', 'kept'], ['c', 'fallback']]);
    expect(plan.summary.guard!.mode).toBe('fallback');
    // Each shard's sets tested side by side, its own classes only.
    expect(plan.summary.guard!.rounds.map((r) => [r.classes, r.shard])).toEqual([[['b'], 0]]);
    expect(plan.summary.guard!.classifiers).toBe(12);
    expect(planMerge([shard(0, 2, ['b']), shard(1, 2, ['c'])], '/here/merged', '/here/in').summary.guard).toBeNull();
    // A shard that screened its classes side by side (guard.screen: auto, more scarce classes than the other's) marks the merge.
    expect(plan.summary.guard!.screen).toBeUndefined();
    const side = judged(1, 'c', 'fallback');
    side.summary.guard = { ...side.summary.guard!, screen: 'together' };
    const each = judged(0, 'b', 'kept');
    each.summary.guard = { ...each.summary.guard!, screen: 'each' };
    expect(planMerge([side, each], '/here/merged', '/here/in').summary.guard!.screen).toBe('together');
    expect(planMerge([judged(1, 'c', 'fallback'), each], '/here/merged', '/here/in').summary.guard!.screen).toBe('each');
    // Each shard chose its classifier threads in its own process: one choice where they agree, else each shard's.
    expect(plan.summary.guard!.threads).toBeUndefined();
    const withThreads = (index: number, label: string, count: number, reason: string) => {
      const s = judged(index, label, 'fallback');
      s.summary.guard = { ...s.summary.guard!, threads: { count, reason } };
      return s;
    };
    expect(planMerge([withThreads(0, 'b', 1, '480 MB in use'), withThreads(1, 'c', 1, '470 MB in use')], '/here/merged', '/here/in').summary.guard!.threads).toEqual({ count: 1, reason: "each shard's guard: 480 MB in use" });
    expect(planMerge([withThreads(1, 'c', 2, '300 MB in use'), withThreads(0, 'b', 1, '480 MB in use')], '/here/merged', '/here/in').summary.guard!.threads).toEqual({
      count: 2,
      reason: 'per shard: shard 0 1 (480 MB in use); shard 1 2 (300 MB in use)',
    });
    expect(planMerge([withThreads(0, 'b', 1, '480 MB in use'), judged(1, 'c', 'fallback')], '/here/merged', '/here/in').summary.guard!.threads).toEqual({
      count: 1,
      reason: 'per shard: shard 0 1 (480 MB in use); shard 1 not recorded',
    });
    // One shard's classes delivered: its guard tested them together; nothing to say.
    expect(untestedTogether([judged(1, 'c', 'fallback'), judged(0, 'b', 'kept')], RERUN)).toBeNull();
    expect(untestedTogether([shard(0, 2, ['b']), shard(1, 2, ['c'])], RERUN)).toBeNull();
  });

  it('says where the merged manifest delivers classes from several shards, which no guard tested side by side', () => {
    const kept = (index: number, labels: string[]) => {
      const s = shard(index, 2, labels);
      s.summary.guard = { mode: 'warn', perClass: labels.map((label) => ({ label, decision: 'kept', helps: false, reason: 'r' })), rounds: [] } as unknown as Summary['guard'];
      return s;
    };
    const shards = [kept(1, ['c']), kept(0, ['a', 'b'])];
    const opening = "the manifest delivers synthetic images of classes from 2 shards — a, b (shard 0); c (shard 1) — and each shard's guard tested only its own classes together, so no guard tested them side by side as delivered. `gan-augment run <the shards' config> --out /m` tests them together — ";
    expect(untestedTogether(shards, RERUN)).toBe(
      `${opening}it takes the shards' trained models from the merged folder without training, generates again and runs the guard over every class, as the unsharded run does — or run gan-augment evaluate on the merged manifest`,
    );
    // Without the shards' finished checkpoints that run trains again, and says so.
    expect(untestedTogether(shards, { ...RERUN, reuses: false })).toBe(
      `${opening}it runs the guard over every class as the unsharded run does, but trains again, as the shards' folders hold no finished checkpoints to take the models from — or run gan-augment evaluate on the merged manifest`,
    );
  });

  it('takes the trained models from the checkpoints only where every shard that trained finished its training', () => {
    const finished = (index: number, owns: string[], done = true) => {
      const s = shard(index, 3, owns);
      s.state = { config, fingerprints: { train: owns.length > 0 && done ? `t${index}` : null }, trainedWith: owns.length > 0 && done ? { ...config, out: `/m${index}/out` } : null } as unknown as RunState;
      return s;
    };
    // The first shard's training config (paths aside, every shard's is the same); a shard with no class trained nothing.
    expect(mergedTraining([finished(2, []), finished(1, ['c']), finished(0, ['b'])])?.out).toBe('/m0/out');
    expect(mergedTraining([finished(0, ['b']), finished(1, ['c'], false), finished(2, [])])).toBeNull();
    // A state from before the train fingerprint was recorded says nothing: train again.
    const old = finished(1, ['c']);
    old.state = { config } as RunState;
    expect(mergedTraining([finished(0, ['b']), old])).toBeNull();
    expect(mergedTraining([finished(0, []), finished(1, [])])).toBeNull();
  });
});
