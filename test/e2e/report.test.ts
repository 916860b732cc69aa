/**
 * What the user reads, end to end through the built CLI: a tiny run writes report.html (with the
 * rejected candidates kept), `evaluate --json` compares the four training sets on the held-out fixture
 * and adds itself to the report, and headless Chromium renders the page: every image decodes, the
 * console stays clean, nothing is fetched.
 */
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`test/e2e/report.test.ts: ${CHROMIUM} not found (apt-get install -y chromium): the browser rendering test is skipped`);

// 20 steps of a tiny GAN at the default learning rate (the quickstart preset's 1e-3 makes shapes even
// this fast): its samples are noise, and the report must say so.
const TINY = [
  '--set',
  'train.steps=20',
  'train.lrG=0.0002',
  'train.lrD=0.0002',
  'train.batchSize=8',
  'gan.gWidth=8',
  'gan.dWidth=4',
  'gan.latentDim=8',
  'gan.embedDim=4',
  'features.classifier.steps=10',
  'guard.steps=10',
  'guard.seeds=3',
  'filter.keepRejected=true',
  'guard=off',
  // One training thread: wasm's two data-parallel threads are another second a run (train.test.ts covers them).
  'train.workers=1',
  // The whole fill synthetic, with the teacher's soft labels: the other delivery than the default's.
  'deliver.share=1',
  'deliver.labels=soft',
];

