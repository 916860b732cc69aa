/**
 * Joining the out folders of `run --shard i/n` into one: which shards belong together, and the merged
 * manifest and summary. Pure (no disk): `merge.ts` reads the shards and writes the result.
 */
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import { countClasses, type ManifestEntry } from '../manifest/build.js';
import type { Summary } from '../pipeline.js';
import { fingerprintedConfig, type RunState } from '../stages/fingerprint.js';
import { differences, differencesText } from '../util/differences.js';
import { relativePosix } from '../util/fs.js';
import { hashJson } from '../util/hash.js';
import { VERSION } from '../version.js';
import { maxOf } from '../util/array.js';
import { keptByShard } from '../guard/decide.js';

/** The settings two shards' resolved configs differ in, the first's value → the other's (`train.lrG 0.001 → 0.0005`); null where their states do not tell. */
function configChanges(first: RunState, other: RunState): string | null {
  if (!first.config || !other.config) return null;
  const diff = differences(fingerprintedConfig(first.config), fingerprintedConfig(other.config));
  return diff.length > 0 ? `${differencesText(diff)}, its value → this shard's` : null;
}

/** One shard's out folder as read from disk. */
export interface ShardOut {
  /** The folder as given to `merge` (on this machine). */
  dir: string;
  summary: Summary;
  state: RunState;
  entries: ManifestEntry[];
}

/** What a merged summary adds: where each part came from. */
export interface MergedSummary extends Summary {
  merged: {
    shards: {
      dir: string;
      index: number;
      count: number;
      classes: string[];
      createdAt: string;
      backend: Summary['backend'];
      train: Summary['train'];
      durations: Summary['durations'];
      peakRssMB: Summary['peakRssMB'];
    }[];
  };
}

export interface MergePlan {
  /** Shards by index. */
  shards: ShardOut[];
  entries: ManifestEntry[];
  summary: MergedSummary;
  /** The config of the joined run: the shards' config with the merged out and input. */
  config: Config;
}

/**
 * Checks that `shards` are all the shards of one job: each made by `run --shard i/n` with the same n,
 * every index once, from the same inputs, config (without paths) and code.
 * @throws {UserError} listing every problem.
 */
export function checkShards(shards: readonly ShardOut[]): void {
  const problems: string[] = [];
  const sharded = shards.filter((s) => {
    if (!s.summary.shard) problems.push(`${s.dir}: not made with run --shard (its summary.json has no shard)`);
    return s.summary.shard !== null && s.summary.shard !== undefined;
  });
  const first = sharded[0];
  if (!first) throw new UserError('nothing to merge', problems);
  const n = first.summary.shard!.count;
  const seen = new Map<number, string>();
  for (const s of sharded) {
    const sh = s.summary.shard!;
    if (sh.count !== n) problems.push(`${s.dir}: shard ${sh.index}/${sh.count}, but ${first.dir} is one of ${n} shards`);
    const dup = seen.get(sh.index);
    if (dup) problems.push(`${s.dir}: shard ${sh.index}/${sh.count} again (already ${dup})`);
    seen.set(sh.index, s.dir);
    const a = first.summary.fingerprints;
    const b = s.summary.fingerprints;
    if (!b) {
      problems.push(`${s.dir}: its summary.json has no fingerprints (made by an older gan-augment?)`);
      continue;
    }
    if (b.inputs !== a.inputs) problems.push(`${s.dir}: made from different inputs than ${first.dir} (inputs fingerprint ${b.inputs} ≠ ${a.inputs})`);
    if (b.config !== a.config) problems.push(`${s.dir}: made with a different config than ${first.dir} (${configChanges(first.state, s.state) ?? `config fingerprint ${b.config} ≠ ${a.config}`}; paths and --shard do not count)`);
    if (b.code !== a.code) problems.push(`${s.dir}: made by ${b.code}, ${first.dir} by ${a.code}`);
  }
  for (let i = 0; i < n; i++) if (!seen.has(i)) problems.push(`shard ${i}/${n} is missing`);
  const owner = new Map<string, string>();
  for (const s of sharded) {
    for (const label of s.summary.shard!.classes) {
      const o = owner.get(label);
      if (o) problems.push(`class "${label}" was made by both ${o} and ${s.dir}`);
      owner.set(label, s.dir);
    }
  }
  if (problems.length > 0) {
    throw new UserError(`cannot merge ${shards.length} out folder${shards.length === 1 ? '' : 's'}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`, problems);
  }
}

