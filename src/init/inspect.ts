/**
 * What `gan-augment init` learns about a folder before writing a config: its classes and counts, and
 * from a sample of images their usual size and whether any is in colour.
 */
import path from 'node:path';
import { AUTO_DECODE } from '../config/defaults.js';
import { parseConfigText } from '../config/load.js';
import { measureImages, type ImageFacts } from '../dataset/auto-decode.js';
import type { BalancePlan } from '../dataset/balance.js';
import { inspectFolder } from '../stages/ingest.js';

/** The folder's classes and balance, and what a sample of its images says (`sampled` = images measured). */
export interface FolderFacts extends ImageFacts {
  root: string;
  plan: BalancePlan;
  images: number;
}

/**
 * Reads `dir` as `scan` and `run` do (every file decoded; rejected files are not images to learn from
 * or to count), plans the default balance, and measures a sample of the ingested images.
 * @throws {UserError} when `dir` is not a labelled image folder (from the scan).
 */
export async function inspectForInit(dir: string): Promise<FolderFacts> {
  // The defaults a new config starts from; no out folder yet, so no decode cache to read.
  const { config } = parseConfigText('input: .\n', '(defaults)', { input: dir, set: ['decode.cache=false'] });
  const { scan, plan, records, counts } = await inspectFolder(config);
  const ingested = new Map<string, string[]>(scan.classes.map((c) => [c.label, []]));
  for (const r of records) if (r.status === 'ingested' && r.label !== null) ingested.get(r.label)?.push(r.path);
  const per = Math.max(1, Math.ceil(AUTO_DECODE.sample / Math.max(1, scan.classes.length)));
  const picks = [...ingested.values()].flatMap((files) => {
    const step = Math.max(1, Math.floor(files.length / per));
    return files.filter((_, i) => i % step === 0).slice(0, per).map((f) => path.join(scan.root, f));
  });
  const facts = await measureImages(picks.slice(0, AUTO_DECODE.sample));
  return {
    root: scan.root,
    plan,
    images: counts.ingested,
    ...facts,
  };
}
