/**
 * The decode cache: a second pass decodes nothing unchanged; a changed file or changed settings decode
 * again; anything unreadable or from another version is treated as empty, never trusted.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { cacheKey, DecodeCache, writeDecodeCache, CACHE_VERSION } from '../../src/dataset/cache.js';
import { decodeAll, type DecodeSettings } from '../../src/dataset/decode.js';
import { tempDir } from '../helpers/tmp.js';
import { asRun } from '../helpers/config.js';

const settings = (over: Partial<DecodeSettings> = {}): DecodeSettings => ({ ...asRun(parseConfigText('input: x\n', '(test)').config).decode, size: 8, ...over });

/** Decodes with the cache in `dir` and writes it back, as a run does. */
async function pass(dir: string, files: string[], s: DecodeSettings) {
  const cache = await DecodeCache.open(dir, s);
  const r = await decodeAll(files, s, { cache });
  cache.close();
  const images = new Map<string, number>();
  r.kept.forEach((input, slot) => images.has(r.hashes[input]!) || images.set(r.hashes[input]!, slot));
  const rejected = new Map(r.failures.filter((f) => f.cacheable).map((f) => [r.hashes[f.index]!, f.reason]));
  await writeDecodeCache(dir, s, { images, rejected }, r.images.pixels);
  return { ...r, note: cache.note };
}

async function corpus() {
  const dir = await tempDir();
  const files: string[] = [];
  for (let i = 0; i < 5; i++) {
    const f = path.join(dir, `${i}.png`);
    await writeFile(f, await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: i * 40, g: i * 40, b: i * 40 } } }).png().toBuffer());
    files.push(f);
  }
  const bad = path.join(dir, 'bad.png');
  await writeFile(bad, 'not a png');
  files.push(bad);
  return { dir, files, cacheDir: path.join(dir, 'cache') };
}

describe('decode cache', () => {
  it('answers a second pass entirely, with identical pixels and the same rejections', async () => {
    const { files, cacheDir } = await corpus();
    const first = await pass(cacheDir, files, settings());
    expect([first.cached, first.decoded]).toEqual([0, 6]);
    const second = await pass(cacheDir, files, settings());
    expect([second.cached, second.decoded]).toEqual([6, 0]);
    expect(Buffer.from(second.images.pixels).equals(Buffer.from(first.images.pixels))).toBe(true);
    expect(second.failures).toEqual(first.failures);
  });

  it('decodes again only the file whose content changed', async () => {
    const { files, cacheDir } = await corpus();
    await pass(cacheDir, files, settings());
    await writeFile(files[2]!, await sharp({ create: { width: 4, height: 4, channels: 3, background: '#ffffff' } }).png().toBuffer());
    const r = await pass(cacheDir, files, settings());
    expect([r.cached, r.decoded]).toEqual([5, 1]);
    expect(r.images.pixels[2 * 64]).toBe(255);
  });

  it('keys on the decode settings: another size or kernel is another cache', async () => {
    const { files, cacheDir } = await corpus();
    await pass(cacheDir, files, settings());
    expect(cacheKey(settings({ kernel: 'nearest' }))).not.toBe(cacheKey(settings()));
    expect(cacheKey(settings({ cache: false }))).toBe(cacheKey(settings()));
    const r = await pass(cacheDir, files, settings({ size: 12 }));
    expect([r.cached, r.decoded]).toEqual([0, 6]);
  });

  it('keeps one blob per key, with a versioned index', async () => {
    const { files, cacheDir } = await corpus();
    await pass(cacheDir, files, settings());
    await pass(cacheDir, files.slice(1), settings());
    const names = (await readdir(cacheDir)).sort();
    expect(names).toHaveLength(2);
    const index = JSON.parse(await readFile(path.join(cacheDir, `${cacheKey(settings())}.json`), 'utf8'));
    expect(index).toMatchObject({ format: 'gan-augment decode cache', version: CACHE_VERSION, count: 4, bytesPerImage: 64 });
    expect(index.settings).toMatchObject({ size: 8, kernel: 'lanczos3', sharp: sharp.versions.sharp });
  });

  it.each([
    ['an index that is not JSON', async (idx: string) => writeFile(idx, '{"format": ')],
    ['another version', async (idx: string) => writeFile(idx, (await readFile(idx, 'utf8')).replace(`"version":${CACHE_VERSION}`, '"version":999'))],
    ['a blob name that leaves the folder', async (idx: string) => writeFile(idx, (await readFile(idx, 'utf8')).replace(/"blob":"[^"]+"/, '"blob":"../../etc/passwd"'))],
    ['a short blob', async (idx: string) => {
      const blob = JSON.parse(await readFile(idx, 'utf8')).blob as string;
      await writeFile(path.join(path.dirname(idx), blob), Buffer.alloc(10));
    }],
    ['a slot out of range', async (idx: string) => writeFile(idx, (await readFile(idx, 'utf8')).replace(/":0,/, '":99,'))],
  ])('ignores %s, says why, and decodes everything again', async (_what, damage) => {
    const { files, cacheDir } = await corpus();
    await pass(cacheDir, files, settings());
    await damage(path.join(cacheDir, `${cacheKey(settings())}.json`));
    const r = await pass(cacheDir, files, settings());
    expect(r.note).toMatch(/not used \(.+\); it will be rebuilt/);
    expect([r.cached, r.decoded]).toEqual([0, 6]);
    const again = await pass(cacheDir, files, settings());
    expect([again.note, again.cached]).toEqual([null, 6]);
  });

  it('opens empty where there is no cache', async () => {
    const c = await DecodeCache.open('/nonexistent', settings());
    expect([c.size, c.note, c.lookup('x')]).toEqual([0, null, undefined]);
  });
});
