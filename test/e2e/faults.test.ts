/**
 * Issue 17, items 12–14, with real processes, real signals and a real full disk: a full disk is named
 * (file, space, exit 5) and leaves no partial folder; a `kill -9` while synthetic/ is replaced never
 * leaves a manifest naming missing files; one Ctrl-C during generation stops at the next batch, keeps
 * the trained models, and `--resume` continues without training.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, cp, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, start } from '../helpers/cli.js';
import { CLI, FIXTURE, ROOT, tempDir } from '../helpers/tmp.js';

const CONFIG = path.join(ROOT, 'configs/quickstart.yaml');
const TINY = ['--backend', 'wasm', '--set', 'train.steps=2', 'train.batchSize=8', 'gan.gWidth=8', 'gan.dWidth=8', 'gan.latentDim=8', 'gan.embedDim=4', 'features.classifier.steps=2', 'guard.steps=2', 'guard.seeds=3', 'output.report=false'];
const exists = (p: string) => access(p).then(() => true, () => false);

async function smallInput(dir: string, bags = 6): Promise<void> {
  for (const [c, n] of [['coat', 3], ['bag', bags], ['shirt', 2]] as const) {
    await mkdir(path.join(dir, c), { recursive: true });
    for (const f of (await readdir(path.join(FIXTURE, c))).sort().slice(0, n)) await cp(path.join(FIXTURE, c, f), path.join(dir, c, f));
  }
}

/** Every synthetic path the manifest in `out` lists exists (or there is no manifest at all). */
async function manifestMatchesImages(out: string): Promise<{ manifest: boolean; missing: string[] }> {
  const text = await readFile(path.join(out, 'manifest.jsonl'), 'utf8').catch(() => null);
  if (text === null) return { manifest: false, missing: [] };
  const rows = text.trim().split('\n').map((l) => JSON.parse(l) as { path: string; source: string });
  const missing: string[] = [];
  for (const r of rows.filter((x) => x.source === 'synthetic')) if (!(await exists(path.join(out, r.path)))) missing.push(r.path);
  return { manifest: true, missing };
}

const mounted: string[] = [];
afterAll(() => {
  for (const m of mounted) spawnSync('umount', [m]);
});

/**
 * A real small file system at `<root>/disk`: tmpfs needs root (CAP_SYS_ADMIN); without it there is no
 * honest way to fill a disk, and the caller skips with the reason returned.
 */
async function smallDisk(root: string, size: string): Promise<string | { skip: string }> {
  const disk = path.join(root, 'disk');
  await mkdir(disk);
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', disk]);
  if (m.status !== 0) return { skip: `cannot mount a small tmpfs here (${m.stderr.toString().trim() || 'not root'})` };
  mounted.push(disk);
  return disk;
}

