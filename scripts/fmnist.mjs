// Shared Fashion-MNIST helpers for scripts/ and bench/ (plain Node ESM, no deps
// except sharp, which is only loaded lazily by writeGrayPng).
//
// Data source: Debian's `dataset-fashion-mnist` package, which installs
//   /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
// Override the directory with the FMNIST_DIR environment variable.

import { readFileSync, existsSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';

export const DEFAULT_DIR = process.env.FMNIST_DIR || '/usr/share/datasets/fashion-mnist';

/** Class names in label-index order (folder names use these). */
export const CLASS_NAMES = Object.freeze([
  't-shirt',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'ankle-boot',
]);

export const IMAGE_SIZE = 28;
export const IMAGE_PIXELS = IMAGE_SIZE * IMAGE_SIZE;

const INSTALL_HINT =
  'Install the Debian package with `apt-get install dataset-fashion-mnist` ' +
  '(or point FMNIST_DIR at a folder holding the four *-ubyte.gz files).';

const IDX_TYPES = { 0x08: 'ubyte' }; // Fashion-MNIST only uses unsigned bytes.

/**
 * Read an IDX file (gzipped or plain) and return { dims, data }.
 * Only the unsigned-byte element type (0x08) is supported.
 * @param {string} path
 * @returns {{ dims: number[], data: Uint8Array }}
 */
export function readIdx(path) {
  if (!existsSync(path)) {
    throw new Error(`Fashion-MNIST file not found: ${path}\n${INSTALL_HINT}`);
  }
  let buf;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new Error(`Cannot read Fashion-MNIST file ${path}: ${err.message}`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw new Error(
        `Cannot gunzip ${path} (file is corrupt or truncated: ${err.message}). ` +
          `Reinstall with \`apt-get install --reinstall dataset-fashion-mnist\`.`,
      );
    }
  }
  if (buf.length < 4) {
    throw new Error(`Bad IDX file ${path}: only ${buf.length} bytes, header needs at least 4.`);
  }
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new Error(
      `Bad IDX file ${path}: magic must start with 0x0000, got 0x${buf.readUInt16BE(0).toString(16).padStart(4, '0')}.`,
    );
  }
  const type = buf[2];
  if (!IDX_TYPES[type]) {
    throw new Error(`Unsupported IDX element type 0x${type.toString(16)} in ${path} (only 0x08 unsigned byte).`);
  }
  const ndims = buf[3];
  if (ndims < 1) throw new Error(`Bad IDX file ${path}: zero dimensions.`);
  const headerLen = 4 + 4 * ndims;
  if (buf.length < headerLen) {
    throw new Error(`Bad IDX file ${path}: truncated header (${ndims} dims need ${headerLen} bytes).`);
  }
  const dims = [];
  for (let i = 0; i < ndims; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = buf.length - headerLen;
  if (actual !== expected) {
    throw new Error(
      `Bad IDX file ${path}: header dims [${dims.join('x')}] need ${expected} bytes of data, found ${actual}.`,
    );
  }
  // Copy out of the (possibly pooled) Buffer so callers own a compact array.
  const data = new Uint8Array(expected);
  data.set(buf.subarray(headerLen));
  return { dims, data };
}

/**
 * Load one split ('train' or 't10k') as flat arrays.
 * @param {'train'|'t10k'|'test'} split  ('test' is an alias for 't10k')
 * @param {{ dir?: string }} [opts]
 * @returns {{ images: Uint8Array, labels: Uint8Array, count: number, width: number, height: number }}
 */
export function loadSplit(split, opts = {}) {
  const name = split === 'test' ? 't10k' : split;
  if (name !== 'train' && name !== 't10k') {
    throw new Error(`Unknown Fashion-MNIST split "${split}" (expected "train" or "t10k").`);
  }
  const dir = opts.dir || DEFAULT_DIR;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`Fashion-MNIST directory not found: ${dir}\n${INSTALL_HINT}`);
  }
  const imgPath = join(dir, `${name}-images-idx3-ubyte.gz`);
  const lblPath = join(dir, `${name}-labels-idx1-ubyte.gz`);
  const img = readIdx(imgPath);
  const lbl = readIdx(lblPath);
  if (img.dims.length !== 3 || img.dims[1] !== IMAGE_SIZE || img.dims[2] !== IMAGE_SIZE) {
    throw new Error(`Unexpected image dims [${img.dims.join('x')}] in ${imgPath} (expected Nx28x28).`);
  }
  if (lbl.dims.length !== 1) {
    throw new Error(`Unexpected label dims [${lbl.dims.join('x')}] in ${lblPath} (expected N).`);
  }
  if (lbl.dims[0] !== img.dims[0]) {
    throw new Error(`Count mismatch: ${imgPath} has ${img.dims[0]} images but ${lblPath} has ${lbl.dims[0]} labels.`);
  }
  for (let i = 0; i < lbl.data.length; i++) {
    if (lbl.data[i] >= CLASS_NAMES.length) {
      throw new Error(`Label ${lbl.data[i]} at index ${i} in ${lblPath} is out of range 0..${CLASS_NAMES.length - 1}.`);
    }
  }
  return { images: img.data, labels: lbl.data, count: img.dims[0], width: IMAGE_SIZE, height: IMAGE_SIZE };
}

/**
 * Deterministic selection: the first counts[c] indices of each class, in file order.
 * Throws if a class has fewer images than requested.
 * @param {Uint8Array} labels
 * @param {number[]} counts  per-class counts, length 10 (Infinity = all)
 * @returns {number[][]}  indices per class
 */
export function firstNPerClass(labels, counts) {
  const out = CLASS_NAMES.map(() => []);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (out[c].length < counts[c]) out[c].push(i);
  }
  out.forEach((idx, c) => {
    if (Number.isFinite(counts[c]) && idx.length < counts[c]) {
      throw new Error(`Class ${CLASS_NAMES[c]} has only ${idx.length} images, ${counts[c]} requested.`);
    }
  });
  return out;
}

/** View of image i as a 28*28 Uint8Array (no copy). */
export function imageAt(images, i) {
  return images.subarray(i * IMAGE_PIXELS, (i + 1) * IMAGE_PIXELS);
}

let sharpPromise;
/**
 * Write one 28x28 grayscale image as an 8-bit single-channel PNG.
 * @param {Uint8Array} pixels  28*28 bytes
 * @param {string} file
 */
export async function writeGrayPng(pixels, file) {
  sharpPromise ??= import('sharp').then((m) => m.default);
  const sharp = await sharpPromise;
  await sharp(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), {
    raw: { width: IMAGE_SIZE, height: IMAGE_SIZE, channels: 1 },
  })
    .toColourspace('b-w')
    .png({ compressionLevel: 9 })
    .toFile(file);
}

/**
 * Run async tasks with bounded concurrency. `tasks` is an array of () => Promise.
 * Rejects on the first failure (remaining queued tasks are not started).
 */
export async function runPool(tasks, concurrency) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < tasks.length) {
      const i = next++;
      try {
        await tasks[i]();
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const n = Math.max(1, Math.min(concurrency, tasks.length));
  await Promise.all(Array.from({ length: n }, worker));
}

/** Zero-padded file index, at least 4 digits. */
export function padIndex(i, total) {
  return String(i).padStart(Math.max(4, String(Math.max(0, total - 1)).length), '0');
}
