/**
 * Candidates made outside gan-augment (`generate.from`): a folder laid out like the input — one sub-folder
 * per class, named as in the input — whose images a diffusion model, a generator trained on other data or a
 * person made. No GAN is trained; each scarce class's images there become its candidates, decoded exactly
 * as the input is (decode.size, channels, fit), and go through the filters, `deliver.share`, the guard,
 * the manifest and the report as a trained GAN's candidates would. They have no discriminator score, so
 * they are taken in a seeded shuffled order (not file order, which often follows a prompt or a batch).
 *
 * The guard judges them on the real images it holds out (`train.validation`); that judgement means
 * something only if whatever made them never saw those images — which gan-augment cannot check.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { decodeAll } from '../dataset/decode.js';
import type { DecodeSettings } from '../dataset/decode.js';
import { scanFolder, type FileRecord } from '../dataset/scan.js';
import { InterruptedError, UserError } from '../errors.js';
import type { EventSink } from '../events.js';
import { labelSalt, Rng } from '../util/rng.js';
import { repeatInRounds } from '../util/rounds.js';

/** An imported image: its file (absolute) and the SHA-256 (hex) of its bytes. */
export interface ImportedFile {
  file: string;
  sha256: string;
}

/** One scarce class's imported candidates, in the order the filters see them. */
export interface ImportedClass {
  /** uint8 NHWC pixels of `count` images at the run's decode size and channels. */
  pixels: Uint8Array;
  count: number;
  files: ImportedFile[];
}

/** What `summary.json` records of an import (`imported`; null without `generate.from`). */
export interface ImportSummary {
  from: string;
  /** Per scarce class: image files found in its sub-folder and how many decoded (the candidates). */
  classes: { label: string; found: number; candidates: number }[];
  /** Sub-folders that are not a scarce class of the input: not read. */
  unused: string[];
  /** Entries not used and why (hidden files, not images), and files that did not decode. */
  ignored: FileRecord[];
  rejected: FileRecord[];
}

export interface ImportedCandidates {
  classes: Map<string, ImportedClass>;
  summary: ImportSummary;
  /** Of the imported images' bytes and names: a change to the folder makes the run's outputs stale. */
  fingerprint: string;
}

/** The order a class's candidates are filtered in: a seeded shuffle of its files, the same for the same seed and label. */
export function importOrder(count: number, seed: number, label: string): number[] {
  return repeatInRounds(
    Array.from({ length: count }, (_, i) => i),
    count,
    new Rng((seed ^ labelSalt(label) ^ 0x1a9f7e3) >>> 0),
  );
}

/** The import folder as scanned: the scarce classes' image files, and what else it holds. */
export interface ImportScan {
  root: string;
  scarce: readonly string[];
  /** The scarce classes' image files, relative to `root`. */
  files: { rel: string; label: string }[];
  /** Sub-folders that are not a scarce class of the input: not read. */
  unused: string[];
  ignored: FileRecord[];
  rejected: FileRecord[];
}

/**
 * Lists the scarce classes' sub-folders of `from` (nothing decoded yet: the count sizes the progress bar).
 * @throws {UserError} naming `generate.from` when the folder is missing, not a folder, or has no class sub-folders
 */
export async function scanImport(from: string, scarce: readonly string[], recursive: boolean): Promise<ImportScan> {
  const scan = await scanFolder(from, { recursive }).catch((err: unknown) => {
    if (err instanceof UserError) throw new UserError(`generate.from: ${err.message.replace(/^input( folder)? /, 'folder ')}`);
    throw err;
  });
  const wanted = new Set(scarce);
  return {
    root: scan.root,
    scarce,
    files: scan.classes.filter((c) => wanted.has(c.label)).flatMap((c) => c.files.map((rel) => ({ rel, label: c.label }))),
    unused: scan.classes.filter((c) => !wanted.has(c.label)).map((c) => c.label),
    ignored: scan.ignored.filter((r) => r.label === null || wanted.has(r.label)),
    rejected: scan.rejected.filter((r) => r.label === null || wanted.has(r.label)),
  };
}

