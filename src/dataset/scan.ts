/**
 * Finding the images of a labelled folder: each first-level sub-folder is a class, every image below it
 * (nested folders too, when `recursive`) belongs to it. Every file met is accounted for: a candidate
 * image of a class, or ignored / rejected with the reason. Reads directory entries only, never image
 * bytes (decoding decides whether a candidate is ingested or rejected).
 *
 * Not fast-glob: it either throws on the first unreadable folder or silently skips it (`suppressErrors`),
 * and it follows a symlink loop until the kernel's ELOOP, listing the same files dozens of times. This
 * walker reports both, per entry, and is as fast for the flat folders datasets are made of.
 */
import type { Dirent } from 'node:fs';
import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { pushAll } from '../util/array.js';

/** Extensions (lower case) treated as images; matched case-insensitively. */
export const IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'tif', 'tiff', 'gif', 'bmp'] as const;

export type FileStatus = 'ingested' | 'ignored' | 'rejected';

export interface FileRecord {
  /** Path relative to the scanned folder, with forward slashes (a folder ends with `/`). */
  path: string;
  /** The class (first-level folder name, exactly as on disk), or null for entries at the root. */
  label: string | null;
  status: FileStatus;
  /** Why it was ignored or rejected; null when ingested. */
  reason: string | null;
}

export interface ScannedClass {
  label: string;
  /** Candidate image paths relative to the root, sorted, so runs are reproducible. */
  files: string[];
}

export interface ScanResult {
  root: string;
  classes: ScannedClass[];
  /** Entries not used, and why: hidden, not an image, at the root, a symlink loop… */
  ignored: FileRecord[];
  /** Entries that should have been images but cannot be read before decoding: dangling links, unreadable folders. */
  rejected: FileRecord[];
  /** Class folders holding no candidate image at all. */
  emptyClasses: string[];
}

export interface ScanOptions {
  /** Search nested folders below each class folder (default true). */
  recursive?: boolean;
}

const EXTENSION_LIST = IMAGE_EXTENSIONS.join(', ');
/** Folders that archivers and OSes leave behind, never classes. */
const METADATA_FOLDERS: Record<string, string> = {
  __MACOSX: 'macOS archive metadata folder (resource forks), not a class',
};

/** True when `name` has one of the image extensions, in any case (`UPPER.PNG`). */
export const hasImageExtension = (name: string): boolean =>
  (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(name).slice(1).toLowerCase());

