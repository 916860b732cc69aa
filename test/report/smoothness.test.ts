import { describe, expect, it } from 'vitest';
import { smoothness } from '../../src/report/load.js';
import { Rng } from '../../src/util/rng.js';

/** Noise on a (size/4)² grid, nearest-neighbour upsampled 4× to size²: what an untrained `upsample` generator makes. */
function blockyNoise(size: number, rng: Rng): Uint8Array {
  const s = size / 4;
  const cells = Array.from({ length: s * s }, () => rng.int(256));
  const px = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) px[y * size + x] = cells[Math.floor(y / 4) * s + Math.floor(x / 4)]!;
  return px;
}

/** A smooth shape: a filled disc with a soft edge. */
function disc(size: number): Uint8Array {
  const px = new Uint8Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) px[y * size + x] = Math.max(0, Math.min(255, Math.round(255 * (9 - Math.hypot(x - 13.5, y - 13.5)) / 3)));
  return px;
}

describe('smoothness (the report verdict\'s structure figure)', () => {
  it('is not fooled by upsampled noise: near 0 on the coarse grid, although neighbouring pixels correlate', () => {
    const noise = blockyNoise(28, new Rng(7));
    expect(smoothness(noise, 28, 1, 1)).toBeGreaterThan(0.5); // per pixel the blocks look smooth
    expect(Math.abs(smoothness(noise, 28, 1))).toBeLessThan(0.3);
  });

  it('keeps shapes: a disc correlates on the coarse grid too', () => {
    expect(smoothness(disc(28), 28, 1)).toBeGreaterThan(0.5);
  });

  it('is 0 for a flat image, and handles sizes the pooling does not divide', () => {
    expect(smoothness(new Uint8Array(28 * 28).fill(9), 28, 1)).toBe(0);
    expect(Number.isFinite(smoothness(disc(28).subarray(0, 27 * 27), 27, 1))).toBe(true);
  });
});
