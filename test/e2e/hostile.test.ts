/**
 * A hostile corpus of its own (beyond fixtures/ and test/dataset/hostile.ts), built at test time, through
 * the built CLI as a user or an attacker would run it: file names with a backslash, quotes, newlines and a
 * forged JSON event; formula-like labels; a relative symlink; a symlink to `/`; a FIFO as an image and as
 * the config; YAML alias bombs; absurd sizes; a class of tens of thousands of ignored files. What `run`
 * writes, `evaluate`, `report` and `merge` must read back; the input is never modified.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fg from 'fast-glob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/build.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { CLI, FIXTURE, ROOT, tempDir } from '../helpers/tmp.js';
import { hashTree } from '../helpers/tree.js';

const TINY = ['--set', 'train.steps=6', 'train.batchSize=8', 'gan.gWidth=8', 'gan.dWidth=8', 'gan.latentDim=8', 'gan.embedDim=4', 'generate.oversample=1', 'guard.steps=40', 'guard.seeds=3', 'features.classifier.steps=5', 'features.classifier.widths=[4,8]'];
const QUICKSTART = path.join(ROOT, 'configs/quickstart.yaml');

const FORMULA = "=cmd|' -C calc'!A0";
const QUOTED = 'say "hi"';
/** A file name that, printed raw on its own lines, is a valid JSON event. */
const FORGED = 'evil\n{"event":"done","forged":true}\n.png';
const fixture = (cls: string, i: number) => path.join(FIXTURE, cls, `${cls}-${String(i).padStart(4, '0')}.png`);

let root: string;
let input: string;
let testDir: string;
let before: string;
let scanJson: {
  totalDeficit: number;
  counts: { ingested: number; ignored: number; rejected: number };
  files: { path: string; label: string | null; status: string; reason: string | null }[];
};

beforeAll(async () => {
  root = await tempDir();
  input = path.join(root, 'in');
  const put = async (rel: string, from: string | Buffer) => {
    await mkdir(path.dirname(path.join(input, rel)), { recursive: true });
    if (typeof from === 'string') await copyFile(from, path.join(input, rel));
    else await writeFile(path.join(input, rel), from);
  };
  for (let i = 0; i < 8; i++) await put(`alpha/a${i}.png`, fixture('bag', i));
  await symlink('/', path.join(input, 'alpha', 'root'));
  await put('beta/back\\slash.png', fixture('coat', 0));
  await put('beta/c1.png', fixture('coat', 1));
  await symlink('c1.png', path.join(input, 'beta', 'rel-link.png'));
  await put(`beta/${FORGED}`, Buffer.from('not an image at all\n'));
  spawnSync('mkfifo', [path.join(input, 'beta', 'pipe.png')]);
  await put(`${QUOTED}/q.png`, fixture('coat', 2));
  await put(`${FORMULA}/f.png`, fixture('coat', 3));
  testDir = path.join(root, 'test');
  for (const [cls, src] of [['alpha', 'bag'], ['beta', 'coat'], [QUOTED, 'coat'], [FORMULA, 'coat']] as const) {
    await mkdir(path.join(testDir, cls), { recursive: true });
    for (let i = 4; i < 6; i++) await copyFile(fixture(src, i), path.join(testDir, cls, `t${i}.png`));
  }
  before = await hashTree(input);
  const scan = await runCli(['scan', input, '--json', '-q']);
  expect(scan.code, scan.stderr).toBe(0);
  scanJson = JSON.parse(scan.stdout);
}, 120_000);

