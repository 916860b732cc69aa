/**
 * The decode cache: uint8 images of earlier runs, keyed by the content hash of the file they came from,
 * one cache per set of decode settings. A second run over unchanged files decodes nothing.
 *
 * Layout, in `<out>/.cache/decode/`:
 *   <key>.json        the index: format, version, the settings and sharp/libvips versions behind `key`,
 *                     `images: { hash: slot }`, `rejected: { hash: reason }`, and the blob's name
 *   <key>-<id>.u8     the blob: `count` images of size × size × channels bytes back to back
 * `key` hashes the decode settings and the sharp and libvips versions (a new libvips may decode
 * differently). The blob is written first under a fresh name, then the index is replaced atomically,
 * then older blobs are removed: a reader sees the old cache or the new one, never half of either, and
 * anything it cannot check (wrong version, missing or short blob) is treated as an empty cache.
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { outLayout } from '../out/layout.js';
import { writeFileAtomic } from '../util/fs.js';
import { hashJson } from '../util/hash.js';
import type { CacheHit, DecodeCacheView, DecodeSettings } from './decode.js';
import { InputError } from '../errors.js';

export type { CacheHit } from './decode.js';

export const CACHE_FORMAT = 'gan-augment decode cache';
/** Bump when the index or blob layout, or what decoding produces, changes. */
export const CACHE_VERSION = 1;

/** The cache folder of an out folder. */
export const cacheDirOf = (out: string): string => outLayout(out).decodeCache;

/** What decoded pixels depend on: the settings that shape them and the decoder's versions. */
function keyParts(s: DecodeSettings) {
  return {
    version: CACHE_VERSION,
    size: s.size,
    channels: s.channels,
    fit: s.fit,
    kernel: s.kernel,
    background: s.background,
    sharp: sharp.versions.sharp,
    vips: sharp.versions.vips ?? '',
  };
}

/** File-name key of the cache for these settings. */
export const cacheKey = (s: DecodeSettings): string => hashJson(keyParts(s));

interface Index {
  format: string;
  version: number;
  key: string;
  settings: ReturnType<typeof keyParts>;
  bytesPerImage: number;
  count: number;
  blob: string;
  images: Record<string, number>;
  rejected: Record<string, string>;
}


/** A read-only view of one cache; `lookup` and `readInto` are synchronous and never throw. */
export class DecodeCache implements DecodeCacheView {
  private constructor(
    private readonly images: Map<string, number>,
    private readonly rejected: Map<string, string>,
    private fd: number | null,
    private readonly bytesPerImage: number,
    /** Why an existing cache could not be used, or null. */
    readonly note: string | null,
  ) {}

  /** A cache holding nothing. */
  static empty(note: string | null = null): DecodeCache {
    return new DecodeCache(new Map(), new Map(), null, 0, note);
  }

  /** Opens the cache for `settings` in `dir`; a missing or unusable cache opens empty (see `note`). */
  static async open(dir: string, settings: DecodeSettings): Promise<DecodeCache> {
    const key = cacheKey(settings);
    const indexFile = path.join(dir, `${key}.json`);
    let text: string;
    try {
      text = await readFile(indexFile, 'utf8');
    } catch {
      return DecodeCache.empty();
    }
    const per = settings.size * settings.size * settings.channels;
    let fd: number | null = null;
    try {
      const index = JSON.parse(text) as Index;
      if (index.format !== CACHE_FORMAT || index.version !== CACHE_VERSION) throw new InputError(`format ${index.format} v${index.version}, expected v${CACHE_VERSION}`);
      if (index.key !== key || index.bytesPerImage !== per) throw new InputError('settings do not match its name');
      if (typeof index.blob !== 'string' || !/^[\w-]+\.u8$/.test(index.blob)) throw new InputError('bad blob name');
      if (!Number.isInteger(index.count) || index.count < 0) throw new InputError('bad count');
      fd = openSync(path.join(dir, index.blob), 'r');
      const size = fstatSync(fd).size;
      if (size !== index.count * per) throw new InputError(`blob holds ${size} bytes, expected ${index.count * per}`);
      const images = new Map<string, number>();
      for (const [hash, slot] of Object.entries(index.images)) {
        if (!Number.isInteger(slot) || slot < 0 || slot >= index.count) throw new InputError(`bad slot for ${hash}`);
        images.set(hash, slot);
      }
      const rejected = new Map<string, string>();
      for (const [hash, reason] of Object.entries(index.rejected)) rejected.set(hash, String(reason));
      return new DecodeCache(images, rejected, fd, per, null);
    } catch (err) {
      if (fd !== null) closeSync(fd);
      return DecodeCache.empty(`decode cache ${indexFile} not used (${(err as Error).message}); it will be rebuilt`);
    }
  }

  /** Images and rejections held. */
  get size(): number {
    return this.images.size + this.rejected.size;
  }

  /** What the cache knows about a file with this content hash. */
  lookup(hash: string): CacheHit | undefined {
    const slot = this.images.get(hash);
    if (slot !== undefined) return { slot };
    const reason = this.rejected.get(hash);
    return reason !== undefined ? { reason } : undefined;
  }

  /** Copies a cached image into `dst`; false when the blob cannot be read (the caller decodes instead). */
  readInto(slot: number, dst: Uint8Array): boolean {
    if (this.fd === null || dst.length !== this.bytesPerImage) return false;
    try {
      // Synchronous: a few hundred bytes from the page cache cost less than a thread-pool round trip.
      return readSync(this.fd, dst, 0, dst.length, slot * this.bytesPerImage) === dst.length;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Replaces the cache for `settings` in `dir` by these images (`pixels` holds them back to back, slot
 * order) and rejections. Atomic; an older blob is removed only after the new index points elsewhere.
 */
export async function writeDecodeCache(
  dir: string,
  settings: DecodeSettings,
  entries: { images: Map<string, number>; rejected: Map<string, string> },
  pixels: Uint8Array,
): Promise<void> {
  const key = cacheKey(settings);
  const per = settings.size * settings.size * settings.channels;
  const blob = `${key}-${randomBytes(6).toString('hex')}.u8`;
  await writeFileAtomic(path.join(dir, blob), pixels);
  const index: Index = {
    format: CACHE_FORMAT,
    version: CACHE_VERSION,
    key,
    settings: keyParts(settings),
    bytesPerImage: per,
    count: pixels.length / per,
    blob,
    images: Object.fromEntries(entries.images),
    rejected: Object.fromEntries(entries.rejected),
  };
  await writeFileAtomic(path.join(dir, `${key}.json`), JSON.stringify(index));
  const stale = (await readdir(dir)).filter((f) => f.startsWith(`${key}-`) && f.endsWith('.u8') && f !== blob);
  await Promise.all(stale.map((f) => rm(path.join(dir, f), { force: true })));
}
