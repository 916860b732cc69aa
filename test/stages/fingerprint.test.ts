import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { fingerprints, inputsFingerprint, reuseConfig, trainPreview, whyTrainAgain, type RunState } from '../../src/stages/fingerprint.js';
import { resumeKey } from '../../src/stages/train.js';
import { asRun } from '../helpers/config.js';

const base = asRun(parseConfigText('input: /data/in\nout: /data/out\n', '/cfg/c.yaml', {}).config);
const withSet = (...set: string[]) => asRun(parseConfigText('input: /data/in\nout: /data/out\n', '/cfg/c.yaml', { set }).config);
const fp = (config = base, inputs = 'i1', jobs = ['shared'], shard: { index: number; count: number } | null = null) => fingerprints(config, inputs, jobs, shard);

describe('stage fingerprints', () => {
  const ref = fp();
  it.each([
    ['a filter threshold', withSet('filter.minLabelProb=0.9')],
    ['the oversampling', withSet('generate.oversample=3')],
    ['the quality gate', withSet('quality.maxFid=10')],
    ['the balance strategy', withSet('balance.strategy=0.5')],
    ['the backend', withSet('backend=cpu')],
  ])('%s: outputs change, training does not', (_what, config) => {
    const f = fp(config);
    expect(f.train).toBe(ref.train);
    expect(f.outputs).not.toBe(ref.outputs);
  });

  it.each([
    ['train.steps', withSet('train.steps=7')],
    ['the generator width', withSet('gan.gWidth=8')],
    ['the seed', withSet('seed=3')],
    ['the decode size', withSet('decode.size=32')],
    ['augmentation', withSet('augment.p=0.5')],
  ])('%s: training changes', (_what, config) => {
    const f = fp(config);
    expect(f.train).not.toBe(ref.train);
    expect(f.config).not.toBe(ref.config);
  });

  it('paths, backend and concurrency are not part of the config shards compare; the shard is part of the outputs', () => {
    for (const config of [withSet('gan.concurrency=4'), withSet('decode.cache=false'), withSet('generate.workers=1'), withSet('train.workers=1'), withSet('guard.threads=2'), { ...base, out: '/elsewhere' }, { ...base, input: '/mnt/in' }]) {
      expect(fp(config).config).toBe(ref.config);
    }
    expect(fp(base, 'i1', ['shared'], { index: 0, count: 2 }).outputs).not.toBe(ref.outputs);
    // No thread count or cache changes an output: a rerun with only these changed is up to date.
    for (const config of [withSet('gan.concurrency=4'), withSet('decode.cache=false'), withSet('generate.workers=1'), withSet('train.workers=1'), withSet('train.blasThreads=2'), withSet('guard.threads=2')]) {
      expect(fp(config).outputs).toBe(ref.outputs);
    }
    // Paths do: the manifest's paths are relative to them.
    expect(fp({ ...base, out: '/elsewhere' }).outputs).not.toBe(ref.outputs);
    expect(fp(base, 'i1', ['shared'], { index: 0, count: 2 }).train).toBe(ref.train);
  });

  it('a reused training keeps its settings and takes this run\'s paths and execution settings (a state from before train.workers and train.blasThreads too)', () => {
    const { workers: _w, blasThreads: _b, ...oldTrain } = base.train;
    const previous = { ...base, train: oldTrain as typeof base.train };
    const now = withSet('train.workers=2', 'train.blasThreads=1', 'gan.concurrency=3', 'train.steps=50');
    const reused = reuseConfig(previous, { ...now, out: '/new/out' });
    expect(reused.train).toEqual({ ...base.train, workers: 2, blasThreads: 1, steps: 0 });
    expect(reused.gan.concurrency).toBe(3);
    expect(reused.out).toBe('/new/out');
  });

  it('the resume key ignores the thread counts, and matches a config from before generate.workers and guard.threads existed', () => {
    const key = resumeKey(base, ['a'], 3);
    expect(resumeKey(withSet('generate.workers=3', 'train.workers=2', 'guard.threads=2'), ['a'], 3)).toBe(key);
    const { workers: _g, ...oldGenerate } = base.generate;
    const { threads: _t, ...oldGuard } = base.guard;
    expect(resumeKey({ ...base, generate: oldGenerate as typeof base.generate, guard: oldGuard as typeof base.guard }, ['a'], 3)).toBe(key);
    expect(resumeKey(withSet('train.lrG=0.001'), ['a'], 3)).not.toBe(key);
  });

  it('a rerun that trains again says why: the training settings that changed, other inputs, jobs or code', () => {
    const trained = fp();
    const state = (over: Partial<RunState> = {}) => ({ fingerprints: { ...trained }, trainedWith: base, jobs: ['shared'], updatedAt: '2026-12-07T00:00:00.000Z', ...over });
    const now = withSet('train.lrG=0.0005', 'gan.gWidth=16', 'filter.minLabelProb=0.9', 'train.workers=2');
    expect(whyTrainAgain(state(), fp(now), now, ['shared'])).toBe(`train: training again since the run of 2026-12-07T00:00:00.000Z: other training settings (gan.gWidth ${base.gan.gWidth} → 16; train.lrG ${base.train.lrG} → 0.0005)`);
    expect(whyTrainAgain(state(), fp(base, 'i2'), base, ['shared'])).toBe('train: training again since the run of 2026-12-07T00:00:00.000Z: other input images');
    expect(whyTrainAgain(state({ jobs: ['coat'] }), fp(base, 'i1', ['coat', 'shirt']), base, ['coat', 'shirt'])).toMatch(/: other jobs \(coat; now coat, shirt\)$/);
    expect(whyTrainAgain(state(), { ...trained, code: 'gan-augment 0.2.0; tfjs 4.22.0', train: 'other' }, base, ['shared'])).toMatch(/: other code \(gan-augment .*; now gan-augment 0\.2\.0; tfjs 4\.22\.0\)$/);
    // Nothing trained before, the same models, or nothing to train: nothing to say.
    expect(whyTrainAgain(null, fp(now), now, ['shared'])).toBeNull();
    expect(whyTrainAgain(state({ fingerprints: { ...trained, train: null } }), fp(now), now, ['shared'])).toBeNull();
    expect(whyTrainAgain(state(), fp(withSet('filter.minLabelProb=0.9')), withSet('filter.minLabelProb=0.9'), ['shared'])).toBeNull();
    expect(whyTrainAgain(state(), fp(now, 'i1', []), now, [])).toBeNull();
  });

  it("a dry run's word on the folder's models: trained otherwise (what changed), with these settings, checkpoints gone, or nothing trained", () => {
    const state = (over: Partial<RunState> = {}) => ({ fingerprints: { ...fp() }, trainedWith: base, jobs: ['shared'], ...over });
    expect(trainPreview(state(), withSet('filter.minLabelProb=0.9', 'guard.threads=2'), ['shared'], true)).toMatch(/with these settings: the run takes them from the checkpoints if the input images are unchanged$/);
    expect(trainPreview(state(), withSet('gan.gWidth=16'), ['shared'], true)).toBe(`train: the out folder's models were trained with other training settings (gan.gWidth ${base.gan.gWidth} → 16): the run trains again`);
    expect(trainPreview(state({ jobs: ['coat'] }), base, ['coat', 'shirt'], true)).toMatch(/other jobs \(coat; now coat, shirt\): the run trains again$/);
    expect(trainPreview(state(), base, ['shared'], false)).toMatch(/checkpoints are gone: the run trains again$/);
    expect(trainPreview(null, base, ['shared'], true)).toBeNull();
    expect(trainPreview(state({ fingerprints: { ...fp(), train: null } }), base, ['shared'], true)).toBeNull();
  });

  it('inputs and jobs change training', () => {
    expect(fp(base, 'i2').train).not.toBe(ref.train);
    expect(fp(base, 'i1', ['coat']).train).not.toBe(ref.train);
  });

  it('the inputs fingerprint follows paths, labels, statuses and every decoded byte', () => {
    const ing = (pixel: number, reason: string | null = null) => ({
      labels: ['a', 'b'],
      records: [
        { path: 'a/1.png', label: 'a', status: 'ingested' as const, reason: null },
        { path: 'b/2.png', label: 'b', status: 'rejected' as const, reason },
      ],
      data: { pixels: new Uint8Array([1, 2, 3, pixel]), count: 1, size: 2, channels: 1 as const, labels: new Int32Array([0]), numClasses: 2 },
    });
    const a = inputsFingerprint(ing(4, 'truncated'));
    expect(inputsFingerprint(ing(4, 'truncated'))).toBe(a);
    expect(inputsFingerprint(ing(5, 'truncated'))).not.toBe(a);
    expect(inputsFingerprint(ing(4, 'empty'))).not.toBe(a);
  });
});
