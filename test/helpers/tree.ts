import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';

/** sha256 of every file below `dir` (paths and contents), to prove a tree was not modified. */
export async function hashTree(dir: string): Promise<string> {
  const files = (await fg('**/*', { cwd: dir, dot: true, onlyFiles: true, followSymbolicLinks: false })).sort();
  const h = createHash('sha256');
  for (const f of files) {
    h.update(f);
    h.update(await readFile(path.join(dir, f)).catch(() => Buffer.from('<unreadable>')));
  }
  return h.digest('hex');
}
