/**
 * The manifest: JSONL round trip, the JSON Schema (checked by an independent validator, ajv), CSV, and
 * the imagefolder layout read back as Hugging Face `imagefolder` and torchvision `ImageFolder` read it.
 */
import { createHash } from 'node:crypto';
import { cp, lstat, mkdir, readFile, readdir, readlink, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import {
  MANIFEST_JSON_SCHEMA,
  parseManifest,
  realEntry,
  syntheticEntry,
  toCsv,
  toJsonl,
  type ManifestEntry,
} from '../../src/manifest/build.js';
import { imagefolderLayout } from '../../src/manifest/imagefolder.js';
import { writeManifestFiles, type ImagefolderMode } from '../../src/manifest/write.js';
import { UserError } from '../../src/errors.js';
import { claimOut } from '../../src/out/folder.js';
import { FIXTURE, tempDir } from '../helpers/tmp.js';
import { hashTree } from '../helpers/tree.js';

const H = (s: string) => createHash('sha256').update(s).digest('hex');

const ENTRIES: ManifestEntry[] = [
  realEntry('../data/coat/a.png', 'coat', H('a')),
  realEntry('../data/t-shirt/nested/b.png', 't-shirt', H('b')),
  realEntry('../data/we, "quote"/c.png', 'we, "quote"', H('c')),
  syntheticEntry({ path: 'synthetic/coat/00000-0000002a.png', label: 'coat', score: 1.25, generator: 'model/generator', generatorStep: 300, seed: 42, sha256: H('d') }),
  syntheticEntry({
    path: 'synthetic/coat/00001-00000007.png',
    label: 'coat',
    score: -0.5,
    scores: { discriminator: -0.5, labelProb: 0.91 },
    generator: 'model/generator',
    generatorStep: 300,
    seed: 7,
    sha256: H('e'),
    weight: 0.8,
    softLabel: { coat: 0.8, 't-shirt': 0.2 },
  }),
];

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(MANIFEST_JSON_SCHEMA);

describe('manifest.jsonl', () => {
  it('reads a manifest written before weight and softLabel as weight 1, no soft label', () => {
    const { weight: _w, softLabel: _s, ...old } = ENTRIES[0]!;
    expect(parseManifest(JSON.stringify(old) + '\n')).toEqual([ENTRIES[0]]);
  });

  it('round-trips through JSONL, one object per line with keys in a fixed order', () => {
    const text = toJsonl(ENTRIES);
    expect(text.trim().split('\n')).toHaveLength(ENTRIES.length);
    expect(Object.keys(JSON.parse(text.split('\n')[0]!))).toEqual(['path', 'file_name', 'label', 'split', 'source', 'score', 'scores', 'generator', 'generatorStep', 'seed', 'sha256', 'weight', 'softLabel']);
    // file_name defaults to path (writeManifestFiles points real images at their copy inside out).
    expect(parseManifest(text)).toEqual(ENTRIES.map((e) => ({ ...e, file_name: e.path })));
    expect(toJsonl([])).toBe('');
    expect(parseManifest('\n\n')).toEqual([]);
  });

  it('reads back what a run writes for hostile file names: backslash, quotes, newline, formula-like labels', () => {
    const hostile = [
      realEntry('../in/beta/back\\slash.png', 'beta', H('1')),
      realEntry('../in/say "hi"/q\\"x".png', 'say "hi"', H('2')),
      realEntry('../in/new\nline/a\r\tb.png', 'new\nline', H('3')),
      realEntry("../in/=cmd|' -C calc'!A0/f.png", "=cmd|' -C calc'!A0", H('4')),
    ];
    const text = toJsonl(hostile);
    expect(text.trim().split('\n')).toHaveLength(hostile.length);
    expect(parseManifest(text)).toEqual(hostile.map((e) => ({ ...e, file_name: e.path })));
    for (const line of text.trim().split('\n')) expect(validate(JSON.parse(line)), JSON.stringify(validate.errors)).toBe(true);
  });

  it('every written line is valid under the JSON Schema', () => {
    for (const line of toJsonl(ENTRIES).trim().split('\n')) {
      expect(validate(JSON.parse(line)), JSON.stringify(validate.errors)).toBe(true);
    }
    expect(MANIFEST_JSON_SCHEMA['$schema']).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  const good = JSON.parse(toJsonl([ENTRIES[3]!])) as Record<string, unknown>;
  const invalid: [string, Record<string, unknown>][] = [
    ['an unknown key', { ...good, extra: 1 }],
    ['a missing sha256', Object.fromEntries(Object.entries(good).filter(([k]) => k !== 'sha256'))],
    ['an absolute path', { ...good, path: '/etc/passwd' }],
    ['a UNC path', { ...good, path: '\\\\server\\share\\x.png' }],
    ['a path from a drive root', { ...good, path: '\\coat\\x.png' }],
    ['a drive-letter path', { ...good, path: 'C:coat/x.png' }],
    ['an unknown source', { ...good, source: 'fake' }],
    ['an unknown split', { ...good, split: 'dev' }],
    ['a string score', { ...good, score: '1.2' }],
    ['a negative seed', { ...good, seed: -1 }],
    ['a fractional seed', { ...good, seed: 1.5 }],
    ['an upper-case hash', { ...good, sha256: H('d').toUpperCase() }],
    ['an empty label', { ...good, label: '' }],
  ];
  it.each(invalid)('rejects %s, in the schema and in parseManifest', (_name, entry) => {
    expect(validate(entry)).toBe(false);
    expect(() => parseManifest(JSON.stringify(entry))).toThrow(UserError);
  });

  it('names the line and key of each problem', () => {
    const text = `${toJsonl([ENTRIES[0]!])}not json\n${JSON.stringify({ ...good, seed: -1 })}\n`;
    try {
      parseManifest(text, 'm.jsonl');
      expect.unreachable();
    } catch (err) {
      const e = err as UserError;
      expect(e.message).toBe('m.jsonl: 2 problems in the manifest');
      expect(e.problems[0]).toMatch(/^line 2: expected a JSON object/);
      expect(e.problems[1]).toMatch(/^line 3: seed: /);
    }
  });
});

/** A small RFC 4180 reader. */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += ch;
  }
  return rows;
}

describe('manifest.csv', () => {
  it('has a header, one row per entry, a column per score, and quotes what needs it', () => {
    const rows = readCsv(toCsv(ENTRIES));
    expect(rows[0]).toEqual(['path', 'file_name', 'label', 'split', 'source', 'score', 'scores.discriminator', 'scores.labelProb', 'generator', 'generatorStep', 'seed', 'sha256', 'weight', 'softLabel.coat', 'softLabel.t-shirt']);
    expect(rows).toHaveLength(ENTRIES.length + 1);
    const byPath = new Map(rows.slice(1).map((r) => [r[0], Object.fromEntries(rows[0]!.map((k, i) => [k, r[i]]))]));
    expect(byPath.get('../data/we, "quote"/c.png')!['label']).toBe('we, "quote"');
    expect(byPath.get('../data/coat/a.png')).toMatchObject({ source: 'real', score: '', seed: '', 'scores.discriminator': '' });
    expect(byPath.get('synthetic/coat/00001-00000007.png')).toMatchObject({ score: '-0.5', 'scores.labelProb': '0.91', seed: '7', generatorStep: '300', weight: '0.8', 'softLabel.coat': '0.8', 'softLabel.t-shirt': '0.2' });
    expect(byPath.get('../data/coat/a.png')).toMatchObject({ weight: '1', 'softLabel.coat': '' });
  });

  it('prefixes text cells a spreadsheet would run as a formula with a quote (OWASP), never numbers', () => {
    const labels = ["=cmd|' -C calc'!A0", '+SUM(1+1)', '-2+3', '@evil', '\t=1', '\r=1', 'plain', "'quoted"];
    const entries = labels.map((l, i) => realEntry(`../in/${i}/x.png`, l, H(l)));
    entries.push(syntheticEntry({ path: '=synthetic/x.png', label: '@x', score: -1.5, generator: '-model', generatorStep: 3, seed: 1, sha256: H('s') }));
    const [head, ...rows] = readCsv(toCsv(entries));
    const col = (name: string) => head!.indexOf(name);
    expect(rows.map((r) => r[col('label')])).toEqual(["'=cmd|' -C calc'!A0", "'+SUM(1+1)", "'-2+3", "'@evil", "'\t=1", "'\r=1", 'plain', "'quoted", "'@x"]);
    const syn = rows.at(-1)!;
    expect(['path', 'file_name', 'score', 'scores.discriminator', 'generator'].map((k) => syn[col(k)])).toEqual(["'=synthetic/x.png", "'=synthetic/x.png", '-1.5', '-1.5', "'-model"]);
    // No cell starts with a formula character, except a number's minus sign.
    for (const c of rows.flat()) expect(/^[=+@\t\r]/.test(c) || (c.startsWith('-') && !Number.isFinite(Number(c)))).toBe(false);
  });
});

// ---- imagefolder ----------------------------------------------------------------------------------

const TORCH_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'];
const HF_EXTENSIONS = [...TORCH_EXTENSIONS, '.gif'];

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    // followlinks=True in torchvision; datasets globs through links too.
    const isDir = e.isDirectory() || (e.isSymbolicLink() && (await stat(p)).isDirectory());
    if (isDir) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out.sort();
}

