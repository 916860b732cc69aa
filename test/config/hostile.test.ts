/**
 * Config text written to hurt: YAML alias bombs and undefined aliases, aliases in --set, duplicate keys,
 * tens of thousands of unknown keys, an oversized file. Each is a keyed config error (UserError, exit 2),
 * never an internal error.
 */
import { describe, expect, it } from 'vitest';
import { BOUNDS, LIST_BOUNDS, MAX_CLASS_TARGET } from '../../src/config/bounds.js';
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

describe('upper bounds of sizes', () => {
  const yamlAt = (p: readonly (string | number)[], v: unknown) =>
    p.reduceRight<string>((inner, k, i) => (i === p.length - 1 ? `${'  '.repeat(i)}${k}: ${JSON.stringify(v)}` : `${'  '.repeat(i)}${k}:\n${inner}`), '');

  it.each(BOUNDS.map((b) => [b.path.join('.'), b] as const))('%s: one past its bound is a keyed problem; the bound itself passes its own check', (_name, b) => {
    // decode.size must also stay a multiple of 4
    const over = rejection(`input: x\n${yamlAt(b.path, b.max + (b.path.join('.') === 'decode.size' ? 4 : 1))}\n`).problems;
    expect(over).toContainEqual(expect.stringMatching(new RegExp(`^${b.path.join('\\.')} \\(line \\d+\\): expected at most [\\d,]+ \\(`)));
    try {
      parseConfigText(`input: x\n${yamlAt(b.path, b.max)}\n`, 'c.yaml');
    } catch (err) {
      // At its bound a setting may still break a cross-setting rule (decode.size 512 with the default widths), never its own.
      for (const p of (err as UserError).problems) expect(p.startsWith(`${b.path.join('.')} (`) && /expected at most [\d,]+ \(/.test(p)).toBe(false);
    }
  });

  it('list items, class targets and tensor sizes are bounded too; the defaults pass', () => {
    const lb = LIST_BOUNDS[0]!;
    expect(rejection(`input: x\nfeatures:\n  classifier:\n    widths: [16, ${lb.max + 1}]\n`).problems).toEqual([expect.stringMatching(/^features\.classifier\.widths\.1 \(line 4\): expected at most/)]);
    expect(rejection(`input: x\nbalance:\n  strategy:\n    coat: ${MAX_CLASS_TARGET + 1}\n`).problems).toEqual([expect.stringMatching(/^balance\.strategy\.coat \(line 4\): expected a target of at most 1,000,000 images/)]);
    expect(rejection('input: x\n', ['gan.latentDim=4096', 'gan.gWidth=4096']).problems).toEqual([
      expect.stringMatching(/^gan\.gWidth \(--set gan\.gWidth=4096\): expected at most 268,435,456 values in the generator's first layer/),
    ]);
    // Under conditional BN the class embedding is not in the first layer: the same widths fit.
    const wide = ['gan.latentDim=4096', 'gan.embedDim=4096', 'gan.gWidth=700'];
    expect(rejection('input: x\n', wide).problems).toEqual([expect.stringMatching(/^gan\.gWidth .*\(gan\.latentDim 4096 \+ gan\.embedDim 4096\)/)]);
    expect(() => parseConfigText('input: x\n', 'c.yaml', { set: [...wide, 'gan.conditioning=batchnorm'] })).not.toThrow();
    expect(rejection('input: x\n', ['decode.size=256', 'train.batchSize=1024']).problems).toEqual([
      expect.stringMatching(/^train\.batchSize \(--set train\.batchSize=1024\): expected at most 268,435,456 values in a training step's widest feature map/),
    ]);
    expect(() => parseConfigText('input: x\n', 'c.yaml')).not.toThrow();
    // every problem at once: a bound next to a type error
    expect(rejection('input: x\ngan:\n  latentDim: 1e9\n  gWidth: 1.5\n').problems).toEqual([
      'gan.latentDim (line 3): expected at most 4,096 (StyleGAN uses 512), received 1000000000',
      'gan.gWidth (line 4): expected a positive integer, received 1.5',
    ]);
  });
});
