/**
 * Publishing: the report's data is loaded before summary.json is written, so what the summary takes last —
 * a run's peak memory — includes the report's work, and the report shows the summary as written.
 * Real PNGs through sharp, a real out folder.
 */
import { existsSync, rmSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { realEntry } from '../../src/manifest/build.js';
import { writeLedger } from '../../src/out/guard.js';
import { outLayout } from '../../src/out/layout.js';
import { publish } from '../../src/stages/write.js';
import { relativePosix } from '../../src/util/fs.js';

const FIXTURE = path.resolve('fixtures/fmnist-tiny/coat');
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('publish', () => {
  it("calls finish after the report's thumbnails are decoded, and writes what it returns to summary.json and the report", async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'gan-augment-publish-'));
    dirs.push(root);
    const input = path.join(root, 'input');
    await cp(FIXTURE, path.join(input, 'coat'), { recursive: true });
    const out = path.join(root, 'out');
    await writeLedger(out, input);
    const files = ['coat-0000.png', 'coat-0001.png', 'coat-0002.png'];
    const entries = files.map((f, i) => realEntry(relativePosix(out, path.join(input, 'coat', f)), 'coat', `${i}`.repeat(64)));
    const summary = {
      decode: { size: 28, channels: 1 },
      classes: [{ label: 'coat', before: 3, target: 3, deficit: 0, synthetic: 0, after: 3 }],
      synthesis: [{ label: 'coat', candidates: 0, kept: 0, shortfall: 0 }],
      peakRssMB: 1,
    };
    let finished = 0;
    await publish(out, entries, summary, {
      output: { csv: false, imagefolder: 'none', report: true },
      input,
      reportConfig: { input },
      emit: () => {},
      finish: (s) => {
        finished++;
        // Not written yet: what finish returns is what summary.json gets.
        expect(existsSync(outLayout(out).summary)).toBe(false);
        // The report's images are gone from here on: a report that read them after this could not draw them.
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
  });
});
