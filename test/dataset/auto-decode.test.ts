import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { parseConfigText } from '../../src/config/load.js';
import { resolveDecode, sampleScan, withDecode } from '../../src/dataset/auto-decode.js';
import { scanFolder } from '../../src/dataset/scan.js';
import { runPipeline } from '../../src/pipeline.js';
import { runCli } from '../helpers/cli.js';
import { FIXTURE, tempDir } from '../helpers/tmp.js';

/** A labelled folder of `side`-px PNGs: class "warm" in orange-ish colours, "cool" in blue-ish ones (or gray when `gray`). */
async function folder(counts: Record<string, number>, side: number, gray = false): Promise<string> {
  const root = await tempDir();
  for (const [label, n] of Object.entries(counts)) {
    await mkdir(path.join(root, label), { recursive: true });
    for (let k = 0; k < n; k++) {
      const px = Buffer.alloc(side * side * 3);
      for (let i = 0; i < side * side; i++) {
        const v = (i * 7 + k * 13) % 256;
        const rgb = gray ? [v, v, v] : label === 'warm' ? [255 - (v >> 2), 120 + (v >> 3), 20] : [20, 90 + (v >> 3), 255 - (v >> 2)];
        px.set(rgb, i * 3);
      }
      await sharp(px, { raw: { width: side, height: side, channels: 3 } }).png().toFile(path.join(root, label, `${k}.png`));
    }
  }
  return root;
}

const parsed = (input: string, extra = '') => parseConfigText(`input: ${JSON.stringify(input)}\n${extra}`, '(test)').config;

describe('decode: auto', () => {
  it('is the default, and a config that sets both is left as it is without reading an image', async () => {
    const c = parsed('/nowhere');
    expect(c.decode).toMatchObject({ size: 'auto', channels: 'auto' });
    const fixed = parsed('/nowhere', 'decode: {size: 16, channels: 3}\n');
    // No scan of /nowhere is needed: nothing is measured.
    const r = await resolveDecode(fixed, { root: '/nowhere', classes: [], ignored: [], rejected: [], emptyClasses: [] });
    expect(r.message).toBeNull();
    expect(r.config.decode).toMatchObject({ size: 16, channels: 3 });
  });

  it('resolves colour photos to RGB at their size, and gray ones to grayscale; a set value wins', async () => {
    const rgb = await folder({ warm: 6, cool: 6 }, 32);
    const r = await resolveDecode(parsed(rgb), await scanFolder(rgb));
    expect(r.config.decode).toMatchObject({ size: 32, channels: 3 });
    expect(r.message).toMatch(/auto → 32×32 RGB, from 12 sampled images.*12 of 12 have colour/);

    const gray = await folder({ a: 4, b: 4 }, 20, true);
    const g = await resolveDecode(parsed(gray), await scanFolder(gray));
    expect(g.config.decode).toMatchObject({ size: 20, channels: 1 });

    const big = await folder({ warm: 2, cool: 2 }, 100);
    const b = await resolveDecode(parsed(big, 'decode: {channels: 1}\n'), await scanFolder(big));
    // At most 32 by itself (CPU training), and the message says how to get more.
    expect(b.config.decode).toMatchObject({ size: 32, channels: 1 });
    expect(b.message).toMatch(/median shorter side 100 px; set decode.size/);
  });

  it('samples every class, evenly', async () => {
    const root = await folder({ warm: 40, cool: 3 }, 8);
    const picks = sampleScan(await scanFolder(root), 10);
    expect(picks.filter((p) => p.includes(`${path.sep}cool${path.sep}`))).toHaveLength(3);
    expect(picks).toHaveLength(8);
  });

  it('withDecode fills only what is auto', () => {
    const c = withDecode(parsed('/x', 'decode: {size: 12}\n'), { size: 28, channels: 3 });
    expect(c.decode).toMatchObject({ size: 12, channels: 3 });
  });

  it('a run over a folder of 12 px colour images with no decode setting learns and writes 16 px RGB images', async () => {
    await initBackend('wasm');
    const input = await folder({ warm: 12, cool: 4 }, 12);
    const out = await tempDir();
    const events: string[] = [];
    const summary = await runPipeline(
      parsed(input, `out: ${JSON.stringify(out)}\ngan: {gWidth: 8, dWidth: 4, latentDim: 4, embedDim: 2}\ntrain: {steps: 2, batchSize: 4, validation: 0}\nfeatures: {classifier: {steps: 5}}\nfilter: {order: [near-copy]}\nguard: off\n`),
      { backend: await initBackend('wasm'), onEvent: (e) => void (e.type === 'info' && events.push(e.message)) },
    );
    // 12 px is under the smallest auto size: upscaled to 16.
    expect(events.find((m) => m.startsWith('decode: auto'))).toMatch(/16×16 RGB.*median shorter side 12 px/);
    expect(summary.decode).toMatchObject({ size: 16, channels: 3, auto: expect.stringMatching(/^decode: auto → 16×16 RGB/) });
    // The report's run facts say the size and colour were guessed, and from what.
    expect(await readFile(path.join(out, 'report.html'), 'utf8')).toMatch(/16×16×3, fit cover[^<]*\(decode: auto → 16×16 RGB, from 16 sampled images/);
    const rows = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { source: string; file_name: string });
    const synthetic = rows.filter((r) => r.source === 'synthetic');
    expect(synthetic.length).toBeGreaterThan(0);
    const meta = await sharp(path.join(out, synthetic[0]!.file_name)).metadata();
    expect([meta.width, meta.channels]).toEqual([16, 3]);
    // The saved generator carries the resolved settings, so `generate` from it needs no image.
    const model = JSON.parse(await readFile(path.join(out, 'model', 'generator', 'model.json'), 'utf8')) as { spec: object; meta: { config: { decode: object } } };
    expect(model.spec).toMatchObject({ size: 16, channels: 3 });
    expect(model.meta.config.decode).toMatchObject({ size: 16, channels: 3 });
  }, 120_000);

  it('run --dry-run prints what auto became', async () => {
    const cfg = path.join(await tempDir(), 'c.yaml');
    await writeFile(cfg, `input: ${JSON.stringify(FIXTURE)}\nout: ${JSON.stringify(path.join(path.dirname(cfg), 'out'))}\n`);
    const r = await runCli(['run', cfg, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# resolved config \(decode: auto → 28×28 grayscale, from \d+ sampled images/);
    expect(r.stdout).toMatch(/decode:\n {2}size: 28\n {2}channels: 1\n/);
  }, 60_000);
});
