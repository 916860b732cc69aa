/**
 * A PNG encoder for the generator's output: 8-bit grayscale or RGB, no interlacing, no ancillary chunks.
 *
 * Why not sharp, which reads everything here: one sharp pipeline costs about 1 ms of fixed overhead, which for
 * a 28×28 image is nearly all of it and made writing PNGs slower than sampling them (see README
 * "Performance"). This writer filters the rows in JS and deflates with zlib: ~0.1 ms at 28×28. It runs on
 * a worker thread (png-worker.ts), so files are written while the main thread samples the next batch.
 * Sharp still decodes everything, and the tests read these files back through it.
 */
import { deflateSync } from 'node:zlib';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, as PNG uses) of `bytes`. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** The heuristic's cost of a filtered byte: its magnitude as a signed byte. */
const COST = Uint8Array.from({ length: 256 }, (_, v) => (v < 128 ? v : 256 - v));

/**
 * The PNG scanline stream: each row prefixed by its filter type, the filter chosen per row by the
 * minimum sum of absolute differences (the libpng heuristic; the first type wins a tie), which keeps
 * files near libpng's size. One pass sums every type's cost, a second writes the chosen one: trying the
 * types one after another made this half of a PNG's encoding time.
 */
export function filterRows(pixels: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const stride = width * channels;
  const out = new Uint8Array(height * (stride + 1));
  const costs = new Float64Array(5);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const up = row - stride;
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    let c4 = 0;
    for (let i = 0; i < stride; i++) {
      const x = pixels[row + i]!;
      const a = i >= channels ? pixels[row + i - channels]! : 0;
      const b = y > 0 ? pixels[up + i]! : 0;
      const c = i >= channels && y > 0 ? pixels[up + i - channels]! : 0;
      c0 += COST[x]!;
      c1 += COST[(x - a) & 0xff]!;
      c2 += COST[(x - b) & 0xff]!;
      c3 += COST[(x - ((a + b) >> 1)) & 0xff]!;
      c4 += COST[(x - paeth(a, b, c)) & 0xff]!;
    }
    costs[0] = c0;
    costs[1] = c1;
    costs[2] = c2;
    costs[3] = c3;
    costs[4] = c4;
    let type = 0;
    for (let t = 1; t < 5; t++) if (costs[t]! < costs[type]!) type = t;
    const o = y * (stride + 1);
    out[o] = type;
    for (let i = 0; i < stride; i++) {
      const x = pixels[row + i]!;
      const a = i >= channels ? pixels[row + i - channels]! : 0;
      const b = y > 0 ? pixels[up + i]! : 0;
      const c = i >= channels && y > 0 ? pixels[up + i - channels]! : 0;
      out[o + 1 + i] = (type === 0 ? x : type === 1 ? x - a : type === 2 ? x - b : type === 3 ? x - ((a + b) >> 1) : x - paeth(a, b, c)) & 0xff;
    }
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const buf = Buffer.alloc(12 + data.length);
  buf.writeUInt32BE(data.length, 0);
  buf.write(type, 4, 'latin1');
  buf.set(data, 8);
  buf.writeUInt32BE(crc32(buf, 4, 8 + data.length), 8 + data.length);
  return buf;
}

function assemble(width: number, height: number, channels: 1 | 3, compressed: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // colour type: grayscale or truecolour
  // [10..12] compression 0 (deflate), filter method 0, no interlace
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', compressed), chunk('IEND', new Uint8Array(0))]);
}

function check(pixels: Uint8Array, width: number, height: number, channels: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`encodePng: bad size ${width}×${height}`);
  if (channels !== 1 && channels !== 3) throw new RangeError(`encodePng: channels must be 1 or 3, received ${channels}`);
  if (pixels.length !== width * height * channels) {
    throw new RangeError(`encodePng: expected ${width * height * channels} bytes for ${width}×${height}×${channels}, received ${pixels.length}`);
  }
}

/** Encodes uint8 HWC pixels as a PNG (synchronously: the writer runs it on its own thread, png-worker.ts). */
export function encodePng(pixels: Uint8Array, width: number, height: number, channels: 1 | 3, level = 6): Buffer {
  check(pixels, width, height, channels);
  return assemble(width, height, channels, deflateSync(filterRows(pixels, width, height, channels), { level }));
}

