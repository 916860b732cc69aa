/**
 * The features cache: features of the real images, per extractor and dataset, so that a second run (or a
 * large user model such as InceptionV3) does not recompute them. `<dir>/<key>.f32` holds count × dims
 * float32 values; `<dir>/<key>.json` (written last) says what they are. Anything that does not match is
 * recomputed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/fs.js';
import { hashJson } from '../util/hash.js';
import type { ExtractorInfo } from './features.js';

interface Entry {
  format: 'gan-augment/features@1';
  extractor: ExtractorInfo;
  dataHash: string;
  count: number;
  dims: number;
}

/**
 * Returns the cached features of `count` images for this extractor and dataset, or computes and stores
 * them. With `dir` null it only computes.
 */
export async function cachedFeatures(
  dir: string | null,
  extractor: ExtractorInfo,
  dataHash: string,
  count: number,
  compute: () => Promise<Float32Array>,
): Promise<{ features: Float32Array; cached: boolean }> {
  if (dir === null) return { features: await compute(), cached: false };
  const key = hashJson({ extractor: extractor.id, dims: extractor.dims, resize: extractor.resize, normalize: extractor.normalize, dataHash, count });
  const jsonFile = path.join(dir, `${key}.json`);
  const binFile = path.join(dir, `${key}.f32`);
  try {
    const entry = JSON.parse(await readFile(jsonFile, 'utf8')) as Entry;
    const bin = await readFile(binFile);
    if (entry.format === 'gan-augment/features@1' && entry.count === count && entry.dims === extractor.dims && bin.byteLength === count * extractor.dims * 4) {
      const features = new Float32Array(count * extractor.dims);
      new Uint8Array(features.buffer).set(bin);
      return { features, cached: true };
    }
  } catch {
    // missing or unreadable: recompute below
  }
  const features = await compute();
  const entry: Entry = { format: 'gan-augment/features@1', extractor, dataHash, count, dims: extractor.dims };
  await writeFileAtomic(binFile, new Uint8Array(features.buffer, features.byteOffset, features.byteLength));
  await writeFileAtomic(jsonFile, JSON.stringify(entry, null, 2));
  return { features, cached: false };
}
