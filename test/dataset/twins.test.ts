import { describe, expect, it } from 'vitest';
import { twinGroups } from '../../src/dataset/twins.js';

/** Four 2×2 gray images: 0 and 2 alike, 1 and 3 different. */
const images = { pixels: Uint8Array.from([1, 2, 3, 4, 9, 9, 9, 9, 1, 2, 3, 4, 1, 2, 3, 5]), count: 4, size: 2, channels: 1 };

describe('twinGroups', () => {
  it('maps each image to the first one with the same pixels', () => {
    expect([...twinGroups(images)!]).toEqual([0, 1, 0, 3]);
  });

  it('is null when no two images are alike (one differing byte is enough)', () => {
    expect(twinGroups({ ...images, count: 2 })).toBeNull();
    expect(twinGroups(images, [1, 2, 3])).toBeNull();
  });

  it('over a subset of rows, counts by position in the subset', () => {
    expect([...twinGroups(images, [3, 2, 1, 0])!]).toEqual([0, 1, 2, 1]);
  });
});
