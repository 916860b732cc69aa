/**
 * Stage 4: the out folder — making it safely, and writing images, models, manifest and summary.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';

/** A file in every out folder gan-augment made; a non-empty folder without it is not ours to overwrite. */
export const OUT_MARKER = '.gan-augment';

/**
 * Checks and prepares the out folder; removes the previous run's synthetic images.
 * @throws {UserError} when out is inside the input, or is a non-empty folder gan-augment did not make.
 */
export async function prepareOut(config: Config, force: boolean): Promise<void> {
  const out = config.out;
  const rel = path.relative(config.input, out);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    throw new UserError(`out ${out} is inside the input folder ${config.input}; the input folder is never written to`);
  }
  const entries = await readdir(out).catch(() => [] as string[]);
  if (entries.length > 0 && !entries.includes(OUT_MARKER) && !force) {
    throw new UserError(`out folder ${out} is not empty and was not made by gan-augment; choose another --out or pass --force`);
  }
  // Outputs of an earlier run are replaced, never mixed with this run's.
  await rm(path.join(out, 'synthetic'), { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, OUT_MARKER), `made by gan-augment ${VERSION}\n`);
}

/** Where a synthetic image is written. */
export function syntheticFile(out: string, safeLabel: string, rank: number, seed: number): string {
  return path.join(out, 'synthetic', safeLabel, `${String(rank).padStart(5, '0')}-${seed.toString(16).padStart(8, '0')}.png`);
}
