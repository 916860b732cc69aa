/** Writing the synthetic images, the manifest in its formats, and the summary. */
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import PQueue from 'p-queue';
import sharp from 'sharp';
import { writeFileAtomic } from '../util/fs.js';
import { MANIFEST_JSON_SCHEMA, toCsv, toJsonl, type ManifestEntry } from './build.js';
import { IMAGEFOLDER_DIR, IMAGEFOLDER_SPLIT, imagefolderLayout } from './imagefolder.js';

const sha256Hex = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const concurrency = () => Math.max(2, 2 * os.availableParallelism());

/**
 * Encodes uint8 NHWC images to PNG files, several at a time.
 * @returns the SHA-256 (hex) of each written file, in the order of `items`
 */
export async function writePngs(
  items: { file: string; pixels: Uint8Array }[],
  size: number,
  channels: 1 | 3,
  onProgress?: (done: number) => void,
): Promise<string[]> {
  const queue = new PQueue({ concurrency: concurrency() });
  const dirs = new Set(items.map((i) => path.dirname(i.file)));
  await Promise.all([...dirs].map((d) => mkdir(d, { recursive: true })));
  let done = 0;
  return Promise.all(
    items.map((item) =>
      queue.add(async () => {
        const img = sharp(Buffer.from(item.pixels.buffer, item.pixels.byteOffset, item.pixels.byteLength), {
          raw: { width: size, height: size, channels },
        });
        // Without this, sharp writes one-channel input as an RGB PNG.
        if (channels === 1) img.toColourspace('b-w');
        const png = await img.png({ compressionLevel: 6 }).toBuffer();
        await writeFile(item.file, png);
        onProgress?.(++done);
        return sha256Hex(png);
      }),
    ),
  );
}

/** SHA-256 (hex) of each file's bytes, in order. */
export async function hashFiles(files: string[]): Promise<string[]> {
  const queue = new PQueue({ concurrency: concurrency() });
  return Promise.all(files.map((f) => queue.add(async () => sha256Hex(await readFile(f)))));
}

/** How the `imagefolder` layout gets its files; see the README's "Output formats" for the trade-offs. */
export type ImagefolderMode = 'hardlink' | 'copy' | 'symlink';

export interface ManifestOutputs {
  /** Also write `manifest.csv`. */
  csv: boolean;
  /** Also write `imagefolder/`, placing files this way; null = do not. */
  imagefolder: ImagefolderMode | null;
  /** The input folder (absolute), so real images keep their paths below their class folder. */
  input: string;
}

export interface WrittenManifest {
  files: string[];
  /** Files the imagefolder layout had to copy although hard links were asked for (another filesystem). */
  copiedInsteadOfLinked: number;
}

/**
 * Writes `<dir>/manifest.jsonl` and `manifest.schema.json`, and as asked `manifest.csv` and `imagefolder/`
 * (removed first, so no file of an earlier run lingers). The input folder is only read.
 */
export async function writeManifestFiles(dir: string, entries: ManifestEntry[], options: ManifestOutputs): Promise<WrittenManifest> {
  const files = [path.join(dir, 'manifest.jsonl'), path.join(dir, 'manifest.schema.json')];
  await writeFileAtomic(files[0]!, toJsonl(entries));
  await writeFileAtomic(files[1]!, JSON.stringify(MANIFEST_JSON_SCHEMA, null, 2) + '\n');
  const csv = path.join(dir, 'manifest.csv');
  if (options.csv) {
    await writeFileAtomic(csv, toCsv(entries));
    files.push(csv);
  } else {
    await rm(csv, { force: true });
  }
  const root = path.join(dir, IMAGEFOLDER_DIR);
  await rm(root, { recursive: true, force: true });
  let copied = 0;
  if (options.imagefolder !== null) {
    copied = await writeImagefolder(dir, entries, options.imagefolder, options.input);
    files.push(root);
  }
  return { files, copiedInsteadOfLinked: copied };
}

/** Places every entry's file under `<dir>/imagefolder/train/` and writes its metadata.jsonl. */
async function writeImagefolder(dir: string, entries: ManifestEntry[], mode: ImagefolderMode, input: string): Promise<number> {
  const split = path.join(dir, IMAGEFOLDER_DIR, IMAGEFOLDER_SPLIT);
  const layout = imagefolderLayout(entries, path.relative(dir, input).split(path.sep).join('/'));
  const dirs = new Set(layout.files.map((f) => path.dirname(path.join(split, f.to))));
  for (const d of [...dirs].sort()) await mkdir(d, { recursive: true });
  const queue = new PQueue({ concurrency: concurrency() });
  let copied = 0;
  await Promise.all(
    layout.files.map((f) =>
      queue.add(async () => {
        const src = path.resolve(dir, f.from);
        const dst = path.join(split, f.to);
        if (mode === 'symlink') {
          await symlink(path.relative(path.dirname(dst), src), dst);
        } else if (mode === 'hardlink') {
          try {
            await link(src, dst);
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            // Another filesystem, or one without hard links: a copy is the only way left.
            if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw err;
            await copyFile(src, dst, constants.COPYFILE_FICLONE);
            copied++;
          }
        } else {
          // A reflink where the filesystem has them (no extra space, still independent), else a copy.
          await copyFile(src, dst, constants.COPYFILE_FICLONE);
        }
      }),
    ),
  );
  await writeFileAtomic(path.join(split, 'metadata.jsonl'), layout.metadata);
  return copied;
}

/** Writes `file` (a manifest.jsonl) alone: for outputs that are not a whole run's (`gan-augment generate`). */
export async function writeManifest(file: string, entries: ManifestEntry[]): Promise<void> {
  await writeFileAtomic(file, toJsonl(entries));
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
