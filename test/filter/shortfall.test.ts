import { describe, expect, it } from 'vitest';
import { fillShortfall } from '../../src/filter/shortfall.js';
import { MANIFEST_JSON_SCHEMA, ManifestEntrySchema, realEntry } from '../../src/manifest/build.js';
import { imagefolderLayout } from '../../src/manifest/imagefolder.js';
import { Rng } from '../../src/util/rng.js';

const H = (i: number) => i.toString(16).padStart(64, '0');
const reals = Array.from({ length: 4 }, (_, i) => realEntry(`../in/coat/${i}.png`, 'coat', H(i)));

describe('fillShortfall', () => {
  it('lists every real image once per round, in a seeded order, marked oversampled', () => {
    const fill = fillShortfall(reals, 10, new Rng(1));
    expect(fill).toHaveLength(10);
    for (const e of fill) expect(ManifestEntrySchema.parse(e)).toMatchObject({ source: 'oversampled', label: 'coat', seed: null, generator: null });
    // rounds of four: the first eight hold each image twice, the last two are two different images
    for (const round of [fill.slice(0, 4), fill.slice(4, 8)]) expect(new Set(round.map((e) => e.path)).size).toBe(4);
    expect(new Set(fill.slice(8).map((e) => e.path)).size).toBe(2);
    const bySha = new Map(reals.map((r) => [r.sha256, r.path]));
    for (const e of fill) expect(bySha.get(e.sha256)).toBe(e.path);
    expect(fillShortfall(reals, 10, new Rng(1))).toEqual(fill);
    expect(fillShortfall(reals, 10, new Rng(2)).map((e) => e.path)).not.toEqual(fill.map((e) => e.path));
  });

  it('returns nothing without real images or without a shortfall', () => {
    expect(fillShortfall([], 5, new Rng(1))).toEqual([]);
    expect(fillShortfall(reals, 0, new Rng(1))).toEqual([]);
  });

  it('the JSON Schema names the source', () => {
    const props = (MANIFEST_JSON_SCHEMA as { properties: { source: { enum: string[] } } }).properties;
    expect(props.source.enum).toEqual(['real', 'synthetic', 'oversampled']);
  });

  it('the imagefolder layout gives each repetition a file of its own', () => {
    const entries = [...reals, ...fillShortfall(reals, 6, new Rng(3))];
    const { files, metadata } = imagefolderLayout(entries, '../in');
    const to = files.map((f) => f.to);
    expect(new Set(to).size).toBe(entries.length);
    expect(to.filter((t) => t.startsWith('coat/oversampled/'))).toHaveLength(6);
    expect(to.slice(4)[0]).toMatch(/^coat\/oversampled\/00000-\d\.png$/);
    expect(metadata.trim().split('\n').map((l) => JSON.parse(l).source)).toEqual([...Array(4).fill('real'), ...Array(6).fill('oversampled')]);
  });
});
