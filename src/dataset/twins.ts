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
  return firstRows(count, (row) => pixelKey(pixels, row, per)).first;
}

/** Rows 0…n−1 by key (`keyOf`): each key's first row, and each row's first row with its key. */
function firstRows(n: number, keyOf: (row: number) => string): { first: Map<string, number>; group: Int32Array; twins: boolean } {
  const first = new Map<string, number>();
  const group = new Int32Array(n);
  let twins = false;
  for (let row = 0; row < n; row++) {
    const key = keyOf(row);
    const g = first.get(key);
    if (g === undefined) first.set(key, row);
    else twins = true;
    group[row] = g ?? row;
  }
  return { first, group, twins };
}

/**
 * For each of `images` (or of its rows `rows`, by position), the first one with the same pixels (itself where
 * none comes before it); `null` when no two are alike, the common case, so a split can stay the plain one.
 */
export function twinGroups(images: { pixels: Uint8Array; count: number; size: number; channels: number }, rows?: readonly number[]): Int32Array | null {
  const per = images.size * images.size * images.channels;
  const { group, twins } = firstRows(rows ? rows.length : images.count, (k) => pixelKey(images.pixels, rows ? rows[k]! : k, per));
  return twins ? group : null;
}
