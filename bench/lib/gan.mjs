/**
 * The project's own GAN, built from dist/ for benchmarks: the real builders and the real train steps,
 * so the figures follow the model code as it changes. Adapts to the two optimiser APIs the steps have
 * had (tf.train.adam with applyGradients; the project's Adam with apply/variables).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dist = (p) => pathToFileURL(path.join(ROOT, 'dist', p)).href;

export function requireBuilt() {
  if (!existsSync(path.join(ROOT, 'dist/gan/train-step.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first');
  }
}

/** Imports what the benchmarks use from dist/. */
export async function loadProject() {
  requireBuilt();
  const tf = await import('@tensorflow/tfjs');
  const [select, gen, disc, step, rngMod] = await Promise.all([
    import(dist('backend/select.js')),
    import(dist('gan/generator.js')),
    import(dist('gan/discriminator.js')),
    import(dist('gan/train-step.js')),
    import(dist('util/rng.js')),
  ]);
  const adamMod = existsSync(path.join(ROOT, 'dist/gan/adam.js')) ? await import(dist('gan/adam.js')) : null;
  const augMod = existsSync(path.join(ROOT, 'dist/gan/augment.js')) ? await import(dist('gan/augment.js')) : null;
  const paramsMod = await import(dist('gan/params.js'));
  return { tf, select, gen, disc, step, Rng: rngMod.Rng, adamMod, augMod, paramsMod };
}

/**
 * `reference`: the architecture of bench/reference/dcgan_torch.py (label plane as an extra D input
 * channel, no minibatch-stddev, no augmentation, NS loss). `defaults`: the project's config defaults
 * (projection head, minibatch-stddev, DiffAugment), which do a little more work per step. `quickstart`:
 * configs/quickstart.yaml's networks (the defaults at half the widths, the `upsample` generator; its batch
 * of 32 is the request's `batch`).
 */
export const MODELS = {
  reference: { head: 'concat', mbstd: false, augment: false },
  defaults: { head: 'projection', mbstd: true, augment: true },
  quickstart: { head: 'projection', mbstd: true, augment: true, arch: 'upsample', gWidth: 64, dWidth: 32 },
};

/**
 * Builds G, D and their optimisers and returns `step()`, one training iteration (one D step + one G
 * step) on fixed random "real" images, as the train loop runs it. Call `dispose()` afterwards.
 */
export function makeTrainer(project, opts) {
  const { tf, gen, disc, step, Rng, adamMod, augMod, paramsMod } = project;
  const model = MODELS[opts.model ?? 'reference'];
  const { size = 28, channels = 1, batch = 64, numClasses = 10, gWidth = model.gWidth ?? 128, dWidth = model.dWidth ?? 64, latentDim = 100, embedDim = 50 } = opts;
  const rng = new Rng(opts.seed ?? 1);
  const g = gen.buildGenerator({ numClasses, latentDim, embedDim, width: gWidth, size, channels, ...(model.arch ? { arch: model.arch } : {}) }, rng);
  const d = disc.buildDiscriminator({ numClasses, width: dWidth, size, channels, head: model.head, mbstd: model.mbstd }, rng);
  let optG;
  let optD;
  if (adamMod?.Adam) {
    optG = new adamMod.Adam(g.params, 2e-4, 0.5, 0.999);
    optD = new adamMod.Adam(d.params, 2e-4, 0.5, 0.999);
  } else {
    optG = tf.train.adam(2e-4, 0.5, 0.999);
    optD = tf.train.adam(2e-4, 0.5, 0.999);
  }
  const state = { g, d, optG, optD };
  const n = batch * 4;
  const realPool = tf.tidy(() => tf.randomUniform([n, size, size, channels], -1, 1, 'float32', 7));
  const labelPool = new Int32Array(n).map((_, i) => i % numClasses);
  let k = 0;
  const policy = ['color', 'translation', 'cutout'];
  const iteration = () => {
    const off = (k++ % 4) * batch;
    const input = tf.tidy(() => ({
      real: realPool.slice([off, 0, 0, 0], [batch, size, size, channels]),
      realLabels: tf.tensor1d(labelPool.subarray(off, off + batch), 'int32'),
      z: tf.tensor2d(rng.normal(new Float32Array(batch * latentDim)), [batch, latentDim]),
      fakeLabels: tf.tensor1d(Int32Array.from({ length: batch }, () => rng.int(numClasses)), 'int32'),
    }));
    if (model.augment && augMod) {
      input.augReal = augMod.drawAugment(rng, batch, size, channels, policy, 1);
      input.augFake = augMod.drawAugment(rng, batch, size, channels, policy, 1);
    }
    const ds = step.trainDiscriminatorStep(state, input);
    const gs = step.trainGeneratorStep(state, input);
    tf.dispose([input.real, input.realLabels, input.z, input.fakeLabels]);
    return { lossD: ds.loss, lossG: gs.loss };
  };
  const dispose = () => {
    tf.dispose([realPool]);
    paramsMod.disposeParams(g.params);
    if (disc.disposeDiscriminator) disc.disposeDiscriminator(d);
    else paramsMod.disposeParams(d.params);
    for (const o of [optG, optD]) {
      if (o.m && o.v) tf.dispose([...Object.values(o.m), ...Object.values(o.v)]);
      else o.dispose?.();
    }
  };
  return { state, iteration, dispose, batch };
}

