/**
 * Resumable checkpoints on disk: `weights-<step>.bin` (every array of a TrainerSnapshot, float32, back to
 * back), then `checkpoint.json` (step, RNG state, augmentation p, learning rates, the resolved config, the
 * weights file's name and where each array lies in it), then the older weights files are removed. Each
 * file is written atomically and the JSON — the one file that says which weights belong to it — between
 * the two, so a process killed at any point leaves a complete checkpoint: the previous one or the new one.
 * (Until 2026-12-06 the weights were always `weights.bin`, replaced before the JSON: a kill between the two
 * renames left the new step's weights under the old step's state. Such checkpoints still load.)
 */
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/fs.js';
import type { TrainerSnapshot } from './train-loop.js';

export interface CheckpointMeta {
  /** The job: `shared`, or the class label of a per-class job. */
  job: string;
  labels: string[];
  config: Config;
  /** Hash of everything that must match to resume (the config without paths and step count). */
  resumeKey: string;
  version: string;
  /** The run's `inputs` and `train` fingerprints (stages/fingerprint.ts; absent before 2026-12-06 and outside a run): a plain rerun with the same `train` resumes on its own; `--resume` refuses other `inputs`. */
  inputs?: string;
  train?: string;
}

interface ArrayRef {
  key: string;
  offset: number;
  length: number;
}

interface CheckpointFile {
  format: 'gan-augment/checkpoint@1';
  meta: CheckpointMeta;
  state: Omit<TrainerSnapshot, 'g' | 'gEma' | 'd' | 'spectral' | 'optG' | 'optD'> & {
    optG: { step: number; lr: number };
    optD: { step: number; lr: number };
  };
  arrays: ArrayRef[];
  /** The weights file of this checkpoint, beside it (absent before 2026-12-06: `weights.bin`). */
  weights?: string;
}

/** The weights file of the checkpoint at `step`. */
const weightsName = (step: number) => `weights-${step}.bin`;
const WEIGHTS_FILE = /^weights(-\d+)?\.bin$/;

/** Flattens the snapshot's arrays to `group/name` keys. */
function arraysOf(s: TrainerSnapshot): [string, Float32Array][] {
  const out: [string, Float32Array][] = [];
  const add = (prefix: string, rec: Record<string, Float32Array>) => {
    for (const [k, v] of Object.entries(rec)) out.push([`${prefix}/${k}`, v]);
  };
  add('g', s.g);
  add('gEma', s.gEma);
  add('d', s.d);
  for (const [k, v] of Object.entries(s.spectral)) out.push([`spectral.u/${k}`, v.u], [`spectral.v/${k}`, v.v]);
  add('optG.m', s.optG.m);
  add('optG.v', s.optG.v);
  add('optD.m', s.optD.m);
  add('optD.v', s.optD.v);
  return out;
}

export async function saveCheckpoint(dir: string, s: TrainerSnapshot, meta: CheckpointMeta): Promise<void> {
  const arrays = arraysOf(s);
  const total = arrays.reduce((n, [, a]) => n + a.length, 0);
  const bin = new Float32Array(total);
  const refs: ArrayRef[] = [];
  let offset = 0;
  for (const [key, a] of arrays) {
    bin.set(a, offset);
    refs.push({ key, offset, length: a.length });
    offset += a.length;
  }
  const file: CheckpointFile = {
    format: 'gan-augment/checkpoint@1',
    meta,
    state: {
      step: s.step,
      imagesSeen: s.imagesSeen,
      rng: s.rng,
      ada: s.ada,
      lecam: s.lecam,
      rollbacks: s.rollbacks,
      ...(s.seconds !== undefined ? { seconds: s.seconds } : {}),
      optG: { step: s.optG.step, lr: s.optG.lr },
      optD: { step: s.optD.step, lr: s.optD.lr },
    },
    arrays: refs,
    weights: weightsName(s.step),
  };
  await writeFileAtomic(path.join(dir, file.weights!), new Uint8Array(bin.buffer));
  await writeFileAtomic(path.join(dir, 'checkpoint.json'), JSON.stringify(file, null, 1));
  // The older checkpoints' weights, now that nothing names them.
  for (const f of await readdir(dir)) if (WEIGHTS_FILE.test(f) && f !== file.weights) await rm(path.join(dir, f), { force: true });
}

/**
 * Reads a checkpoint, or returns null when the folder has none.
 * @throws {UserError} when the files are damaged or do not belong together.
 */
export async function loadCheckpoint(dir: string): Promise<{ meta: CheckpointMeta; snapshot: TrainerSnapshot } | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'checkpoint.json'), 'utf8');
  } catch {
    return null;
  }
  let file: CheckpointFile;
  try {
    file = JSON.parse(text) as CheckpointFile;
  } catch (err) {
    throw new UserError(`${dir}/checkpoint.json: not JSON (${(err as Error).message})`);
  }
  if (file.format !== 'gan-augment/checkpoint@1') throw new UserError(`${dir}/checkpoint.json: unknown format ${String(file.format)}`);
  const weights = file.weights ?? 'weights.bin';
  if (!WEIGHTS_FILE.test(weights)) throw new UserError(`${dir}/checkpoint.json: expected a weights file named weights-<step>.bin, got ${JSON.stringify(weights)}`);
  let buf: Buffer;
  try {
    buf = await readFile(path.join(dir, weights));
  } catch (err) {
    throw new UserError(`${dir}/${weights}: cannot read the weights checkpoint.json names (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const all = new Float32Array(buf.buffer, buf.byteOffset, Math.floor(buf.byteLength / 4));
  const need = file.arrays.reduce((n, r) => Math.max(n, r.offset + r.length), 0);
  if (all.length < need) throw new UserError(`${dir}/${weights}: shorter than checkpoint.json says (${all.length} < ${need} floats)`);
  const s: TrainerSnapshot = {
    ...file.state,
    g: {},
    gEma: {},
    d: {},
    spectral: {},
    optG: { ...file.state.optG, m: {}, v: {} },
    optD: { ...file.state.optD, m: {}, v: {} },
  };
  for (const r of file.arrays) {
    const a = all.slice(r.offset, r.offset + r.length);
    const [group, name] = [r.key.slice(0, r.key.indexOf('/')), r.key.slice(r.key.indexOf('/') + 1)];
    switch (group) {
      case 'g':
      case 'gEma':
      case 'd':
        s[group][name] = a;
        break;
      case 'spectral.u':
      case 'spectral.v':
        (s.spectral[name] ??= { u: new Float32Array(), v: new Float32Array() })[group === 'spectral.u' ? 'u' : 'v'] = a;
        break;
      case 'optG.m':
        s.optG.m[name] = a;
        break;
      case 'optG.v':
        s.optG.v[name] = a;
        break;
      case 'optD.m':
        s.optD.m[name] = a;
        break;
      case 'optD.v':
        s.optD.v[name] = a;
        break;
    }
  }
  return { meta: file.meta, snapshot: s };
}
