/** The filter, features and quality sections of the config: defaults, and every invalid value named. */
import { describe, expect, it } from 'vitest';
import { featureClassifierSteps } from '../../src/classifier/budget.js';
import { parseConfigText } from '../../src/config/load.js';
import { UserError } from '../../src/errors.js';

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, 'c.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).problems;
  }
  throw new Error('expected the config to be rejected');
}

describe('filter, features and quality settings', () => {
  it('default to near-copy, label, then the top by discriminator, filling a shortfall by oversampling; the classifier extractor; no gate', () => {
    const { config } = parseConfigText('input: a\n', '/p/c.yaml');
    expect(config.filter).toMatchObject({ order: ['near-copy', 'label', 'discriminator'], discriminator: 'top', nearCopyCalibration: 'pooled', keepRejected: false, shortfall: 'oversample' });
    expect(config.features).toMatchObject({ extractor: 'classifier', model: null, cache: true, classifier: { widths: [16, 32, 64], steps: 'auto' } });
    // auto: 400 steps up to 10 classes (as the fixed default was), 40 a class beyond.
    expect([2, 10, 11, 30].map((k) => featureClassifierSteps(config.features.classifier.steps, k))).toEqual([400, 400, 440, 1200]);
    expect(featureClassifierSteps(60, 30)).toBe(60);
    expect(config.quality).toEqual({ maxFid: null, maxKid: null, minSpread: null, onFail: 'warn', kidSubsets: 100, kidSubsetSize: 1000 });
  });

  it.each([
    ['filter:\n  order: [label, nope]\n', 'filter.order.1 (line 3): expected one of "near-copy", "label", "discriminator", "usefulness", "coverage", received "nope"'],
    ['filter:\n  order: [label, label]\n', 'filter.order (line 3): expected each filter at most once, received a list'],
    ['filter:\n  discriminator: best\n', 'filter.discriminator (line 3): expected one of "top", "fraction", "threshold", "drs", received "best"'],
    ['filter:\n  drsPercentile: 101\n', 'filter.drsPercentile (line 3): expected a number between 0 and 100, received 101'],
    ['filter:\n  minLabelProb: 1.5\n', 'filter.minLabelProb (line 3): expected a number between 0 and 1, received 1.5'],
    ['filter:\n  nearCopySpaces: [color]\n', 'filter.nearCopySpaces.0 (line 3): expected one of "feature", "pixel", received "color"'],
    ['filter:\n  nearCopyCalibration: global\n', 'filter.nearCopyCalibration (line 3): expected one of "pooled", "class", received "global"'],
    ['features:\n  extractor: layers\n', 'features.model (line 3): required, expected a model.json path when features.extractor is "layers"'],
    ['features:\n  mean: [1, 2, 3, 4]\n', 'features.mean (line 3): expected a list of 1 or 3 numbers, received a list'],
    ['features:\n  channels: 2\n', 'features.channels (line 3): expected 1 (grayscale) or 3 (RGB), received 2'],
    ['features:\n  classifier:\n    steps: 0\n', 'features.classifier.steps (line 4): expected a positive integer or "auto", received 0'],
    ['quality:\n  onFail: explode\n', 'quality.onFail (line 3): expected one of "warn", "fail", received "explode"'],
    ['quality:\n  maxFid: -1\n', 'quality.maxFid (line 3): expected a number ≥ 0 or null, received -1'],
  ])('%j → %s', (text, message) => {
    expect(problemsOf(`input: a\n${text}`)).toEqual([message]);
  });
});
