/**
 * Reading what `evaluate` trains and tests on: the manifest's images (real, then synthetic), decoded as
 * the run decoded them, and a held-out folder of real images with the same class folders.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { decodeAll, type DecodeSettings } from '../dataset/decode.js';
import type { LabelledImages } from '../dataset/sampler.js';
import { scanFolder } from '../dataset/scan.js';
import { pixelKey, pixelRows } from '../dataset/twins.js';
import { UserError } from '../errors.js';
import { parseManifest } from '../manifest/build.js';
import { locateImages } from '../manifest/locate.js';
import { outLayout } from '../out/layout.js';
import { sha256 } from '../util/hash.js';

export interface EvaluationData {
  /** Class labels by class index (sorted). */
  labels: string[];
  /** Real images first (`real` of them), then what the run added: synthetic and oversampled entries. */
  train: LabelledImages;
  real: number;
  synthetic: number;
  /** Entries with source "oversampled" (filter.shortfall: oversample): in the synthetic row only. */
  oversampled: number;
  /** Per added image (after the real ones): 1 synthetic, 0 oversampled real. */
  addedSynthetic: Uint8Array;
  /** Per training image: the manifest's recommended loss weight, and soft target rows (count × classes; one-hot where the manifest has none). */
  weight: Float32Array;
  soft: Float32Array;
  /** Whether any entry recommends other than its class (a softLabel, or a weight other than 1): else `hard` and the manifest's own targets are one use. */
  hasTargets: boolean;
  test: LabelledImages;
  decode: DecodeSettings;
  /** The run's target count per class index (summary.json beside the manifest), NaN where unknown. */
  targets: Float64Array;
  /** Things the user should know (test images left out, classes without test images). */
  notes: string[];
  /** Test images left out, by why (EvaluationResult.testLeftOut). */
  testLeftOut: { undecodable: number; inTraining: number };
  /** sha256 of the manifest file as read (EvaluationResult.manifestSha256). */
  manifestSha256: string;
}

const DEFAULT_DECODE: DecodeSettings = { size: 28, channels: 1, fit: 'cover', background: '#000000', kernel: 'lanczos3', cache: false };

interface SummaryBits {
  decode?: Partial<DecodeSettings>;
  classes?: { label: string; target: number }[];
}

async function readSummary(dir: string): Promise<SummaryBits | null> {
  try {
    return JSON.parse(await readFile(outLayout(dir).summary, 'utf8')) as SummaryBits;
  } catch {
    return null;
  }
}

/** Decode settings of the run that wrote the manifest: summary.json beside it, else a synthetic image's size. */
async function decodeSettingsFor(s: SummaryBits | null, firstSynthetic: string | null): Promise<DecodeSettings> {
  if (s?.decode?.size && s.decode.channels) return { ...DEFAULT_DECODE, ...s.decode, cache: false };
  if (firstSynthetic) {
    const m = await sharp(firstSynthetic).metadata();
    if (m.width) return { ...DEFAULT_DECODE, size: m.width, channels: m.channels === 1 || m.channels === 2 ? 1 : 3 };
  }
  return DEFAULT_DECODE;
}

async function decodeOrThrow(files: string[], settings: DecodeSettings, what: string): Promise<Uint8Array> {
  const res = await decodeAll(files, settings);
  if (res.failures.length > 0) {
    throw new UserError(
      `${what}: ${res.failures.length} of ${files.length} images could not be read`,
      res.failures.slice(0, 20).map((f) => `${files[f.index]}: ${f.reason}`),
    );
  }
  return res.images.pixels;
}

/** Decodes `files` in order, each distinct file once (oversampled entries repeat real images). */
async function decodeEach(files: string[], settings: DecodeSettings, what: string): Promise<Uint8Array> {
  const distinct = [...new Set(files)];
  const decoded = await decodeOrThrow(distinct, settings, what);
  if (distinct.length === files.length) return decoded;
  const per = settings.size * settings.size * settings.channels;
  const row = new Map(distinct.map((f, i) => [f, i]));
  const out = new Uint8Array(files.length * per);
  files.forEach((f, i) => out.set(decoded.subarray(row.get(f)! * per, (row.get(f)! + 1) * per), i * per));
  return out;
}

/**
 * Loads the manifest's images and the test folder.
 * @throws {UserError} for an unreadable manifest, a manifest image that does not decode, a test class the
 *   manifest does not know, or a test folder without images
 */
