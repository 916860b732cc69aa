/**
 * Config text written to hurt: YAML alias bombs and undefined aliases, aliases in --set, duplicate keys,
 * tens of thousands of unknown keys, an oversized file. Each is a keyed config error (UserError, exit 2),
 * never an internal error.
 */
import { describe, expect, it } from 'vitest';
import { MAX_CONFIG_BYTES, parseConfigText } from '../../src/config/load.js';
import { UserError } from '../../src/errors.js';

function rejection(text: string, set: string[] = []): UserError {
  try {
    parseConfigText(text, 'c.yaml', { set });
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return err as UserError;
  }
  throw new Error('expected the config to be rejected');
}

const LAUGHS = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat('bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`))
  .join('\n');

describe('hostile config text', () => {
  it('an alias bomb ("billion laughs") is a config error naming where its aliases are', () => {
    const e = rejection(`input: x\n${LAUGHS}\n`);
    expect(e.message).toMatch(/aliases expand to more than \d+ copies/);
    expect(e.problems[0]).toMatch(/^b\.0 \(line 3\): \*a$/);
  });

  it('an alias without its anchor is keyed at its line', () => {
    expect(rejection('input: x\ntrain:\n  steps: *nope\n').problems).toEqual(['train.steps (line 3): the alias *nope names no anchor (&nope) defined before it']);
    // an anchor after the alias does not count
    expect(rejection('input: x\nseed: *s\nout: &s o\n').problems).toEqual(['seed (line 2): the alias *s names no anchor (&s) defined before it']);
  });

  it('an ordinary anchor and alias still work', () => {
    const { config } = parseConfigText('input: &in data\nout: *in\ntrain:\n  steps: &n 12\n  logEvery: *n\n', '/p/c.yaml');
    expect(config.out).toBe('/p/data');
    expect(config.train.logEvery).toBe(12);
  });

  it('--set values with an alias or broken YAML name the flag', () => {
    expect(rejection('input: x\n', ['train.steps=*x']).problems).toEqual([
      `--set train.steps=*x: *x is a YAML alias, and a --set value has no anchor to refer to; quote it to pass it as text (--set 'key="*x"')`,
    ]);
    expect(rejection('input: x\n', ['gan.mode=[*a, 1]']).problems[0]).toMatch(/^--set gan\.mode=\[\*a, 1\]: \*a is a YAML alias/);
    expect(rejection('input: x\n', ['gan.mode=[']).problems[0]).toMatch(/^--set gan\.mode=\[: the value is not valid YAML/);
    // quoted, it is text
    expect(rejection('input: x\n', ['train.steps="*x"']).problems).toEqual(['train.steps (--set train.steps="*x"): expected a positive integer, received "*x"']);
  });

  it('a duplicate key is keyed at its second line', () => {
    expect(rejection('input: x\ntrain:\n  steps: 3\n  steps: 4\n').problems).toEqual(['train.steps (line 4): duplicate key (first at line 3); a key may appear once in its map']);
  });

  it('40,000 unknown keys: the first 20 listed with their lines, then how many more', () => {
    const text = `input: x\n${Array.from({ length: 40_000 }, (_, i) => `k${i}x: 1`).join('\n')}\n`;
    expect(text.length).toBeLessThan(MAX_CONFIG_BYTES);
    const e = rejection(text);
    expect(e.problems).toHaveLength(21);
    expect(e.problems[0]).toMatch(/^k0x \(line 2\): unknown key \(known: input, out,/);
    expect(e.problems[20]).toBe('(config): … and 39980 more unknown keys');
  }, 20_000);

  it('a config over the size cap is refused before it is parsed', () => {
    const e = rejection(`input: x\n# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
    expect(e.message).toMatch(/^c\.yaml: the config is 1\.0 MB; a config file may be at most 1\.0 MB/);
  });
});
