/**
 * A sampler thread (sampler-pool.ts): the backend of the thread that started it, a copy of its generator
 * (and discriminator), and one batch sampled per request with the same code as that thread.
 */
import { workerData } from 'node:worker_threads';
import { initBackend } from '../backend/select.js';
import { buildDiscriminator, type Discriminator } from '../gan/discriminator.js';
import { buildGenerator, type Generator } from '../gan/generator.js';
import { writeParams, writeSpectral } from '../gan/models-state.js';
import { Rng } from '../util/rng.js';
import { serveRequests } from '../util/worker-rpc.js';
import { sampleClass } from './sample.js';
import type { SampledPart, SamplerInit, SamplerRequest } from './sampler-pool.js';

async function start(init: SamplerInit): Promise<{ g: Generator; d: Discriminator | null }> {
  await initBackend(init.backend, { wasmThreads: 1, inheritBlasThreads: true });
  const rng = new Rng(0); // every weight is overwritten below
  const g = buildGenerator(init.g.spec, rng);
  writeParams(g.params, init.g.params);
  let d: Discriminator | null = null;
  if (init.d) {
    d = buildDiscriminator(init.d.spec, rng);
    writeParams(d.params, init.d.params);
    writeSpectral(d, init.d.spectral);
  }
  return { g, d };
}

serveRequests<{ g: Generator; d: Discriminator | null }, SamplerRequest, SampledPart>(start(workerData as SamplerInit), async ({ g, d }, req) => {
  const n = req.seeds.length;
  // Around generate.anchor's fitted latents, the thread that asks sends each seed's latent (by position).
  const rows = req.latents;
  const at = rows ? new Map(req.seeds.map((s, i) => [s, i])) : null;
  const latent = rows
    ? (seed: number, length: number) => {
        const i = at!.get(seed)!;
        return rows.subarray(i * length, (i + 1) * length);
      }
    : undefined;
  const c = await sampleClass(g, d, req.classIndex, n, req.seeds, n, { imageThreads: 1, ...(latent ? { latent } : {}) });
  return { value: { pixels: c.pixels, scores: c.scores }, transfer: [c.pixels.buffer as ArrayBuffer, ...(c.scores ? [c.scores.buffer as ArrayBuffer] : [])] };
});
