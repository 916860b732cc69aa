/**
 * gan-augment as a CI step drives it, through the built CLI: exit codes, JSON progress and summary,
 * incremental reruns, the out-folder lock, and scale-out with `run --shard i/n` + `merge`.
 */
import { access, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, start, type CliResult } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const CONFIG = path.join(ROOT, 'configs/quickstart.yaml');
/** Tiny and per-class (the mode shards split); the feature classifier trains for a few steps only. */
const SMALL = [
  'train.steps=4', 'train.batchSize=8', 'gan.gWidth=8', 'gan.dWidth=4', 'gan.latentDim=8', 'gan.embedDim=4',
  'features.classifier.steps=5', 'guard.steps=5', 'guard.seeds=3', 'features.classifier.widths=[4,8]',
  // The do-no-harm guard has its own test (guard.test.ts); here, under warn, each shard's guard judges its own
  // classes and the merged folder's run judges them together.
  'guard=warn',
  // 2× the deficit in candidates, not the quickstart's 10×, and no rejected/ folder (its 2,565 PNGs were 1.5-2 s
  // of each run here): quality.test.ts covers the candidate pool and rejected/.
  'generate.oversample=2',
  'filter.keepRejected=false',
  // One training thread: on wasm, auto starts two data-parallel threads for each class's job, 2 s of a
  // 6-s run here (train.test.ts and gan/parallel.test.ts cover them).
  'train.workers=1',
];
const TINY = ['--backend', 'wasm', '--set', 'gan.mode=per-class', ...SMALL];
const SCARCE = ['coat', 'pullover', 'shirt'];

interface Entry {
  path: string;
  label: string;
  source: 'real' | 'synthetic';
  seed: number | null;
  sha256: string;
}
type Event = { event: string; [k: string]: unknown };

const events = (stderr: string): Event[] =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Event);
const manifest = async (out: string) =>
  (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Entry);
const summaryOf = async (out: string) => JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
const exists = (p: string) => access(p).then(() => true, () => false);
const counts = (entries: Entry[]) => {
  const m: Record<string, number> = {};
  for (const e of entries) m[e.label] = (m[e.label] ?? 0) + 1;
  return m;
};
const syntheticShas = (entries: Entry[]) => entries.filter((e) => e.source === 'synthetic').map((e) => `${e.label}:${e.sha256}`).sort();

