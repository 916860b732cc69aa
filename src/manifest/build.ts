/**
 * The augmented dataset's manifest: one entry per real and per synthetic image. `manifest.jsonl` is the
 * canonical form; `manifest.csv` and the `imagefolder` layout are derived from the same entries. Pure
 * (no disk): `write.ts` does the I/O.
 *
 * The entry's zod schema is the single source of its TypeScript type and of the JSON Schema shipped as
 * `<out>/manifest.schema.json` (and exported as {@link MANIFEST_JSON_SCHEMA}).
 */
import { z } from 'zod';
import { UserError } from '../errors.js';
import { pushAll } from '../util/array.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;
/**
 * Not empty, not absolute (`/x`, `C:x`, `\\server\x`). `/` separates folders; a `\` elsewhere is part of a
 * file name (legal on Linux and macOS, `beta/back\slash.png`), never a separator: gan-augment writes the
 * names it finds on disk, so every reader must take them back.
 */
const RELATIVE_POSIX = /^(?![A-Za-z]:)(?![/\\])[\s\S]+$/;

export const ManifestEntrySchema = z
  .strictObject({
    path: z
      .string()
      .regex(RELATIVE_POSIX, { error: 'expected a relative path (folders separated by forward slashes)' })
      .describe(
        "The image file, relative to the manifest's folder, folders separated by forward slashes (real images point back into the input folder). A backslash is part of a file name, never a separator.",
      ),
    file_name: z
      .string()
      .regex(RELATIVE_POSIX, { error: 'expected a relative path (folders separated by forward slashes)' })
      .optional()
      .describe(
        "The image file inside the out folder, relative to it: a real image's copy or hard link under imagefolder/train/ (output.imagefolder hardlink or copy), else the same as path. Stays valid when the out folder alone is moved or uploaded; the column name Hugging Face datasets expects.",
      ),
    label: z.string().min(1).describe('The class, exactly as its folder in the input is named.'),
    split: z
      .enum(['train', 'validation', 'test'])
      .describe('Dataset split. gan-augment augments a training set, so it writes "train"; the other values are for manifests a user extends.'),
    source: z
      .enum(['real', 'synthetic', 'oversampled'])
      .describe(
        '"real": an input image; "synthetic": made by the generator and kept by the filters; "oversampled": a real image of the class listed again (same path): the real part of a scarce class\'s fill (deliver.share), what the filters left short (filter.shortfall: oversample), or the whole fill where the guard fell back.',
      ),
    score: z.number().nullable().describe("The discriminator's logit for a synthetic image (higher = judged more real); null for real images and for images imported with generate.from."),
    scores: z
      .record(z.string(), z.number())
      .nullable()
      .describe('Every score the filters computed for a synthetic image, by name (e.g. "discriminator", "labelProb"); null for real images.'),
    generator: z
      .string()
      .nullable()
      .describe("The generator checkpoint that made a synthetic image: its model folder (model.json + weights.bin), relative to the manifest's folder; null for real images and imported ones (generate.from)."),
    generatorStep: z.number().int().nonnegative().nullable().describe('Training steps that generator had taken; null for real and imported images.'),
    seed: z
      .number()
      .int()
      .min(0)
      .max(0xffffffff)
      .nullable()
      .describe("Seed of a synthetic image's latent vector: with the generator and the label it reproduces the image; null for real and imported images."),
    sha256: z.string().regex(SHA256_HEX).describe("SHA-256 of the image file's bytes, lowercase hex (what `sha256sum` prints)."),
    weight: z
      .number()
      .min(0)
      .default(1)
      .describe(
        'Recommended loss weight of the image: 1 for real and oversampled images, and for synthetic ones under deliver.labels: hard (the default); under deliver.labels: soft, the real-data teacher\'s probability of its intended class (less sure, less weight). Manifests written before this field read as 1.',
      ),
    softLabel: z
      .record(z.string(), z.number().min(0).max(1))
      .nullable()
      .default(null)
      .describe(
        "Recommended training target: null where it is the image's label (real and oversampled images, and synthetic ones under deliver.labels: hard, the default); under deliver.labels: soft, a synthetic image's class probabilities by label (the real-data teacher's, or label smoothing when no teacher was trained), summing to 1 up to rounding; classes left out have 0.",
      ),
    translatedFrom: z
      .strictObject({
        path: z.string().regex(RELATIVE_POSIX, { error: 'expected a relative path with forward slashes' }).describe("The source image, relative to the manifest's folder."),
        sha256: z.string().regex(SHA256_HEX).describe("SHA-256 of the source image file's bytes."),
        label: z.string().min(1).describe("The source image's class."),
      })
      .optional()
      .describe(
        'Only on images made by gan.mode: translate: the real image that was translated into this class. `gan-augment generate --model <generator> --class <label> --source <path>` reproduces the image from it.',
      ),
    importedFrom: z
      .strictObject({
        path: z.string().regex(RELATIVE_POSIX, { error: 'expected a relative path with forward slashes' }).describe("The candidate image as it was found in generate.from, relative to the manifest's folder."),
        sha256: z.string().regex(SHA256_HEX).describe("SHA-256 of that file's bytes (the synthetic image is its decoded, resized copy)."),
      })
      .optional()
      .describe('Only on images imported with generate.from (made outside gan-augment; generator, generatorStep, seed and score are then null): the candidate file it was decoded from.'),
  })
  .describe('One line of manifest.jsonl: one image of the augmented dataset.');

