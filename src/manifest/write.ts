/** Writing the synthetic images, the manifest and the summary. */
import os from 'node:os';
import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import PQueue from 'p-queue';
import sharp from 'sharp';
import { writeFileAtomic } from '../util/fs.js';
import { toJsonl, type ManifestEntry } from './build.js';

/** Encodes uint8 NHWC images to PNG files, several at a time. */
export async function writePngs(
  items: { file: string; pixels: Uint8Array }[],
  size: number,
  channels: 1 | 3,
  onProgress?: (done: number) => void,
): Promise<void> {
  const queue = new PQueue({ concurrency: Math.max(2, os.availableParallelism()) });
  const dirs = new Set(items.map((i) => path.dirname(i.file)));
  await Promise.all([...dirs].map((d) => mkdir(d, { recursive: true })));
  let done = 0;
  await Promise.all(
    items.map((item) =>
      queue.add(async () => {
        const img = sharp(Buffer.from(item.pixels.buffer, item.pixels.byteOffset, item.pixels.byteLength), {
          raw: { width: size, height: size, channels },
        });
        // Without this, sharp writes one-channel input as an RGB PNG.
        if (channels === 1) img.toColourspace('b-w');
        await img.png({ compressionLevel: 6 }).toFile(item.file);
        onProgress?.(++done);
      }),
    ),
  );
}

export async function writeManifest(file: string, entries: ManifestEntry[]): Promise<void> {
  await writeFileAtomic(file, toJsonl(entries));
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
