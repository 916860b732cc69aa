/**
 * `gan-augment merge`: reads the out folders of `run --shard i/n`, checks that they are the shards of one
 * job (`plan.ts`), and writes one out folder as an unsharded run would have: manifest, summary, synthetic
 * images, per-class models, training logs and checkpoints, kept rejects and report.html.
 */
import { cp, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { EventSink } from '../events.js';
import { parseManifest } from '../manifest/build.js';
import type { ImagefolderMode } from '../manifest/write.js';
import { claimOut, clearStaging, diskFullError } from '../out/folder.js';
import { realpathDeep, within } from '../out/guard.js';
import { jobMode, OUT_NAMES, outLayout, type OutLayout } from '../out/layout.js';
import { checkpointsPresent, fingerprints, readState, trainJobs, writeState } from '../stages/fingerprint.js';
import type { Summary } from '../stages/summary.js';
import { publish } from '../stages/write.js';
import { exists, writeFileAtomic } from '../util/fs.js';
import { mergedTraining, planMerge, untestedTogether, type MergedSummary, type ShardOut } from './plan.js';
import { shellQuote } from '../util/shell.js';

export interface MergeOptions {
  out: string;
  /** Where the input folder is on this machine; default: where the shards read it. */
  input?: string;
  force?: boolean;
  emit?: EventSink;
}


/**
 * Reads one shard's out folder.
 * @throws {UserError} when it lacks a file a finished run writes.
 */
export async function readShard(dir: string): Promise<ShardOut> {
  const read = async (name: string) => {
    try {
      return await readFile(path.join(dir, name), 'utf8');
    } catch {
      throw new UserError(`${dir}: no ${name}; expected the out folder of a finished \`run --shard i/n\``);
    }
  };
  const summary = JSON.parse(await read(OUT_NAMES.summary)) as Summary;
  const entries = parseManifest(await read(OUT_NAMES.manifest), outLayout(dir).manifest);
  const state = await readState(dir);
  if (!state) throw new UserError(`${dir}: no usable state.json; expected the out folder of a finished \`run --shard i/n\``);
  return { dir, summary, state, entries };
}

/** Copies `from` to `to` when it exists (folders recursively), leaving out paths `skip` rejects. */
async function copyIfThere(from: string, to: string, skip?: (src: string) => boolean): Promise<void> {
  if (!(await exists(from))) return;
  await cp(from, to, { recursive: true, force: true, ...(skip ? { filter: (src: string) => !skip(src) } : {}) });
}

/**
 * Merges shard out folders into `options.out`.
 * @throws {UserError} when the shards do not belong together, or the out folder is unusable or locked.
 */
export async function mergeShards(dirs: readonly string[], options: MergeOptions): Promise<MergedSummary> {
  const out = path.resolve(options.out);
  const resolved = dirs.map((d) => path.resolve(d));
  // Real paths: a symlinked shard folder must not let the merged out land inside a shard.
  const realOut = await realpathDeep(out);
  for (const d of resolved) {
    if (within(realOut, await realpathDeep(d))) throw new UserError(`--out ${out} is inside the shard folder ${d}; choose a folder of its own`);
  }
  if (new Set(resolved).size !== resolved.length) throw new UserError('the same shard folder is given twice');
  const shards = await Promise.all(resolved.map(readShard));
  const input = path.resolve(options.input ?? shards[0]!.summary.input);
  const plan = planMerge(shards, out, input);
  if (!(await exists(input))) {
    options.emit?.({ type: 'warn', message: `input folder ${input} does not exist here: the manifest's real-image paths point to it; pass --input where it is` });
  }

  const lock = await claimOut(out, { force: options.force ?? false, input });
  let untested: string | null = null;
  const l = outLayout(out);
  try {
    await clearStaging(out);
    // Images kept for inspection, not in the manifest: rejected candidates (filter.keepRejected) and the kept
    // images the guard withheld. Each is a folder per class and one list.
    const looks = [
      { dir: (o: OutLayout, label: string) => o.rejectedClass(label), list: (o: OutLayout) => o.rejectedList, lines: [] as string[] },
      { dir: (o: OutLayout, label: string) => o.withheldClass(label), list: (o: OutLayout) => o.withheldList, lines: [] as string[] },
    ];
    for (const s of plan.shards) {
      const from = outLayout(s.dir);
      for (const label of s.summary.shard!.classes) {
        await copyIfThere(from.syntheticClass(label), l.stagingClass(label));
        await copyIfThere(from.classModelDir(label), l.stagedClassModelDir(label));
        // Training logs, sample grids and checkpoints (~20 MB a class at the default widths): with them a later
        // `run` of the config into the merged folder takes the trained models instead of training (mergedTraining).
        await copyIfThere(from.classTrainDir(label), l.classTrainDir(label));
        for (const look of looks) await copyIfThere(look.dir(from, label), look.dir(l, label));
      }
      const mine = new Set(s.summary.shard!.classes);
      for (const look of looks) {
        const text = await readFile(look.list(from), 'utf8').catch(() => '');
        for (const line of text.split('\n').filter(Boolean)) if (mine.has((JSON.parse(line) as { label: string }).label)) look.lines.push(line);
      }
    }
    for (const look of looks) if (look.lines.length > 0) await writeFileAtomic(look.list(l), look.lines.join('\n') + '\n');
    const output = (plan.config as { output?: { csv?: boolean; imagefolder?: string; report?: boolean } }).output;
    // The same publishing step as a run's: manifest and images swapped in together, then the other forms,
    // the summary and the report (drawn from the merged outputs, as a run draws it from its own).
    await publish(out, plan.entries, plan.summary, {
      output: { csv: output?.csv ?? false, imagefolder: (output?.imagefolder ?? 'none') as ImagefolderMode | 'none', report: output?.report ?? false },
      input,
      reportConfig: plan.config,
      emit: options.emit ?? (() => {}),
    });
    // The state of the unsharded run this equals: a later `run` of that config into this folder is up to
    // date — unless no guard tested the delivered classes side by side, which that run then does, taking the
    // shards' trained models from their checkpoints where every one is here.
    const owned = new Set(plan.shards.flatMap((s) => s.summary.shard!.classes));
    const labels = plan.summary.classes.map((c) => c.label).filter((l) => owned.has(l));
    const jobs = trainJobs(plan.config, labels);
    const fp = fingerprints(plan.config, plan.summary.fingerprints.inputs, jobs, null);
    const trainedWith = mergedTraining(plan.shards);
    const reuses = trainedWith !== null && (await checkpointsPresent(out, jobMode(plan.config.gan.mode), jobs));
    const command = `gan-augment run <the shards' config> --out ${shellQuote(out)}${options.input !== undefined ? ` --input ${shellQuote(input)}` : ''}`;
    untested = untestedTogether(plan.shards, { command, reuses });
    await writeState(out, {
      fingerprints: { code: fp.code, inputs: fp.inputs, config: fp.config, train: reuses ? fp.train : null, outputs: untested ? null : fp.outputs },
      jobs,
      shard: null,
      config: plan.config,
      trainedWith: reuses ? trainedWith : null,
    });
  } catch (err) {
    await clearStaging(out).catch(() => {});
    throw (await diskFullError(err, out)) ?? err;
  } finally {
    await lock.release();
  }
  if (untested) options.emit?.({ type: 'warn', message: `merge: ${untested}` });
  return plan.summary;
}

/** Shard folders below `dir` (each holding a summary.json), for `merge <parent>` convenience. */
export async function shardDirsIn(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: string[] = [];
  for (const n of names.sort()) if (await exists(outLayout(path.join(dir, n)).summary)) found.push(path.join(dir, n));
  return found;
}