/** Sums per-reason counts. */
function addCounts(a: Record<string, number> | undefined, b: Record<string, number> | undefined): Record<string, number> {
  const out: Record<string, number> = { ...(a ?? {}) };
  for (const [k, v] of Object.entries(b ?? {})) out[k] = (out[k] ?? 0) + v;
  return out;
}

/**
 * Each shard's guard judged its own classes: the merged decisions are all of them, and the sets each tested
 * side by side (its own classes only: no guard tested the shards' classes together), in shard order, each with
 * its shard, and the classifiers they trained, summed. The
 * settings and held-out counts are the same in every shard (same config, same inputs); under `guard.screen:
 * auto` a shard with more scarce classes than another may have screened them together, so `screen` is
 * `together` where any shard's was (each class's reason says which), else the first shard's.
 */
function mergeGuard(parts: { index: number; guard: Summary['guard'] }[]): Summary['guard'] {
  const present = parts.filter((p): p is { index: number; guard: NonNullable<Summary['guard']> } => p.guard !== null && p.guard !== undefined);
  if (present.length === 0) return null;
  return {
    ...present[0]!.guard,
    perClass: present.flatMap((p) => p.guard.perClass),
    // Each set with the shard that tested it: one shard's sets are alternatives among its own classes, not the merged run's.
    rounds: present.flatMap((p) => (p.guard.rounds ?? []).map((r) => ({ ...r, shard: p.index }))),
    classifiers: present.reduce((n, p) => n + (p.guard.classifiers ?? 0), 0),
    screen: present.some((p) => p.guard.screen === 'together') ? 'together' : present[0]!.guard.screen,
    ...mergedThreads(present),
  };
}

/** Each shard's guard chose its classifier threads in its own process: one choice where they agree, else each shard's. */
function mergedThreads(present: { index: number; guard: NonNullable<Summary['guard']> }[]): Pick<NonNullable<Summary['guard']>, 'threads'> {
  const chosen = present.filter((p) => p.guard.threads);
  if (chosen.length === 0) return {};
  const counts = new Set(chosen.map((p) => p.guard.threads!.count));
  if (counts.size === 1 && chosen.length === present.length) return { threads: { count: chosen[0]!.guard.threads!.count, reason: `each shard's guard: ${chosen[0]!.guard.threads!.reason}` } };
  return { threads: { count: maxOf(counts), reason: `per shard: ${present.map((p) => `shard ${p.index} ${p.guard.threads ? `${p.guard.threads.count} (${p.guard.threads.reason})` : 'not recorded'}`).join('; ')}` } };
}

/**
 * What no guard checked in a merge: where the merged manifest delivers synthetic images of classes from two or
 * more shards, each shard's guard tested its own classes together, never the shards' side by side — the one
 * combination the manifest delivers (null where the delivered classes all come from one shard, or none).
 * `rerun`: the command that tests them together in the merged folder, and whether it can take the shards'
 * trained models from there ({@link mergedTraining}) or must train again.
 */
export function untestedTogether(shards: readonly ShardOut[], rerun: { command: string; reuses: boolean }): string | null {
  const from = keptByShard(
    shards.map((s) => ({ index: s.summary.shard?.index ?? 0, classes: s.summary.shard?.classes ?? [] })),
    shards.flatMap((s) => s.summary.guard?.perClass ?? []),
  );
  if (from.length < 2) return null;
  const list = from.map((s) => `${s.kept.join(', ')} (shard ${s.index})`).join('; ');
  const how = rerun.reuses
    ? "it takes the shards' trained models from the merged folder without training, generates again and runs the guard over every class, as the unsharded run does"
    : "it runs the guard over every class as the unsharded run does, but trains again, as the shards' folders hold no finished checkpoints to take the models from";
  return `the manifest delivers synthetic images of classes from ${from.length} shards — ${list} — and each shard's guard tested only its own classes together, so no guard tested them side by side as delivered. \`${rerun.command}\` tests them together — ${how} — or run gan-augment evaluate on the merged manifest`;
}

/**
 * The config that trained the shards' models, when every shard that trained a class finished its training
 * (its state records the `train` fingerprint and the config behind it): the merged folder's checkpoints then
 * hold finished models, and a later `run` of the config into it takes them instead of training. Null where a
 * shard's training did not finish or its state does not say. Shards' configs differ only in paths and
 * execution settings (checkShards), which neither the checkpoints' resume key nor the `train` fingerprint holds.
 */
