/**
 * Decoding images with sharp into one uint8 array of size × size × channels per image, in file order.
 *
 * Each file is read once: its bytes are hashed (the decode cache's key) and handed to sharp from memory.
 * Concurrency comes from a p-queue over files (one libvips thread each), which keeps both cores busy on
 * many small files better than libvips' own threading does. The queue is fed as it drains, so memory is
 * the uint8 dataset plus a window of `concurrency` files in flight.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import os from 'node:os';
import PQueue from 'p-queue';
import sharp from 'sharp';
import type { Config } from '../config/schema.js';
import { InternalError } from '../errors.js';

export type DecodeSettings = Config['decode'];

/** What the decode cache answers for a content hash: a slot of its blob, or why the file was rejected before. */
export type CacheHit = { slot: number } | { reason: string };

/** What decoding needs of a decode cache (`cache.ts`'s `DecodeCache`); declared here so decode does not import it. */
export interface DecodeCacheView {
  lookup(hash: string): CacheHit | undefined;
  /** Copies a cached image into `dst`; false when it cannot (then the file is decoded). */
  readInto(slot: number, dst: Uint8Array): boolean;
}

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
  /** The reason depends only on the file's bytes and the settings (a decode error), so it may be cached. */
  cacheable: boolean;
}

/** Largest image sharp is allowed to decode, in pixels (sharp's default, 16383 × 16383). */
export const MAX_INPUT_PIXELS = 268_402_689;
/** Files up to this size are read synchronously (see `readInput`). */
const SYNC_READ_BYTES = 256 * 1024;
/** Files up to this size are read into memory once (hash + decode); larger ones are streamed twice. */
const IN_MEMORY_BYTES = 64 * 1024 * 1024;

/**
 * Decodes one image: EXIF auto-orient, alpha flattened onto `background`, resized to size × size with
 * `fit` and `kernel`, converted to `channels` (1: luminance, 3: sRGB, from any of grey, palette, RGB,
 * CMYK, 16-bit), 8 bits per channel.
 * @param input a file path or the file's bytes
 * @throws the sharp/libvips error when the image cannot be decoded.
 */
export async function decodeImage(input: string | Buffer, s: DecodeSettings): Promise<Uint8Array> {
  let img = sharp(input, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS })
    .rotate()
    .flatten({ background: s.background })
    .resize(s.size, s.size, { fit: s.fit, kernel: s.kernel, background: s.background });
  img = s.channels === 1 ? img.toColourspace('b-w') : img.toColourspace('srgb').removeAlpha();
  const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== s.channels || info.width !== s.size || info.height !== s.size) {
    throw new InternalError(`decoded to ${info.width}×${info.height}×${info.channels}, expected ${s.size}×${s.size}×${s.channels}`);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Decodes one image file (see `decodeImage`).
 * @throws the sharp/libvips error when the file cannot be decoded.
 */
export function decodeFile(file: string, s: DecodeSettings): Promise<Uint8Array> {
  return decodeImage(file, s);
}

/** The image format a file's first bytes announce, whatever its extension says. */
export function sniffFormat(head: Uint8Array): string | null {
  const at = (i: number, ...bytes: number[]) => bytes.every((b, k) => head[i + k] === b);
  const ascii = (i: number, s: string) => at(i, ...[...s].map((c) => c.charCodeAt(0)));
  if (at(0, 0x89, 0x50, 0x4e, 0x47)) return 'png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'jpeg';
  if (ascii(0, 'GIF8')) return 'gif';
  if (ascii(0, 'RIFF') && ascii(8, 'WEBP')) return 'webp';
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a) || at(0, 0x49, 0x49, 0x2b, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2b)) return 'tiff';
  if (ascii(0, 'BM')) return 'bmp';
  if (ascii(4, 'ftyp')) return 'heif';
  return null;
}

/** Input formats this sharp/libvips build can read (sharp 0.35's prebuilt libvips has no BMP loader). */
const readable = new Set(Object.entries(sharp.format).filter(([, f]) => f.input.buffer).map(([k]) => (k === 'jpg' ? 'jpeg' : k)));

