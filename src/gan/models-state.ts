/**
 * The trained models' state as plain arrays — weights, spectral-norm vectors, Adam moments — and setting
 * models to it: what a checkpoint restores and what a data-parallel replica is loaded with.
 */
import { tf } from '../tf.js';
import type { Adam, AdamState } from './adam.js';
import type { Discriminator } from './discriminator.js';
import { assignFrom, type Params } from './params.js';
import type { ImageModel } from './translator.js';

export interface ModelsState {
  g: Record<string, Float32Array>;
  d: Record<string, Float32Array>;
  spectral: Record<string, { u: Float32Array; v: Float32Array }>;
  optG: AdamState;
  optD: AdamState;
}

/** Every parameter's values, by name. */
export async function readParams(p: Params): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(p)) out[k] = (await v.data()) as Float32Array;
  return out;
}

/** Assigns `values[name]` to each parameter that has one (the others keep their values). */
export function writeParams(p: Params, values: Record<string, Float32Array>): void {
  for (const [k, v] of Object.entries(p)) if (values[k]) assignFrom(v, tf.tensor(values[k]!, v.shape));
}

/** D's spectral-norm power-iteration vectors, by parameter name. */
export async function readSpectral(d: Discriminator): Promise<ModelsState['spectral']> {
  const out: ModelsState['spectral'] = {};
  for (const [k, s] of Object.entries(d.spectral)) out[k] = { u: (await s.u.data()) as Float32Array, v: (await s.v.data()) as Float32Array };
  return out;
}

/** Sets D's spectral-norm vectors to `values` where it has them. */
export function writeSpectral(d: Discriminator, values: ModelsState['spectral']): void {
  for (const [k, st] of Object.entries(d.spectral)) {
    if (values[k]) {
      assignFrom(st.u, tf.tensor(values[k]!.u, st.u.shape));
      assignFrom(st.v, tf.tensor(values[k]!.v, st.v.shape));
    }
  }
}

/** Sets models and optimisers to `s` (weights, spectral-norm vectors, Adam moments, step and rate). */
export function loadModels(m: { g: ImageModel; d: Discriminator; optG: Adam; optD: Adam }, s: ModelsState): void {
  writeParams(m.g.params, s.g);
  writeParams(m.d.params, s.d);
  writeSpectral(m.d, s.spectral);
  m.optG.load(s.optG);
  m.optD.load(s.optD);
}