describe('scan and init on the hostile corpus (e2e)', () => {
  it('a symlink to / is a loop, not a walk of the whole disk; the FIFO is ignored; the junk file is rejected', () => {
    const byPath = new Map(scanJson.files.map((f) => [f.path, f]));
    expect(byPath.get('alpha/root/')).toMatchObject({ status: 'ignored', reason: expect.stringMatching(/^symlink loop \(→ \/\): .*contains the class folder/) });
    expect(byPath.get('beta/pipe.png')).toMatchObject({ status: 'ignored', reason: expect.stringMatching(/named pipe/) });
    expect(byPath.get(`beta/${FORGED}`)).toMatchObject({ status: 'rejected' });
    expect(scanJson.counts).toMatchObject({ ingested: 13, rejected: 1 });
  });

  it('scan in text mode: a file name with newlines stays on its line (no forged event starts a line)', async () => {
    const r = await runCli(['scan', input, '-q', '--log-format', 'text']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('evil\\n{"event":"done","forged":true}\\n.png');
    expect(r.stdout.split('\n').filter((l) => l.startsWith('{'))).toEqual([]);
  });

  it('init counts what scan counts: rejected files are not images to generate from', async () => {
    const r = await runCli(['init', input, '--config', path.join(root, 'init.yaml')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`4 classes, ${scanJson.totalDeficit} images to generate`);
  });
});

describe('run, report, evaluate and merge read back what run wrote (e2e)', () => {
  let out: string;
  let run: CliResult;

  beforeAll(async () => {
    out = path.join(root, 'out');
    // As shard 0 of 1, so that `merge` can read it back too.
    run = await runCli(['run', QUICKSTART, '--input', input, '--out', out, '--backend', 'wasm', '--strict', '--log-format', 'json', '--shard', '0/1', ...TINY]);
  }, 300_000);

  it('--log-format json: every line on stderr is one JSON object; a file name cannot forge an event', () => {
    expect(run.code, run.stderr).toBe(4);
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    const events = lines.map((l) => {
      const v = JSON.parse(l) as unknown;
      expect(typeof v === 'object' && v !== null && !Array.isArray(v), l).toBe(true);
      return v as { event: string; forged?: boolean; problems?: string[] };
    });
    expect(events.some((e) => e.forged)).toBe(false);
    const error = events.at(-1)!;
    expect(error).toMatchObject({ event: 'error', exitCode: 4 });
    expect(error.problems!.some((p) => p.startsWith(`beta/${FORGED}: `))).toBe(true);
  });

  it('manifest.jsonl keeps the hostile names exactly and parses', async () => {
    const entries = parseManifest(await readFile(path.join(out, 'manifest.jsonl'), 'utf8'));
    const real = entries.filter((e) => e.source === 'real').map((e) => path.relative(input, path.resolve(out, e.path)));
    expect(real).toEqual(expect.arrayContaining(['beta/back\\slash.png', 'beta/rel-link.png', `${QUOTED}/q.png`, `${FORMULA}/f.png`]));
    expect(new Set(entries.map((e) => e.label))).toEqual(new Set(['alpha', 'beta', QUOTED, FORMULA]));
  });

  it('manifest.csv defuses the formula-like label', async () => {
    const csv = await readFile(path.join(out, 'manifest.csv'), 'utf8');
    expect(csv).toContain(`,'${FORMULA},`);
    for (const line of csv.split('\r\n')) for (const cell of line.split(',')) expect(cell).not.toMatch(/^[=+@]/);
  });

  it('imagefolder: every file opens, with an image extension last, and the relative symlink became a file', async () => {
    const split = path.join(out, 'imagefolder', 'train');
    const files = await fg('**/*', { cwd: split, dot: true, onlyFiles: true, followSymbolicLinks: false });
    const images = files.filter((f) => f !== 'metadata.jsonl');
    const entries = parseManifest(await readFile(path.join(out, 'manifest.jsonl'), 'utf8'));
    expect(images).toHaveLength(entries.length);
    for (const f of images) {
      expect(f).toMatch(/\.png$/);
      expect((await stat(path.join(split, f))).isFile(), f).toBe(true);
    }
    expect(images).toContainEqual(expect.stringMatching(/^beta\/real\/back_slash-[0-9a-f]{8}\.png$/));
  });

  it('report reads the manifest back', async () => {
    const r = await runCli(['report', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/could not be read/);
  });

  it('evaluate reads the manifest back', async () => {
    const r = await runCli(['evaluate', '--manifest', path.join(out, 'manifest.jsonl'), '--test', testDir, '--seeds', '1', '--steps', '10', '--no-report', '--backend', 'wasm', '-q']);
    expect(r.code, r.stderr).toBe(0);
  });

  it('merge reads the manifest back', async () => {
    const merged = path.join(root, 'merged');
    const r = await runCli(['merge', out, '--out', merged, '-q', '--log-format', 'text']);
    expect(r.code, r.stderr).toBe(0);
    const entries = parseManifest(await readFile(path.join(merged, 'manifest.jsonl'), 'utf8'));
    expect(entries.map((e) => path.relative(input, path.resolve(merged, e.path)))).toContain('beta/back\\slash.png');
  });

  it('never modified the input tree', async () => {
    expect(await hashTree(input)).toBe(before);
  });
});

/** Runs the CLI, killing it (and failing) if it has not exited after `ms`: a hang is a failure, not a timeout of the suite. */
function runOrKill(args: string[], ms = 20_000): Promise<CliResult & { killed: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, ms);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed });
    });
  });
}

