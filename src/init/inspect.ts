/**
 * What `gan-augment init` learns about a folder before writing a config: its classes and counts, and
 * from a sample of images their usual size and whether any is in colour.
 */
import path from 'node:path';
import sharp from 'sharp';
import { parseConfigText } from '../config/load.js';
import type { BalancePlan } from '../dataset/balance.js';
import { inspectFolder } from '../stages/ingest.js';

export interface FolderFacts {
  root: string;
  plan: BalancePlan;
  images: number;
  /** Images measured for the guesses below. */
  sampled: number;
  /** Median of the sampled images' shorter sides, in pixels; null when none could be read. */
  medianSide: number | null;
  /** Sampled images with colour (channels that differ), and grayscale ones. */
  colour: number;
  gray: number;
}

/** Images measured at most, spread evenly over the classes. */
const SAMPLE = 48;

/** Whether an image has colour: its channels differ somewhere (checked on a 32 px thumbnail). */
async function hasColour(file: string): Promise<{ side: number; colour: boolean } | null> {
  try {
    const img = sharp(file, { failOn: 'none' });
    const meta = await img.metadata();
    const side = Math.min(meta.width ?? 0, meta.height ?? 0);
    if (!side) return null;
    if ((meta.channels ?? 1) < 3) return { side, colour: false };
    const { data, info } = await sharp(file, { failOn: 'none' }).removeAlpha().resize(32, 32, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
    if (info.channels < 3) return { side, colour: false };
    for (let i = 0; i + 2 < data.length; i += info.channels) {
      if (Math.abs(data[i]! - data[i + 1]!) > 3 || Math.abs(data[i]! - data[i + 2]!) > 3) return { side, colour: true };
    }
    return { side, colour: false };
  } catch {
    return null;
  }
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
  const per = Math.max(1, Math.ceil(SAMPLE / Math.max(1, scan.classes.length)));
  const picks = [...ingested.values()].flatMap((files) => {
    const step = Math.max(1, Math.floor(files.length / per));
    return files.filter((_, i) => i % step === 0).slice(0, per).map((f) => path.join(scan.root, f));
  });
  const measured = (await Promise.all(picks.slice(0, SAMPLE).map(hasColour))).filter((m) => m !== null);
  const sides = measured.map((m) => m.side).sort((a, b) => a - b);
  return {
    root: scan.root,
    plan,
    images: counts.ingested,
    sampled: measured.length,
    medianSide: sides.length ? sides[Math.floor(sides.length / 2)]! : null,
    colour: measured.filter((m) => m.colour).length,
    gray: measured.filter((m) => !m.colour).length,
  };
}