describe('CI runs: JSON output, incremental reruns, shards and merge (e2e)', () => {
  let work: string;
  let whole: string;
  let first: CliResult;
  let firstEntries: Entry[];
  const shards: CliResult[] = [];

  beforeAll(async () => {
    work = await tempDir();
    whole = path.join(work, 'whole');
    // The unsharded run and the three shards, as separate processes, side by side.
    const runs = await Promise.all([
      runCli(['run', CONFIG, '--out', whole, ...TINY]),
      ...[0, 1, 2].map((i) => runCli(['run', CONFIG, '--out', path.join(work, 'shards', `s${i}`), '--shard', `${i}/3`, ...TINY])),
    ]);
    first = runs[0]!;
    shards.push(...runs.slice(1));
    firstEntries = await manifest(whole);
  }, 600_000);

  it('exits 0; off a terminal progress is JSON lines on stderr and the summary is JSON on stdout', async () => {
    expect(first.code, first.stderr).toBe(0);
    const lines = first.stderr.split('\n').filter(Boolean);
    for (const l of lines) expect(() => JSON.parse(l), l).not.toThrow();
    const ev = events(first.stderr);
    const steps = ev.filter((e) => e.event === 'train.step');
    expect(new Set(steps.map((e) => e.class))).toEqual(new Set(SCARCE));
    expect(steps.find((e) => e.step === 4)).toMatchObject({ job: 'coat', class: 'coat', of: 4 });
    expect(ev.map((e) => e.event)).toEqual(expect.arrayContaining(['stage.start', 'stage.end', 'decode.progress', 'generate.progress', 'info']));
    expect(JSON.parse(first.stdout)).toEqual(await summaryOf(whole));
    const summary = await summaryOf(whole);
    expect(summary.incremental).toEqual({ train: 'trained', upToDate: false });
    expect(summary.fingerprints).toMatchObject({ inputs: expect.stringMatching(/^[0-9a-f]{16}$/), config: expect.stringMatching(/^[0-9a-f]{16}$/) });
    const state = JSON.parse(await readFile(path.join(whole, 'state.json'), 'utf8'));
    expect(state.fingerprints.outputs).toMatch(/^[0-9a-f]{16}$/);
    expect(await exists(path.join(whole, '.gan-augment.lock'))).toBe(false);
  });

  it('three shards merged give the same classes, counts and images as one unsharded run', async () => {
    for (const s of shards) expect(s.code, s.stderr).toBe(0);
    const owned = await Promise.all([0, 1, 2].map(async (i) => (await summaryOf(path.join(work, 'shards', `s${i}`))).shard));
    expect(owned.map((o) => o.classes).flat().sort()).toEqual(SCARCE);
    for (const o of owned) expect(o.classes).toHaveLength(1);
    const merged = path.join(work, 'merged');
    const r = await runCli(['merge', path.join(work, 'shards'), '--out', merged, '--log-format', 'text']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('merged 3 shards');
    const entries = await manifest(merged);
    expect(counts(entries)).toEqual(counts(firstEntries));
    expect(syntheticShas(entries)).toEqual(syntheticShas(firstEntries));
    for (const e of entries) await access(path.resolve(merged, e.path));
    const summary = await summaryOf(merged);
    expect(summary.classes).toEqual((await summaryOf(whole)).classes);
    expect(summary.merged.shards.map((s: { index: number }) => s.index)).toEqual([0, 1, 2]);
    for (const label of SCARCE) await access(path.join(merged, 'model', label, 'generator', 'model.json'));
    // And merge ends as a run does: a verdict per class, then where the report is (or why there is none).
    expect(r.stdout).toContain('verdict per class');
    for (const label of SCARCE) expect(r.stdout).toMatch(new RegExp(`^  ${label}: (poor|doubtful|good) — `, 'm'));
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^report: /);
    // Each shard's guard judged its own class alone: merge says that no guard tested the three side by side,
    // and the command that does, which takes the shards' trained models from the checkpoints merge copied.
    expect(r.stderr).toContain(`no guard tested them side by side as delivered. \`gan-augment run <the shards' config> --out ${merged}\` tests them together — it takes the shards' trained models from the merged folder without training`);
    const rerun = await runCli(['run', CONFIG, '--out', merged, ...TINY, '--log-format', 'text']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain(`train: up to date (inputs, training settings and code unchanged): the models come from the checkpoints in ${path.join(merged, 'train')}`);
    expect(rerun.stderr).not.toMatch(/train: \w+ step/);
    // Nothing trains: each model from its finished checkpoint, said as such (it read "resuming from step 4"), and no word on training threads.
    for (const label of SCARCE) expect(rerun.stderr).toContain(`${label}: trained to step 4 already: the model comes from its checkpoint`);
    expect(rerun.stderr).not.toContain('resuming from step');
    expect(rerun.stderr).not.toContain('(train.blasThreads)');
    // … and ends where the unsharded run ended: the same images, the same guard decisions and sets tested together.
    expect(syntheticShas(await manifest(merged))).toEqual(syntheticShas(firstEntries));
    const guardOf = async (out: string) => {
      const g = (await summaryOf(out)).guard;
      return { perClass: g.perClass, rounds: g.rounds };
    };
    // (Under warn the first set tested together is every class, as delivered.)
    expect((await guardOf(whole)).rounds[0].classes).toEqual(SCARCE);
    expect(await guardOf(merged)).toEqual(await guardOf(whole));
    // Tested together, the folder is a finished run: the next run has nothing to do.
    const again = await runCli(['run', CONFIG, '--out', merged, ...TINY, '--log-format', 'text']);
    expect(again.stdout).toContain('up to date');
  });

  it('merge refuses an incomplete set and shards of another config, exit 2', async () => {
    const s = (i: number) => path.join(work, 'shards', `s${i}`);
    const missing = await runCli(['merge', s(0), s(1), '--out', path.join(work, 'm2')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('shard 2/3 is missing');
    const odd = path.join(work, 'odd');
    await cp(s(2), odd, { recursive: true });
    const sum = await summaryOf(odd);
    sum.fingerprints.config = '0000000000000000';
    await writeFile(path.join(odd, 'summary.json'), JSON.stringify(sum));
    const other = await runCli(['merge', s(0), s(1), odd, '--out', path.join(work, 'm3')]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('made with a different config');
    expect(await exists(path.join(work, 'm2'))).toBe(false);
  });

  it('a rerun with nothing changed trains nothing and says "up to date"', async () => {
    const r = await runCli(['run', CONFIG, '--out', whole, ...TINY, '--log-format', 'text']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('up to date');
    expect(r.stderr).not.toMatch(/train: step/);
    expect(await manifest(whole)).toEqual(firstEntries);
    // Thread counts change no output: set after a slow guard, they do not run it again over the same images.
    const threads = await runCli(['run', CONFIG, '--out', whole, ...TINY, 'guard.threads=1', 'generate.workers=2', '--log-format', 'text']);
    expect(threads.code, threads.stderr).toBe(0);
    expect(threads.stdout).toContain('up to date');
    // A dry run says what the run would do with the folder's models, naming a changed training setting.
    const same = await runCli(['run', CONFIG, '--out', whole, ...TINY, '--dry-run']);
    expect(same.stderr).toContain("train: the out folder's models were trained with these settings: the run takes them from the checkpoints if the input images are unchanged");
    const other = await runCli(['run', CONFIG, '--out', whole, ...TINY, 'train.lrG=0.0005', '--dry-run']);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toMatch(/train: the out folder's models were trained with other training settings \(train\.lrG [\d.]+ → 0\.0005\): the run trains again/);
  });

  it('changing only what acts after training re-filters with the trained models; a failing quality gate exits 3', async () => {
    const after = [...TINY, 'generate.oversample=3', 'quality.maxFid=0.001', 'quality.onFail=fail'];
    const r = await runCli(['run', CONFIG, '--out', whole, ...after]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('quality gate failed');
    expect(events(r.stderr).filter((e) => e.event === 'train.step')).toEqual([]);
    const summary = JSON.parse(r.stdout);
    expect(summary.incremental).toEqual({ train: 'reused', upToDate: false });
    expect(summary.synthesis.map((s: { candidates: number }) => s.candidates)).toEqual([270, 270, 270]);
    expect(counts(await manifest(whole))).toEqual(counts(firstEntries));
    // Up to date again, and still failing its gate.
    const again = await runCli(['run', CONFIG, '--out', whole, ...after]);
    expect(again.code, again.stderr).toBe(3);
    expect(JSON.parse(again.stdout).incremental.upToDate).toBe(true);
  });
});

describe('exit codes through the CLI (e2e)', () => {
  it('--help lists every exit code', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const code of ['0 ', '1 ', '2 ', '3 ', '4 ', '130']) expect(r.stdout).toContain(`\n  ${code}`);
  });

  it('2: usage errors name the flag; --log-format json adds a JSON error line', async () => {
    const bad = await runCli(['run', CONFIG, '--shard', '3/3', '--log-format', 'json']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--shard: expected i/n with 0 ≤ i < n');
    expect(events(bad.stderr)).toEqual([expect.objectContaining({ event: 'error', exitCode: 2 })]);
    const fmt = await runCli(['run', CONFIG, '--log-format', 'yaml']);
    expect(fmt.code).toBe(2);
    expect(fmt.stderr).toContain(`option '--log-format <format>' argument 'yaml' is invalid. Allowed choices are auto, text, json.`);
    const shared = await runCli(['run', CONFIG, '--shard', '0/2', '--out', path.join(await tempDir(), 'x'), '--backend', 'wasm']);
    expect(shared.code).toBe(2);
    expect(shared.stderr).toContain('gan.mode is "shared"');
  });

  it('4: input errors under --strict', async () => {
    const dir = await tempDir();
    for (const label of ['a', 'b']) {
      await mkdir(path.join(dir, label));
      for (let i = 0; i < 3; i++) {
        await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 40 * i, g: 0, b: 0 } } }).png().toFile(path.join(dir, label, `${i}.png`));
      }
    }
    await writeFile(path.join(dir, 'a', 'broken.png'), 'not a png');
    const r = await runCli(['scan', dir, '--strict', '-q']);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain('broken.png');
  });

  it('1: an internal failure (training that diverges past every rollback) prints its stack', async () => {
    const out = path.join(await tempDir(), 'out');
    const r = await runCli(['run', CONFIG, '--out', out, '--backend', 'wasm', '--set', ...SMALL, 'train.divergenceLoss=1e-9']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/internal error: .*diverged/);
    expect(await exists(path.join(out, '.gan-augment.lock'))).toBe(false);
  });

  it("a lock another host's run left when it died (untouched for the lease) is taken over; validate says what run will do", async () => {
    const out = path.join(await tempDir(), 'out');
    await mkdir(out);
    await writeFile(path.join(out, '.gan-augment'), '');
    await writeFile(path.join(out, '.gan-augment.lock'), JSON.stringify({ pid: 1, host: 'pod-before-oom.example', started: '2026-12-06T00:00:00.000Z', command: 'run', heartbeatMs: 10000 }));
    const v = await runCli(['validate', CONFIG, '--out', out]);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toContain(`warning: out: ${out} is locked by pid 1 on pod-before-oom.example`);
    const r = await runCli(['run', CONFIG, '--out', out, ...TINY], { env: { GAN_AUGMENT_TEST_LOCK_LEASE_MS: '300' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('watching it for 0.3 s, then taking it over if it stayed untouched');
    expect(r.stderr).toContain(`took over a stale lock on ${out} left by pid 1 (started 2026-12-06T00:00:00.000Z), on pod-before-oom.example, whose lock went untouched`);
    expect(await exists(path.join(out, '.gan-augment.lock'))).toBe(false);
  });

  it('2 while another run holds the out folder (naming its pid and host); 130 on Ctrl-C, lock released', async () => {
    const out = path.join(await tempDir(), 'out');
    const long = start(['run', CONFIG, '--out', out, ...TINY, 'train.steps=100000', 'train.checkpointEvery=0'], /"event":"train\.step"/);
    await long.ready;
    const second = await runCli(['run', CONFIG, '--out', out, ...TINY]);
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).toContain(`locked by another gan-augment run (pid ${long.child.pid} on ${os.hostname()}`);
    long.child.kill('SIGINT');
    const r = await long.done;
    expect(r.code, r.stderr).toBe(130);
    expect(await exists(path.join(out, '.gan-augment.lock'))).toBe(false);
  });
});
