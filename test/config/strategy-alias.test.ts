/** imbalanced-learn's spellings of the named strategies are read as ours, in a config and in --set. */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';

describe('balance.strategy aliases', () => {
  it.each([
    ["'not majority'", 'not-majority'],
    ["'not minority'", 'not-minority'],
    ['auto', 'auto'],
    ['not-majority', 'not-majority'],
  ])('%s → %s', (written, read) => {
    const { config } = parseConfigText(`input: x\nbalance:\n  strategy: ${written}\n`, 'c.yaml');
    expect(config.balance.strategy).toBe(read);
  });

  it('names the aliases when a strategy is unknown', () => {
    expect(() => parseConfigText('input: x\nbalance:\n  strategy: most\n', 'c.yaml')).toThrow(/problem/);
    try {
      parseConfigText('input: x\nbalance:\n  strategy: most\n', 'c.yaml');
    } catch (e) {
      expect((e as { problems: string[] }).problems[0]).toContain('"not majority"');
    }
  });
});
