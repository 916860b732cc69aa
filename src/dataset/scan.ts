/**
 * Finding the images of a labelled folder: each first-level sub-folder is a class, every image below it
 * (nested folders too, when `recursive`) belongs to it. Every file found is accounted for: a candidate
 * image for a class, or ignored with the reason. Reads directory entries only, never image bytes.
 */
import fg from 'fast-glob';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';

/** Extensions (lower case) that are decoded; matched case-insensitively. */
export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'tif', 'tiff', 'gif', 'bmp'] as const;

export type FileStatus = 'ingested' | 'ignored' | 'rejected';

export interface FileRecord {
  /** Path relative to the scanned folder, with forward slashes. */
  path: string;
  /** The class (first-level folder name, exactly as on disk), or null for files at the root. */
  label: string | null;
  status: FileStatus;
  reason?: string;
}

export interface ScannedClass {
  label: string;
  /** Image paths relative to the root, sorted, so runs are reproducible. */
  files: string[];
}

export interface ScanResult {
  root: string;
  classes: ScannedClass[];
  /** Every non-image or out-of-place file, with the reason it was not used. */
  ignored: FileRecord[];
}

export interface ScanOptions {
  recursive?: boolean;
}

const isImage = (file: string) => IMAGE_EXTENSIONS.includes(path.extname(file).slice(1).toLowerCase() as never);
const isHidden = (rel: string) => rel.split('/').some((part) => part.startsWith('.'));

/**
 * Lists the classes and candidate images of a folder.
 * @throws {UserError} when the folder does not exist, is not a folder, or has no class sub-folders.
 */
export async function scanFolder(root: string, options: ScanOptions = {}): Promise<ScanResult> {
  const recursive = options.recursive ?? true;
  const abs = path.resolve(root);
  const st = await stat(abs).catch(() => null);
  if (!st) throw new UserError(`input folder ${abs} does not exist`);
  if (!st.isDirectory()) throw new UserError(`input ${abs} is not a folder (expected one sub-folder per class)`);

  const entries = await readdir(abs, { withFileTypes: true });
  const classDirs = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
  const ignored: FileRecord[] = [];
  for (const e of entries) {
    if (e.isDirectory() && e.name.startsWith('.')) ignored.push({ path: e.name, label: null, status: 'ignored', reason: 'hidden folder' });
    else if (!e.isDirectory()) {
      ignored.push({ path: e.name, label: null, status: 'ignored', reason: 'file at the root: images must be inside a class folder' });
    }
  }

  const classes: ScannedClass[] = [];
  for (const label of classDirs) {
    const found = await fg(recursive ? '**/*' : '*', {
      cwd: path.join(abs, label),
      onlyFiles: true,
      dot: true,
      followSymbolicLinks: true,
      suppressErrors: true,
    });
    found.sort();
    const files: string[] = [];
    for (const f of found) {
      const rel = `${label}/${f}`;
      if (isHidden(f)) ignored.push({ path: rel, label, status: 'ignored', reason: 'hidden file' });
      else if (!isImage(f)) ignored.push({ path: rel, label, status: 'ignored', reason: `not an image extension (${IMAGE_EXTENSIONS.join(', ')})` });
      else files.push(rel);
    }
    classes.push({ label, files });
  }
  if (classes.length === 0) {
    throw new UserError(`input folder ${abs} has no class sub-folders (expected <input>/<class>/<image>)`);
  }
  return { root: abs, classes, ignored };
}
