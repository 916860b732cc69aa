import { describe, expect, it } from 'vitest';
import { percentPair, sharePercent } from '../../src/util/text.js';

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

describe('percentPair', () => {
  it('one decimal, more where two different shares would print the same; equal shares stay at one', () => {
    expect(percentPair(0.743, 0.741)).toBe('74.3 % vs 74.1 %');
    expect(percentPair(0.65004, 0.65)).toBe('65.004 % vs 65.000 %');
    expect(percentPair(0.6502, 0.6499)).toBe('65.02 % vs 64.99 %');
    expect(percentPair(0.65, 0.65)).toBe('65.0 % vs 65.0 %');
    // Beyond three decimals it stops: a difference of 1e-7 still prints the same figure.
    expect(percentPair(0.6500001, 0.65)).toBe('65.000 % vs 65.000 %');
  });
});