describe('faults (e2e)', () => {
  it('a full disk names the file and the space left, exits 5, and leaves no half-written folder', async (ctx) => {
    const root = await tempDir();
    await smallInput(path.join(root, 'in'));
    const disk = await smallDisk(root, '160k');
    if (typeof disk !== 'string') return ctx.skip(disk.skip);
    const out = path.join(disk, 'out');
    const r = await runCli(['run', CONFIG, '--input', path.join(root, 'in'), '--out', out, ...TINY, '--log-format', 'json']);
    expect(r.code, r.stderr).toBe(5);
    // --log-format json: the error is a JSON line like every other line on stderr.
    const error = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; message?: string }).find((e) => e.event === 'error');
    expect(error?.message).toMatch(new RegExp(`^no space left on the device while writing ${out.replace(/[/.]/g, '\\$&')}/\\S+ \\([\\d.]+ (bytes|KB) free of 160\\.0 KB on the file system of`));
    expect(r.stderr).not.toContain('internal error');
    const left = await readdir(out);
    expect(left).not.toContain('.synthetic.partial');
    expect(left).not.toContain('.manifest.next.jsonl');
    expect(left).not.toContain('.gan-augment.lock');
  }, 180_000);

  it('a disk already full: run exits 5 naming it (no stray lock file); generate exits 5 and leaves none of its images', async (ctx) => {
    const root = await tempDir();
    await smallInput(path.join(root, 'in'));
    // A finished tiny run elsewhere gives generate its model.
    const made = path.join(root, 'made');
    const first = await runCli(['run', CONFIG, '--input', path.join(root, 'in'), '--out', made, ...TINY]);
    expect(first.code, first.stderr).toBe(0);
    const disk = await smallDisk(root, '64k');
    if (typeof disk !== 'string') return ctx.skip(disk.skip);

    // generate: 400 images (~100 KB) do not fit in 64 KB.
    const gen = path.join(disk, 'gen');
    const g = await runCli(['generate', '--model', path.join(made, 'model/generator'), '--class', 'coat', '--count', '400', '--out', gen, '--backend', 'wasm']);
    expect(g.code, g.stderr).toBe(5);
    expect(g.stderr).toMatch(/no space left on the device while writing \S+ \([\d.]+ (bytes|KB) free of 64\.0 KB/);
    expect(g.stderr).not.toContain('internal error');
    const pngs = (await readdir(gen, { recursive: true }).catch(() => [] as string[])).filter((f) => String(f).endsWith('.png'));
    expect(pngs).toEqual([]);

    // Fill the disk to the last byte, then run into it: the lock itself cannot be written.
    spawnSync('sh', ['-c', `cat /dev/zero > ${path.join(disk, 'fill')}`]);
    const out = path.join(disk, 'out');
    const r = await runCli(['run', CONFIG, '--input', path.join(root, 'in'), '--out', out, ...TINY]);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toMatch(/no space left on the device while writing/);
    expect(r.stderr).not.toContain('internal error');
    expect((await readdir(out).catch(() => [] as string[])).filter((f) => f.includes('.gan-augment.lock'))).toEqual([]);
  }, 180_000);

  it('kill -9 right after synthetic/ was replaced: no manifest names a missing file, and the next run finishes the job', async () => {
    const root = await tempDir();
    await smallInput(path.join(root, 'in'));
    const out = path.join(root, 'out');
    const args = ['run', CONFIG, '--input', path.join(root, 'in'), '--out', out, ...TINY];
    const first = await runCli(args);
    expect(first.code, first.stderr).toBe(0);
    expect(await manifestMatchesImages(out)).toEqual({ manifest: true, missing: [] });
    // Other seeds give other file names: the old manifest would name files the new synthetic/ lacks.
    const killed = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args, 'seed=7'], { env: { ...process.env, GAN_AUGMENT_TEST_KILL_AT: 'after-swap' }, stdio: 'ignore' });
      child.on('close', (code, signal) => resolve({ code, signal }));
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(await manifestMatchesImages(out)).toEqual({ manifest: false, missing: [] });
    // A reader refuses the folder rather than trusting a manifest that is not there.
    const report = await runCli(['evaluate', '--manifest', path.join(out, 'manifest.jsonl'), '--test', path.join(root, 'in')]);
    expect(report.code).toBe(2);
    const again = await runCli([...args, 'seed=7']);
    expect(again.code, again.stderr).toBe(0);
    expect(await manifestMatchesImages(out)).toEqual({ manifest: true, missing: [] });
    expect((await readdir(out)).filter((n) => n.startsWith('.synthetic') || n.startsWith('.manifest'))).toEqual([]);

    // kill -9 right after the new manifest is in place, the run before having written no imagefolder/:
    // every file_name it names (real images' copies in imagefolder/) is there, with the row's bytes.
    const noLayout = await runCli([...args, 'output.imagefolder=none']);
    expect(noLayout.code, noLayout.stderr).toBe(0);
    const killed2 = await new Promise<{ signal: NodeJS.Signals | null }>((resolve) => {
      const child = spawn(process.execPath, [CLI, ...args, 'seed=9'], { env: { ...process.env, GAN_AUGMENT_TEST_KILL_AT: 'after-manifest' }, stdio: 'ignore' });
      child.on('close', (_code, signal) => resolve({ signal }));
    });
    expect(killed2.signal).toBe('SIGKILL');
    const rows = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { file_name: string; sha256: string });
    expect(rows.some((r) => r.file_name.startsWith('imagefolder/'))).toBe(true);
    for (const r of rows) expect(createHash('sha256').update(await readFile(path.join(out, r.file_name))).digest('hex'), r.file_name).toBe(r.sha256);
  }, 300_000);

  it('Ctrl-C during the guard stops it, says how to go on, and --resume continues without training', async () => {
    const root = await tempDir();
    await smallInput(path.join(root, 'in'), 30);
    const out = path.join(root, 'out');
    // The guard's classifiers: 300 steps each (guard.steps), a few seconds in all.
    const args = ['run', CONFIG, '--input', path.join(root, 'in'), '--out', out, ...TINY, 'features.classifier.steps=300', 'guard.steps=300', 'guard=fallback'];
    const run = start(args, /"stage":"guard"/);
    await run.ready;
    // Ready also when it exited first: then there is no one to signal, and the test fails here.
    const signalled = run.child.exitCode === null && run.child.kill('SIGINT');
    const { code, stderr } = await run.done;
    expect(signalled).toBe(true);
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('interrupted during guard: the trained models are kept');
    expect(stderr).toContain('--resume` generates again from them without training');
    expect(await exists(path.join(out, 'manifest.jsonl'))).toBe(false);
    // Resumed with a quicker guard: what acts after training is not part of what training is resumed from.
    const resumed = await runCli([...args, 'guard.steps=20', '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('train: up to date');
    expect(JSON.parse(resumed.stdout).guard.steps).toBe(20);
    expect(await manifestMatchesImages(out)).toEqual({ manifest: true, missing: [] });
  }, 240_000);

  it('one Ctrl-C during generation stops at the next batch; --resume continues from the trained models', async () => {
    const root = await tempDir();
    await smallInput(path.join(root, 'in'), 30);
    const out = path.join(root, 'out');
    const args = ['run', CONFIG, '--input', path.join(root, 'in'), '--out', out, ...TINY];
    // Many small batches (2,700 for coat, 2,800 for shirt). Off a terminal, progress is JSON lines on stderr
    // and the signal notice a plain line.
    const slow = ['generate.oversample=100', 'generate.batchSize=1', 'filter.order=[discriminator]'];
    const child = spawn(process.execPath, [CLI, ...args, ...slow], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let signalled = false;
    let pending = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      // Whole lines only: a chunk may end mid-line.
      const lines = (pending + d.toString()).split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        if (signalled || !line.startsWith('{')) continue;
        const e = JSON.parse(line) as { event: string; done?: number };
        if (e.event === 'generate.progress' && e.done! >= 40) {
          signalled = true;
          child.kill('SIGINT');
        }
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(signalled).toBe(true);
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('interrupted during generate');
    // Counted on the child's side of the stream: this process may read its stderr late, so what matters is
    // what the child generated after its own "SIGINT: stopping …" line — the next batch at most (the old code
    // generated every candidate first) — and that it did not finish both scarce classes (it may have finished
    // the first one before the signal arrived: it often has, 2,700 batches in about 1.5 s here).
    const lines = stderr.split('\n');
    const at = lines.findIndex((l) => l.startsWith('SIGINT: stopping'));
    expect(at, stderr.slice(-2000)).toBeGreaterThan(0);
    const progress = (ls: string[]) => ls.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; label?: string; done?: number; total?: number }).filter((e) => e.event === 'generate.progress');
    expect(progress(lines.slice(at)).length).toBeLessThanOrEqual(2);
    const last = new Map(progress(lines).map((e) => [e.label!, e] as const));
    expect(['coat', 'shirt'].every((l) => last.get(l) !== undefined && last.get(l)!.done === last.get(l)!.total)).toBe(false);
    expect(await exists(path.join(out, '.synthetic.partial'))).toBe(false);
    const resumed = await runCli([...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('train: up to date');
    expect(await manifestMatchesImages(out)).toEqual({ manifest: true, missing: [] });
  }, 240_000);
});
