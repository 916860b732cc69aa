/**
 * `gan-augment merge`: reads the out folders of `run --shard i/n`, checks that they are the shards of one
 * job (`plan.ts`), and writes one out folder as an unsharded run would have: manifest, summary, synthetic
 * images, per-class models, training logs (without checkpoints), kept rejects and report.html.
 */
import { access, cp, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { EventSink } from '../events.js';
import { parseManifest } from '../manifest/build.js';
import { writeJson, writeManifestFiles } from '../manifest/write.js';
import type { Summary } from '../pipeline.js';
import { writeReport } from '../report/write.js';
import { fingerprints, readState, trainJobs, writeState } from '../stages/fingerprint.js';
import { claimOut, commitSynthetic } from '../stages/output.js';
import { writeFileAtomic } from '../util/fs.js';
import { safeSegment } from '../util/safe-name.js';
import { planMerge, type MergedSummary, type ShardOut } from './plan.js';

export interface MergeOptions {
  out: string;
  /** Where the input folder is on this machine; default: where the shards read it. */
  input?: string;
  force?: boolean;
  emit?: EventSink;
}

const exists = (p: string) => access(p).then(() => true, () => false);

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
  const summary = JSON.parse(await read('summary.json')) as Summary;
  const entries = parseManifest(await read('manifest.jsonl'), path.join(dir, 'manifest.jsonl'));
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
  for (const d of resolved) {
    const rel = path.relative(d, out);
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) throw new UserError(`--out ${out} is inside the shard folder ${d}; choose a folder of its own`);
  }
  if (new Set(resolved).size !== resolved.length) throw new UserError('the same shard folder is given twice');
  const shards = await Promise.all(resolved.map(readShard));
  const input = path.resolve(options.input ?? shards[0]!.summary.input);
  const plan = planMerge(shards, out, input);
  if (!(await exists(input))) {
    options.emit?.({ type: 'warn', message: `input folder ${input} does not exist here: the manifest's real-image paths point to it; pass --input where it is` });
  }

  const lock = await claimOut(out, { force: options.force ?? false, input });
  try {
    const staging = path.join(out, '.synthetic.partial');
    const rejectedLines: string[] = [];
    for (const s of plan.shards) {
      for (const label of s.summary.shard!.classes) {
        const seg = safeSegment(label);
        await copyIfThere(path.join(s.dir, 'synthetic', seg), path.join(staging, seg));
        await copyIfThere(path.join(s.dir, 'model', seg), path.join(out, 'model', seg));
        // Training logs and sample grids; checkpoints stay with the shard (large, and only for --resume there).
        await copyIfThere(path.join(s.dir, 'train', seg), path.join(out, 'train', seg), (src) => src.split(path.sep).includes('checkpoint'));
        await copyIfThere(path.join(s.dir, 'rejected', seg), path.join(out, 'rejected', seg));
      }
      const mine = new Set(s.summary.shard!.classes);
      const rejected = await readFile(path.join(s.dir, 'rejected', 'rejected.jsonl'), 'utf8').catch(() => '');
      for (const line of rejected.split('\n').filter(Boolean)) {
        if (mine.has((JSON.parse(line) as { label: string }).label)) rejectedLines.push(line);
      }
    }
    if (rejectedLines.length > 0) await writeFileAtomic(path.join(out, 'rejected', 'rejected.jsonl'), rejectedLines.join('\n') + '\n');
    await commitSynthetic(out);
    const output = (plan.config as { output?: { csv?: boolean; imagefolder?: string } }).output;
    await writeManifestFiles(out, plan.entries, {
      csv: output?.csv ?? false,
      imagefolder: output?.imagefolder === undefined || output.imagefolder === 'none' ? null : (output.imagefolder as 'hardlink' | 'copy' | 'symlink'),
      input,
    });
    await writeJson(path.join(out, 'summary.json'), plan.summary);
    // The report is drawn from the merged outputs, as a run draws it from its own.
    if ((plan.config as { output?: { report?: boolean } }).output?.report) {
      await writeReport(out, { config: plan.config }).catch((err: Error) => options.emit?.({ type: 'warn', message: `report.html not written: ${err.message}` }));
    }
    // The state of the unsharded run this equals: a later `run` of that config into this folder is up to date.
    const owned = new Set(plan.shards.flatMap((s) => s.summary.shard!.classes));
    const labels = plan.summary.classes.map((c) => c.label).filter((l) => owned.has(l));
    const fp = fingerprints(plan.config, plan.summary.fingerprints.inputs, trainJobs(plan.config, labels), null);
    await writeState(out, {
      fingerprints: { code: fp.code, inputs: fp.inputs, config: fp.config, train: null, outputs: fp.outputs },
      jobs: trainJobs(plan.config, labels),
      shard: null,
      config: plan.config,
      trainedWith: null,
    });
  } finally {
    await lock.release();
  }
  return plan.summary;
}

/** Shard folders below `dir` (each holding a summary.json), for `merge <parent>` convenience. */
export async function shardDirsIn(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: string[] = [];
  for (const n of names.sort()) if (await exists(path.join(dir, n, 'summary.json'))) found.push(path.join(dir, n));
  return found;
}