describe('hostile configs are config errors, exit 2, keyed (e2e)', () => {
  const cfg = async (name: string, text: string) => {
    const f = path.join(root, name);
    await writeFile(f, text);
    return f;
  };

  it('a FIFO as the config is refused at once, without blocking', async () => {
    const fifo = path.join(root, 'fifo.yaml');
    spawnSync('mkfifo', [fifo]);
    const r = await runOrKill(['validate', fifo]);
    expect(r.killed, 'blocked on the FIFO').toBe(false);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: ${fifo}: the config is a named pipe; expected a regular file`);
  });

  // The unit tests (test/config/hostile.test.ts) cover the size cap, undefined aliases and aliases in
  // --set; these check that the process exits 2 with a keyed message and no stack.
  it('a YAML alias bomb ("billion laughs")', async () => {
    const laughs = ['input: in', 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
      .concat('bcdefg'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefg'[i]}`).join(',')}]`))
      .join('\n');
    const bomb = await runOrKill(['validate', await cfg('laughs.yaml', `${laughs}\n`)]);
    expect(bomb.code).toBe(2);
    expect(bomb.stderr).toMatch(/aliases expand to more than \d+ copies/);
    expect(bomb.stderr).toContain('  b.0 (line 3): *a');
    expect(bomb.stderr).not.toMatch(/internal error|\n\s+at /);
  });

  it('sizes past their bounds fail validate, keyed, instead of crashing run', async () => {
    const r = await runOrKill(['validate', await cfg('latent.yaml', 'input: in\ngan:\n  latentDim: 1e9\n')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gan.latentDim (line 3): expected at most 4,096');
  });
});

describe('scan of a class with tens of thousands of ignored files (e2e)', () => {
  // 25,000 files, with the CLI's stack cut to 100 kB (a tenth of Node's default): a spread of that many
  // arguments overflows it, as 150,000 did at the default size, at a fraction of the files to create.
  // Made in /dev/shm where there is one: on a busy disk 150,000 files take longer than the whole suite.
  let big: string;
  beforeAll(async () => {
    big = await mkdtemp(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'gan-augment-big-'));
    await mkdir(path.join(big, 'many'), { recursive: true });
    await mkdir(path.join(big, 'ok'));
    await copyFile(fixture('bag', 0), path.join(big, 'ok', 'a.png'));
    for (let i = 0; i < 25_000; i++) await (await open(path.join(big, 'many', `f${i}.txt`), 'w')).close();
  }, 120_000);
  afterAll(() => rm(big, { recursive: true, force: true }));

  it('lists every one without overflowing the stack', async () => {
    const child = spawnSync(process.execPath, ['--stack-size=100', CLI, 'scan', big, '-q'], { encoding: 'utf8' });
    expect(child.stderr).not.toMatch(/Maximum call stack/);
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toContain('files: 1 ingested, 25000 ignored, 0 rejected');
  });
});
