import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { UserError } from '../../src/errors.js';

function problemsOf(text: string, set: string[] = []): string[] {
  try {
    parseConfigText(text, 'c.yaml', { set });
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).problems;
  }
  throw new Error('expected the config to be rejected');
}

describe('config validation', () => {
  it.each([
    ['input: a\ntrain:\n  steps: ten\n', 'train.steps (line 3): expected a positive integer, received "ten"'],
    ['input: a\ntrain:\n  steps: 0\n', 'train.steps (line 3): expected a positive integer, received 0'],
    ['input: a\ntrain:\n  steps: 2.5\n', 'train.steps (line 3): expected a positive integer, received 2.5'],
    ['input: a\ntrain:\n  batchSize: 1\n', 'train.batchSize (line 3): expected an integer ≥ 2 (batch statistics need two images), received 1'],
    ['input: a\ndecode:\n  size: 30\n', 'decode.size (line 3): expected a multiple of 4 that is ≥ 8 (the generator upsamples twice by 2), or "auto", received 30'],
    ['input: a\ndecode:\n  channels: 2\n', 'decode.channels (line 3): expected 1 (grayscale), 3 (RGB) or "auto", received 2'],
    ['input: a\ndecode:\n  fit: stretch\n', 'decode.fit (line 3): expected one of "cover", "contain", "fill", received "stretch"'],
    ['input: a\nbackend: tpu\n', 'backend (line 2): expected one of "auto", "node-gpu", "node", "native", "wasm", "cpu", received "tpu" (did you mean "cpu"?)'],
    ['input: a\nbackend: wsam\n', 'backend (line 2): expected one of "auto", "node-gpu", "node", "native", "wasm", "cpu", received "wsam" (did you mean "wasm"?)'],
    ['input: a\ngan:\n  mode: shred\n', 'gan.mode (line 3): expected one of "shared", "per-class", "translate", received "shred" (did you mean "shared"?)'],
    ['input: a\nfilter:\n  order: [near-copy, lable]\n', 'filter.order.1 (line 3): expected one of "near-copy", "label", "discriminator", "usefulness", "coverage", received "lable" (did you mean "label"?)'],
    ['input: a\nseed: -3\n', 'seed (line 2): expected an integer ≥ 0, received -3'],
    ['input: a\nguard: maybe\n', 'guard.mode (line 2): expected one of "fallback", "warn", "off", received "maybe"'],
    ['input: a\nguard:\n  mode: wanr\n', 'guard.mode (line 3): expected one of "fallback", "warn", "off", received "wanr" (did you mean "warn"?)'],
    ['input: a\ntrain:\n  beta1: 1.5\n', 'train.beta1 (line 3): expected a number between 0 and 1, received 1.5'],
    ['input: a\ngenerate:\n  oversample: 0.5\n', 'generate.oversample (line 3): expected a number ≥ 1, received 0.5'],
    ['input: a\ntrain:\n  stpes: 4\n', 'train.stpes (line 3): unknown key; did you mean "steps"? (known: steps, budgetSeconds, batchSize, workers, blasThreads, lrG, lrD, beta1, beta2, logEvery, validation, checkpointEvery, sampleEvery, divergenceLoss)'],
    ['seed: 1\n', 'input (line 1): required, expected a folder path'],
    ['input: a\ntrain: 5\n', 'train (line 2): expected a map of settings, received 5'],
  ])('%j → %s', (text, message) => {
    expect(problemsOf(text)).toEqual([message]);
  });

  it('reports every problem at once, in file order, flags last', () => {
    const problems = problemsOf('input: a\nseed: x\ntrain:\n  steps: -1\n  lrG: 0\n', ['gan.latentDim=abc']);
    expect(problems).toEqual([
      'seed (line 2): expected an integer ≥ 0, received "x"',
      'train.steps (line 4): expected a positive integer, received -1',
      'train.lrG (line 5): expected a number > 0, received 0',
      'gan.latentDim (--set gan.latentDim=abc): expected a positive integer, received "abc"',
    ]);
  });

  it('rejects a balance strategy that is neither a name, a ratio nor a map', () => {
    expect(problemsOf('input: a\nbalance:\n  strategy: most\n')[0]).toMatch(/^balance\.strategy \(line 3\): expected one of "not-majority".*received "most"$/);
    expect(problemsOf('input: a\nbalance:\n  strategy: 1.5\n')).toEqual(['balance.strategy (line 3): expected a ratio in (0, 1] (every class brought up to floor(ratio × the largest)), received 1.5']);
    expect(problemsOf('input: a\nbalance:\n  strategy: 0\n')).toEqual(['balance.strategy (line 3): expected a ratio in (0, 1], received 0']);
    expect(problemsOf('input: a\nbalance:\n  strategy: not-majorty\n')[0]).toMatch(/received "not-majorty" \(did you mean "not-majority"\?\)$/);
  });

  it('names the key of a target map that is wrong, not only that a map is not accepted', () => {
    expect(problemsOf('input: a\nbalance:\n  strategy:\n    coat: 10\n    shirt: many\n    bag: 0\n')).toEqual([
      'balance.strategy.shirt (line 5): expected a positive integer, received "many"',
      'balance.strategy.bag (line 6): expected a positive integer, received 0',
    ]);
  });

  it('guard: <mode> is short for {mode: <mode>}, and --set under it keeps the mode', () => {
    expect(parseConfigText('input: a\nguard: warn\n', '/p/c.yaml', { set: ['guard.seeds=3'] }).config.guard).toEqual({ mode: 'warn', seeds: 3, steps: 'auto', threads: 'auto', screen: 'auto' });
    expect(parseConfigText('input: a\n', '/p/c.yaml', { set: ['guard=off'] }).config.guard).toEqual({ mode: 'off', seeds: 5, steps: 'auto', threads: 'auto', screen: 'auto' });
    expect(parseConfigText('input: a\nguard:\n  steps: 60\n', '/p/c.yaml').config.guard).toEqual({ mode: 'fallback', seeds: 5, steps: 60, threads: 'auto', screen: 'auto' });
    // in either order
    expect(parseConfigText('input: a\n', '/p/c.yaml', { set: ['guard.steps=60', 'guard=warn'] }).config.guard).toEqual({ mode: 'warn', seeds: 5, steps: 60, threads: 'auto', screen: 'auto' });
  });

  it('rejects malformed --set and non-map YAML', () => {
    expect(problemsOf('input: a\n', ['train.steps'])).toEqual(['--set train.steps: expected key.path=value, e.g. --set train.steps=200']);
    expect(() => parseConfigText('- a\n- b\n', 'c.yaml')).toThrow(/expected a map of settings/);
    expect(() => parseConfigText('input: [\n', 'c.yaml')).toThrow(/not valid YAML/);
  });

  it('fills every default and resolves paths from the config file', () => {
    const { config } = parseConfigText('input: data\n', '/proj/configs/c.yaml');
    expect(config.input).toBe('/proj/configs/data');
    expect(config.out).toBe('/proj/configs/out');
    expect(config.train.steps).toBe(1000);
    // size and channels are measured from the images when a run starts (test/dataset/auto-decode.test.ts).
    expect(config.decode).toEqual({ size: 'auto', channels: 'auto', fit: 'cover', background: '#000000', kernel: 'lanczos3', cache: true });
    expect(config.balance.strategy).toBe('not-majority');
    // The schema alone (no file) produces the same defaults.
    expect(ConfigSchema.parse({ input: 'x' }).train).toEqual(config.train);
  });

  it('applies --set overrides as YAML scalars, and --input/--out from the cwd', () => {
    const { config } = parseConfigText('input: a\ntrain:\n  steps: 10\n', '/p/c.yaml', {
      set: ['train.steps=200', 'decode.channels=3', 'balance.strategy=0.5', 'gan.mode=shared'],
      input: 'rel/in',
      out: '/abs/out',
    });
    expect(config.train.steps).toBe(200);
    expect(config.decode.channels).toBe(3);
    expect(config.balance.strategy).toBe(0.5);
    expect(config.input).toBe(`${process.cwd()}/rel/in`);
    expect(config.out).toBe('/abs/out');
  });

  it('accepts a per-class target map', () => {
    const { config } = parseConfigText('input: a\nbalance:\n  strategy:\n    coat: 50\n    "my shirt": 60\n', 'c.yaml');
    expect(config.balance.strategy).toEqual({ coat: 50, 'my shirt': 60 });
  });
});

