import { describe, expect, it } from 'vitest';
import { keepLabelConsistent, labelThreshold } from '../../src/filter/label-consistency.js';

describe('keepLabelConsistent', () => {
  const probs = [
    0.7, 0.2, 0.1, // 0
    0.5, 0.5, 0.0, // 1: exactly τ
    0.1, 0.1, 0.8, // 2
    0.5, 0.25, 0.25, // 3: exactly τ
  ];

  it.each([
    [0.5, 0, [0, 1, 3]], // a probability exactly τ is kept
    [0.51, 0, [0]],
    [0, 0, [0, 1, 2, 3]], // τ = 0 keeps all
    [1.01, 0, []], // all rejected
    [0.5, 2, [2]],
  ] as [number, number, number[]][])('τ %d, intended %d → %j', (tau, intended, kept) => {
    const d = keepLabelConsistent(probs, 3, intended, tau, ['coat', 'shirt', 'bag']);
    expect(d.kept).toEqual(kept);
    expect(d.rejected.map((r) => r.index)).toEqual([0, 1, 2, 3].filter((i) => !kept.includes(i)));
    expect(d.rejected.every((r) => r.reason === 'label')).toBe(true);
  });

  it('names the intended and the predicted class in the detail', () => {
    const d = keepLabelConsistent(probs, 3, 0, 0.5, ['coat', 'shirt', 'bag']);
    expect(d.rejected[0]!.detail).toBe('classifier gives "coat" p = 0.100 < 0.500; it sees "bag" (p = 0.800)');
  });

  it('takes one intended class per candidate', () => {
    expect(keepLabelConsistent(probs, 3, [0, 1, 2, 2], 0.5).kept).toEqual([0, 1, 2]);
  });

  it('handles empty input and refuses bad shapes', () => {
    expect(keepLabelConsistent([], 3, 0, 0.5)).toEqual({ kept: [], rejected: [], cut: 0.5 });
    expect(() => keepLabelConsistent([0.5, 0.5, 0], 2, 0, 0.5)).toThrow(/rows of 2 probabilities but received 3/);
    expect(() => keepLabelConsistent([0.5, 0.5], 2, 2, 0.5)).toThrow(/intended classes in \[0, 2\) but received 2/);
  });
});

describe('labelThreshold', () => {
  it('is τ, or the lower of τ and the quantile of the class\'s real images\' probabilities', () => {
    const real = [0.05, 0.1, 0.2, 0.3, 0.9];
    expect(labelThreshold(0.5, null, real)).toBe(0.5);
    expect(labelThreshold(0.5, 0.25, real)).toBeCloseTo(0.1);
    expect(labelThreshold(0.5, 0.5, real)).toBeCloseTo(0.2);
    // Real images surer of their class than τ do not raise it.
    expect(labelThreshold(0.5, 0.5, [0.8, 0.9, 0.95])).toBe(0.5);
    // No real training image to measure: τ.
    expect(labelThreshold(0.5, 0.25, [])).toBe(0.5);
  });
});
