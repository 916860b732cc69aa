/**
 * The hostile corpus through the built CLI, as a user runs it: `scan --json`, `scan --strict`, a tiny
 * `run --strict`, a second run that decodes nothing, and `scan --config` reusing the run's cache.
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { CLI, FIXTURE, ROOT, tempDir } from '../helpers/tmp.js';
import { hashTree } from '../helpers/tree.js';
import { buildHostileCorpus, type Expected } from '../dataset/hostile.js';

const TINY = ['--set', 'train.steps=6', 'train.batchSize=8', 'gan.gWidth=8', 'gan.dWidth=8', 'gan.latentDim=8', 'gan.embedDim=4', 'generate.oversample=1', 'guard=off', 'features.classifier.steps=5', 'features.classifier.widths=[4,8]'];
const QUICKSTART = path.join(ROOT, 'configs/quickstart.yaml');

/** Class names that must survive as labels and never steer an output path. */
const HOSTILE_LABELS = ['new\nline', 'tab\tand\u0001ctrl', 'ü'.repeat(120), 'back\\slash', ' spaced  name ', '..dots'];

interface FileEntry {
  path: string;
  label: string | null;
  status: 'ingested' | 'ignored' | 'rejected';
  reason: string | null;
}

let dir: string;
let input: string;
let expected: Expected[];
let before: string;
let scan: CliResult;
let files: FileEntry[];

beforeAll(async () => {
  dir = await tempDir();
  ({ input, expected } = await buildHostileCorpus(dir, { fifo: true }));
  for (const [i, label] of HOSTILE_LABELS.entries()) {
    await mkdir(path.join(input, label));
    await writeFile(path.join(input, label, 'x.png'), await readFile(path.join(FIXTURE, 'bag', `bag-000${i}.png`)));
    // a leading dot makes a folder hidden: not a class
    expected.push(label.startsWith('.') ? { path: `${label}/`, status: 'ignored', reason: /hidden folder/ } : { path: `${label}/x.png`, status: 'ingested' });
  }
  before = await hashTree(dir);
  scan = await runCli(['scan', input, '--json']);
  files = JSON.parse(scan.stdout).files as FileEntry[];
}, 120_000);

describe('gan-augment scan on a hostile folder (e2e)', () => {
  it('exits 0 and lists every entry once, with the expected status and reason', () => {
    expect(scan.code, scan.stderr).toBe(0);
    expect(files.map((f) => f.path).sort()).toEqual(expected.map((e) => e.path).sort());
    const byPath = new Map(files.map((f) => [f.path, f]));
    const wrong = expected.filter((e) => {
      const f = byPath.get(e.path)!;
      return f.status !== e.status || (e.reason ? !e.reason.test(f.reason ?? '') : f.status === 'ingested' && f.reason !== null);
    });
    expect(wrong.map((e) => `${e.path}: ${JSON.stringify(byPath.get(e.path))}`)).toEqual([]);
  });

  it('counts one class of one image as "1 class, 1 image" in its text summary', async () => {
    const one = await tempDir();
    await mkdir(path.join(one, 'bag'));
    await writeFile(path.join(one, 'bag', 'x.png'), await readFile(path.join(FIXTURE, 'bag', 'bag-0000.png')));
    const r = await runCli(['scan', one, '--log-format', 'text']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('1 class, 1 image, 0 to generate');
  });

  it('counts them, reports the empty class, and keeps labels exactly', () => {
    const j = JSON.parse(scan.stdout);
    const n = (s: string) => expected.filter((e) => e.status === s).length;
    expect(j.counts).toEqual({ found: expected.length, ingested: n('ingested'), ignored: n('ignored'), rejected: n('rejected') });
    expect(j.emptyClasses).toEqual(['empty class']);
    const labels = j.classes.map((c: { label: string }) => c.label);
    for (const l of HOSTILE_LABELS.filter((x) => !x.startsWith('.'))) expect(labels).toContain(l);
    // decode: auto — 28 px like most of the corpus, RGB because more than a tenth of it has colour.
    expect(j.decode).toMatchObject({ size: 28, channels: 3, fit: 'cover', kernel: 'lanczos3' });
  });

  it('--strict exits 4 after printing, naming each rejected file and its reason', async () => {
    const r = await runCli(['scan', input, '--strict', '-q']);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/files: \d+ ingested, \d+ ignored, \d+ rejected/);
    expect(r.stderr).toMatch(/error: \d+ files rejected \(--strict\)/);
    for (const e of expected.filter((x) => x.status === 'rejected')) expect(r.stderr).toContain(`  ${e.path}: `);
  });
});