/** A one-line reason a file was not ingested, naming what libvips said and, where it helps, what the bytes are. */
export function failureReason(err: unknown, head: Uint8Array | null): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
  const format = head ? sniffFormat(head) : null;
  if (format && !readable.has(format)) {
    return `${format.toUpperCase()} is not readable by this build of sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}; convert it (e.g. to PNG)`;
  }
  if (/unsupported image format/i.test(message)) {
    const text = head && head.length > 0 && head.subarray(0, 64).every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127));
    return `not an image: the content is ${text ? 'text' : 'no image format sharp reads'} (libvips: ${message})`;
  }
  if (/exceeds pixel limit/i.test(message)) return `image too large: over ${MAX_INPUT_PIXELS} pixels (libvips: ${message})`;
  return `${format ? `${format.toUpperCase()} ` : ''}cannot be decoded (libvips: ${message})`;
}

/** A libvips error whose message another thread's decode wiped out. */
const isVague = (err: unknown) => {
  const m = err instanceof Error ? err.message.trim() : '';
  return m === '' || /^unknown error$/i.test(m.split('\n')[0]!.trim());
};

export interface DecodeOptions {
  /** Files decoded at once (default: 2 per core: one decoding while the other's bytes are read). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** Stops taking new files; the files already read finish. */
  signal?: AbortSignal;
  /** Decoded images and decode failures of earlier runs, by content hash. */
  cache?: DecodeCacheView | null;
  /** Keep the pixels (default true). `false` only validates: what `scan` does. */
  keepPixels?: boolean;
}

export interface DecodeResult {
  images: DecodedImages;
  /** Input index of each image in `pixels`, ascending. */
  kept: number[];
  failures: DecodeFailure[];
  /** Content hash of each input file (base64url sha256), '' where it could not be read. */
  hashes: string[];
  /** Images (and failures) answered by the cache, and images actually decoded. */
  cached: number;
  decoded: number;
  /** The run stopped early (signal); files after the last one read are neither kept nor failed. */
  aborted: boolean;
}

/** sha256 of a file too large to hold in memory. */
function hashStream(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('base64url')));
  });
}

/**
 * Reads a file for hashing and decoding: its bytes, or only its path and hash when it is very large.
 * Small files (nearly every image of a training set) are read synchronously: from the page cache that
 * costs ~20 µs of CPU, against ~100–250 µs for the four thread-pool round trips of an async read, and
 * libvips keeps decoding on its own threads meanwhile. Opened non-blocking, so a named pipe that
 * appeared since the scan is refused instead of hanging the run.
 */
async function readInput(file: string): Promise<{ input: Buffer | string; hash: string; head: Uint8Array }> {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  let size: number;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'not a regular file' });
    size = st.size;
    if (size <= SYNC_READ_BYTES) {
      const bytes = Buffer.allocUnsafe(size);
      let got = 0;
      for (let n = 1; got < size && n > 0; got += n) n = readSync(fd, bytes, got, size - got, got);
      const read = bytes.subarray(0, got);
      return { input: read, hash: createHash('sha256').update(read).digest('base64url'), head: read.subarray(0, 64) };
    }
  } finally {
    closeSync(fd);
  }
  if (size <= IN_MEMORY_BYTES) {
    const bytes = await readFile(file);
    return { input: bytes, hash: createHash('sha256').update(bytes).digest('base64url'), head: bytes.subarray(0, 64) };
  }
  const fh = await open(file, 'r');
  const head = Buffer.alloc(64);
  try {
    await fh.read(head, 0, 64, 0);
  } finally {
    await fh.close();
  }
  return { input: file, hash: await hashStream(file), head };
}

/**
 * Decodes files (absolute paths) into one uint8 array, answering from `cache` what it already holds.
 * Failures are returned, never thrown, so one bad file does not stop a run: images that failed are
 * left out of `pixels`, and `kept[i]` maps output to input index.
 */
