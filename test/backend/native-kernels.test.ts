/**
 * Functional regression test (not timed): every kernel a training step, BN calibration and sampling
 * call runs natively on the chosen backend — none is served by a fallback to the pure-JS cpu backend
 * (correct, but 100× slower for convolution gradients), unless it is on the allow-list below.
 *
 * A fallback is detected two ways: every cpu kernel is wrapped to count its calls, and the kernels seen
 * by tf.profile must each be registered for the active backend.
 */
import { tf } from '../../src/tf.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type BackendInfo } from '../../src/backend/select.js';
import { WASM_KERNELS } from '../../src/backend/wasm-kernels.js';
import { discriminate, type DiscriminatorHead } from '../../src/gan/discriminator.js';
import { calibrateBatchNorm, generate } from '../../src/gan/generator.js';
import type { LossName } from '../../src/gan/arch.js';
import { trainDiscriminatorStep, trainGeneratorStep } from '../../src/gan/train-step.js';
import { makeSmallInput, makeSmallState } from '../helpers/small-gan.js';

/**
 * Kernels allowed to run on the cpu backend during training, with the reason. Empty: every kernel of
 * a step runs on the active backend. Add an entry only with a measured reason.
 */
const CPU_ALLOWED: Record<string, string> = {};

let info: BackendInfo;
const cpuCalls = new Map<string, number>();
const restore: (() => void)[] = [];

beforeAll(async () => {
  info = await initBackend('auto');
  // Count every cpu kernel call from now on (a fallback would call one of these).
  for (const k of tf.getKernelsForBackend('cpu')) {
    const config = tf.getKernel(k.kernelName, 'cpu') as tf.KernelConfig;
    const original = config.kernelFunc;
    config.kernelFunc = ((args: Parameters<tf.KernelFunc>[0]) => {
      cpuCalls.set(k.kernelName, (cpuCalls.get(k.kernelName) ?? 0) + 1);
      return original(args);
    }) as tf.KernelFunc;
    restore.push(() => (config.kernelFunc = original));
  }
});

afterAll(() => restore.forEach((r) => r()));

describe('every kernel of a training step runs natively on the chosen backend', () => {
  // The combinations the train-step tests cover: every head, loss, penalty and augmentation.
  const combos: [LossName, DiscriminatorHead, number, number, boolean, boolean][] = [
    ['ns', 'projection', 1, 0, true, false],
    ['ns', 'concat', 1, 0, false, false],
    ['hinge', 'acgan', 0.5, 0, false, true],
    ['wgan-gp', 'projection', 1, 0, true, false],
    ['ns', 'projection', 1, 10, true, true],
  ];
  const seen = new Set<string>();

  it.each(combos)('loss %s, head %s, augment p=%s, R1 γ=%s, mbstd %s, SN %s', async (loss, head, p, r1Gamma, mbstd, spectralNorm) => {
    const state = makeSmallState(head, { mbstd, spectralNorm });
    const input = makeSmallInput(3, p);
    cpuCalls.clear();
    const cpuDataBefore = tf.findBackend('cpu')?.numDataIds() ?? 0;
    const prof = await tf.profile(() => {
      trainDiscriminatorStep(state, input, { loss, r1Gamma, gpWeight: 10 });
      trainGeneratorStep(state, input, { loss, r1Gamma, gpWeight: 10 });
      calibrateBatchNorm(state.g, [{ z: input.z, labels: input.fakeLabels }]);
      tf.tidy(() => discriminate(state.d, generate(state.g, input.z, input.fakeLabels, 'eval'), input.fakeLabels));
    });
    tf.dispose([input.real, input.realLabels, input.z, input.fakeLabels]);
    const served = [...cpuCalls.keys()].filter((k) => !(k in CPU_ALLOWED));
    expect(served, `kernels served by the cpu backend while ${info.name} is active`).toEqual([]);
    expect(tf.findBackend('cpu')?.numDataIds() ?? 0).toBe(cpuDataBefore);
    for (const k of prof.kernels) {
      // Custom-gradient ops (e.g. softmaxCrossEntropy__op) appear in profiles but are not kernels.
      if (k.name.endsWith('__op')) continue;
      seen.add(k.name);
      expect(tf.getKernel(k.name, tf.getBackend()), `kernel ${k.name} is not registered for ${tf.getBackend()}`).toBeDefined();
    }
  });

  it('the kernels this module adds to wasm are among those a step uses (the list is not stale)', () => {
    if (info.tfName !== 'wasm') return;
    const added = Object.entries(WASM_KERNELS).filter(([, v]) => v.kind === 'added').map(([k]) => k);
    for (const k of added) expect(seen, `${k} is registered for wasm but no step used it`).toContain(k);
  });
});
