/**
 * The PNG writer: every file it writes must decode (through sharp, i.e. libvips/libspng) to exactly the
 * pixels given, in the colour type given, for sizes and contents that exercise every row filter.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { crc32, encodePng, filterRows } from '../../src/manifest/png.js';
import { PngWriter, writePngs } from '../../src/manifest/write.js';
import { Rng } from '../../src/util/rng.js';
import { tempDir } from '../helpers/tmp.js';

/** Images whose rows favour different filters: noise, gradients, flat, stripes. */
function images(w: number, h: number, c: number) {
  const rng = new Rng(3);
  const n = w * h * c;
  const at = (f: (x: number, y: number, k: number) => number) => {
    const p = new Uint8Array(n);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) p[(y * w + x) * c + k] = f(x, y, k) & 0xff;
    return p;
  };
  return {
    noise: at(() => rng.int(256)),
    gradient: at((x, y, k) => x * 9 + y * 3 + k * 40),
    flat: at(() => 200),
    stripes: at((x, y) => (y % 2 ? 255 : x * 17)),
    extremes: at((x, y, k) => ((x + y + k) % 3 === 0 ? 0 : 255)),
  };
}

async function decode(png: Buffer) {
  const img = sharp(png);
  // sharp hands out sRGB unless told otherwise; a one-channel file read as one channel.
  if ((await img.metadata()).channels === 1) img.toColourspace('b-w');
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), info };
}

describe('encodePng', () => {
  for (const [w, h, c] of [
    [28, 28, 1],
    [64, 64, 3],
    [1, 1, 1],
    [5, 3, 3],
    [1, 7, 1],
  ] as const) {
    it(`decodes to the same pixels at ${w}×${h}×${c}`, async () => {
      for (const [name, pixels] of Object.entries(images(w, h, c))) {
        const png = encodePng(pixels, w, h, c);
        const meta = await sharp(png).metadata();
        expect(meta.format).toBe('png');
        // Grayscale stays one channel: a colour type 2 file would decode as three.
        expect(meta.channels, name).toBe(c);
        const { data, info } = await decode(png);
        expect([info.width, info.height, info.channels]).toEqual([w, h, c]);
        expect(Buffer.from(data).equals(Buffer.from(pixels)), `${name} ${w}×${h}×${c}`).toBe(true);
      }
    });
  }

  it('chooses more than one row filter on mixed content, and compresses smooth images', async () => {
    const { gradient, noise } = images(28, 28, 1);
    const types = new Set<number>();
    const rows = filterRows(gradient, 28, 28, 1);
    for (let y = 0; y < 28; y++) types.add(rows[y * 29]!);
    expect(types.size).toBeGreaterThan(1);
    expect(encodePng(gradient, 28, 28, 1).length).toBeLessThan(encodePng(noise, 28, 28, 1).length / 3);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('refuses a pixel buffer of the wrong length or an unsupported channel count', () => {
    expect(() => encodePng(new Uint8Array(10), 4, 4, 1)).toThrow(/expected 16 bytes for 4×4×1, received 10/);
    expect(() => encodePng(new Uint8Array(32), 4, 4, 2 as 1)).toThrow(/channels must be 1 or 3/);
  });
});

describe('writePngs', () => {
  it('reports a write that fails with its code and path', async () => {
    const dir = await tempDir('png-');
    const blocker = path.join(dir, 'not-a-folder');
    await writeFile(blocker, 'x');
    const { noise } = images(28, 28, 1);
    const err = await writePngs([{ file: path.join(blocker, 'a.png'), pixels: noise }], 28, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as NodeJS.ErrnoException).code).toMatch(/^(EEXIST|ENOTDIR)$/);
    expect((err as NodeJS.ErrnoException).path).toContain('not-a-folder');
  });

  it('a failed write followed by batches still in flight: done rejects with the first error, and late replies are ignored', async () => {
    const dir = await tempDir('png-');
    const blocker = path.join(dir, 'not-a-folder');
    await writeFile(blocker, 'x');
    const { noise } = images(28, 28, 1);
    const writer = new PngWriter(28, 1);
    writer.write([{ file: path.join(blocker, 'a.png'), pixels: noise }]);
    for (let b = 0; b < 200; b++) writer.write([{ file: path.join(dir, `${b}.png`), pixels: noise }]);
    // Let the worker answer several batches before the main thread looks at its messages.
    const until = Date.now() + 300;
    while (Date.now() < until);
    const err = await writer.done().catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toMatch(/^(EEXIST|ENOTDIR)$/);
    // Replies the worker posted before it was stopped arrive now; an unknown id once threw in the handler.
    await new Promise((r) => setTimeout(r, 300));
    // done() returned only once the thread had exited by itself (it skips what was queued after the
    // failure rather than being terminated mid-deflate): no batch is written after it returned.
    const after = (await readdir(dir)).length;
    await new Promise((r) => setTimeout(r, 200));
    expect((await readdir(dir)).length).toBe(after);
  });

  it('a writer can be used again after done (each thread gets its own cancel flag)', async () => {
    const dir = await tempDir('png-');
    const { noise, gradient } = images(28, 28, 1);
    const writer = new PngWriter(28, 1);
    writer.write([{ file: path.join(dir, '0.png'), pixels: noise }]);
    expect(await writer.done()).toHaveLength(1);
    writer.write([{ file: path.join(dir, '1.png'), pixels: gradient }, { file: path.join(dir, '2.png'), pixels: noise }]);
    const hashes = await writer.done();
    expect(hashes).toHaveLength(2);
    expect(hashes[0]).toBe(createHash('sha256').update(await readFile(path.join(dir, '1.png'))).digest('hex'));
  });

  it('writes each image to its file and returns the hash of the bytes on disk', async () => {
    const dir = await tempDir('png-');
    const { noise, gradient } = images(28, 28, 1);
    const items = [
      { file: path.join(dir, 'a', '0.png'), pixels: noise },
      { file: path.join(dir, 'b', 'nested', '1.png'), pixels: gradient },
    ];
    const hashes = await writePngs(items, 28, 1);
    for (const [i, item] of items.entries()) {
      const bytes = await readFile(item.file);
      expect(hashes[i]).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(Buffer.from((await decode(bytes)).data).equals(Buffer.from(item.pixels))).toBe(true);
    }
  });
});
