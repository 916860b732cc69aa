/**
 * decodeImage / decodeAll: orientation, alpha, bit depth, colour spaces, fit, kernel, channels, and the
 * reasons given for files that cannot be decoded.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { decodeAll, decodeImage, failureReason, sniffFormat, type DecodeSettings } from '../../src/dataset/decode.js';
import { tempDir } from '../helpers/tmp.js';
import { bmp, exifRotatedJpeg } from './hostile.js';
import { asRun } from '../helpers/config.js';

const settings = (over: Partial<DecodeSettings> = {}): DecodeSettings => ({
  ...asRun(parseConfigText('input: x\n', '(test)').config).decode,
  ...over,
});
const mean = (a: Uint8Array) => a.reduce((s, v) => s + v, 0) / a.length;
const solid = (w: number, h: number, background: string | { r: number; g: number; b: number; alpha?: number }, channels: 3 | 4 = 3) => sharp({ create: { width: w, height: h, channels, background } });

describe('decodeImage', () => {
  it('applies the EXIF orientation (a landscape image tagged "rotate 90°" comes out portrait)', async () => {
    // Stored 20×10 with the left half white; orientation 6 shows it rotated clockwise: top half white.
    const px = await decodeImage(await exifRotatedJpeg(), settings({ size: 8, fit: 'fill', channels: 1 }));
    const top = px.subarray(0, 8 * 4);
    const bottom = px.subarray(8 * 4);
    expect(mean(top)).toBeGreaterThan(200);
    expect(mean(bottom)).toBeLessThan(40);
  });

  it('flattens alpha onto decode.background', async () => {
    const clear = await solid(16, 16, { r: 0, g: 0, b: 0, alpha: 0 }, 4).png().toBuffer();
    expect([...(await decodeImage(clear, settings({ size: 8, background: '#ffffff' })))]).toEqual(new Array(64).fill(255));
    expect([...(await decodeImage(clear, settings({ size: 8, background: '#000000' })))]).toEqual(new Array(64).fill(0));
    const half = await solid(16, 16, { r: 100, g: 100, b: 100, alpha: 0.5 }, 4).toColourspace('b-w').png().toBuffer();
    expect(mean(await decodeImage(half, settings({ size: 8, background: 'white' })))).toBeCloseTo(177, -1);
  });

  it('scales 16-bit to 8-bit (not truncates)', async () => {
    const sixteen = await solid(16, 16, { r: 128, g: 128, b: 128 }).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(sixteen).metadata()).depth).toBe('ushort');
    const px = await decodeImage(sixteen, settings({ size: 8, channels: 3 }));
    expect(Math.abs(mean(px) - 128)).toBeLessThanOrEqual(1);
  });

  it.each([
    ['CMYK JPEG', () => solid(16, 16, { r: 200, g: 50, b: 50 }).toColourspace('cmyk').jpeg().toBuffer()],
    ['palette PNG', () => solid(16, 16, { r: 200, g: 50, b: 50 }).png({ palette: true }).toBuffer()],
    ['RGB PNG', () => solid(16, 16, { r: 200, g: 50, b: 50 }).png().toBuffer()],
  ])('normalises a %s to sRGB or luminance', async (_name, make) => {
    const input = await make();
    const rgb = await decodeImage(input, settings({ size: 8, channels: 3 }));
    expect(rgb.length).toBe(8 * 8 * 3);
    expect(rgb[0]).toBeGreaterThan(170); // red stays red
    expect(rgb[1]).toBeLessThan(70);
    const grey = await decodeImage(input, settings({ size: 8, channels: 1 }));
    expect(grey.length).toBe(64);
    expect(Math.max(...grey) - Math.min(...grey)).toBeLessThanOrEqual(2);
  });

  it('turns a grey image into 3 equal channels', async () => {
    const grey = await solid(16, 16, { r: 77, g: 77, b: 77 }).toColourspace('b-w').png().toBuffer();
    expect(new Set(await decodeImage(grey, settings({ size: 8, channels: 3 })))).toEqual(new Set([77]));
  });

  it.each([
    // A 40×10 white image: cover crops it to white, contain pads it with the background, fill stretches it.
    ['cover', 255, 255],
    ['contain', 0, 255],
    ['fill', 255, 255],
  ] as const)('fit %s', async (fit, corner, centre) => {
    const px = await decodeImage(await solid(40, 10, '#ffffff').png().toBuffer(), settings({ size: 8, fit, background: '#000000' }));
    expect(px[0]).toBe(corner);
    expect(px[4 * 8 + 4]).toBe(centre);
  });

  it('resizes with decode.kernel', async () => {
    const stripes = Buffer.alloc(32 * 32);
    for (let i = 0; i < stripes.length; i++) stripes[i] = (i % 32) % 4 < 2 ? 255 : 0;
    const input = await sharp(stripes, { raw: { width: 32, height: 32, channels: 1 } }).png().toBuffer();
    const nearest = await decodeImage(input, settings({ size: 12, kernel: 'nearest' }));
    const lanczos = await decodeImage(input, settings({ size: 12, kernel: 'lanczos3' }));
    expect(new Set(nearest)).toEqual(new Set([0, 255]));
    expect([...lanczos]).not.toEqual([...nearest]);
  });

  it('decodes a 1×500 sliver and a 4000×3000 photo to size × size', async () => {
    const s = settings({ size: 12 });
    expect((await decodeImage(await solid(1, 500, '#ffffff').png().toBuffer(), s)).length).toBe(144);
    expect((await decodeImage(await solid(4000, 3000, '#808080').jpeg().toBuffer(), s)).length).toBe(144);
  });
});

describe('why a file is rejected', () => {
  it.each([
    ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]],
    ['jpeg', [0xff, 0xd8, 0xff, 0xe0]],
    ['gif', [...Buffer.from('GIF89a')]],
    ['webp', [...Buffer.from('RIFF\0\0\0\0WEBP')]],
    ['tiff', [0x49, 0x49, 0x2a, 0x00]],
    ['bmp', [...Buffer.from('BM')]],
    [null, [...Buffer.from('hello')]],
    [null, []],
  ])('sniffs %s', (format, bytes) => {
    expect(sniffFormat(Uint8Array.from(bytes))).toBe(format);
  });

  it('says BMP is not readable by this sharp build, and what to do', async () => {
    const err = await decodeImage(bmp(4, 4), settings()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(failureReason(err, bmp(4, 4))).toMatch(/^BMP is not readable by this build of sharp [\d.]+ \/ libvips [\d.]+; convert it/);
  });

  it('tells text from binary junk', () => {
    const err = new Error('Input buffer contains unsupported image format');
    expect(failureReason(err, Buffer.from('hello, world\n'))).toMatch(/^not an image: the content is text/);
    expect(failureReason(err, Buffer.from([0, 1, 2, 250]))).toMatch(/^not an image: the content is no image format/);
  });
});

describe('decodeAll', () => {
  it('keeps order, leaves failures out, reports them with the index, and compacts in place', async () => {
    const dir = await tempDir();
    const files: string[] = [];
    for (const [i, v] of [10, 20, -1, 30, -1, 40].entries()) {
      const f = path.join(dir, `${i}.png`);
      await writeFile(f, v < 0 ? 'junk' : await solid(4, 4, { r: v, g: v, b: v }).png().toBuffer());
      files.push(f);
    }
    const r = await decodeAll(files, settings({ size: 8 }), { concurrency: 3 });
    expect(r.kept).toEqual([0, 1, 3, 5]);
    expect(r.failures.map((f) => f.index)).toEqual([2, 4]);
    expect(r.images.count).toBe(4);
    expect(r.images.pixels.length).toBe(4 * 64);
    expect([0, 1, 2, 3].map((k) => r.images.pixels[k * 64])).toEqual([10, 20, 30, 40]);
    expect(r.decoded).toBe(6);
    expect(r.hashes.every((h) => /^[\w-]{43}$/.test(h))).toBe(true);
    const v = await decodeAll(files, settings({ size: 8 }), { keepPixels: false });
    expect([v.kept, v.images.pixels.length]).toEqual([[0, 1, 3, 5], 0]);
  });

  it('gives each failed file its own reason when many fail at once (libvips shares one error buffer)', async () => {
    const dir = await tempDir();
    const noisy = (seed: number) => sharp(Buffer.from(Array.from({ length: 96 * 96 * 3 }, (_, i) => (i * 131 + seed * 17) % 251)), { raw: { width: 96, height: 96, channels: 3 } });
    const png = await noisy(1).png().toBuffer();
    const jpg = await noisy(2).jpeg().toBuffer();
    const files: string[] = [];
    for (let i = 0; i < 48; i++) {
      const f = path.join(dir, `${i}.${i % 2 ? 'jpg' : 'png'}`);
      await writeFile(f, i % 2 ? jpg.subarray(0, jpg.length >> 1) : png.subarray(0, png.length >> 1));
      files.push(f);
    }
    const r = await decodeAll(files, settings(), { concurrency: 8 });
    expect(r.failures).toHaveLength(48);
    const wrong = r.failures.filter((f) => !(f.index % 2 ? /^JPEG cannot be decoded \(libvips: .*premature end/i : /^PNG cannot be decoded \(libvips: .*read error/).test(f.reason));
    expect(wrong).toEqual([]);
  });

  it('reports a missing file as rejected instead of throwing', async () => {
    const r = await decodeAll(['/nonexistent/x.png'], settings());
    expect(r.failures).toEqual([{ index: 0, reason: 'cannot be read: ENOENT', cacheable: false }]);
  });

  it('reads large files asynchronously and a named pipe not at all', async () => {
    const dir = await tempDir();
    const big = path.join(dir, 'big.png');
    const noisy = Buffer.alloc(400 * 400 * 3);
    for (let i = 0; i < noisy.length; i++) noisy[i] = (i * 2654435761) >>> 24;
    await writeFile(big, await sharp(noisy, { raw: { width: 400, height: 400, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer());
    const files = [big];
    const fifo = path.join(dir, 'pipe.png');
    if (spawnSync('mkfifo', [fifo]).status === 0) files.push(fifo);
    const r = await decodeAll(files, settings({ size: 8 }));
    expect(r.kept).toEqual([0]);
    expect(r.failures).toEqual(files.length > 1 ? [{ index: 1, reason: 'cannot be read: not a regular file', cacheable: false }] : []);
  });

  it('stops taking files when aborted', async () => {
    const dir = await tempDir();
    const f = path.join(dir, 'a.png');
    await writeFile(f, await solid(4, 4, '#fff').png().toBuffer());
    const ac = new AbortController();
    ac.abort();
    const r = await decodeAll([f, f, f], settings(), { signal: ac.signal });
    expect([r.aborted, r.kept.length, r.failures.length]).toEqual([true, 0, 0]);
  });
});