describe('settings the chosen mode ignores', () => {
  it('generate.anchor under gan.mode translate: a keyed warning, and the config is accepted', () => {
    const { warnings } = parseConfigText('input: a\ngan:\n  mode: translate\ngenerate:\n  anchor:\n    sigma: 0.3\n', 'c.yaml');
    expect(warnings).toEqual(['generate.anchor.sigma (line 6): ignored under gan.mode translate (a translator translates real images; it has no latents to fit), received 0.3']);
    expect(parseConfigText('input: a\ngenerate:\n  anchor:\n    sigma: 0.3\n', 'c.yaml').warnings).toEqual([]);
    expect(parseConfigText('input: a\n', 'c.yaml', { set: ['gan.mode=translate'] }).warnings).toEqual([]);
  });
});

describe('generate.from (candidates made elsewhere)', () => {
  it('is resolved from the config file\'s folder', () => {
    const { config } = parseConfigText('input: a\ngenerate:\n  from: outside\nfilter:\n  order: [near-copy, coverage]\n', '/cfg/c.yaml');
    expect(config.generate.from).toBe('/cfg/outside');
    expect(parseConfigText('input: a\n', '/cfg/c.yaml').config.generate.from).toBeNull();
  });

  it('refuses a filter.order naming the discriminator (the default does), keyed where generate.from is written', () => {
    expect(problemsOf('input: a\ngenerate:\n  from: outside\n')).toEqual([
      'generate.from (line 3): expected filter.order without "discriminator" beside it (imported candidates have no discriminator to rank them; filter.order is [near-copy, label, discriminator]: set e.g. [near-copy, label, coverage]), received "outside"',
    ]);
    expect(problemsOf('input: a\nfilter:\n  order: [discriminator]\n', ['generate.from=x'])).toHaveLength(1);
    expect(parseConfigText('input: a\ngenerate:\n  from: outside\nfilter:\n  order: [near-copy, label]\n', 'c.yaml').config.filter.order).toEqual(['near-copy', 'label']);
  });

  it('says which GAN settings it ignores (keyed warnings; the config is accepted)', () => {
    const { warnings } = parseConfigText('input: a\ngan:\n  mode: per-class\ngenerate:\n  from: outside\n  anchor:\n    sigma: 0.3\nfilter:\n  order: [near-copy]\n', 'c.yaml');
    expect(warnings).toEqual([
      'gan.mode (line 3): ignored under generate.from (no GAN is trained; the candidates come from outside), received "per-class"',
      'generate.anchor.sigma (line 7): ignored under generate.from (no generator to fit latents to), received 0.3',
    ]);
    expect(parseConfigText('input: a\ngenerate:\n  from: outside\nfilter:\n  order: [near-copy]\n', 'c.yaml').warnings).toEqual([]);
  });
});
