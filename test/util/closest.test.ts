import { describe, expect, it } from 'vitest';
import { closest, didYouMean } from '../../src/util/closest.js';

describe('closest', () => {
  it.each([
    ['shrit', ['coat', 'shirt', 't-shirt'], 'shirt'], // two letters swapped: one edit
    ['stpes', ['steps', 'batchSize'], 'steps'],
    ['batchsize', ['steps', 'batchSize'], 'batchSize'], // case does not count
    ['discrimnator', ['near-copy', 'discriminator', 'label'], 'discriminator'],
    ['ankle boot', ['ankle-boot', 'bag'], 'ankle-boot'],
  ])('%s → %s', (word, options, hint) => expect(closest(word, options)).toBe(hint));

  it.each([
    ['zz', ['a', 'b', 'c']], // as many edits as letters: no typo
    ['dress', ['coat', 'shirt']],
    ['x', ['y']],
  ])('%s: no hint among %j', (word, options) => expect(closest(word, options)).toBeUndefined());

  it('didYouMean reads as a clause, or nothing', () => {
    expect(didYouMean('shrit', ['shirt'])).toBe('; did you mean "shirt"?');
    expect(didYouMean('shrit', ['shirt'], 'aside')).toBe(' (did you mean "shirt"?)');
    expect(didYouMean('zz', ['a'])).toBe('');
  });
});