/**
 * `makeTrainer`'s model trained data-parallel (src/gan/parallel): this thread and `workers − 1` worker
 * threads, each a single-thread wasm replica training on its part of every batch, gradients and batch-norm
 * statistics summed through shared memory — as `train.workers: 2` runs it. Same `iteration`/`dispose`.
 */
export async function makeParallelTrainer(project, opts) {
  const { tf, Rng, augMod, step } = project;
  const base = makeTrainer(project, opts);
  const { ReplicaPool } = await import(dist('gan/parallel/pool.js'));
  const { readParams } = await import(dist('gan/models-state.js'));
  const { g, d, optG, optD } = base.state;
  const { size, channels } = g.spec;
  const batch = base.batch;
  const numClasses = g.spec.numClasses;
  const { latentLength } = await import(dist('gan/generator.js'));
  const zLength = latentLength(g.spec);
  const config = { train: { batchSize: batch, lrG: 2e-4, lrD: 2e-4, beta1: 0.5, beta2: 0.999 } };
  const pool = await ReplicaPool.start(opts.workers, base.state, config, { g: g.spec, d: d.spec });
  pool.load({ g: await readParams(g.params), d: await readParams(d.params), spectral: {}, optG: await optG.save(), optD: await optD.save() });
  const rng = new Rng(opts.seed ?? 1);
  const per = size * size * channels;
  const real = Float32Array.from({ length: 4 * batch * per }, () => 2 * rng.next() - 1);
  const model = MODELS[opts.model ?? 'reference'];
  const policy = ['color', 'translation', 'cutout'];
  const aug = () => augMod.drawAugment(rng, batch, size, channels, policy, model.augment ? 1 : 0);
  let k = 0;
  const iteration = () => {
    const off = (k++ % 4) * batch;
    const arrays = {
      real: real.subarray(off * per, (off + batch) * per),
      realLabels: Int32Array.from({ length: batch }, (_, i) => (off + i) % numClasses),
      z: rng.normal(new Float32Array(batch * zLength)),
      fakeLabels: Int32Array.from({ length: batch }, () => rng.int(numClasses)),
      augReal: aug(),
      augFake: aug(),
      augFakeG: aug(),
      r1Scale: 0,
      condition: 1,
      size,
      channels,
      zLength,
    };
    const r = pool.iterate(base.state, arrays, step.DEFAULT_STEP);
    return { lossD: r.d.loss, lossG: r.g.loss };
  };
  return {
    state: base.state,
    iteration,
    batch,
    dispose: () => {
      base.dispose();
      void pool.close();
    },
  };
}
