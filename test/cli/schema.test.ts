import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, SCHEMA_FILE } from '../../src/config/json-schema.js';
import { parseConfigText } from '../../src/config/load.js';
import { BOUNDS, LIST_BOUNDS } from '../../src/config/bounds.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { configDescriptions } from '../../src/config/json-schema.js';
import { guessChannels, guessSize } from '../../src/dataset/auto-decode.js';
import { LABEL_FILTER_MIN_IMAGES, starterConfig } from '../../src/init/starter.js';
import type { FolderFacts } from '../../src/init/inspect.js';
import { runCli } from '../helpers/cli.js';
import { FIXTURE, ROOT, tempDir } from '../helpers/tmp.js';

type Node = { properties?: Record<string, Node>; anyOf?: Node[]; description?: string; required?: string[]; default?: unknown };
/** Every setting's key path and schema node (sections recursed into, their own node included). */
function settings(node: Node, prefix = ''): [string, Node][] {
  const obj = node.properties ? node : node.anyOf?.find((b) => b.properties);
  return Object.entries(obj?.properties ?? {}).flatMap(([k, child]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    const inner = child.properties || child.anyOf?.some((b) => b.properties) ? settings(child, p) : [];
    return [[p, child] as [string, Node], ...inner];
  });
}

describe('gan-augment schema', () => {
  it(`prints exactly the shipped ${SCHEMA_FILE} (regenerate: node bin/gan-augment.js schema > ${SCHEMA_FILE})`, async () => {
    const r = await runCli(['schema']);
    expect(r.code, r.stderr).toBe(0);
    const shipped = JSON.parse(await readFile(path.join(ROOT, SCHEMA_FILE), 'utf8'));
    expect(JSON.parse(r.stdout), `${SCHEMA_FILE} is out of date: node bin/gan-augment.js schema > ${SCHEMA_FILE}`).toEqual(shipped);
    expect(JSON.parse(r.stdout)).toEqual(configJsonSchema());
  });

  it('carries every upper bound validate checks (bounds.ts), so an editor flags gan.latentDim: 1e9 too', () => {
    const schema = configJsonSchema() as Record<string, unknown>;
    const at = (parts: readonly string[]) => {
      let node: Record<string, unknown> | undefined = schema;
      for (const p of parts) node = (node?.['properties'] as Record<string, Record<string, unknown>> | undefined)?.[p];
      const branch = (node?.['anyOf'] as Record<string, unknown>[] | undefined)?.find((b) => b['type'] === 'integer' || b['type'] === 'number');
      return branch ?? node;
    };
    for (const b of BOUNDS) expect(at(b.path)?.['maximum'], b.path.join('.')).toBe(b.max);
    for (const b of LIST_BOUNDS) {
      expect(at(b.path)?.['maxItems'], b.path.join('.')).toBe(b.maxItems);
      expect((at(b.path)?.['items'] as Record<string, unknown>)['maximum'], b.path.join('.')).toBe(b.max);
    }
  });

  it("describes every setting with its comment from schema.ts, and knows the config's shape", () => {
    const schema = configJsonSchema() as Node & { required?: string[]; $schema?: string };
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.required).toEqual(['input']);
    const all = settings(schema);
    const leaves = all.filter(([, n]) => !n.properties && !n.anyOf?.some((b) => b.properties));
    const undocumented = leaves.filter(([, n]) => !n.description).map(([p]) => p);
    expect(undocumented, 'every setting in src/config/schema.ts needs its .describe()').toEqual([]);
    // Descriptions are for users: no internal code names (a zod constant such as StrategySchema).
    const leaks = all.filter(([, n]) => /\b[A-Z]\w*Schema\b/.test(n.description ?? '')).map(([p]) => p);
    expect(leaks).toEqual([]);
    const byPath = new Map(all);
    expect(byPath.get('train.steps')?.description).toMatch(/^Training iterations/);
    expect(byPath.get('decode.channels')?.description).toMatch(/^1 = grayscale, 3 = RGB, `auto` = RGB when at least a tenth/);
    expect(byPath.get('features.classifier.steps')?.description).toBeTruthy();
  });

  it('gives every setting but the required ones its default, as its description promises (balance.strategy had none)', () => {
    const schema = configJsonSchema() as Node;
    const missing: string[] = [];
    const walk = (n: Node, at: string): void => {
      if (n.properties) {
        const required = new Set(n.required ?? []);
        for (const [k, child] of Object.entries(n.properties)) if (!required.has(k)) walk(child, at ? `${at}.${k}` : k);
      } else if (!('default' in n)) missing.push(at);
    };
    walk(schema, '');
    expect(missing).toEqual([]);
    expect(schema.properties!['balance']!.properties!['strategy']!.default).toBe('not-majority');
  });

  it('every shipped config starts with the yaml-language-server line pointing at the schema', async () => {
    for (const f of await readdir(path.join(ROOT, 'configs'))) {
      const first = (await readFile(path.join(ROOT, 'configs', f), 'utf8')).split('\n')[0]!;
      expect(first, f).toBe(`# yaml-language-server: $schema=../${SCHEMA_FILE}`);
    }
  });
});

