/**
 * The hostile corpus: a labelled folder with everything real datasets throw at an ingester, built in a
 * temp dir, with what must become of each entry. Shared by the unit and the end-to-end tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { FIXTURE } from '../helpers/tmp.js';

export interface Expected {
  /** Relative to the input folder, forward slashes; folders end with `/`. */
  path: string;
  status: 'ingested' | 'ignored' | 'rejected';
  reason?: RegExp;
}

export const UNICODE_CLASS = 'Épée ☂ class';
export const EMPTY_CLASS = 'empty class';

/** A bottom-left-white 20 × 10 grey image, stored with EXIF orientation 6 (shown rotated 90° clockwise). */
export async function exifRotatedJpeg(): Promise<Buffer> {
  const px = Buffer.alloc(20 * 10);
  for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) px[y * 20 + x] = 255;
  return sharp(px, { raw: { width: 20, height: 10, channels: 1 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
}

/** A 24-bit BMP (sharp writes none; the format is 54 bytes of header and bottom-up rows). */
export function bmp(width: number, height: number): Buffer {
  const row = Math.ceil((width * 3) / 4) * 4;
  const b = Buffer.alloc(54 + row * height, 0x80);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(0, 6);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(0, 30);
  b.writeUInt32LE(row * height, 34);
  return b;
}

const noise = (n: number, seed = 1) => {
  const b = Buffer.alloc(n);
  let s = seed;
  for (let i = 0; i < n; i++) b[i] = (s = (s * 1103515245 + 12345) >>> 0) >>> 24;
  return b;
};

/**
 * Writes the corpus into `<dir>/in` (and a folder `<dir>/outside` that a class links to) and returns the
 * input folder and the expected outcome of every entry.
 */
export async function buildHostileCorpus(dir: string, opts: { fifo?: boolean } = {}): Promise<{ input: string; expected: Expected[] }> {
  const input = path.join(dir, 'in');
  const expected: Expected[] = [];
  const put = async (rel: string, data: Buffer | string, status: Expected['status'], reason?: RegExp) => {
    await mkdir(path.dirname(path.join(input, rel)), { recursive: true });
    await writeFile(path.join(input, rel), data);
    expected.push({ path: rel, status, ...(reason ? { reason } : {}) });
  };
  const link = async (rel: string, target: string, status: Expected['status'], reason?: RegExp, folder = false) => {
    await mkdir(path.dirname(path.join(input, rel)), { recursive: true });
    await symlink(target, path.join(input, rel));
    expected.push({ path: folder ? `${rel}/` : rel, status, ...(reason ? { reason } : {}) });
  };
  const real = (name: string) => readFile(path.join(FIXTURE, 'shirt', name));
  const rgbNoise = (w: number, h: number, seed: number) => sharp(noise(w * h * 3, seed), { raw: { width: w, height: h, channels: 3 } });

  // Root: stray files, hidden things, archive metadata, an empty class.
  await put('stray.txt', 'notes', 'ignored', /file at the root/);
  await put('stray.png', await real('shirt-0000.png'), 'ignored', /file at the root/);
  await put('.DS_Store', Buffer.alloc(64), 'ignored', /hidden file/);
  await put('.thumbnails/a.png', await real('shirt-0000.png'), 'ignored', /hidden folder/);
  expected.pop();
  expected.push({ path: '.thumbnails/', status: 'ignored', reason: /hidden folder/ });
  await put('__MACOSX/shirts/._a.png', 'x', 'ignored');
  expected.pop();
  expected.push({ path: '__MACOSX/', status: 'ignored', reason: /macOS archive metadata/ });
  await mkdir(path.join(input, EMPTY_CLASS), { recursive: true });

  // shirts: every format and every way a file can go wrong.
  const s = 'shirts';
  for (let i = 0; i < 6; i++) await put(`${s}/ok-0${i}.png`, await real(`shirt-000${i}.png`), 'ingested');
  await put(`${s}/UPPER.PNG`, await real('shirt-0006.png'), 'ingested');
  await put(`${s}/Mixed.Jpeg`, await rgbNoise(32, 32, 2).jpeg().toBuffer(), 'ingested');
  await put(`${s}/rgba.png`, await sharp({ create: { width: 30, height: 30, channels: 4, background: { r: 9, g: 200, b: 9, alpha: 0.3 } } }).png().toBuffer(), 'ingested');
  await put(`${s}/sixteen-bit.png`, await rgbNoise(40, 40, 3).toColourspace('rgb16').png().toBuffer(), 'ingested');
  await put(`${s}/cmyk.jpg`, await rgbNoise(40, 40, 4).toColourspace('cmyk').jpeg().toBuffer(), 'ingested');
  await put(`${s}/palette.png`, await rgbNoise(40, 40, 5).png({ palette: true, colours: 16 }).toBuffer(), 'ingested');
  await put(`${s}/grey-alpha.png`, await sharp({ create: { width: 30, height: 30, channels: 4, background: { r: 90, g: 90, b: 90, alpha: 0.5 } } }).toColourspace('b-w').png().toBuffer(), 'ingested');
  await put(`${s}/photo-4000x3000.jpg`, await sharp({ create: { width: 4000, height: 3000, channels: 3, background: '#808080' } }).jpeg().toBuffer(), 'ingested');
  await put(`${s}/thin-1x500.png`, await sharp({ create: { width: 1, height: 500, channels: 3, background: '#ffffff' } }).png().toBuffer(), 'ingested');
  await put(`${s}/scan.tiff`, await rgbNoise(40, 40, 6).tiff().toBuffer(), 'ingested');
  await put(`${s}/anim.gif`, await rgbNoise(40, 40, 7).gif().toBuffer(), 'ingested');
  await put(`${s}/img.webp`, await rgbNoise(40, 40, 8).webp().toBuffer(), 'ingested');
  await put(`${s}/exif-rotated.jpg`, await exifRotatedJpeg(), 'ingested');
  await put(`${s}/misnamed-jpeg.png`, await rgbNoise(32, 32, 9).jpeg().toBuffer(), 'ingested');
  await put(`${s}/zero-bytes.png`, Buffer.alloc(0), 'rejected', /^empty file \(0 bytes\)$/);
  const png = await rgbNoise(64, 64, 10).png().toBuffer();
  await put(`${s}/truncated.png`, png.subarray(0, png.length >> 1), 'rejected', /^PNG cannot be decoded \(libvips: .*read error/);
  const jpg = await rgbNoise(256, 256, 11).jpeg().toBuffer();
  await put(`${s}/half-copied.jpg`, jpg.subarray(0, jpg.length >> 1), 'rejected', /^JPEG cannot be decoded \(libvips: .*premature end/i);
  await put(`${s}/text.png`, 'this is not a PNG, it is text\n', 'rejected', /^not an image: the content is text/);
  await put(`${s}/garbage.jpg`, noise(300, 12), 'rejected', /^not an image: the content is no image format/);
  await put(`${s}/windows.bmp`, bmp(8, 8), 'rejected', /^BMP is not readable by this build of sharp/);
  await put(`${s}/notes.txt`, 'hello', 'ignored', /^not an image: extension "\.txt"/);
  await put(`${s}/README`, 'hello', 'ignored', /extension "\(none\)"/);
  await put(`${s}/.hidden.png`, await real('shirt-0007.png'), 'ignored', /^hidden file$/);
  await put(`${s}/nested/deeper/n1.png`, await real('shirt-0008.png'), 'ingested');
  await link(`${s}/nested/loop`, '..', 'ignored', /^symlink loop .*points back to shirts\/, which contains it/, true);
  await link(`${s}/self-loop.png`, 'self-loop.png', 'rejected', /symlink loop/);
  await link(`${s}/dangling.png`, 'no-such-file.png', 'rejected', /^dangling symlink \(→ no-such-file\.png\)/);
  await link(`${s}/dangling.txt`, 'nowhere', 'ignored', /^dangling symlink/);
  await link(`${s}/link-to-ok.png`, 'ok-00.png', 'ingested');
  if (opts.fifo && spawnSync('mkfifo', [path.join(input, s, 'pipe.png')]).status === 0) {
    expected.push({ path: `${s}/pipe.png`, status: 'ignored', reason: /named pipe/ });
  }

  // dresses: nested folders and a link to a folder outside the input.
  await put('dresses/d1.png', await readFile(path.join(FIXTURE, 'dress', 'dress-0000.png')), 'ingested');
  await put('dresses/2024/summer/d2.png', await readFile(path.join(FIXTURE, 'dress', 'dress-0001.png')), 'ingested');
  const outside = path.join(dir, 'outside');
  await mkdir(outside, { recursive: true });
  await writeFile(path.join(outside, 'd3.png'), await readFile(path.join(FIXTURE, 'dress', 'dress-0002.png')));
  await symlink(outside, path.join(input, 'dresses', 'more'));
  expected.push({ path: 'dresses/more/d3.png', status: 'ingested' });
  await link('dresses/again', '2024', 'ignored', /already searched/, true);

  // A unicode class name with spaces, kept exactly as the label.
  await put(`${UNICODE_CLASS}/ü 1.png`, await readFile(path.join(FIXTURE, 'coat', 'coat-0000.png')), 'ingested');
  await put(`${UNICODE_CLASS}/ü 2.png`, await readFile(path.join(FIXTURE, 'coat', 'coat-0001.png')), 'ingested');
  return { input, expected };
}
