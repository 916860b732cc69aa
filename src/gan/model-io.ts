/**
 * Saving and loading a model's parameters: `model.json` (spec, resolved config, parameter names and
 * shapes) + `weights.bin` (float32, in that order). The config that made the model travels with it.
 */
import { tf } from '../tf.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { variableOf, type Params } from './params.js';

export interface SavedModel<Spec> {
  format: 'gan-augment/params@1';
  kind: string;
  spec: Spec;
  /** Class labels, by class index. */
  labels: string[];
  /** The resolved config of the run that produced it, and anything else worth keeping. */
  meta: Record<string, unknown>;
  params: { name: string; shape: number[]; trainable: boolean }[];
}

/** Writes `dir/model.json` and `dir/weights.bin` atomically. */
export async function saveParams<Spec>(dir: string, kind: string, spec: Spec, labels: string[], params: Params, meta: Record<string, unknown> = {}): Promise<void> {
  const names = Object.keys(params);
  const arrays = await Promise.all(names.map((n) => params[n]!.data() as Promise<Float32Array>));
  const total = arrays.reduce((s, a) => s + a.length, 0);
  const bin = new Float32Array(total);
  let off = 0;
  for (const a of arrays) {
    bin.set(a, off);
    off += a.length;
  }
  const json: SavedModel<Spec> = {
    format: 'gan-augment/params@1',
    kind,
    spec,
    labels,
    meta,
    params: names.map((name) => ({ name, shape: params[name]!.shape, trainable: params[name]!.trainable })),
  };
  await writeFileAtomic(path.join(dir, 'weights.bin'), new Uint8Array(bin.buffer));
  await writeFileAtomic(path.join(dir, 'model.json'), JSON.stringify(json, null, 2));
}

/**
 * Reads a model saved by `saveParams` into new variables.
 * @throws {UserError} when the folder holds no such model or the files do not match.
 */
export async function loadParams<Spec>(dir: string, kind: string): Promise<{ saved: SavedModel<Spec>; params: Params }> {
  let saved: SavedModel<Spec>;
  let bin: Buffer;
  try {
    saved = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as SavedModel<Spec>;
    bin = await readFile(path.join(dir, 'weights.bin'));
  } catch (err) {
    throw new UserError(`${dir}: expected a gan-augment model folder (model.json + weights.bin): ${(err as Error).message}`);
  }
  if (saved.format !== 'gan-augment/params@1' || saved.kind !== kind) {
    throw new UserError(`${dir}/model.json: expected a "${kind}" model in format gan-augment/params@1, received ${saved.kind} in ${saved.format}`);
  }
  const floats = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
  const params: Params = {};
  let off = 0;
  for (const p of saved.params) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    if (off + n > floats.length) throw new UserError(`${dir}/weights.bin: too short for the parameters model.json lists`);
    params[p.name] = variableOf(tf.tensor(floats.slice(off, off + n), p.shape), p.trainable);
    off += n;
  }
  return { saved, params };
}