export function mergedTraining(shards: readonly ShardOut[]): Config | null {
  const trained = shards.filter((s) => (s.summary.shard?.classes.length ?? 0) > 0);
  if (trained.length === 0 || trained.some((s) => !s.state.fingerprints?.train || !s.state.trainedWith)) return null;
  return [...trained].sort((a, b) => a.summary.shard!.index - b.summary.shard!.index)[0]!.state.trainedWith;
}

/** The shards' quality sections as one: gate failures, rejections and shortfall over all shards. */
function mergeQuality(parts: Summary['quality'][]): Summary['quality'] {
  const present = parts.filter((q): q is NonNullable<Summary['quality']> => q !== null && q !== undefined);
  if (present.length === 0) return null;
  const base = present[0]!;
  return {
    ...base,
    gate: { ...base.gate, failed: present.flatMap((q) => q.gate?.failed ?? []) },
    rejected: present.reduce((acc, q) => addCounts(acc, q.rejected), {} as Record<string, number>) as typeof base.rejected,
    shortfall: present.reduce((s, q) => s + (q.shortfall ?? 0), 0),
    prepareSeconds: maxOf(present.map((q) => q.prepareSeconds ?? 0)),
  };
}

/**
 * Checks the shards and joins them (see `checkShards`): every real image once (its path re-anchored from
 * `out` to the input folder at `input`), each shard's synthetic images of its own classes, counts per
 * class recomputed, per-stage durations the longest shard's (shards run side by side).
 * @throws {UserError} when the shards do not belong together.
 */
export function planMerge(shards: readonly ShardOut[], out: string, input: string): MergePlan {
  checkShards(shards);
  const byIndex = [...shards].sort((a, b) => a.summary.shard!.index - b.summary.shard!.index);
  const first = byIndex[0]!;
  const s0 = first.summary;
  // Real images (and oversampled ones, which repeat them): a shard's manifest path is relative to the out it
  // was written in (maybe on another machine), so it is re-anchored at this input.
  const reanchor = (e: ManifestEntry, from: Summary): ManifestEntry => {
    const fromInput = path.relative(from.input, path.resolve(from.out, e.path));
    return { ...e, path: relativePosix(out, path.join(input, fromInput)) };
  };
  const real = first.entries.filter((e) => e.source === 'real').map((e) => reanchor(e, s0));
  const synthetic = byIndex.flatMap((s) => {
    const mine = new Set(s.summary.shard!.classes);
    return s.entries.filter((e) => e.source !== 'real' && mine.has(e.label)).map((e) => (e.source === 'oversampled' ? reanchor(e, s.summary) : e));
  });
  const entries = [...real, ...synthetic];
  const config: Config = { ...first.state.config!, input, out };
  const sum = (f: (s: Summary) => number) => byIndex.reduce((acc, s) => acc + f(s.summary), 0);
  const seconds = sum((s) => s.train.seconds);
  const durations = Object.fromEntries(
    Object.keys(s0.durations).map((k) => [k, maxOf(byIndex.map((s) => s.summary.durations[k as keyof Summary['durations']] ?? 0))]),
  ) as Summary['durations'];
  const summary: MergedSummary = {
    ...s0,
    version: VERSION,
    configHash: hashJson(config),
    createdAt: new Date().toISOString(),
    input,
    out,
    classes: countClasses(entries, s0.classes),
    synthesis: byIndex.flatMap((s) => s.summary.synthesis),
    train: {
      steps: sum((s) => s.train.steps),
      seconds,
      imgPerSec: seconds > 0 ? sum((s) => s.train.imgPerSec * s.train.seconds) / seconds : 0,
      final: null,
      failed: byIndex.flatMap((s) => s.summary.train.failed ?? []),
    },
    durations,
    // Each shard ran in its own process (often its own machine): the largest is what one runner needs.
    peakRssMB: maxOf(byIndex.map((s) => s.summary.peakRssMB ?? 0)),
    quality: mergeQuality(byIndex.map((s) => s.summary.quality)),
    guard: mergeGuard(byIndex.map((s) => ({ index: s.summary.shard!.index, guard: s.summary.guard }))),
    shard: null,
    incremental: { train: byIndex.some((s) => s.summary.incremental?.train === 'trained') ? 'trained' : 'reused', upToDate: false },
    merged: {
      shards: byIndex.map((s) => ({
        dir: s.dir,
        index: s.summary.shard!.index,
        count: s.summary.shard!.count,
        classes: s.summary.shard!.classes,
        createdAt: s.summary.createdAt,
        backend: s.summary.backend,
        train: s.summary.train,
        durations: s.summary.durations,
        peakRssMB: s.summary.peakRssMB,
      })),
    },
  };
  return { shards: byIndex, entries, summary, config };
}