/** One line of `manifest.jsonl`. */
export type ManifestEntry = z.infer<typeof ManifestEntrySchema>;

/** The order of an entry's keys as written, and of the CSV's leading columns. */
export const MANIFEST_FIELDS = ['path', 'file_name', 'label', 'split', 'source', 'score', 'scores', 'generator', 'generatorStep', 'seed', 'sha256', 'weight', 'softLabel', 'translatedFrom', 'importedFrom'] as const;

/** JSON Schema (draft 2020-12) of one manifest line; written beside every manifest as `manifest.schema.json`. */
export const MANIFEST_JSON_SCHEMA: Record<string, unknown> = {
  $id: 'https://gan-augment.dev/schema/manifest-entry.json',
  title: 'gan-augment manifest entry',
  ...z.toJSONSchema(ManifestEntrySchema, { target: 'draft-2020-12' }),
};

/** A real image's entry. */
export function realEntry(path: string, label: string, sha256: string): ManifestEntry {
  return { path, label, split: 'train', source: 'real', score: null, scores: null, generator: null, generatorStep: null, seed: null, sha256, weight: 1, softLabel: null };
}

/** A kept synthetic image's entry. */
export function syntheticEntry(e: {
  path: string;
  label: string;
  /** The discriminator's logit; null for an imported image (generate.from), as are generator, step and seed. */
  score: number | null;
  scores?: Record<string, number> | null;
  generator: string | null;
  generatorStep: number | null;
  seed: number | null;
  sha256: string;
  /** Recommended loss weight (default 1). */
  weight?: number;
  /** Recommended soft target by label (default null: the label). */
  softLabel?: Record<string, number> | null;
  translatedFrom?: ManifestEntry['translatedFrom'];
  importedFrom?: ManifestEntry['importedFrom'];
}): ManifestEntry {
  return {
    path: e.path,
    label: e.label,
    split: 'train',
    source: 'synthetic',
    score: e.score,
    scores: e.scores ?? (e.score === null ? {} : { discriminator: e.score }),
    generator: e.generator,
    generatorStep: e.generatorStep,
    seed: e.seed,
    sha256: e.sha256,
    weight: e.weight ?? 1,
    softLabel: e.softLabel ?? null,
    ...(e.translatedFrom ? { translatedFrom: e.translatedFrom } : {}),
    ...(e.importedFrom ? { importedFrom: e.importedFrom } : {}),
  };
}

export interface ClassCounts {
  label: string;
  /** Real images before augmentation. */
  before: number;
  target: number;
  deficit: number;
  synthetic: number;
  /** Real images listed again to fill a shortfall (`filter.shortfall: oversample`). */
  oversampled: number;
  after: number;
}

/** A real image listed again (`filter.shortfall: oversample`): the real entry's path and hash. */
export function oversampledEntry(real: ManifestEntry): ManifestEntry {
  return { ...realEntry(real.path, real.label, real.sha256), source: 'oversampled' };
}

/** Per-class counts from the entries, in the order of `plan`. */
export function countClasses(entries: ManifestEntry[], plan: { label: string; target: number; deficit: number }[]): ClassCounts[] {
  const counts = { real: new Map<string, number>(), synthetic: new Map<string, number>(), oversampled: new Map<string, number>() };
  for (const e of entries) counts[e.source].set(e.label, (counts[e.source].get(e.label) ?? 0) + 1);
  return plan.map((c) => {
    const before = counts.real.get(c.label) ?? 0;
    const synthetic = counts.synthetic.get(c.label) ?? 0;
    const oversampled = counts.oversampled.get(c.label) ?? 0;
    return { label: c.label, before, target: c.target, deficit: c.deficit, synthetic, oversampled, after: before + synthetic + oversampled };
  });
}

