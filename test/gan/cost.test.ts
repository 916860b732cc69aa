import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { GENERATOR_ARCHS, GENERATOR_CONDITIONINGS } from '../../src/gan/arch.js';
import { discriminatorLayers, generatorLayers, imageMacs, type LayerCost } from '../../src/gan/cost.js';
import { buildDiscriminator, disposeDiscriminator, type DiscriminatorHead } from '../../src/gan/discriminator.js';
import { buildGenerator } from '../../src/gan/generator.js';
import { disposeParams, type Params } from '../../src/gan/params.js';
import { Rng } from '../../src/util/rng.js';
import { SMALL_SPEC } from '../helpers/small-gan.js';

beforeAll(async () => {
  await initBackend('cpu');
});

// Parameters that are looked up by class, not multiplied through: no cost of their own.
const LOOKUPS = new Set(['embed', 'labelMap']);

/** Every layer's weight has the size the cost says; every weight matrix or filter the model multiplies by is listed. */
function expectCovers(layers: LayerCost[], params: Params, numClasses: number): void {
  for (const l of layers) {
    const p = params[l.param];
    expect(p, l.param).toBeDefined();
    // The projection head multiplies by one class's row of its [classes, features] matrix.
    expect(l.param === 'projection' ? l.weights * numClasses : l.weights, l.param).toBe(p!.size);
    expect(l.positions, l.param).toBeGreaterThan(0);
  }
  const listed = new Set(layers.map((l) => l.param));
  const multiplied = Object.entries(params).filter(([name, t]) => t.rank >= 2 && !LOOKUPS.has(name)).map(([name]) => name);
  expect(multiplied.filter((n) => !listed.has(n))).toEqual([]);
}

describe('gan/cost: what an image costs the models', () => {
  it("lists every generator layer that multiplies, with the built weight's size, for each architecture and conditioning", () => {
    for (const arch of GENERATOR_ARCHS) {
      for (const conditioning of GENERATOR_CONDITIONINGS) {
        const spec = { ...SMALL_SPEC, arch, conditioning };
        const g = buildGenerator(spec, new Rng(1));
        expectCovers(generatorLayers(spec), g.params, spec.numClasses);
        disposeParams(g.params);
      }
    }
  });

  it("lists every discriminator layer that multiplies, with the built weight's size, for each head", () => {
    for (const head of ['projection', 'acgan', 'concat'] as DiscriminatorHead[]) {
      for (const mbstd of [false, true]) {
        const spec = { numClasses: 3, width: 8, size: 12, channels: 3, head, mbstd };
        const d = buildDiscriminator(spec, new Rng(1));
        expectCovers(discriminatorLayers(spec), d.params, spec.numClasses);
        disposeDiscriminator(d);
      }
    }
  });

  it('counts positions where each layer applies: the quickstart models at 28 px, by hand', () => {
    const g = { numClasses: 10, latentDim: 100, embedDim: 50, width: 64, size: 28, channels: 1, arch: 'upsample' as const };
    const d = { numClasses: 10, width: 32, size: 28, channels: 1, head: 'projection' as const, mbstd: true };
    // G: dense 150 → 7·7·64; 3×3 conv 64 → 32 at 14×14; 3×3 conv 32 → 1 at 28×28.
    const gMacs = 150 * 49 * 64 + 9 * 64 * 32 * 196 + 9 * 32 * 784;
    // D: 5×5 conv 1 → 32 at 14×14 (stride 2); 5×5 conv 32 → 64 at 7×7; dense and projection over 7·7·65.
    const dMacs = 25 * 32 * 196 + 25 * 32 * 64 * 49 + 2 * 49 * 65;
    expect(imageMacs({ g, d })).toBe(gMacs + dMacs);
    // Doubling both widths roughly quadruples the convolutions.
    const wide = imageMacs({ g: { ...g, width: 128 }, d: { ...d, width: 64 } });
    expect(wide / (gMacs + dMacs)).toBeGreaterThan(3.5);
  });
});