export async function decodeAll(files: string[], settings: DecodeSettings, options: DecodeOptions = {}): Promise<DecodeResult> {
  const per = settings.size * settings.size * settings.channels;
  const keep = options.keepPixels ?? true;
  const cache = options.cache ?? null;
  // One allocation of the whole dataset (compacted in place at the end), so no second copy ever exists.
  const buffer = new Uint8Array(keep ? files.length * per : 0);
  const ok = new Uint8Array(files.length);
  const hashes: string[] = new Array<string>(files.length).fill('');
  const failures: DecodeFailure[] = [];
  const concurrency = options.concurrency ?? 2 * Math.max(1, os.availableParallelism());
  const queue = new PQueue({ concurrency });
  let done = 0;
  let cached = 0;
  let decoded = 0;
  // Process-wide sharp settings, right for a batch of many small files: one libvips thread per image
  // (the queue supplies the parallelism), and no libvips operation cache, which only helps when the
  // same image is processed again and costs ~40% of the CPU time of decoding a 28×28 PNG.
  sharp.concurrency(1);
  sharp.cache(false);

  const one = async (index: number) => {
    const file = files[index]!;
    let read: Awaited<ReturnType<typeof readInput>>;
    try {
      read = await readInput(file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      failures.push({ index, reason: `cannot be read: ${e.code ?? e.message}`, cacheable: false });
      return;
    }
    hashes[index] = read.hash;
    if (typeof read.input !== 'string' && read.input.length === 0) {
      failures.push({ index, reason: 'empty file (0 bytes)', cacheable: false });
      return;
    }
    const hit = cache?.lookup(read.hash);
    if (hit && 'reason' in hit) {
      cached++;
      failures.push({ index, reason: hit.reason, cacheable: true });
      return;
    }
    if (hit && (!keep || cache!.readInto(hit.slot, buffer.subarray(index * per, (index + 1) * per)))) {
      ok[index] = 1;
      cached++;
      return;
    }
    try {
      const pixels = await decodeImage(read.input, settings);
      if (keep) buffer.set(pixels, index * per);
      ok[index] = 1;
      decoded++;
    } catch (err) {
      decoded++;
      retry.push(index);
    }
  };

  const retry: number[] = [];
  let aborted = false;
  for (let index = 0; index < files.length; index++) {
    if (options.signal?.aborted) {
      aborted = true;
      break;
    }
    // Feed the queue as it drains: a bounded window of files in flight, however many there are.
    if (queue.size >= concurrency) await queue.onSizeLessThan(concurrency);
    void queue.add(async () => {
      await one(index);
      options.onProgress?.(++done, files.length);
    });
  }
  await queue.onIdle();
  // libvips keeps one error buffer for all threads: a failure among concurrent decodes can lose its
  // message ("Unknown error") or carry another file's ("buffer is not in a known format" for a truncated
  // PNG, seen in CI). The few files that failed are decoded again, one at a time, for their own reason.
  for (const index of retry) {
    try {
      const read = await readInput(files[index]!);
      try {
        const pixels = await decodeImage(read.input, settings);
        if (keep) buffer.set(pixels, index * per);
        ok[index] = 1;
      } catch (err) {
        failures.push({ index, reason: failureReason(err, read.head), cacheable: !isVague(err) });
      }
    } catch (err) {
      failures.push({ index, reason: `cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, cacheable: false });
    }
  }

  const kept: number[] = [];
  for (let i = 0; i < files.length; i++) {
    if (!ok[i]) continue;
    if (keep && kept.length !== i) buffer.copyWithin(kept.length * per, i * per, (i + 1) * per);
    kept.push(i);
  }
  failures.sort((a, b) => a.index - b.index);
  const pixels = keep ? buffer.subarray(0, kept.length * per) : buffer;
  return {
    images: { size: settings.size, channels: settings.channels, pixels, count: kept.length },
    kept,
    failures,
    hashes,
    cached,
    decoded,
    aborted,
  };
}
