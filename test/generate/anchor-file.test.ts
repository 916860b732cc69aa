/** generate.anchor's latents on disk (generate/anchor-file.ts): what is written is read back bit for bit, and a file that does not fit its generator is refused, named. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { decodeAnchors, encodeAnchors, readAnchors, writeAnchors, type SavedAnchors } from '../../src/generate/anchor-file.js';
import { latentOf } from '../../src/generate/sample.js';
import { tempDir } from '../helpers/tmp.js';

const saved = (): SavedAnchors => ({
  sigma: 0.3,
  steps: 300,
  classes: new Map([
    ['coat', { latents: latentOf(1, 3 * 8), count: 3, length: 8, mse: 0.012 }],
    ['shirt, long', { latents: latentOf(2, 1 * 8), count: 1, length: 8, mse: 0.5 }],
  ]),
});

describe('anchors.json', () => {
  it('reads back what was written: σ, steps, and every class’s latents bit for bit', async () => {
    const file = path.join(await tempDir(), 'generator', 'anchors.json');
    await writeAnchors(file, saved());
    const back = (await readAnchors(file, 8))!;
    expect(back.sigma).toBe(0.3);
    expect(back.steps).toBe(300);
    expect([...back.classes.keys()]).toEqual(['coat', 'shirt, long']);
    for (const [label, a] of saved().classes) {
      const b = back.classes.get(label)!;
      expect(Buffer.from(b.latents.buffer).equals(Buffer.from(a.latents.buffer))).toBe(true);
      expect({ count: b.count, length: b.length, mse: b.mse }).toEqual({ count: a.count, length: a.length, mse: a.mse });
    }
  });

  it('a latents view into a larger buffer is written as its own rows only', () => {
    const big = latentOf(3, 5 * 8);
    const a: SavedAnchors = { sigma: 0, steps: 1, classes: new Map([['c', { latents: big.subarray(8, 24), count: 2, length: 8, mse: 0 }]]) };
    expect(Array.from(decodeAnchors(encodeAnchors(a), 'f', 8).classes.get('c')!.latents)).toEqual(Array.from(big.subarray(8, 24)));
  });

  it('is null where there is no file (a run without generate.anchor)', async () => {
    expect(await readAnchors(path.join(await tempDir(), 'anchors.json'), 8)).toBeNull();
  });

  it('refuses, naming the file, a latent length the generator does not have, a short payload, another format or no JSON', async () => {
    const text = encodeAnchors(saved());
    expect(() => decodeAnchors(text, 'model/generator/anchors.json', 16)).toThrow(/model\/generator\/anchors\.json: class "coat": expected 3 latents of 16 values \(the generator's latent length\), received 8 values per latent in 96 bytes/);
    const short = JSON.parse(text);
    short.classes.coat.latents = short.classes.coat.latents.slice(0, 16);
    expect(() => decodeAnchors(JSON.stringify(short), 'a.json', 8)).toThrow(UserError);
    expect(() => decodeAnchors(JSON.stringify({ ...JSON.parse(text), format: 'x' }), 'a.json', 8)).toThrow(/a\.json: expected format gan-augment\/anchors@1, received x/);
    expect(() => decodeAnchors('null', 'a.json', 8)).toThrow(/a\.json: expected generate\.anchor's latents as a JSON object, received null/);
    expect(() => decodeAnchors(JSON.stringify({ ...JSON.parse(text), classes: { coat: null } }), 'a.json', 8)).toThrow(/a\.json: class "coat": expected \{count, length, mse, latents\}, received null/);
    const file = path.join(await tempDir(), 'anchors.json');
    await writeFile(file, '{ not json');
    await expect(readAnchors(file, 8)).rejects.toThrow(/anchors\.json: expected generate\.anchor's latents as JSON/);
  });
});