const byName = (a: Dirent, b: Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const errCode = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

type Kind = 'file' | 'dir' | 'other';

function kindOfStats(s: { isFile(): boolean; isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean }): Kind {
  return s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
}

function otherKind(s: Dirent | { isFIFO(): boolean; isSocket(): boolean; isBlockDevice(): boolean; isCharacterDevice(): boolean }): string {
  if (s.isFIFO()) return 'a named pipe';
  if (s.isSocket()) return 'a socket';
  if (s.isBlockDevice() || s.isCharacterDevice()) return 'a device';
  return 'not a regular file';
}

/** What a directory entry is, following a symlink; or why the link cannot be followed. */
async function resolveEntry(abs: string, e: Dirent): Promise<{ kind: Kind; other?: string } | { broken: string }> {
  if (!e.isSymbolicLink()) {
    return e.isFile() ? { kind: 'file' } : e.isDirectory() ? { kind: 'dir' } : { kind: 'other', other: otherKind(e) };
  }
  const target = await readlink(abs).catch(() => '?');
  try {
    const s = await stat(abs);
    const kind = kindOfStats(s);
    return kind === 'other' ? { kind, other: otherKind(s) } : { kind };
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT') return { broken: `dangling symlink (→ ${target}): its target does not exist` };
    if (code === 'ELOOP') return { broken: `symlink loop (→ ${target}): the link resolves to itself` };
    return { broken: `symlink (→ ${target}) cannot be followed: ${code}` };
  }
}

interface ClassWalk {
  label: string;
  recursive: boolean;
  files: string[];
  ignored: FileRecord[];
  rejected: FileRecord[];
  /** Real path of every folder searched for this class → its path relative to the root. */
  searched: Map<string, string>;
  /** Symlinked folders met, followed once the real tree is done (see `walkClass`). */
  links: { abs: string; rel: string }[];
}

/** Lists one folder, recording its files and queueing its sub-folders (real ones) and links to folders. */
async function walkDir(w: ClassWalk, abs: string, rel: string, real: string): Promise<void> {
  w.searched.set(real, rel);
  let entries: Dirent[];
  try {
    entries = await readdir(abs, { withFileTypes: true });
  } catch (err) {
    w.rejected.push({ path: `${rel}/`, label: w.label, status: 'rejected', reason: `folder cannot be read: ${errCode(err)}` });
    return;
  }
  entries.sort(byName);
  const subdirs: Promise<void>[] = [];
  for (const e of entries) {
    const childAbs = path.join(abs, e.name);
    const childRel = `${rel}/${e.name}`;
    const note = (status: 'ignored' | 'rejected', reason: string, folder = false) =>
      (status === 'ignored' ? w.ignored : w.rejected).push({ path: folder ? `${childRel}/` : childRel, label: w.label, status, reason });
    if (e.name.startsWith('.')) {
      note('ignored', e.isDirectory() ? 'hidden folder: not searched' : 'hidden file', e.isDirectory());
      continue;
    }
    const r = await resolveEntry(childAbs, e);
    if ('broken' in r) {
      // A link named like an image stood for an image the user expected to be used.
      note(hasImageExtension(e.name) ? 'rejected' : 'ignored', r.broken);
    } else if (r.kind === 'dir') {
      if (!w.recursive) note('ignored', 'nested folder not searched (scan.recursive is false)', true);
      else if (e.isSymbolicLink()) w.links.push({ abs: childAbs, rel: childRel });
      else {
        // Reached through a followed link, a real folder may already have been searched from elsewhere.
        const childReal = path.join(real, e.name);
        const seenAs = w.searched.get(childReal);
        if (seenAs !== undefined) note('ignored', `same folder as ${seenAs}/, already searched; not searched twice`, true);
        else subdirs.push(walkDir(w, childAbs, childRel, childReal));
      }
    } else if (r.kind === 'other') {
      note('ignored', `${r.other}, not a file`);
    } else if (hasImageExtension(e.name)) {
      w.files.push(childRel);
    } else {
      note('ignored', `not an image: extension "${path.extname(e.name) || '(none)'}" is not one of ${EXTENSION_LIST}`);
    }
  }
  await Promise.all(subdirs);
}

/** Whether folder `outer` is `inner` or one of its ancestors (real paths). */
const contains = (outer: string, inner: string) => inner === outer || inner.startsWith(outer.endsWith(path.sep) ? outer : outer + path.sep);

/**
 * Walks one class folder. Symlinks are followed like `find -L`, with two rules that make loops and
 * duplicates impossible: each real folder is searched at most once per class, and a link to a folder
 * that contains the class folder (`/`, the input folder) is a loop, never followed. Links to folders are
 * followed only after the real tree is done, so a link back to an ancestor (a loop) or to a folder
 * already searched is reported, not followed.
 */
async function walkClass(root: string, label: string, recursive: boolean): Promise<ClassWalk> {
  const w: ClassWalk = { label, recursive, files: [], ignored: [], rejected: [], searched: new Map(), links: [] };
  const abs = path.join(root, label);
  const classReal = await realpath(abs).catch(() => abs);
  await walkDir(w, abs, label, classReal);
  // A queue read by index: `shift()` is linear, and a folder may hold any number of links.
  for (let next = 0; next < w.links.length; next++) {
    const link = w.links[next]!;
    const target = await readlink(link.abs).catch(() => '?');
    const real = await realpath(link.abs).catch(() => null);
    const seenAs = real === null ? undefined : w.searched.get(real);
    const linkRecord = (reason: string): FileRecord => ({ path: `${link.rel}/`, label, status: 'ignored', reason });
    if (real === null) w.rejected.push({ ...linkRecord(`symlink (→ ${target}) cannot be resolved`), status: 'rejected' });
    else if (seenAs !== undefined && (link.rel === seenAs || link.rel.startsWith(`${seenAs}/`))) {
      w.ignored.push(linkRecord(`symlink loop (→ ${target}): points back to ${seenAs}/, which contains it; not followed`));
    } else if (contains(real, classReal)) {
      // `/`, the input folder, or any folder above the class: following it would search the class (and
      // everything else below that folder) again, from the top.
      w.ignored.push(linkRecord(`symlink loop (→ ${target}): points to ${real}, which contains the class folder; not followed`));
    } else if (seenAs !== undefined) {
      w.ignored.push(linkRecord(`symlink (→ ${target}) to ${seenAs}/, already searched; not followed, to avoid duplicates`));
    } else {
      await walkDir(w, link.abs, link.rel, real);
    }
  }
  w.files.sort();
  return w;
}

/**
 * Lists the classes and candidate images of a folder, and every entry it will not use with the reason.
 * @throws {UserError} when the folder does not exist, is not a folder, or has no class sub-folders.
 */
export async function scanFolder(root: string, options: ScanOptions = {}): Promise<ScanResult> {
  const recursive = options.recursive ?? true;
  const abs = path.resolve(root);
  const st = await stat(abs).catch(() => null);
  if (!st) throw new UserError(`input folder ${abs} does not exist`);
  if (!st.isDirectory()) throw new UserError(`input ${abs} is not a folder (expected one sub-folder per class)`);
  let entries: Dirent[];
  try {
    entries = await readdir(abs, { withFileTypes: true });
  } catch (err) {
    throw new UserError(`input folder ${abs} cannot be read: ${errCode(err)}`);
  }
  entries.sort(byName);

  const ignored: FileRecord[] = [];
  const rejected: FileRecord[] = [];
  const labels: string[] = [];
  for (const e of entries) {
    const r = await resolveEntry(path.join(abs, e.name), e);
    const isDir = !('broken' in r) && r.kind === 'dir';
    const record = (reason: string): FileRecord => ({ path: isDir ? `${e.name}/` : e.name, label: null, status: 'ignored', reason });
    if (e.name.startsWith('.')) ignored.push(record(isDir ? 'hidden folder: not a class' : 'hidden file'));
    else if ('broken' in r) ignored.push(record(`${r.broken}; at the root, so it would have no class anyway`));
    else if (isDir && METADATA_FOLDERS[e.name]) ignored.push(record(METADATA_FOLDERS[e.name]!));
    else if (isDir) labels.push(e.name);
    else if (r.kind === 'other') ignored.push(record(`${r.other} at the root, not a file`));
    else ignored.push(record('file at the root: images must be inside a class folder, whose name is their label'));
  }
  if (labels.length === 0) {
    throw new UserError(`input folder ${abs} has no class sub-folders (expected <input>/<class>/<image>)`);
  }

  const classes: ScannedClass[] = [];
  for (const label of labels) {
    const w = await walkClass(abs, label, recursive);
    classes.push({ label, files: w.files });
    pushAll(ignored, w.ignored);
    pushAll(rejected, w.rejected);
  }
  return { root: abs, classes, ignored, rejected, emptyClasses: classes.filter((c) => c.files.length === 0).map((c) => c.label) };
}
