/**
 * The training iteration one replica of a data-parallel job runs on its part of the batch: the D step
 * and the G step of train-step.ts, with batch-norm statistics and gradients summed across replicas, and
 * the step's figures gathered — so every replica applies the same update and returns the same figures,
 * those of the whole batch.
 */
import { tf } from '../../tf.js';
import { InternalError } from '../../errors.js';
import { acrossReplicas } from '../norm-act.js';
import { trainDiscriminatorStep, trainGeneratorStep, type DStepResult, type GanState, type GradientSync, type StepSettings } from '../train-step.js';
import type { AllReduce } from './allreduce.js';
import { batchOf, stepTensors, type StepArrays } from './shard.js';

/**
 * The whole batch's gradient from this replica's: the mean over replicas (each a mean over an equal part).
 * Gradients come keyed by tfjs variable name, which differs between threads (a counter): they are packed
 * in the order of `variables` (the optimiser's, built by the same code on every replica).
 */
export function gradientSync(r: AllReduce, variables: readonly tf.Variable[]): GradientSync {
  return (grads) => {
    const names = variables.map((v) => v.name).filter((n) => grads[n]);
    const sizes = names.map((n) => grads[n]!.size);
    const flat = new Float32Array(sizes.reduce((a, b) => a + b, 0));
    let off = 0;
    names.forEach((n, i) => {
      flat.set(grads[n]!.dataSync() as Float32Array, off);
      off += sizes[i]!;
    });
    const sum = r.sum(flat);
    const scale = 1 / r.replicas;
    for (let i = 0; i < sum.length; i++) sum[i]! *= scale;
    off = 0;
    return Object.fromEntries(
      names.map((n, i) => {
        const t = tf.tensor(sum.subarray(off, off + sizes[i]!), grads[n]!.shape);
        off += sizes[i]!;
        return [n, t];
      }),
    );
  };
}

export interface IterationResult {
  d: DStepResult;
  g: { loss: number };
}

/**
 * One D step and one G step on this replica's part (`part`, at batch positions `positions` of a batch of
 * `batch`); returns the whole batch's figures. Leaves no tensor behind.
 */
export function replicaIteration(state: GanState, part: StepArrays, positions: Int32Array, batch: number, s: StepSettings, r: AllReduce): IterationResult {
  if (batchOf(part) * r.replicas !== batch) throw new InternalError(`a replica's part of ${batchOf(part)} images is not 1/${r.replicas} of the batch of ${batch}`);
  const input = stepTensors(part);
  try {
    const { ds, gs } = acrossReplicas(r, () => {
      const ds = trainDiscriminatorStep(state, input, s, gradientSync(r, state.optD.variables));
      const gs = trainGeneratorStep(state, { z: input.z, fakeLabels: input.fakeLabels, augFake: input.augFakeG, condition: part.condition }, s, gradientSync(r, state.optG.variables));
      return { ds, gs };
    });
    // Gathered by one sum: each replica's real logits at their batch positions (zeros elsewhere), then
    // the losses and D's mean logit on generated images, each a mean over an equal part.
    const figures = new Float32Array(batch + 3);
    positions.forEach((p, k) => (figures[p] = ds.realLogits[k]!));
    figures[batch] = ds.loss;
    figures[batch + 1] = ds.dFake;
    figures[batch + 2] = gs.loss;
    const all = r.sum(figures);
    const realLogits = all.slice(0, batch);
    const mean = (v: number) => v / r.replicas;
    return {
      d: { loss: mean(all[batch]!), dReal: realLogits.reduce((a, b) => a + b, 0) / batch, dFake: mean(all[batch + 1]!), realLogits },
      g: { loss: mean(all[batch + 2]!) },
    };
  } finally {
    tf.dispose([input.real, input.realLabels, input.z, input.fakeLabels]);
  }
}
