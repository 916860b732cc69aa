/** What the report reads from an out folder: here, where its resolved config comes from. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadReportData } from '../../src/report/load.js';
import { tempDir } from '../helpers/tmp.js';

describe('loadReportData: the resolved config', () => {
  it("is the last run's, from state.json — also where no generator was saved (generate.from) or a rerun re-filtered with another config", async () => {
    const out = await tempDir();
    // The generator carries the config that trained it: all there is in a folder without state.json's.
    const fromModel = { input: 'data/train', train: { steps: 7 }, guard: { mode: 'fallback' } };
    await mkdir(path.join(out, 'model', 'generator'), { recursive: true });
    await writeFile(path.join(out, 'model', 'generator', 'model.json'), JSON.stringify({ meta: { config: fromModel } }));
    expect((await loadReportData(out)).config).toEqual(fromModel);
    // The last run re-filtered those models under guard: warn; state.json says so.
    const lastRun = { ...fromModel, guard: { mode: 'warn' } };
    await writeFile(path.join(out, 'state.json'), JSON.stringify({ format: 1, config: lastRun }));
    expect((await loadReportData(out)).config).toEqual(lastRun);
    // A generate.from run saves no generator.
    const imported = await tempDir();
    const fromState = { input: 'data/train', generate: { from: 'outside/' } };
    await writeFile(path.join(imported, 'state.json'), JSON.stringify({ format: 1, config: fromState }));
    expect((await loadReportData(imported)).config).toEqual(fromState);
  });

  it('is null in a folder with neither', async () => {
    expect((await loadReportData(await tempDir())).config).toBeNull();
  });
});