export async function loadEvaluationData(manifestFile: string, testDir: string): Promise<EvaluationData> {
  let text: string;
  try {
    text = await readFile(manifestFile, 'utf8');
  } catch (err) {
    throw new UserError(`--manifest: expected a manifest.jsonl written by \`gan-augment run\`, but ${manifestFile} could not be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const dir = path.dirname(path.resolve(manifestFile));
  const entries = parseManifest(text, manifestFile).filter((e) => e.split === 'train');
  // `generate` writes a manifest of its synthetic images alone: no real row to compare them against.
  if (entries.length > 0 && !entries.some((e) => e.source === 'real')) {
    throw new UserError(`${manifestFile}: lists no real image (a \`gan-augment generate\` manifest lists only the images it sampled); evaluate needs the manifest of a run, which lists the real training images too`);
  }
  const labels = [...new Set(entries.map((e) => e.label))].sort();
  if (labels.length < 2) throw new UserError(`${manifestFile}: expected images of at least 2 classes, received ${labels.length}`);
  const index = new Map(labels.map((l, i) => [l, i]));
  const real = entries.filter((e) => e.source === 'real');
  // Oversampled entries are part of what the run delivered: the synthetic row trains on them, the baselines do not.
  const syn = entries.filter((e) => e.source !== 'real');
  const ordered = [...real, ...syn];
  const summary = await readSummary(dir);
  const firstSyn = syn.find((e) => e.source === 'synthetic');
  const decode = await decodeSettingsFor(summary, firstSyn ? path.resolve(dir, firstSyn.path) : null);
  // A moved out folder: real rows read through their file_name (manifest/locate.ts).
  const targets = Float64Array.from(labels, (l) => summary?.classes?.find((c) => c.label === l)?.target ?? NaN);
  const pixels = await decodeEach(await locateImages(dir, ordered), decode, manifestFile);
  const train: LabelledImages = {
    pixels,
    count: ordered.length,
    size: decode.size,
    channels: decode.channels,
    labels: Int32Array.from(ordered, (e) => index.get(e.label)!),
    numClasses: labels.length,
  };

  const scan = await scanFolder(testDir).catch((err: Error) => {
    throw new UserError(`--test: expected a folder of class folders, but ${testDir} could not be read (${err.message})`);
  });
  const unknown = scan.classes.filter((c) => c.files.length > 0 && !index.has(c.label)).map((c) => c.label);
  if (unknown.length > 0) {
    throw new UserError(`--test: ${testDir} has classes the manifest does not know: ${unknown.map((l) => `"${l}"`).join(', ')} (known: ${labels.join(', ')})`);
  }
  const files = scan.classes.flatMap((c) => c.files.map((f) => ({ file: path.join(scan.root, f), label: c.label })));
  if (files.length === 0) throw new UserError(`--test: ${testDir} holds no images in class folders`);
  const res = await decodeAll(files.map((f) => f.file), decode);
  const per = decode.size * decode.size * decode.channels;
  const notes: string[] = [];
  if (res.failures.length > 0) notes.push(`${res.failures.length} test images could not be decoded and were left out (first: ${files[res.failures[0]!.index]!.file}: ${res.failures[0]!.reason})`);
  // A test image that is a training image (the same pixels once decoded) would test the classifier on what it learnt.
  const seen = pixelRows(pixels, real.length, per);
  const inTraining = res.kept.flatMap((fileIndex, row) => {
    const twin = seen.get(pixelKey(res.images.pixels, row, per));
    return twin === undefined ? [] : [{ row, file: files[fileIndex]!, twin: path.resolve(dir, real[twin]!.path) }];
  });
  const leftOut = new Set(inTraining.map((o) => o.row));
  const keptRows = res.kept.map((_, row) => row).filter((row) => !leftOut.has(row));
  if (keptRows.length === 0) {
    throw new UserError(
      `--test: every image of ${testDir} that decodes is also a training image of the manifest (the same pixels once decoded); the test folder must hold real images the run never trained on`,
      inTraining.slice(0, 5).map((o) => `${o.file.file} = ${o.twin}`),
    );
  }
  if (inTraining.length > 0) {
    const byLabel = countBy(inTraining.map((o) => o.file.label));
    notes.push(
      `${inTraining.length} test images are training images of the manifest (the same pixels once decoded) and were left out: ${[...byLabel].map(([l, n]) => `${l} ${n}`).join(', ')} (first: ${inTraining[0]!.file.file} = ${inTraining[0]!.twin}); a test folder must hold images the run never trained on`,
    );
  }
  const kept = keptRows.map((row) => files[res.kept[row]!]!);
  const missing = labels.filter((l) => !kept.some((f) => f.label === l));
  if (missing.length > 0) notes.push(`no test images for ${missing.map((l) => `"${l}"`).join(', ')}: left out of balanced accuracy and macro-F1`);
  const testPixels = keptRows.length === res.kept.length ? res.images.pixels : new Uint8Array(keptRows.length * per);
  if (testPixels !== res.images.pixels) keptRows.forEach((row, i) => testPixels.set(res.images.pixels.subarray(row * per, (row + 1) * per), i * per));
  const test: LabelledImages = {
    pixels: testPixels,
    count: kept.length,
    size: decode.size,
    channels: decode.channels,
    labels: Int32Array.from(kept, (f) => index.get(f.label)!),
    numClasses: labels.length,
  };
  const oversampled = syn.filter((e) => e.source === 'oversampled').length;
  const k = labels.length;
  const soft = new Float32Array(ordered.length * k);
  ordered.forEach((e, i) => {
    const row = soft.subarray(i * k, (i + 1) * k);
    const given = e.softLabel ? labels.map((l) => e.softLabel![l] ?? 0) : null;
    const sum = given ? given.reduce((a, b) => a + b, 0) : 0;
    // Rounded in the manifest: renormalised here. A soft label naming no known class falls back to the label.
    if (given && sum > 0) given.forEach((v, j) => (row[j] = v / sum));
    else row[index.get(e.label)!] = 1;
  });
  return {
    labels,
    train,
    real: real.length,
    synthetic: syn.length - oversampled,
    oversampled,
    addedSynthetic: Uint8Array.from(syn, (e) => (e.source === 'synthetic' ? 1 : 0)),
    weight: Float32Array.from(ordered, (e) => e.weight),
    soft,
    hasTargets: ordered.some((e) => e.softLabel !== null || e.weight !== 1),
    test,
    decode,
    targets,
    notes,
    testLeftOut: { undecodable: res.failures.length, inTraining: inTraining.length },
    manifestSha256: sha256(text),
  };
}

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}
