/**
 * LeCam regularisation (gan.lecam): the moving averages, the loss term, a D step that uses it, and a
 * resumed run that carries the averages.
 */
import { tf } from '../../src/tf.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { parseConfigText } from '../../src/config/load.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/gan/checkpoint.js';
import { initLecam, lecamAnchors, LECAM_DECAY, updateLecam } from '../../src/gan/lecam.js';
import { lecamTerm } from '../../src/gan/losses.js';
import { trainGan, type TrainerSnapshot } from '../../src/gan/train-loop.js';
import { trainDiscriminatorStep, type StepSettings } from '../../src/gan/train-step.js';
import { asRun } from '../helpers/config.js';
import { makeSmallInput, makeSmallState, randomImages } from '../helpers/small-gan.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(async () => {
  await initBackend('wasm');
});

describe('the moving averages', () => {
  it('give no anchors before the first step or at weight 0', () => {
    expect(lecamAnchors(initLecam(), 0.3)).toBeUndefined();
    expect(lecamAnchors(updateLecam(initLecam(), 1, -1), 0)).toBeUndefined();
  });

  it('are zero-debiased: after one step the anchors are that step’s means, after a constant run the constant', () => {
    let s = updateLecam(initLecam(), 1.5, -2);
    expect(lecamAnchors(s, 0.3)).toEqual({ weight: 0.3, real: expect.closeTo(1.5, 12), fake: expect.closeTo(-2, 12) });
    for (let i = 0; i < 50; i++) s = updateLecam(s, 1.5, -2);
    expect(lecamAnchors(s, 0.3)!.real).toBeCloseTo(1.5, 10);
    expect(lecamAnchors(s, 0.3)!.fake).toBeCloseTo(-2, 10);
  });

  it('weigh recent steps by the decay', () => {
    // Means 0 then 1: the debiased average is (1 − d) / (1 − d²) = 1 / (1 + d).
    const s = updateLecam(updateLecam(initLecam(), 0, 0), 1, 1);
    expect(lecamAnchors(s, 1)!.real).toBeCloseTo(1 / (1 + LECAM_DECAY), 12);
  });
});

describe('the loss term', () => {
  it('penalises real logits above α_fake and generated logits below α_real, squared, averaged', () => {
    const logits = tf.tensor1d([-1, 0.5, 2]);
    const anchors = { real: 1, fake: 0 };
    // real side: relu([-1, 0.5, 2] − 0)² = [0, 0.25, 4]; fake side: relu(1 − [-1, 0.5, 2])² = [4, 0.25, 0].
    expect(lecamTerm(logits, 'real', anchors).dataSync()[0]).toBeCloseTo(4.25 / 3, 6);
    expect(lecamTerm(logits, 'fake', anchors).dataSync()[0]).toBeCloseTo(4.25 / 3, 6);
    const g = tf.grad((x: tf.Tensor) => lecamTerm(x, 'real', anchors))(logits);
    // d/dx mean(relu(x − α)²) = 2·relu(x − α)/n.
    expect(Array.from(g.dataSync())).toEqual([0, expect.closeTo(1 / 3, 6), expect.closeTo(4 / 3, 6)]);
    tf.dispose([logits, g]);
  });
});

describe('a D step with LeCam', () => {
  it('adds λ·term to the loss, moves only D, and leaks nothing', () => {
    // α_real far below every logit: the generated side is 0; α_fake far below: every real logit counts.
    const lecam = { weight: 0.5, real: -100, fake: -100 };
    const base: StepSettings = { loss: 'ns', r1Gamma: 0, gpWeight: 10 };
    const [plain, reg] = [makeSmallState('projection'), makeSmallState('projection')];
    const input = makeSmallInput(1, 0);
    const count = tf.memory().numTensors;
    const g0 = reg.g.params['denseW']!.dataSync().slice();
    const a = trainDiscriminatorStep(plain, input, base);
    const b = trainDiscriminatorStep(reg, input, { ...base, lecam });
    expect(tf.memory().numTensors).toBe(count);
    // Same initial weights, same batch: the same logits, and the loss differs by exactly λ·mean((x + 100)²).
    expect(Array.from(b.realLogits)).toEqual(Array.from(a.realLogits));
    const term = Array.from(a.realLogits).reduce((s, x) => s + (x + 100) ** 2, 0) / a.realLogits.length;
    expect(b.loss - a.loss).toBeCloseTo(lecam.weight * term, 0);
    expect((b.loss - a.loss) / (lecam.weight * term)).toBeCloseTo(1, 5);
    // The term pushes D's real logits down: after the step they are lower than after the plain step.
    const after = (s: typeof plain) => trainDiscriminatorStep(s, input, base).dReal;
    expect(after(reg)).toBeLessThan(after(plain));
    expect(Array.from(reg.g.params['denseW']!.dataSync())).toEqual(Array.from(g0));
    tf.dispose(Object.values(input).filter((v) => v instanceof tf.Tensor));
  });
});

describe('training with gan.lecam', () => {
  const config = asRun(parseConfigText(
    'input: x\ndecode: {size: 8}\ngan: {gWidth: 8, dWidth: 4, latentDim: 4, embedDim: 2, lecam: 0.3}\ntrain: {steps: 6, batchSize: 4, checkpointEvery: 3, logEvery: 1}\n',
    '/tmp/c.yaml',
  ).config);
  const data = randomImages(12, 2);

  it('a run resumed from a checkpoint on disk ends with the same weights as an uninterrupted one — the averages travel in the checkpoint', async () => {
    const dir = await tempDir();
    const meta = { job: 'shared', labels: ['0', '1'], config, resumeKey: 'k', version: 'test' };
    const full = await trainGan(data, config, { onCheckpoint: async (s) => (s.step === 3 ? saveCheckpoint(dir, s, meta) : undefined) });
    const atThree: TrainerSnapshot = (await loadCheckpoint(dir))!.snapshot;
    expect(atThree.step).toBe(3);
    expect(atThree.lecam!.steps).toBe(3);
    const weights = async (r: Awaited<ReturnType<typeof trainGan>>) => Float32Array.from(await r.d.params['denseW']!.data());
    const resumed = await trainGan(data, config, { resume: atThree });
    // Without the averages the resumed run starts LeCam over and ends elsewhere: the check can fail.
    const { lecam: _dropped, ...withoutAverages } = atThree;
    const restarted = await trainGan(data, config, { resume: withoutAverages });
    const [w, wr, w0] = await Promise.all([weights(full), weights(resumed), weights(restarted)]);
    expect(Array.from(wr)).toEqual(Array.from(w));
    expect(Array.from(w0)).not.toEqual(Array.from(w));
    [full, resumed, restarted].forEach((r) => r.dispose());
  });
});
