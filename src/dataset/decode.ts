/**
 * Decoding images with sharp into one uint8 array of size × size × channels per image, in file order.
 * Concurrency comes from a p-queue over files (one libvips thread each), which keeps both cores busy on
 * many small files better than libvips' own threading does.
 */
import os from 'node:os';
import path from 'node:path';
import PQueue from 'p-queue';
import sharp from 'sharp';
import type { Config } from '../config/schema.js';

export type DecodeSettings = Config['decode'];

export interface DecodedImages {
  size: number;
  channels: 1 | 3;
  /** All images back to back, NHWC, uint8. */
  pixels: Uint8Array;
  /** Number of images in `pixels`. */
  count: number;
}

export interface DecodeFailure {
  index: number;
  reason: string;
}

/**
 * Decodes one image file: EXIF auto-orient, alpha flattened onto the background, resized, converted to
 * the requested channel count, 8 bits.
 * @throws the sharp/libvips error when the file cannot be decoded.
 */
export async function decodeFile(file: string, s: DecodeSettings): Promise<Uint8Array> {
  let img = sharp(file, { failOn: 'error', limitInputPixels: 268_402_689 })
    .rotate()
    .flatten({ background: s.background })
    .resize(s.size, s.size, { fit: s.fit, kernel: s.kernel, background: s.background });
  img = s.channels === 1 ? img.toColourspace('b-w') : img.toColourspace('srgb').removeAlpha();
  const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== s.channels || info.width !== s.size || info.height !== s.size) {
    throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}, expected ${s.size}×${s.size}×${s.channels}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export interface DecodeOptions {
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * Decodes files (absolute paths) into one array; failures are returned, never thrown, so one bad file
 * does not stop a run. Images that failed are left out of `pixels`; `kept[i]` maps output to input index.
 */
export async function decodeAll(
  files: string[],
  settings: DecodeSettings,
  options: DecodeOptions = {},
): Promise<{ images: DecodedImages; kept: number[]; failures: DecodeFailure[] }> {
  const per = settings.size * settings.size * settings.channels;
  const buffer = new Uint8Array(files.length * per);
  const ok = new Uint8Array(files.length);
  const failures: DecodeFailure[] = [];
  const queue = new PQueue({ concurrency: options.concurrency ?? Math.max(1, os.availableParallelism()) });
  let done = 0;
  sharp.concurrency(1);
  await Promise.all(
    files.map((file, index) =>
      queue.add(
        async () => {
          try {
            buffer.set(await decodeFile(file, settings), index * per);
            ok[index] = 1;
          } catch (err) {
            failures.push({ index, reason: `${path.basename(file)}: ${(err as Error).message}` });
          }
          options.onProgress?.(++done, files.length);
        },
        { signal: options.signal },
      ),
    ),
  );
  const kept: number[] = [];
  for (let i = 0; i < files.length; i++) if (ok[i]) kept.push(i);
  let pixels = buffer;
  if (kept.length !== files.length) {
    pixels = new Uint8Array(kept.length * per);
    kept.forEach((src, dst) => pixels.set(buffer.subarray(src * per, (src + 1) * per), dst * per));
  }
  failures.sort((a, b) => a.index - b.index);
  return { images: { size: settings.size, channels: settings.channels, pixels, count: kept.length }, kept, failures };
}
