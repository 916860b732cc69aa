import { describe, expect, it } from 'vitest';
import { resumeCommand } from '../../src/cli/options.js';
import { shellQuote } from '../../src/util/shell.js';

describe('resumeCommand', () => {
  it('repeats the run arguments with --resume, so the same out folder and settings resume', () => {
    expect(resumeCommand(['my.yaml', '--out', 'out/a', '--set', 'train.steps=900'])).toBe('gan-augment run my.yaml --out out/a --set train.steps=900 --resume');
    expect(resumeCommand(['my.yaml', '--resume', '--set', 'train.steps=900'])).toBe('gan-augment run my.yaml --resume --set train.steps=900');
  });

  it('quotes what a shell would split or expand', () => {
    expect(shellQuote('configs/a-b_c.yaml')).toBe('configs/a-b_c.yaml');
    expect(shellQuote('my data/x.yaml')).toBe("'my data/x.yaml'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('$HOME')).toBe("'$HOME'");
    expect(resumeCommand(['a b.yaml'])).toBe("gan-augment run 'a b.yaml' --resume");
  });
});