describe('gan-augment run on a hostile folder (e2e)', () => {
  let out: string;
  let first: CliResult;
  let second: CliResult;
  let rescan: CliResult;
  /** The first run's manifest and synthetic folders (the second run replaces both). */
  let manifest: { path: string; label: string; source: string }[];
  let syntheticDirs: string[];
  let syntheticFilesExist: boolean;

  beforeAll(async () => {
    out = path.join(await tempDir(), 'out');
    first = await runCli(['run', QUICKSTART, '--input', input, '--out', out, '--backend', 'wasm', '--strict', ...TINY]);
    manifest = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    syntheticDirs = await readdir(path.join(out, 'synthetic'));
    const synth = manifest.filter((e) => e.source === 'synthetic');
    syntheticFilesExist = synth.length > 0 && (await Promise.all(synth.map((e) => stat(path.resolve(out, e.path)).then((st) => st.isFile())))).every(Boolean);
    // Nothing to generate (every non-empty class already has ≥ 1% of the largest): only ingest runs.
    second = await runCli(['run', QUICKSTART, '--input', input, '--out', out, '--backend', 'wasm', '--set', 'balance.strategy=0.01']);
    const cfg = path.join(path.dirname(out), 'scan.yaml');
    // The run's decode settings (the quickstart's), so the scan reads the run's cache.
    await writeFile(cfg, `input: ${JSON.stringify(input)}\nout: ${JSON.stringify(out)}\ndecode: {size: 28, channels: 1}\n`);
    rescan = await runCli(['scan', input, '--config', cfg]);
  }, 300_000);

  it('--strict: writes everything, then exits 4 listing the rejected files', async () => {
    expect(first.code, first.stderr).toBe(4);
    expect(first.stderr).toMatch(/error: \d+ input files rejected \(--strict\); outputs were still written/);
    for (const e of expected.filter((x) => x.status === 'rejected')) expect(first.stderr).toContain(`  ${e.path}: `);
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.files).toEqual(JSON.parse(scan.stdout).counts);
    expect(summary.rejectedFiles.map((r: FileEntry) => r.path).sort()).toEqual(expected.filter((e) => e.status === 'rejected').map((e) => e.path).sort());
    expect(summary.decode).toMatchObject({ size: 28, channels: 1, fit: 'cover', kernel: 'lanczos3', cache: path.join(out, '.cache', 'decode') });
  });

  it('lists exactly the ingested files as real images in the manifest, labels kept exactly', async () => {
    const entries = manifest;
    const real = entries.filter((e) => e.source === 'real');
    const listed = real.map((e) => path.relative(input, path.resolve(out, e.path)).split(path.sep).join('/')).sort();
    expect(listed).toEqual(files.filter((f) => f.status === 'ingested').map((f) => f.path).sort());
    for (const e of real) expect(e.label).toBe(files.find((f) => path.resolve(input, f.path) === path.resolve(out, e.path))!.label);
    const synthLabels = new Set(entries.filter((e) => e.source === 'synthetic').map((e) => e.label));
    for (const l of HOSTILE_LABELS.filter((x) => !x.startsWith('.'))) expect(synthLabels).toContain(l);
  });

  it('writes every synthetic image inside <out>, one folder level per class', async () => {
    expect(syntheticFilesExist).toBe(true);
    for (const e of manifest.filter((x) => x.source === 'synthetic')) {
      const rel = path.relative(out, path.resolve(out, e.path));
      expect(rel.startsWith('..') || path.isAbsolute(rel)).toBe(false);
      expect(rel.split(path.sep)).toHaveLength(3);
    }
    for (const d of syntheticDirs) expect(d).not.toMatch(/[\n\t\u0001\\]|^\.|^ /);
    expect((await readdir(path.dirname(out))).sort()).toEqual(['out', 'scan.yaml']);
  });

  it('a second run decodes nothing and says so', () => {
    expect(second.code, second.stderr).toBe(0);
    const m = /decode: (\d+) cached, 0 decoded/.exec(second.stderr);
    expect(m, second.stderr).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(expected.filter((e) => e.status === 'ingested').length);
    expect(first.stderr).toMatch(/decode: 0 cached, \d+ decoded/);
  });

  it('scan --config reuses the run’s decode cache', () => {
    expect(rescan.code, rescan.stderr).toBe(0);
    expect(rescan.stderr).toMatch(/decode: \d+ cached, 0 decoded/);
  });

  it('never modifies the input tree', async () => {
    expect(await hashTree(dir)).toBe(before);
  });
});

