/**
 * generate.anchor's fitted latents on disk, beside the generator they were fitted to
 * (`model/[<class>/]generator/anchors.json`, out/layout.ts `anchorsIn`), so that `gan-augment generate`
 * with the run's seed draws the same anchored images the run did. One JSON file per generator: σ, the fit's
 * steps, and each class's latents as base64 float32 (the byte order of weights.bin beside it).
 */
import { readFile } from 'node:fs/promises';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/fs.js';
import type { Anchors } from './anchor.js';

const FORMAT = 'gan-augment/anchors@1';

/** What a generator's anchors.json holds. */
export interface SavedAnchors {
  /** generate.anchor.sigma of the run. */
  sigma: number;
  /** generate.anchor.steps of the run. */
  steps: number;
  /** Each class's fitted latents, by label. */
  classes: Map<string, Anchors>;
}

interface AnchorsJson {
  format: typeof FORMAT;
  sigma: number;
  steps: number;
  classes: Record<string, { count: number; length: number; mse: number; latents: string }>;
}

/** The file's text. Pure. */
export function encodeAnchors(a: SavedAnchors): string {
  const classes: AnchorsJson['classes'] = {};
  for (const [label, c] of a.classes) {
    const bytes = Buffer.from(c.latents.buffer, c.latents.byteOffset, c.count * c.length * 4);
    classes[label] = { count: c.count, length: c.length, mse: c.mse, latents: bytes.toString('base64') };
  }
  const json: AnchorsJson = { format: FORMAT, sigma: a.sigma, steps: a.steps, classes };
  return JSON.stringify(json, null, 1);
}

/**
 * Reads the file's text (`file` names it in errors); `length` is the generator's latent length. Pure.
 * @throws {UserError} when it is not an anchors file, or a class's latents do not fit the generator
 */
export function decodeAnchors(text: string, file: string, length: number): SavedAnchors {
  let json: Partial<AnchorsJson>;
  try {
    json = JSON.parse(text) as Partial<AnchorsJson>;
  } catch (err) {
    throw new UserError(`${file}: expected generate.anchor's latents as JSON: ${(err as Error).message}`);
  }
  if (typeof json !== 'object' || json === null) throw new UserError(`${file}: expected generate.anchor's latents as a JSON object, received ${text.slice(0, 40)}`);
  if (json.format !== FORMAT) throw new UserError(`${file}: expected format ${FORMAT}, received ${String(json.format)}`);
  if (typeof json.sigma !== 'number' || !(json.sigma >= 0)) throw new UserError(`${file}: sigma: expected a number ≥ 0, received ${String(json.sigma)}`);
  const classes = new Map<string, Anchors>();
  for (const [label, c] of Object.entries(json.classes ?? {})) {
    if (typeof c !== 'object' || c === null || typeof c.latents !== 'string') throw new UserError(`${file}: class "${label}": expected {count, length, mse, latents}, received ${JSON.stringify(c)}`);
    const bytes = Buffer.from(c.latents, 'base64');
    if (c.length !== length || !(c.count >= 1) || bytes.byteLength !== c.count * length * 4) {
      throw new UserError(`${file}: class "${label}": expected ${c.count} latents of ${length} values (the generator's latent length), received ${c.length} values per latent in ${bytes.byteLength} bytes`);
    }
    const latents = new Float32Array(c.count * length);
    new Uint8Array(latents.buffer).set(bytes);
    classes.set(label, { latents, count: c.count, length, mse: c.mse });
  }
  return { sigma: json.sigma, steps: json.steps ?? 0, classes };
}

/** Writes `a` to `file` atomically. */
export async function writeAnchors(file: string, a: SavedAnchors): Promise<void> {
  await writeFileAtomic(file, encodeAnchors(a));
}

/**
 * The anchors saved at `file`, or null when there is none (a run without generate.anchor).
 * @throws {UserError} when the file is there but unreadable or does not fit the generator
 */
export async function readAnchors(file: string, length: number): Promise<SavedAnchors | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UserError(`${file}: cannot read generate.anchor's latents: ${(err as Error).message}`);
  }
  return decodeAnchors(text, file, length);
}
