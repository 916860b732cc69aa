/**
 * Where a manifest row's image is on disk. `path` is relative to the manifest's folder and points real
 * images back into the input folder; `file_name` is inside the out folder. A run's own folder reads by
 * `path`; once the out folder alone is moved or uploaded (a CI artefact), `path` no longer resolves and
 * `file_name` (a real image's copy or hard link under imagefolder/, or the synthetic file itself) does.
 */
import path from 'node:path';
import type { ManifestEntry } from './build.js';
import { exists } from '../util/fs.js';


/**
 * The image file of each entry: `path` resolved against `dir` where that file exists, else `file_name`
 * where that one does, else `path` (so the caller's "could not be read" names the row's own path).
 * @param dir the manifest's folder (the run's out folder)
 */
export async function locateImages(dir: string, entries: readonly Pick<ManifestEntry, 'path' | 'file_name'>[]): Promise<string[]> {
  return Promise.all(
    entries.map(async (e) => {
      const byPath = path.resolve(dir, e.path);
      if (e.file_name === undefined || e.file_name === e.path || (await exists(byPath))) return byPath;
      const byName = path.resolve(dir, e.file_name);
      return (await exists(byName)) ? byName : byPath;
    }),
  );
}
