/**
 * What `gan-augment init` learns about a folder before writing a config: its classes and counts, and
 * from a sample of images their usual size and whether any is in colour.
 */
import { AUTO_DECODE } from '../config/defaults.js';
import { parseConfigText } from '../config/load.js';
import { measureImages, sampleScan, type ImageFacts } from '../dataset/auto-decode.js';
import type { BalancePlan } from '../dataset/balance.js';
import { layoutWarnings } from '../dataset/layout.js';
import { inspectFolder } from '../stages/ingest.js';

/** The folder's classes and balance, and what a sample of its images says (`sampled` = images measured). */
export interface FolderFacts extends ImageFacts {
  root: string;
  plan: BalancePlan;
  images: number;
  /** Files that did not decode, and images filed under two labels (same bytes): what `scan` lists. */
  rejected: number;
  conflicts: number;
  /** What the folder's layout suggests was not meant (dataset/layout.ts). */
  layout: string[];
}

/**
 * Reads `dir` as `scan` and `run` do (every file decoded; rejected files are not images to learn from
 * or to count), plans the default balance, and measures a sample of the ingested images.
 * @throws {UserError} when `dir` is not a labelled image folder (from the scan).
 */
export async function inspectForInit(dir: string): Promise<FolderFacts> {
  // The defaults a new config starts from; no out folder yet, so no decode cache to read. The decode
  // only accounts for every file (no pixels kept), so its size and channels are fixed here: `auto` would
  // measure a sample before decoding, and the guesses below measure one again, among the files that decoded.
  const { config } = parseConfigText('input: .\n', '(defaults)', {
    input: dir,
    set: ['decode.cache=false', `decode.size=${AUTO_DECODE.fallbackSize}`, 'decode.channels=1'],
  });
  const { scan, plan, records, counts, duplicates } = await inspectFolder(config);
  const ingested = new Set(records.filter((r) => r.status === 'ingested').map((r) => r.path));
  const decoded = { ...scan, classes: scan.classes.map((c) => ({ ...c, files: c.files.filter((f) => ingested.has(f)) })) };
  const facts = await measureImages(sampleScan(decoded));
  return {
    root: scan.root,
    plan,
    images: counts.ingested,
    rejected: counts.rejected,
    conflicts: duplicates.acrossClasses.length,
    layout: layoutWarnings(scan),
    ...facts,
  };
}