/** torchvision.datasets.ImageFolder: classes are the sorted first-level folders; files found by walking them. */
async function torchImageFolder(root: string): Promise<{ classes: string[]; samples: [string, number][] }> {
  const classes = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const samples: [string, number][] = [];
  for (const [i, c] of classes.entries()) {
    for (const f of await walk(path.join(root, c))) if (TORCH_EXTENSIONS.includes(path.extname(f).toLowerCase())) samples.push([f, i]);
  }
  return { classes, samples };
}

/**
 * datasets' `imagefolder` with a metadata.jsonl (datasets/packaged_modules/folder_based_builder): the split
 * comes from the folder name; with metadata present labels are NOT inferred from folders; every image
 * under the metadata's folder must have a line, keyed by its path relative to that folder.
 */
async function hfImagefolder(dataDir: string): Promise<Record<string, { image: string; label: string; source: string }[]>> {
  const splits: Record<string, { image: string; label: string; source: string }[]> = {};
  for (const split of await readdir(dataDir)) {
    const dir = path.join(dataDir, split);
    const meta = new Map<string, Record<string, unknown>>();
    for (const line of (await readFile(path.join(dir, 'metadata.jsonl'), 'utf8')).trim().split('\n')) {
      const m = JSON.parse(line) as Record<string, unknown>;
      if (typeof m['file_name'] !== 'string') throw new Error('`file_name` must be present as dictionary key in metadata files');
      meta.set(path.posix.normalize(m['file_name']), m);
    }
    splits[split] = [];
    for (const f of await walk(dir)) {
      if (!HF_EXTENSIONS.includes(path.extname(f).toLowerCase())) continue;
      const rel = path.relative(dir, f).split(path.sep).join('/');
      const m = meta.get(rel);
      if (!m) throw new Error(`image at ${rel} doesn't have metadata in ${dir}/metadata.jsonl`);
      splits[split]!.push({ image: f, label: m['label'] as string, source: m['source'] as string });
    }
  }
  return splits;
}