/**
 * Decodes the scanned candidates with the run's decode settings. A file that does not decode is rejected
 * with its reason (it never stops the run); a scarce class without a sub-folder or a usable image gets no
 * candidates, with a warning.
 */
export async function importCandidates(
  scan: ImportScan,
  settings: { decode: DecodeSettings; seed: number },
  emit: EventSink,
  signal?: AbortSignal,
): Promise<ImportedCandidates> {
  const { files, scarce } = scan;
  const decoded = await decodeAll(
    files.map((f) => path.join(scan.root, f.rel)),
    settings.decode,
    { keepPixels: true, onProgress: (done, total) => emit({ type: 'import.progress', done, total }), ...(signal ? { signal } : {}) },
  );
  if (decoded.aborted) throw new InterruptedError('interrupted while decoding the candidates of generate.from');
  const per = settings.decode.size * settings.decode.size * settings.decode.channels;
  const byLabel = new Map<string, number[]>();
  decoded.kept.forEach((input, slot) => {
    const label = files[input]!.label;
    const slots = byLabel.get(label);
    if (slots) slots.push(slot);
    else byLabel.set(label, [slot]);
  });
  const classes = new Map<string, ImportedClass>();
  const h = createHash('sha256');
  for (const label of scarce) {
    const slots = byLabel.get(label) ?? [];
    const order = importOrder(slots.length, settings.seed, label).map((k) => slots[k]!);
    const pixels = new Uint8Array(order.length * per);
    order.forEach((slot, i) => pixels.set(decoded.images.pixels.subarray(slot * per, (slot + 1) * per), i * per));
    const imported = order.map((slot) => {
      const input = decoded.kept[slot]!;
      return { file: path.join(scan.root, files[input]!.rel), sha256: Buffer.from(decoded.hashes[input]!, 'base64url').toString('hex') };
    });
    classes.set(label, { pixels, count: order.length, files: imported });
    h.update(`${label}\u0000${imported.map((f) => `${path.relative(scan.root, f.file)}\u0001${f.sha256}`).join('\u0000')}\u0002`);
  }
  const found = (label: string) => files.filter((f) => f.label === label).length;
  const rejected = [
    ...scan.rejected,
    ...decoded.failures.map((f): FileRecord => ({ path: files[f.index]!.rel, label: files[f.index]!.label, status: 'rejected', reason: f.reason })),
  ];
  for (const label of scarce) {
    if (found(label) === 0) emit({ type: 'warn', message: `generate.from: no images for class "${label}" in ${path.join(scan.root, label)}; it gets no imported candidates (its fill is its real images listed again)` });
    else if ((classes.get(label)?.count ?? 0) === 0) emit({ type: 'warn', message: `generate.from: none of the ${found(label)} images for class "${label}" could be decoded; it gets no imported candidates` });
  }
  for (const r of rejected.slice(0, LISTED)) emit({ type: 'warn', message: `generate.from: rejected ${r.path}: ${r.reason}` });
  if (rejected.length > LISTED) emit({ type: 'warn', message: `generate.from: … and ${rejected.length - LISTED} more rejected (see summary.json "imported")` });
  if (scan.unused.length > 0) emit({ type: 'info', message: `generate.from: not read: ${scan.unused.map((l) => `"${l}"`).join(', ')} (not a scarce class of the input)` });
  emit({ type: 'info', message: `generate.from: ${scarce.map((l) => `${classes.get(l)?.count ?? 0} candidates for "${l}"`).join(', ')}, from ${scan.root} (no GAN is trained)` });
  return {
    classes,
    summary: { from: scan.root, classes: scarce.map((label) => ({ label, found: found(label), candidates: classes.get(label)?.count ?? 0 })), unused: scan.unused, ignored: scan.ignored, rejected },
    fingerprint: h.digest('hex').slice(0, 16),
  };
}

/** Rejected files listed on the console before "… and N more". */
const LISTED = 20;
