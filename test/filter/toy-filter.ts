/**
 * A toy filter, written the way a new filter is added (README "Development"): one file exporting a
 * registry row. It scores each candidate by its mean brightness (0–1) and rejects the dark ones.
 */
import { gather } from '../../src/filter/rows.js';
import { fmt, type FilterDef } from '../../src/filter/types.js';

/** Candidates darker than this mean brightness are rejected. */
export const MIN_BRIGHTNESS = 0.5;

export const toyFilter: FilterDef<'too-dark'> = {
  reasons: ['too-dark'],
  needsClassifier: false,
  async prepare(ctx) {
    const { count, pixels } = ctx.candidates;
    const per = ctx.pixelDims;
    const brightness = Float64Array.from({ length: count }, (_, i) => pixels.subarray(i * per, (i + 1) * per).reduce((s, v) => s + v, 0) / (255 * per));
    return [
      {
        name: 'toy',
        scores: { brightness },
        run: (survivors) => {
          const b = gather(brightness, survivors);
          const kept: number[] = [];
          const rejected: { index: number; reason: string; detail: string }[] = [];
          b.forEach((v, i) => (v >= MIN_BRIGHTNESS ? kept.push(i) : rejected.push({ index: i, reason: 'too-dark', detail: `brightness ${fmt(v, 3)} < ${MIN_BRIGHTNESS}` })));
          return { kept, rejected, cut: MIN_BRIGHTNESS };
        },
      },
    ];
  },
};
