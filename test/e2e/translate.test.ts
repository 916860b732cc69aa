/**
 * `gan.mode: translate` as a user drives it: a run writes translated images whose manifest rows name
 * an existing source image (by path and hash), the report shows the pairs, and `generate --source`
 * reproduces a shipped image from its row.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ROOT, tempDir } from '../helpers/tmp.js';

const CONFIG = path.join(ROOT, 'configs/quickstart.yaml');
const TINY = [
  'gan.mode=translate',
  'gan.translate.width=2',
  'gan.translate.resBlocks=1',
  'gan.dWidth=4',
  'train.batchSize=8',
  'train.steps=3',
  'train.logEvery=1',
  'generate.oversample=1',
  'features.classifier.steps=40',
  'guard.steps=40',
  'guard.seeds=3',
];

interface Entry {
  path: string;
  label: string;
  source: string;
  sha256: string;
  translatedFrom?: { path: string; sha256: string; label: string };
}
const sha = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

describe('translate mode', () => {
  it('translated rows point at existing source images of other classes; generate --source reproduces one', async () => {
    const out = await tempDir();
    const run = await runCli(['run', CONFIG, '--out', out, '--set', ...TINY]);
    expect(run.code, run.stderr).toBe(0);
    const entries = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Entry);
    const translated = entries.filter((e) => e.source === 'synthetic');
    expect(translated.length).toBeGreaterThan(0);
    const scarce = new Set(translated.map((e) => e.label));
    for (const e of translated) {
      expect(e.translatedFrom).toBeDefined();
      const from = e.translatedFrom!;
      // The default sources are the classes that need no images; the hash is the file's.
      expect(scarce.has(from.label)).toBe(false);
      expect(await sha(path.resolve(out, from.path))).toBe(from.sha256);
      expect(entries.some((r) => r.source === 'real' && r.path === from.path && r.label === from.label)).toBe(true);
    }
    const model = JSON.parse(await readFile(path.join(out, 'model/generator/model.json'), 'utf8'));
    expect(model.kind).toBe('translator');
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).toContain('id="translations"');

    const row = translated[0]!;
    const gen = await tempDir();
    const g = await runCli(['generate', '--model', path.join(out, 'model/generator'), '--class', row.label, '--source', path.resolve(out, row.translatedFrom!.path), '--out', gen]);
    expect(g.code, g.stderr).toBe(0);
    const made = JSON.parse((await readFile(path.join(gen, 'manifest.jsonl'), 'utf8')).trim()) as Entry;
    expect(made.sha256).toBe(row.sha256);
    expect(made.translatedFrom!.sha256).toBe(row.translatedFrom!.sha256);
    expect(made.translatedFrom!.label).toBe(row.translatedFrom!.label);

    const bare = await runCli(['generate', '--model', path.join(out, 'model/generator'), '--class', row.label, '--count', '2', '--out', gen]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('--source');
  });
});
