/**
 * generate.from's reading of a folder of outside candidates: real files through sharp, decoded like the input.
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import { UserError } from '../../src/errors.js';
import type { PipelineEvent } from '../../src/events.js';
import { importCandidates, importOrder, scanImport } from '../../src/generate/import.js';
import { FIXTURE, tempDir } from '../helpers/tmp.js';

const DECODE = { ...DEFAULTS.decode, size: 16, channels: 1 as const };

describe('importOrder', () => {
  it('is a permutation, the same for the same seed and label, another for another seed or label', () => {
    const a = importOrder(50, 0, 'coat');
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(importOrder(50, 0, 'coat')).toEqual(a);
    expect(importOrder(50, 1, 'coat')).not.toEqual(a);
    expect(importOrder(50, 0, 'shirt')).not.toEqual(a);
    // Not file order: the filters take candidates without a score in this order.
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(importOrder(0, 0, 'coat')).toEqual([]);
  });
});

describe('scanImport + importCandidates', () => {
  let from: string;
  beforeAll(async () => {
    from = await tempDir();
    await cp(path.join(FIXTURE, 'coat'), path.join(from, 'coat'), { recursive: true });
    await cp(path.join(FIXTURE, 'bag'), path.join(from, 'bag'), { recursive: true });
    // A 40×20 RGB image: decoded to the run's 16×16 gray like any input image.
    await mkdir(path.join(from, 'pullover'));
    await sharp({ create: { width: 40, height: 20, channels: 3, background: { r: 200, g: 100, b: 50 } } }).png().toFile(path.join(from, 'pullover', 'wide.png'));
    await writeFile(path.join(from, 'pullover', 'broken.png'), 'not an image');
    await writeFile(path.join(from, 'pullover', 'notes.txt'), 'a note');
  });

  it('decodes the scarce classes, rejects what does not decode, and says what it did not read', async () => {
    const events: PipelineEvent[] = [];
    const scan = await scanImport(from, ['coat', 'pullover', 'shirt'], true);
    expect(scan.unused).toEqual(['bag']);
    expect(scan.files.filter((f) => f.label === 'coat')).toHaveLength(10);
    const imp = await importCandidates(scan, { decode: DECODE, seed: 0 }, (e) => events.push(e));
    const coat = imp.classes.get('coat')!;
    expect(coat.count).toBe(10);
    expect(coat.pixels.length).toBe(10 * 16 * 16);
    expect(coat.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256) && f.file.startsWith(path.join(from, 'coat')))).toBe(true);
    const pullover = imp.classes.get('pullover')!;
    expect(pullover.count).toBe(1);
    expect(pullover.pixels.length).toBe(16 * 16);
    expect(imp.classes.get('shirt')!.count).toBe(0);
    expect(imp.summary.classes).toEqual([
      { label: 'coat', found: 10, candidates: 10 },
      { label: 'pullover', found: 2, candidates: 1 },
      { label: 'shirt', found: 0, candidates: 0 },
    ]);
    expect(imp.summary.rejected.map((r) => r.path)).toEqual(['pullover/broken.png']);
    expect(imp.summary.ignored.map((r) => r.path)).toContain('pullover/notes.txt');
    const said = events.filter((e) => e.type === 'warn' || e.type === 'info').map((e) => (e as { message: string }).message);
    expect(said).toContain(`generate.from: no images for class "shirt" in ${path.join(from, 'shirt')}; it gets no imported candidates (its fill is its real images listed again)`);
    expect(said.some((m) => m.startsWith('generate.from: rejected pullover/broken.png: '))).toBe(true);
    expect(said).toContain('generate.from: not read: "bag" (not a scarce class of the input)');
    expect(events.filter((e) => e.type === 'import.progress').at(-1)).toEqual({ type: 'import.progress', done: 12, total: 12 });
  });

  it('takes the candidates in the seeded order, and fingerprints their bytes', async () => {
    const scan = await scanImport(from, ['coat'], true);
    const a = await importCandidates(scan, { decode: DECODE, seed: 0 }, () => {});
    const b = await importCandidates(scan, { decode: DECODE, seed: 0 }, () => {});
    const c = await importCandidates(scan, { decode: DECODE, seed: 7 }, () => {});
    const names = (x: typeof a) => x.classes.get('coat')!.files.map((f) => path.basename(f.file));
    expect(names(b)).toEqual(names(a));
    expect(names(a)).not.toEqual([...names(a)].sort());
    expect(new Set(names(c))).toEqual(new Set(names(a)));
    expect(b.fingerprint).toBe(a.fingerprint);
    // Image k of the class is the file its files[k] names.
    const coatA = a.classes.get('coat')!;
    const first = await sharp(coatA.files[0]!.file).resize(16, 16, { kernel: DECODE.kernel }).grayscale().raw().toBuffer();
    expect(Buffer.from(coatA.pixels.subarray(0, 256)).equals(first)).toBe(true);
    // A changed image changes the fingerprint (a run importing it is no longer up to date).
    await sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } }).png().toFile(path.join(from, 'coat', 'new.png'));
    const d = await importCandidates(await scanImport(from, ['coat'], true), { decode: DECODE, seed: 0 }, () => {});
    expect(d.classes.get('coat')!.count).toBe(11);
    expect(d.fingerprint).not.toBe(a.fingerprint);
  });

  it('refuses a missing folder, naming generate.from', async () => {
    const missing = path.join(from, 'nowhere');
    await expect(scanImport(missing, ['coat'], true)).rejects.toThrow(UserError);
    await expect(scanImport(missing, ['coat'], true)).rejects.toThrow(`generate.from: folder ${missing} does not exist`);
  });
});