describe('imagefolder layout', () => {
  it('puts real images under <class>/real/ with their path inside the class folder, synthetic under <class>/synthetic/', () => {
    const layout = imagefolderLayout(ENTRIES, '../data');
    expect(layout.files.map((f) => f.to)).toEqual([
      'coat/real/a.png',
      't-shirt/real/nested/b.png',
      `${'we, _quote_'}-${createHash('sha256').update('we, "quote"').digest('hex').slice(0, 8)}/real/c.png`,
      'coat/synthetic/00000-0000002a.png',
      'coat/synthetic/00001-00000007.png',
    ]);
    const meta = layout.metadata.trim().split('\n').map((l) => JSON.parse(l));
    expect(meta[2]).toEqual({ file_name: layout.files[2]!.to, label: 'we, "quote"', source: 'real' });
  });

  it('keeps two files that would land on one name apart', () => {
    const twice = [realEntry('../x/coat/a.png', 'coat', H('1')), realEntry('../y/coat/a.png', 'coat', H('2'))];
    const to = imagefolderLayout(twice, '../x').files.map((f) => f.to);
    expect(new Set(to).size).toBe(2);
  });

  /** A run-like out folder over a copy of three fixture classes. */
  async function makeOut(mode: ImagefolderMode) {
    const root = await tempDir();
    const input = path.join(root, 'input');
    for (const c of ['coat', 'bag', 'shirt']) await cp(path.join(FIXTURE, c), path.join(input, c), { recursive: true });
    const out = path.join(root, 'out');
    // An out folder gan-augment claimed (its ledger lets it replace imagefolder/ later).
    await (await claimOut(out, { force: false, input })).release();
    await mkdir(path.join(out, 'synthetic', 'coat'), { recursive: true });
    const entries: ManifestEntry[] = [];
    for (const c of ['bag', 'coat', 'shirt']) {
      for (const f of (await readdir(path.join(input, c))).sort()) {
        const bytes = await readFile(path.join(input, c, f));
        entries.push(realEntry(`../input/${c}/${f}`, c, createHash('sha256').update(bytes).digest('hex')));
      }
    }
    const synBytes = await readFile(path.join(FIXTURE, 'shirt', (await readdir(path.join(FIXTURE, 'shirt')))[0]!));
    await writeFile(path.join(out, 'synthetic/coat/00000-00000001.png'), synBytes);
    entries.push(
      syntheticEntry({ path: 'synthetic/coat/00000-00000001.png', label: 'coat', score: 0.3, generator: 'model/generator', generatorStep: 4, seed: 1, sha256: createHash('sha256').update(synBytes).digest('hex') }),
    );
    const before = await hashTree(input);
    await writeManifestFiles(out, entries, { csv: true, imagefolder: mode, input });
    return { input, out, entries, before };
  }

  it.each(['hardlink', 'copy', 'symlink'] as const)('%s: HF imagefolder and torchvision ImageFolder read it unchanged; the input is untouched', async (mode) => {
    const { input, out, entries, before } = await makeOut(mode);
    expect(await hashTree(input)).toBe(before);

    const hf = await hfImagefolder(path.join(out, 'imagefolder'));
    expect(Object.keys(hf)).toEqual(['train']);
    expect(hf['train']).toHaveLength(entries.length);
    const count = (xs: { label: string }[]) => Object.fromEntries(['bag', 'coat', 'shirt'].map((l) => [l, xs.filter((x) => x.label === l).length]));
    expect(count(hf['train']!)).toEqual(count(entries));
    expect(hf['train']!.filter((x) => x.source === 'synthetic').map((x) => x.label)).toEqual(['coat']);

    const torch = await torchImageFolder(path.join(out, 'imagefolder', 'train'));
    expect(torch.classes).toEqual(['bag', 'coat', 'shirt']);
    expect(torch.samples).toHaveLength(entries.length);
    // Every file reads back as the bytes the manifest hashed.
    const hashes = new Set(entries.map((e) => e.sha256));
    for (const [f] of torch.samples) expect(hashes.has(createHash('sha256').update(await readFile(f)).digest('hex'))).toBe(true);

    const sample = path.join(out, 'imagefolder/train/coat/real', (await readdir(path.join(input, 'coat')))[0]!);
    const st = await lstat(sample);
    if (mode === 'symlink') {
      expect(st.isSymbolicLink()).toBe(true);
      expect(path.isAbsolute(await readlink(sample))).toBe(false);
    } else {
      expect(st.isFile()).toBe(true);
      expect(st.nlink).toBe(mode === 'hardlink' ? 2 : 1);
    }
    // The manifest in every format sits beside it.
    const written = parseManifest(await readFile(path.join(out, 'manifest.jsonl'), 'utf8'));
    expect(written.map(({ file_name: _, ...e }) => e)).toEqual(entries);
    // file_name: a real image's copy or link inside out (not a symlink, which points back out); else path.
    for (const [i, e] of written.entries()) {
      if (e.source === 'synthetic' || mode === 'symlink') expect(e.file_name).toBe(entries[i]!.path);
      else expect(e.file_name).toMatch(new RegExp(`^imagefolder/train/[^/]+/${e.source}/`));
      expect(createHash('sha256').update(await readFile(path.join(out, e.file_name!))).digest('hex')).toBe(e.sha256);
    }
    expect(JSON.parse(await readFile(path.join(out, 'manifest.schema.json'), 'utf8'))).toEqual(MANIFEST_JSON_SCHEMA);
    expect((await readFile(path.join(out, 'manifest.csv'), 'utf8')).split('\r\n')).toHaveLength(entries.length + 2);
  });

  it('a second write replaces the layout; imagefolder: null and csv: false remove them', async () => {
    const { out, entries, input } = await makeOut('copy');
    await writeManifestFiles(out, entries.slice(0, 3), { csv: true, imagefolder: 'copy', input });
    expect((await hfImagefolder(path.join(out, 'imagefolder')))['train']).toHaveLength(3);
    await writeManifestFiles(out, entries, { csv: false, imagefolder: null, input });
    const left = await readdir(out);
    expect(left).not.toContain('imagefolder');
    expect(left).not.toContain('manifest.csv');
    expect(left).toContain('manifest.jsonl');
  });
});
