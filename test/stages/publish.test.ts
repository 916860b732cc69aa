/**
 * Publishing: the report's data and the classes' verdicts are worked out before summary.json is written, so
 * what the summary takes last — a run's peak memory — includes that work, the report shows the summary as
 * written, and the console prints the verdicts publish returns. Real PNGs through sharp, a real out folder.
 */
import { existsSync, rmSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { realEntry, syntheticEntry } from '../../src/manifest/build.js';
import { writeLedger } from '../../src/out/guard.js';
import { outLayout } from '../../src/out/layout.js';
import { publish } from '../../src/stages/write.js';
import { relativePosix } from '../../src/util/fs.js';

const FIXTURE = path.resolve('fixtures/fmnist-tiny/coat');
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/**
 * An out folder's worth of rows over a copy of six fixture coats: three real, three listed as synthetic
 * (the verdict's novelty figure measures those against the real ones).
 */
async function setUp() {
  const root = await mkdtemp(path.join(tmpdir(), 'gan-augment-publish-'));
  dirs.push(root);
  const input = path.join(root, 'input');
  await cp(FIXTURE, path.join(input, 'coat'), { recursive: true });
  const out = path.join(root, 'out');
  await writeLedger(out, input);
  const at = (i: number) => relativePosix(out, path.join(input, 'coat', `coat-000${i}.png`));
  const entries = [
    ...[0, 1, 2].map((i) => realEntry(at(i), 'coat', `${i}`.repeat(64))),
    ...[3, 4, 5].map((i) => syntheticEntry({ path: at(i), label: 'coat', score: i / 10, generator: 'model/shared', generatorStep: 4, seed: i, sha256: `${i}`.repeat(64) })),
  ];
  const summary = {
    decode: { size: 28, channels: 1 },
    classes: [{ label: 'coat', before: 3, target: 6, deficit: 3, synthetic: 3, after: 6 }],
    synthesis: [{ label: 'coat', candidates: 3, kept: 3, shortfall: 0 }],
    peakRssMB: 1,
  };
  // publish's settings but `finish`: csv and imagefolder off, the report as asked.
  const settings = (report: boolean) => ({ output: { csv: false, imagefolder: 'none' as const, report }, input, reportConfig: { input }, emit: () => {} });
  return { input, out, entries, summary, settings };
}

describe('publish', () => {
  it("calls finish after the report's thumbnails are decoded and the verdicts worked out, and writes what it returns to summary.json and the report", async () => {
    const { input, out, entries, summary, settings } = await setUp();
    let finished = 0;
    const verdicts = await publish(out, entries, summary, {
      ...settings(true),
      finish: (s) => {
        finished++;
        // Not written yet: what finish returns is what summary.json gets.
        expect(existsSync(outLayout(out).summary)).toBe(false);
        // The images are gone from here on: a report or a verdict that read them after this could not.
        rmSync(input, { recursive: true });
        return { ...s, peakRssMB: 777 };
      },
    });
    expect(finished).toBe(1);
    const written = JSON.parse(await readFile(outLayout(out).summary, 'utf8')) as { peakRssMB: number };
    expect(written.peakRssMB).toBe(777);
    const html = await readFile(outLayout(out).report, 'utf8');
    expect(html).toContain('777 MB resident');
    expect(html).not.toContain('could not be read for the grids');
    // The verdicts returned are the report's, its novelty figure measured on the images before they went.
    expect(verdicts?.verdicts).toHaveLength(1);
    const coat = verdicts!.verdicts[0]!;
    expect(coat.checks.map((k) => k.name)).toContain('novelty');
    expect(html).toContain(coat.checks.find((k) => k.name === 'novelty')!.figure);
    expect(verdicts?.staleEvaluation).toBeNull();
  });

  it('without a report, still works out the verdicts before finish', async () => {
    const { input, out, entries, summary, settings } = await setUp();
    const verdicts = await publish(out, entries, summary, {
      ...settings(false),
      finish: (s) => {
        rmSync(input, { recursive: true });
        return s;
      },
    });
    expect(existsSync(outLayout(out).report)).toBe(false);
    expect(verdicts?.verdicts.map((v) => v.label)).toEqual(['coat']);
    // Measured: the images were still there (read after finish, they could not be, and the check would be missing).
    expect(verdicts!.verdicts[0]!.checks.find((k) => k.name === 'novelty')?.figure).toMatch(/^nearest real image [\d.]+ × as far as real images are from each other$/);
  });
});
