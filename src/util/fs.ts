import { access, mkdir, rename, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';

/** Whether a path exists (any kind: file, folder, link to one). */
export const exists = (p: string): Promise<boolean> => access(p).then(() => true, () => false);

/**
 * Writes a file atomically: to a temp file beside it, then renamed over the target, so a reader (or an
 * interrupted run) sees either the old file or the new one, never half of it.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw naming(err, file);
  }
}

/** A failed write (ENOSPC …) names no file of its own: `err` with `file` as its path, unless it has one. */
export function naming(err: unknown, file: string): unknown {
  if (err && typeof err === 'object' && !('path' in err && (err as NodeJS.ErrnoException).path)) (err as NodeJS.ErrnoException).path = file;
  return err;
}

/** Path of `target` relative to `fromDir`, always with forward slashes (portable manifests). */
export function relativePosix(fromDir: string, target: string): string {
  return path.relative(fromDir, target).split(path.sep).join('/');
}