/** Keys in {@link MANIFEST_FIELDS} order, so every line reads the same way. */
function ordered(e: ManifestEntry): ManifestEntry {
  return Object.fromEntries(MANIFEST_FIELDS.map((k) => [k, k === 'file_name' ? (e.file_name ?? e.path) : e[k]])) as ManifestEntry;
}

/** One JSON object per line, in the order given (the pipeline writes real images first, in scan order); `file_name` defaults to `path`. */
export function toJsonl(entries: readonly ManifestEntry[]): string {
  return entries.map((e) => JSON.stringify(ordered(e))).join('\n') + (entries.length ? '\n' : '');
}

/**
 * Parses and validates `manifest.jsonl` text. Blank lines are skipped.
 * @param source the file name, for messages
 * @throws {UserError} listing every line that is not JSON or not a valid entry (at most 20)
 */
export function parseManifest(text: string, source = 'manifest.jsonl'): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`line ${i + 1}: expected a JSON object, received ${JSON.stringify(line.slice(0, 60))}`);
      return;
    }
    const parsed = ManifestEntrySchema.safeParse(value);
    if (parsed.success) entries.push(parsed.data);
    else pushAll(problems, parsed.error.issues.map((iss) => `line ${i + 1}: ${iss.path.join('.') || '(entry)'}: ${iss.message}`));
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 20);
    if (problems.length > shown.length) shown.push(`… and ${problems.length - shown.length} more`);
    throw new UserError(`${source}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the manifest`, shown);
  }
  return entries;
}

/** First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV cell of text. A text that a spreadsheet would run as a formula (`=cmd|' -C calc'!A0`, `+SUM(1+1)`,
 * `@evil`, a leading tab or CR) gets a leading `'`, as OWASP recommends, so Excel, LibreOffice and Google
 * Sheets show it as text. Then RFC 4180: quoted when it holds a comma, quote, CR or LF (or starts or ends
 * with a space). Numbers are written by {@link csvNumber}, never prefixed (`-0.5` stays a number).
 */
export function csvText(v: string): string {
  return csvQuote(FORMULA_START.test(v) ? `'${v}` : v);
}

function csvQuote(v: string): string {
  return /[",\r\n]|^\s|\s$/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** A numeric CSV cell; empty for null. */
const csvNumber = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));

/**
 * The manifest as CSV (RFC 4180, CRLF line ends, header row). Each score of `scores` gets its own
 * column `scores.<name>` (union over all entries, sorted), each class of `softLabel` its column
 * `softLabel.<label>` (empty for rows without a soft label); empty cells stand for null. Text cells that
 * start like a formula are prefixed with `'` (see {@link csvText}); `manifest.jsonl` keeps them exactly.
 */
export function toCsv(entries: readonly ManifestEntry[]): string {
  const scoreKeys = [...new Set(entries.flatMap((e) => Object.keys(e.scores ?? {})))].sort();
  // Translation columns only when some image was translated, so other manifests' CSV stays as it was.
  const fromKeys = entries.some((e) => e.translatedFrom) ? (['path', 'sha256', 'label'] as const) : [];
  const softKeys = [...new Set(entries.flatMap((e) => Object.keys(e.softLabel ?? {})))].sort();
  const head = ['path', 'file_name', 'label', 'split', 'source', 'score', ...scoreKeys.map((k) => `scores.${k}`), 'generator', 'generatorStep', 'seed', 'sha256', 'weight', ...softKeys.map((k) => `softLabel.${k}`), ...fromKeys.map((k) => `translatedFrom.${k}`)];
  const text = (v: string | null) => (v === null ? '' : csvText(v));
  const rows = entries.map((e) =>
    [
      text(e.path),
      text(e.file_name ?? e.path),
      text(e.label),
      text(e.split),
      text(e.source),
      csvNumber(e.score),
      ...scoreKeys.map((k) => csvNumber(e.scores?.[k])),
      text(e.generator),
      csvNumber(e.generatorStep),
      csvNumber(e.seed),
      text(e.sha256),
      csvNumber(e.weight),
      ...softKeys.map((k) => csvNumber(e.softLabel ? (e.softLabel[k] ?? 0) : null)),
      ...fromKeys.map((k) => text(e.translatedFrom?.[k] ?? null)),
    ].join(','),
  );
  return [head.map(csvText).join(','), ...rows].join('\r\n') + '\r\n';
}