describe('scan --json into a reader that stops early (e2e)', () => {
  it('exits 0 without a stack trace when the pipe closes (`scan --json | head`)', async () => {
    const child = spawn(process.execPath, [CLI, 'scan', FIXTURE, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Close our end before the JSON arrives, as `head` does once it has what it wants.
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code, stderr).toBe(0);
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
  });
});

describe('files with the same bytes (e2e)', () => {
  it('scan, run and the report name the image filed under two labels and count the copies within a class', async () => {
    const root = path.join(await tempDir(), 'in');
    const put = async (label: string, name: string, from: string) => {
      await mkdir(path.join(root, label), { recursive: true });
      await writeFile(path.join(root, label, name), await readFile(path.join(FIXTURE, from)));
    };
    for (let i = 0; i < 12; i++) await put('bag', `bag-${i}.png`, `bag/bag-${String(i).padStart(4, '0')}.png`);
    for (let i = 0; i < 6; i++) await put('coat', `coat-${i}.png`, `coat/coat-${String(i).padStart(4, '0')}.png`);
    await put('coat', 'coat-0-again.png', 'coat/coat-0000.png');
    await put('coat', 'filed-as-coat.png', 'bag/bag-0003.png');
    const text = await runCli(['scan', root]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('same bytes:\n');
    expect(text.stdout).toContain('  warning: the same image under 2 labels (same bytes): bag/bag-3.png (bag) = coat/filed-as-coat.png (coat); one of the labels is wrong');
    expect(text.stdout).toContain('  1 file is a copy of another in its class (same bytes), counted as separate images in the balance: coat/coat-0-again.png = coat/coat-0.png');
    const json = JSON.parse((await runCli(['scan', root, '--json'])).stdout);
    expect(json.duplicates.copies).toBe(2);
    expect(json.duplicates.acrossClasses).toEqual([{ files: [{ path: 'bag/bag-3.png', label: 'bag' }, { path: 'coat/filed-as-coat.png', label: 'coat' }] }]);
    // A run warns about the label conflict and records both kinds in summary.json.
    const out = path.join(path.dirname(root), 'out');
    const run = await runCli(['run', QUICKSTART, '--input', root, '--out', out, '--backend', 'wasm', '--log-format', 'text', ...TINY]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('warning: the same image under 2 labels (same bytes): bag/bag-3.png (bag) = coat/filed-as-coat.png (coat)');
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary.duplicates).toEqual(json.duplicates);
    // and report.html says it too, for whoever reads the report and not the console.
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).toContain('Input: the same image under 2 labels (same bytes): bag/bag-3.png (bag) = coat/filed-as-coat.png (coat)');
  }, 120_000);
});

describe('a folder of splits given as the input (e2e)', () => {
  it('scan, init, run --dry-run and validate say the class folders look like splits and name the one to point at', async () => {
    const root = path.join(await tempDir(), 'data');
    for (const [split, n] of [['train', 3], ['test', 2]] as const) {
      for (const c of ['bag', 'coat']) {
        await mkdir(path.join(root, split, c), { recursive: true });
        for (const f of (await readdir(path.join(FIXTURE, c))).sort().slice(0, n)) await writeFile(path.join(root, split, c, f), await readFile(path.join(FIXTURE, c, f)));
      }
    }
    const want = `look like dataset splits holding class folders ("train/bag", "train/coat"), not like classes: point the input at one split, e.g. ${path.join(root, 'train')}`;
    const scan = await runCli(['scan', root]);
    expect(scan.code, scan.stderr).toBe(0);
    expect(scan.stdout).toContain(`warning: class folders "test", "train" ${want}`);
    expect(JSON.parse((await runCli(['scan', root, '--json'])).stdout).warnings).toEqual([`class folders "test", "train" ${want}`]);
    const init = await runCli(['init', root, '--config', '-']);
    expect(init.stderr).toContain(want);
    // run --dry-run too, before anything trains: on stderr under the plan, and in its JSON.
    const dry = await runCli(['run', QUICKSTART, '--input', root, '--out', path.join(path.dirname(root), 'out'), '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain(`warning: class folders "test", "train" ${want}`);
    const dryJson = await runCli(['run', QUICKSTART, '--input', root, '--out', path.join(path.dirname(root), 'out'), '--dry-run', '--log-format', 'json']);
    expect(JSON.parse(dryJson.stdout).warnings).toEqual([`class folders "test", "train" ${want}`]);
    // validate, the CI pre-step: valid (exit 0), and the warning on stderr.
    await writeFile(path.join(path.dirname(root), 'splits.yaml'), `input: ${JSON.stringify(root)}\nout: ${JSON.stringify(path.join(path.dirname(root), 'out'))}\n`);
    const valid = await runCli(['validate', path.join(path.dirname(root), 'splits.yaml')]);
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stderr).toContain(`warning: class folders "test", "train" ${want}`);
    // Pointed at the split, nothing to say.
    expect((await runCli(['scan', path.join(root, 'train')])).stdout).not.toContain('warning:');
  }, 60_000);
});
