import { describe, expect, it } from 'vitest';
import { sharePercent } from '../../src/util/text.js';

describe('sharePercent', () => {
  it('a whole number where it is true to the share, never 0 or 100 for a share that is neither', () => {
    expect(sharePercent(171, 180)).toBe('95');
    expect(sharePercent(0, 180)).toBe('0');
    expect(sharePercent(180, 180)).toBe('100');
    expect(sharePercent(1896, 1900)).toBe('99.8');
    expect(sharePercent(4, 1900)).toBe('0.2');
    expect(sharePercent(19_999, 20_000)).toBe('over 99.9');
    expect(sharePercent(1, 20_000)).toBe('under 0.1');
  });
});
