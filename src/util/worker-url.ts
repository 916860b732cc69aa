/** Where a worker thread's script is: next to the importing module in dist/, or dist/'s copy from the sources. */
import { existsSync } from 'node:fs';

/**
 * The compiled worker `file` (e.g. `./png-worker.js`) beside the module at `moduleUrl`. From the
 * TypeScript sources (vitest runs them; Node cannot start a worker on a .ts file) it is the one
 * `npm test` builds into dist/ first, at `distDir` (the module's folder relative to the repository).
 */
export function workerUrl(file: string, moduleUrl: string, distDir: string): URL {
  const here = new URL(file, moduleUrl);
  if (existsSync(here)) return here;
  const depth = distDir.split('/').filter(Boolean).length + 1;
  return new URL(`${'../'.repeat(depth)}dist/${distDir}/${file.replace(/^\.\//, '')}`, moduleUrl);
}