describe('report.html and evaluate (e2e)', () => {
  let out: string;
  let run: CliResult;
  let ev: CliResult;
  let pointer = '';

  beforeAll(async () => {
    out = await tempDir();
    run = await runCli(['run', path.join(ROOT, 'configs/quickstart.yaml'), '--out', out, '--backend', 'wasm', '-q', '--log-format', 'text', ...TINY]);
    if (run.code !== 0) return;
    pointer = await readFile(path.join(out, 'report.html'), 'utf8');
    ev = await runCli([
      'evaluate',
      '--manifest',
      path.join(out, 'manifest.jsonl'),
      '--test',
      path.join(ROOT, 'fixtures/fmnist-tiny-test'),
      '--seeds',
      '1',
      '--steps',
      '10',
      '--batch-size',
      '8',
      '--tune-seeds',
      '0',
      '--backend',
      'wasm',
      '--json',
    ]);
  }, 300_000);

  it("delivers every synthetic image of the fill with the teacher's soft label and its probability as weight (deliver: share 1, labels soft)", async () => {
    expect(run.code, run.stderr).toBe(0);
    const entries = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { label: string; source: string; weight: number; softLabel: Record<string, number> | null });
    const syn = entries.filter((e) => e.source === 'synthetic');
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8')) as { synthesis: { label: string; target: number; planned: number; kept: number }[] };
    for (const c of summary.synthesis) expect(c.planned).toBe(c.target);
    expect(syn.length).toBe(summary.synthesis.reduce((n, c) => n + c.kept, 0));
    expect(syn.length).toBeGreaterThan(0);
    for (const e of syn) {
      const sum = Object.values(e.softLabel!).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(1, 2);
      expect(e.weight).toBe(e.softLabel![e.label]);
    }
  });

  it('run writes report.html beside the manifest, in every format', async () => {
    expect(run.code, run.stderr).toBe(0);
    for (const f of ['report.html', 'manifest.jsonl', 'manifest.csv', 'manifest.schema.json', 'imagefolder/train/metadata.jsonl']) expect(existsSync(path.join(out, f)), f).toBe(true);
  });

  it('the console ends with a verdict per scarce class (poor: noise) and, last, the path of report.html', () => {
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.at(-1)).toBe(`report: ${path.join(out, 'report.html')}`);
    for (const label of ['coat', 'pullover', 'shirt']) expect(run.stdout).toMatch(new RegExp(`^  ${label}: poor — .*nearest real image`, 'm'));
    expect(run.stdout).toContain('do not use the synthetic images of coat, pullover, shirt');
  });

  it('evaluate --json prints the four rows and the gain, and writes evaluate.json', async () => {
    expect(ev.code, ev.stderr).toBe(0);
    const r = JSON.parse(ev.stdout);
    expect(r.scarce).toEqual(['coat', 'pullover', 'shirt']);
    expect(r.rows.map((x: { name: string }) => x.name)).toEqual(['real', 'oversample', 'class-weight', 'logit-adjust', 'synthetic']);
    expect(r.verdict).toEqual({ helps: false, reason: expect.stringMatching(/one seed/) });
    for (const row of r.rows) {
      expect(row.balancedAccuracy).toBeGreaterThanOrEqual(0);
      expect(row.macroF1).toBeLessThanOrEqual(1);
      expect(Object.keys(row.recall).sort()).toHaveLength(10);
    }
    expect(typeof r.gain).toBe('number');
    // the kept images against the test folder: FID beside its floor, coverage beside the real images'
    expect(r.quality.perClass.map((q: { label: string }) => q.label)).toEqual(['coat', 'pullover', 'shirt']);
    for (const q of r.quality.perClass) expect([q.fid, q.fidFloor, q.coverageFloor].every((x: unknown) => typeof x === 'number')).toBe(true);
    expect(JSON.parse(await readFile(path.join(out, 'evaluate.json'), 'utf8'))).toEqual(r);
  });

  it('before evaluate ran, the report points to it with the exact command and the held-out folder found beside the input', () => {
    expect(pointer).toMatch(/gan-augment evaluate --manifest \S*manifest\.jsonl --test \S*fixtures\/fmnist-tiny-test/);
  });

  it('the report is self-contained and carries the evaluate result', async () => {
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|(src|href)="(https?:)?\/\//i);
    expect(html).toContain('id="evaluate"');
    expect(html).toContain('kept synthetic images vs the test folder');
    expect(html).toContain('rejected:');
  });

  it("the manifest's file_name stays valid when <out> alone is copied elsewhere (a CI artefact); path is relative to the manifest; evaluate there on one thread reads the figures it read before on two", async () => {
    const moved = path.join(await tempDir(), 'artefact');
    await cp(out, moved, { recursive: true });
    const lines = (await readFile(path.join(moved, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { path: string; file_name: string; source: string; sha256: string });
    expect(lines.length).toBeGreaterThan(700);
    for (const l of lines) {
      expect(l.file_name.startsWith('..'), l.file_name).toBe(false);
      const bytes = await readFile(path.join(moved, l.file_name));
      expect(createHash('sha256').update(bytes).digest('hex'), l.file_name).toBe(l.sha256);
    }
    expect(lines.find((l) => l.source === 'real')!.file_name).toMatch(/^imagefolder\/train\/[^/]+\/real\//);
    const csvHead = (await readFile(path.join(moved, 'manifest.csv'), 'utf8')).split('\r\n')[0];
    expect(csvHead?.startsWith('path,file_name,label,')).toBe(true);
    // The real rows' paths do not resolve from the new place: report and evaluate read through file_name.
    expect(existsSync(path.resolve(moved, lines.find((l) => l.source === 'real')!.path))).toBe(false);
    const rep = await runCli(['report', moved]);
    expect(rep.code, rep.stderr).toBe(0);
    const html = await readFile(path.join(moved, 'report.html'), 'utf8');
    expect(html).not.toMatch(/could not be read/);
    expect(html).toContain('class="pair"');
    // Read through the moved folder, on one classifier thread: the figures of the evaluation before the move (auto: two).
    const evMoved = await runCli(['evaluate', '--manifest', path.join(moved, 'manifest.jsonl'), '--test', path.join(ROOT, 'fixtures/fmnist-tiny-test'), '--seeds', '1', '--steps', '10', '--batch-size', '8', '--tune-seeds', '0', '--backend', 'wasm', '--threads', '1', '--json']);
    expect(evMoved.code, evMoved.stderr).toBe(0);
    expect(evMoved.stderr).toContain('classifiers: 1 at a time (1 thread asked)');
    expect(ev.stderr).toContain(`classifiers: ${Math.min(2, availableParallelism())} at a time`);
    // Each classifier's line says how many of them are done and about how long the rest take; the last says neither.
    const arms = ev.stderr.split('\n').filter((l) => l.startsWith('seed 0 · '));
    const own = arms.filter((l) => !/logit-adjust|row's classifier/.test(l));
    expect(own.length).toBeGreaterThan(2);
    own.slice(0, -1).forEach((l, i) => expect(l).toMatch(new RegExp(`; ${i + 1} of ${own.length} classifiers, about \\d+ s left\\)$`)));
    expect(own.at(-1)).not.toContain('left');
    const rowsOf = (r: CliResult) => (JSON.parse(r.stdout) as { rows: { seconds: number }[] }).rows.map((row) => ({ ...row, seconds: 0 }));
    expect(rowsOf(evMoved)).toEqual(rowsOf(ev));
  }, 120_000);

  it('report <out> rewrites it; a folder that is not there is a usage error', async () => {
    const again = await runCli(['report', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`wrote ${path.join(out, 'report.html')}`);
    const missing = await runCli(['report', path.join(out, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: <out>: expected the out folder of a run/);
    // A folder that is no run's (here the run's own train/ folder): refused, and no report.html left in it.
    const notARun = await runCli(['report', path.join(out, 'train')]);
    expect(notARun.code).toBe(2);
    expect(notARun.stderr).toMatch(/^error: <out>: expected the out folder of a run, received .* \(it holds neither summary\.json nor manifest\.jsonl\)/);
    expect(existsSync(path.join(out, 'train', 'report.html'))).toBe(false);
  });

  it('evaluate pools several runs of a config: each run on its own seed with its own evaluate.json, the pooled result over the runs in --out', async () => {
    const dir = await tempDir();
    const [a, b] = [path.join(dir, 'a'), path.join(dir, 'b')];
    await cp(out, a, { recursive: true });
    await cp(out, b, { recursive: true });
    const pooledFile = path.join(dir, 'pooled.json');
    const test = path.join(ROOT, 'fixtures/fmnist-tiny-test');
    const args = ['evaluate', '--manifest', path.join(a, 'manifest.jsonl'), '--manifest', path.join(b, 'manifest.jsonl'), '--test', test, '--steps', '4', '--batch-size', '8', '--tune-seeds', '0', '--backend', 'wasm', '-q'];
    const noOut = await runCli(args);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/^error: --out: 2 manifests pool into one result/);
    const twice = await runCli([...args, '--manifest', path.join(a, 'manifest.jsonl'), '--out', pooledFile]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/is given twice/);
    const r = await runCli([...args, '--out', pooledFile]);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(await readFile(pooledFile, 'utf8'));
    const [ea, eb] = await Promise.all([a, b].map(async (d) => JSON.parse(await readFile(path.join(d, 'evaluate.json'), 'utf8'))));
    expect([ea.seeds, eb.seeds]).toEqual([[0], [1]]);
    expect(p.seeds).toEqual([0, 1]);
    expect(p.pooled.trainings.map((t: { manifest: string; seeds: number[] }) => [t.manifest, t.seeds])).toEqual([[path.join(a, 'manifest.jsonl'), [0]], [path.join(b, 'manifest.jsonl'), [1]]]);
    // Each unit is its run's figures; two units give an interval, so the verdict is not the one-seed one.
    const syn = (x: { rows: { name: string; perSeed: { scarceRecall: number }[] }[] }) => x.rows.find((row) => row.name === 'synthetic')!.perSeed;
    expect(syn(p).map((s) => s.scarceRecall)).toEqual([syn(ea)[0]!.scarceRecall, syn(eb)[0]!.scarceRecall]);
    expect(p.verdict.reason).not.toMatch(/no confidence interval/);
    expect(r.stdout).toContain('over 2 GAN trainings, each the mean of its own classifier seeds (0, 1)');
    expect(r.stdout).toContain(`wrote ${path.join(a, 'evaluate.json')} and ${path.join(a, 'report.html')}, ${path.join(b, 'evaluate.json')} and ${path.join(b, 'report.html')}, ${pooledFile} (pooled)`);
  }, 120_000);

  it('evaluate --fail-on: exit 3 after writing the result when it fails, 0 when it cannot show harm, 2 for an unknown choice', async () => {
    const dir = await tempDir();
    const copy = path.join(dir, 'run');
    await cp(out, copy, { recursive: true });
    const args = ['evaluate', '--manifest', path.join(copy, 'manifest.jsonl'), '--test', path.join(ROOT, 'fixtures/fmnist-tiny-test'), '--seeds', '1', '--steps', '2', '--batch-size', '8', '--no-report', '--backend', 'wasm', '-q'];
    // One seed never "helps" (no interval): no-help fails, after the result is written and printed.
    const noHelp = await runCli([...args, '--fail-on', 'no-help']);
    expect(noHelp.code, noHelp.stderr).toBe(3);
    expect(noHelp.stderr).toMatch(/^error: --fail-on no-help: the synthetic data does not help — one seed gives no confidence interval/m);
    expect(noHelp.stdout).toMatch(/^verdict: DOES NOT HELP/m);
    expect(JSON.parse(await readFile(path.join(copy, 'evaluate.json'), 'utf8')).verdict.helps).toBe(false);
    // --no-report left report.html beside a newer evaluate.json: said, with the command that catches it up.
    expect(noHelp.stderr).toContain(`note: ${path.join(copy, 'report.html')} not rewritten (--no-report): it does not show this result; \`gan-augment report ${copy}\` adds it`);
    // …and harm cannot be shown without an interval.
    const harm = await runCli([...args, '--fail-on', 'harm']);
    expect(harm.code, harm.stderr).toBe(0);
    const bad = await runCli([...args, '--fail-on', 'sometimes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--fail-on <when>' argument 'sometimes' is invalid. Allowed choices are never, harm, no-help/);
  }, 120_000);

  it("a run that rewrites the manifest leaves evaluate.json, whose figures the report and the console then leave out: they measured the manifest before", async () => {
    expect(ev.code, ev.stderr).toBe(0);
    const copy = path.join(await tempDir(), 'run');
    await cp(out, copy, { recursive: true });
    const evaluated = (html: string) => html.includes('kept synthetic images vs the test folder');
    const stale = 'Not measured for this manifest: the folder\'s evaluate.json measured an earlier one';
    // A copy holds the same manifest: its result still stands.
    expect((await runCli(['report', copy])).code).toBe(0);
    expect(evaluated(await readFile(path.join(copy, 'report.html'), 'utf8'))).toBe(true);
    // Half the fill synthetic instead of all of it: filtered again with the trained models, another manifest.
    const again = await runCli(['run', path.join(ROOT, 'configs/quickstart.yaml'), '--out', copy, '--backend', 'wasm', '--log-format', 'text', ...TINY, 'deliver.share=0.5']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('train: up to date');
    expect(again.stdout).toMatch(/^  coat: poor — /m);
    expect(again.stdout).not.toContain('pt with synthetic');
    expect(again.stdout).toContain(`evaluate.json measured an earlier manifest of this folder, so the verdicts leave its figures out; measure this one with \`gan-augment evaluate --manifest ${path.join(copy, 'manifest.jsonl')} --test ${path.join(ROOT, 'fixtures/fmnist-tiny-test')}\``);
    const html = await readFile(path.join(copy, 'report.html'), 'utf8');
    expect(evaluated(html)).toBe(false);
    expect(html).toContain(stale);
    // The result, still in the folder, names the manifest it measured.
    const result = JSON.parse(await readFile(path.join(copy, 'evaluate.json'), 'utf8'));
    expect(result.manifestSha256).toBe(createHash('sha256').update(await readFile(path.join(out, 'manifest.jsonl'))).digest('hex'));
    // A result written before it recorded its manifest: stale where manifest.jsonl is newer than it, else shown.
    delete result.manifestSha256;
    await writeFile(path.join(copy, 'evaluate.json'), JSON.stringify(result));
    const manifestTime = (await stat(path.join(copy, 'manifest.jsonl'))).mtime;
    for (const [shift, shown] of [[-60_000, false], [60_000, true]] as const) {
      const t = new Date(manifestTime.getTime() + shift);
      await utimes(path.join(copy, 'evaluate.json'), t, t);
      expect((await runCli(['report', copy])).code).toBe(0);
      const page = await readFile(path.join(copy, 'report.html'), 'utf8');
      expect(evaluated(page), `evaluate.json ${shift / 1000} s after the manifest`).toBe(shown);
      expect(page.includes(stale)).toBe(!shown);
    }
  }, 120_000);

  it.skipIf(!HAS_CHROMIUM)('renders in headless Chromium: images decode, no console errors, no requests', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`${m.type()}: ${m.text()}`));
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('request', (r) => !r.url().startsWith('data:') && !r.url().startsWith('file:') && requests.push(r.url()));
      await page.goto(`file://${path.join(out, 'report.html')}`, { waitUntil: 'load' });
      const imgs = await page.$$eval('img', (xs) => xs.map((x) => {
        // No DOM types in this project's lib: the two fields read here.
        const img = x as unknown as { naturalWidth: number; complete: boolean };
        return { w: img.naturalWidth, done: img.complete };
      }));
      // Per scarce class: 10 real, 16 kept, 16 rejected, 4 nearest-real pairs (2 each), and its training strips.
      expect(imgs.length).toBeGreaterThanOrEqual(3 * (10 + 16 + 16 + 8 + 1));
      expect(await page.$$eval('.strip img', (xs) => xs.length)).toBeGreaterThanOrEqual(3);
      expect(imgs.filter((i) => !i.done || i.w === 0)).toEqual([]);
      // Balance, a histogram per class, and losses, D output, the held-out gap and diversity (p stayed at 1: not drawn).
      expect(await page.$$eval('svg.chart', (xs) => xs.length)).toBe(1 + 3 + 4);
      expect(await page.$eval('#evaluate', (e) => e.textContent ?? '')).toContain('points');
      // The verdict a person sees: poor for every class of a 20-step run, never good; the gate without limits is no pass.
      const badges = await page.$$eval('#verdict h3', (hs) => hs.map((h) => h.textContent ?? ''));
      expect(badges).toEqual(['coat poor', 'pullover poor', 'shirt poor']);
      const top = await page.$eval('main > .verdict', (e) => e.textContent ?? '');
      expect(top).toContain('Do not use the synthetic images of coat, pullover, shirt (poor)');
      expect(await page.$eval('main', (e) => e.textContent ?? '')).not.toMatch(/gate passed/i);
      expect(problems).toEqual([]);
      expect(requests).toEqual([]);
      await page.screenshot({ path: path.join(out, 'report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});

describe('many scarce classes (e2e)', () => {
  it('the console gives one line per verdict and the report one line per class, each opening to its figures', async () => {
    const root = await tempDir();
    const input = path.join(root, 'in');
    // bag keeps 20 images, the other nine classes 4 each: nine scarce classes, one over the limit for figures in full.
    const fixture = path.join(ROOT, 'fixtures/fmnist-tiny');
    for (const c of (await readdir(fixture)).sort()) {
      await mkdir(path.join(input, c), { recursive: true });
      for (const f of (await readdir(path.join(fixture, c))).sort().slice(0, c === 'bag' ? 20 : 4)) await cp(path.join(fixture, c, f), path.join(input, c, f));
    }
    const out = path.join(root, 'out');
    const r = await runCli(['run', path.join(ROOT, 'configs/quickstart.yaml'), '--input', input, '--out', out, '--backend', 'wasm', '--log-format', 'text', ...TINY, 'guard=fallback']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("verdict per class (9 classes; each class's figures are in the report):");
    // The guard too: one line per decision, not one per class.
    const summary = JSON.parse(await readFile(path.join(out, 'summary.json'), 'utf8'));
    const dropped = summary.guard.perClass.filter((c: { decision: string }) => c.decision === 'fallback').map((c: { label: string }) => c.label);
    expect(dropped.length).toBeGreaterThan(0);
    expect(r.stderr).toContain(`warning: guard: synthetic images dropped for ${dropped.length} classes, each filled with its real images listed again (no gain on held-out images): ${dropped.join(', ')}; each class's reason is in summary.json ("guard") and the report`);
    expect(r.stderr).not.toMatch(/guard: class "/);
    const grouped = r.stdout.split('\n').filter((l) => /^ {2}(good|doubtful|poor) \(\d+\): /.test(l));
    expect(grouped.length).toBeGreaterThan(0);
    expect(grouped.map((l) => Number(/\((\d+)\)/.exec(l)![1])).reduce((a, b) => a + b, 0)).toBe(9);
    expect(r.stdout).not.toMatch(/^ {2}coat: /m);
    const html = await readFile(path.join(out, 'report.html'), 'utf8');
    expect(html.match(/<details class="class-verdict">/g)).toHaveLength(9);
  }, 120_000);
});
