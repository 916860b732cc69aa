/**
 * Images with the same pixels once decoded ("twins"): a copy of an image inside the input folder, or a test
 * image that is a training image. A split that puts one twin on each side holds out an image it trains on.
 * Pure (hashing only).
 */
import { createHash } from 'node:crypto';

/** A key for one decoded image's pixels (row `row` of `pixels`, `per` bytes each). */
export function pixelKey(pixels: Uint8Array, row: number, per: number): string {
  return createHash('sha1').update(pixels.subarray(row * per, (row + 1) * per)).digest('hex');
}

/** The first `count` images of `pixels`, by pixel key → the first row with those pixels. */
export function pixelRows(pixels: Uint8Array, count: number, per: number): Map<string, number> {
  const seen = new Map<string, number>();
  for (let row = 0; row < count; row++) {
    const key = pixelKey(pixels, row, per);
    if (!seen.has(key)) seen.set(key, row);
  }
  return seen;
}

/**
 * For each of `images` (or of its rows `rows`, by position), the first one with the same pixels (itself where
 * none comes before it); `null` when no two are alike, the common case, so a split can stay the plain one.
 */
export function twinGroups(images: { pixels: Uint8Array; count: number; size: number; channels: number }, rows?: readonly number[]): Int32Array | null {
  const per = images.size * images.size * images.channels;
  const n = rows ? rows.length : images.count;
  const first = new Map<string, number>();
  const group = new Int32Array(n);
  let twins = false;
  for (let k = 0; k < n; k++) {
    const key = pixelKey(images.pixels, rows ? rows[k]! : k, per);
    const g = first.get(key);
    if (g === undefined) {
      first.set(key, k);
      group[k] = k;
    } else {
      group[k] = g;
      twins = true;
    }
  }
  return twins ? group : null;
}