describe('gan-augment init', () => {
  it('writes a commented config for the folder that validates, and will not overwrite it', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'cfg', 'fmnist.yaml');
    await mkdir(path.dirname(file));
    const r = await runCli(['init', FIXTURE, '--config', file]);
    expect(r.code, r.stderr).toBe(0);
    const text = await readFile(file, 'utf8');
    const modeline = /^# yaml-language-server: \$schema=(.+)$/.exec(text.split('\n')[0]!);
    expect(path.resolve(path.dirname(file), modeline![1]!)).toBe(path.join(ROOT, SCHEMA_FILE));
    expect(text).toContain('#   coat: 10 → 100');
    expect(text).toMatch(/# Side length, in pixels, [^]*?median shorter side is 28 px/);
    const { config } = parseConfigText(text, file);
    expect(config).toMatchObject({ input: FIXTURE, decode: { size: 28, channels: 1 } });
    expect(config.out).toBe(path.join(path.dirname(file), 'out', 'fmnist-tiny'));
    expect((await runCli(['validate', file])).code).toBe(0);
    const again = await runCli(['init', FIXTURE, '--config', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('exists; pass --force');
  });

  const facts = (scarceCount: number): FolderFacts => ({
    root: '/data/train',
    plan: {
      strategy: 'not-majority',
      classes: [
        { label: 'a', count: 200, target: 200, deficit: 0 },
        { label: 'b', count: scarceCount, target: 200, deficit: 200 - scarceCount },
      ],
      totalDeficit: 200 - scarceCount,
    },
    images: 200 + scarceCount,
    rejected: 0,
    conflicts: 0,
    layout: [],
    sampled: 10,
    medianSide: 28,
    colour: 0,
    gray: 10,
  });
  const starter = (n: number) => starterConfig(facts(n), { input: '/data/train', out: 'out', schema: 'schema.json', describe: configDescriptions(), file: 'c.yaml' });

  it("writes the schema's defaults and their descriptions, never a value its own comment argues against", () => {
    const text = starter(100);
    const { config } = parseConfigText(text, '/x/c.yaml');
    const defaults = ConfigSchema.parse({ input: '/data/train' });
    expect(config.train).toEqual(defaults.train);
    expect(config.gan).toEqual(defaults.gan);
    expect(config.generate).toEqual(defaults.generate);
    expect(config.filter).toEqual(defaults.filter);
    expect(text).toContain('# Training iterations');
    expect(text).not.toMatch(/\b[A-Z]\w*Schema\b/);
  });

  it(`leaves the label filter out when a class to fill has fewer than ${LABEL_FILTER_MIN_IMAGES} images, and says why`, () => {
    const few = parseConfigText(starter(10), '/x/c.yaml').config;
    expect(few.filter.order).toEqual(['near-copy', 'discriminator']);
    // The comment wraps at 100 columns wherever its description ends: compare its words, not its lines.
    expect(starter(10).replace(/\n\s*#\s*/g, ' ').replace(/\s+/g, ' ')).toContain('smallest class to fill has 10 images');
    const enough = parseConfigText(starter(LABEL_FILTER_MIN_IMAGES), '/x/c.yaml').config;
    expect(enough.filter.order).toContain('label');
  });

  it('says what a side above the run\'s own choice costs, and what to set for a quicker run', () => {
    const words = (t: string) => t.replace(/\n\s*#\s*/g, ' ').replace(/\s+/g, ' ');
    const raw = (medianSide: number) => starterConfig({ ...facts(100), medianSide }, { input: '/data/train', out: 'out', schema: 'schema.json', describe: configDescriptions(), file: 'c.yaml' });
    const at = (medianSide: number) => words(raw(medianSide));
    expect(parseConfigText(raw(96), '/x/c.yaml').config.decode.size).toBe(64);
    const big = at(96);
    expect(big).toContain('median shorter side is 96 px. 64 is more than a run picks by itself (`auto`: at most 32), and training time grows with its square: on 2 CPU cores 1,000 steps at 64×64 RGB took 26 min, 4.5× as long as at 32 — set 32 for a quicker first run.)');
    expect(big).not.toContain('keeps training quick');
    expect(at(40)).toContain('median shorter side is 40 px; 32 keeps training quick on a CPU — raise it for more detail, at a cost that grows with its square.)');
    expect(at(30)).toContain('median shorter side is 30 px.)');
  });

  it('guesses RGB and a CPU-sized side for colour photos', async () => {
    const dir = await tempDir();
    for (const [label, colour] of [['red', { r: 200, g: 10, b: 10 }], ['blue', { r: 10, g: 10, b: 200 }]] as const) {
      await mkdir(path.join(dir, label));
      for (let i = 0; i < 3; i++) await sharp({ create: { width: 48, height: 40, channels: 3, background: colour } }).png().toFile(path.join(dir, label, `${i}.png`));
    }
    const r = await runCli(['init', dir, '--config', '-']);
    expect(r.code, r.stderr).toBe(0);
    const { config } = parseConfigText(r.stdout, path.join(process.cwd(), 'x.yaml'));
    expect(config.decode).toMatchObject({ size: 32, channels: 3 });
  });

  it('warns, in one line on stderr, of files scan would reject and of an image filed under two labels', async () => {
    const dir = await tempDir();
    for (const label of ['a', 'b']) {
      await mkdir(path.join(dir, label));
      for (let i = 0; i < 3; i++) await sharp({ create: { width: 28, height: 28, channels: 3, background: { r: 40 * i, g: label === 'a' ? 0 : 200, b: 0 } } }).png().toFile(path.join(dir, label, `${i}.png`));
    }
    const clean = await runCli(['init', dir, '--config', '-']);
    expect(clean.stderr).not.toContain('warning:');
    await writeFile(path.join(dir, 'b', 'copy-of-a0.png'), await readFile(path.join(dir, 'a', '0.png')));
    await writeFile(path.join(dir, 'a', 'broken.png'), 'not a png');
    const r = await runCli(['init', dir, '--config', '-']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warning: ${dir} holds 1 file that could not be read and 1 image filed under two labels (same bytes: a label is wrong); \`gan-augment scan ${dir}\` lists them`);
  });

  it.each([
    [null, 28],
    [6, 16],
    [28, 28],
    [30, 32],
    [40, 32],
    [64, 64],
    [1024, 64],
  ])('init proposes, for a %s px side: %s', (side, size) => expect(guessSize(side, 64)).toBe(size));

  it.each([
    [null, 28],
    [8, 16],
    [20, 20],
    [28, 28],
    [32, 32],
    [40, 32],
    [512, 32],
  ])('decode.size auto, for a %s px side: %s (at most 32: CPU training)', (side, size) => expect(guessSize(side)).toBe(size));

  it('channels: RGB once a tenth of the sample has colour', () => {
    expect(guessChannels(0, 20)).toBe(1);
    expect(guessChannels(1, 20)).toBe(1);
    expect(guessChannels(3, 20)).toBe(3);
    expect(guessChannels(5, 0)).toBe(3);
  });
});
