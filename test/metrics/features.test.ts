import { tf } from '../../src/tf.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/backend/select.js';
import { fileModel } from '../../src/classifier/file-io.js';
import { buildClassifier, disposeClassifier } from '../../src/classifier/model.js';
import { embed } from '../../src/classifier/predict.js';
import { cachedFeatures } from '../../src/metrics/features-cache.js';
import { classifierExtractor, datasetHash, loadUserExtractor, type UserModelSettings } from '../../src/metrics/features.js';
import { tempDir } from '../helpers/tmp.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** `n` gray 28×28 images, image i filled with values[i]. */
const flat = (values: number[]) => {
  const px = new Uint8Array(values.length * 784);
  values.forEach((v, i) => px.fill(v, i * 784, (i + 1) * 784));
  return px;
};

const IMAGE = { size: 28, channels: 1, kernel: 'lanczos3' };
const user = (over: Partial<UserModelSettings>): UserModelSettings => ({
  format: 'layers',
  model: '',
  inputSize: null,
  channels: null,
  mean: [0.5],
  std: [0.5],
  output: null,
  ...over,
});

describe('classifierExtractor', () => {
  it('gives the penultimate layer and describes itself', async () => {
    const c = buildClassifier({ size: 28, channels: 1, numClasses: 3, widths: [4, 6], seed: 5 });
    const ex = classifierExtractor(c, 'abc', 'lanczos3');
    expect(ex.info).toEqual({
      id: 'classifier:abc',
      kind: 'classifier',
      dims: 6,
      inputSize: 28,
      inputChannels: 1,
      resize: 'none',
      decodeKernel: 'lanczos3',
      normalize: 'x/127.5 − 1',
    });
    const px = flat([0, 100, 255]);
    expect(Array.from(await ex.extract(px, 3))).toEqual(Array.from((await embed(c, px, 3)).features));
    disposeClassifier(c);
  });
});

describe('loadUserExtractor: a Layers model on disk', () => {
  let dir: string;
  beforeAll(async () => {
    // 32×32×3 input → global average pool ("gap") → dense 2 ("head")
    const input = tf.input({ shape: [32, 32, 3] });
    const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(input) as tf.SymbolicTensor;
    const head = tf.layers.dense({ units: 2, name: 'head', kernelInitializer: 'ones' }).apply(gap) as tf.SymbolicTensor;
    const m = tf.model({ inputs: input, outputs: head });
    dir = path.join(await tempDir(), 'user-layers');
    await m.save(fileModel(dir));
    m.dispose();
  });

  it('resizes, turns gray into RGB, normalises, and reads the named layer', async () => {
    const ex = await loadUserExtractor(user({ model: `file://${dir}/model.json`, output: 'gap' }), IMAGE);
    expect(ex.info.kind).toBe('layers');
    expect(ex.info.dims).toBe(3);
    expect([ex.info.inputSize, ex.info.inputChannels]).toEqual([32, 3]);
    expect(ex.info.resize).toBe('bilinear (tfjs resizeBilinear, half-pixel centres) 28→32');
    expect(ex.info.normalize).toBe('(x/255 − 0.5) / 0.5, gray repeated to RGB');
    expect(ex.info.id).toMatch(new RegExp(`^layers:${dir}/model.json@[0-9a-f]{16}#gap$`));
    const f = await ex.extract(flat([51, 255]), 2);
    // a flat image stays flat through the resize: (51/255 − 0.5)/0.5 = −0.6, (1 − 0.5)/0.5 = 1
    [-0.6, -0.6, -0.6, 1, 1, 1].forEach((v, i) => expect(f[i]).toBeCloseTo(v, 5));
    ex.dispose();
  });

  it("defaults to the model's output and its own input shape", async () => {
    const ex = await loadUserExtractor(user({ model: dir, mean: [0, 0, 0], std: [1, 1, 1] }), IMAGE);
    expect(ex.info.dims).toBe(2);
    const f = await ex.extract(flat([255]), 1);
    // ones kernel, zero bias: 3 channels × 1.0
    expect(Array.from(f)).toEqual([3, 3]);
    ex.dispose();
  });

  it('says what is wrong with a missing model, a bad layer, or bad normalisation', async () => {
    await expect(loadUserExtractor(user({ model: '/nonexistent/model.json' }), IMAGE)).rejects.toThrow(/\/nonexistent\/model.json: expected a tfjs model.json, but it does not exist/);
    await expect(loadUserExtractor(user({ model: dir, output: 'pool3' }), IMAGE)).rejects.toThrow(/features.output: expected a layer of .* received "pool3"/);
    await expect(loadUserExtractor(user({ model: dir, mean: [0, 0] }), IMAGE)).rejects.toThrow(/features.mean: expected 1 or 3 values/);
  });
});

describe('loadUserExtractor: a Graph model on disk', () => {
  let dir: string;
  beforeAll(async () => {
    // x [-1, 28, 28, 1] → Mean over H, W → MatMul with w [1, 4]: feature = mean(x) · [1, 2, 3, 4]
    dir = path.join(await tempDir(), 'user-graph');
    await mkdir(dir, { recursive: true });
    const attrT = { T: { type: 'DT_FLOAT' } };
    const modelJson = {
      format: 'graph-model',
      generatedBy: 'hand-written for gan-augment tests',
      convertedBy: null,
      modelTopology: {
        node: [
          { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '28' }, { size: '28' }, { size: '1' }] } } } },
          { name: 'axes', op: 'Const', attr: { value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '2' }] } } }, dtype: { type: 'DT_INT32' } } },
          { name: 'pooled', op: 'Mean', input: ['x', 'axes'], attr: { ...attrT, Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } } },
          { name: 'w', op: 'Const', attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '1' }, { size: '4' }] } } }, dtype: { type: 'DT_FLOAT' } } },
          { name: 'y', op: 'MatMul', input: ['pooled', 'w'], attr: { ...attrT, transpose_a: { b: false }, transpose_b: { b: false } } },
        ],
        library: {},
        versions: { producer: 1 },
      },
      weightsManifest: [
        {
          paths: ['group1-shard1of1.bin'],
          weights: [
            { name: 'axes', shape: [2], dtype: 'int32' },
            { name: 'w', shape: [1, 4], dtype: 'float32' },
          ],
        },
      ],
    };
    const bin = Buffer.concat([Buffer.from(new Int32Array([1, 2]).buffer), Buffer.from(new Float32Array([1, 2, 3, 4]).buffer)]);
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
    await writeFile(path.join(dir, 'group1-shard1of1.bin'), bin);
  });

  it('runs it and reads a named node', async () => {
    const ex = await loadUserExtractor(user({ format: 'graph', model: dir, mean: [0], std: [1] }), IMAGE);
    expect([ex.info.kind, ex.info.dims, ex.info.inputSize, ex.info.inputChannels, ex.info.resize]).toEqual(['graph', 4, 28, 1, 'none']);
    const f = await ex.extract(flat([0, 255]), 2);
    expect(Array.from(f)).toEqual([0, 0, 0, 0, 1, 2, 3, 4]);
    ex.dispose();
    const pooled = await loadUserExtractor(user({ format: 'graph', model: dir, output: 'pooled', mean: [0], std: [1] }), IMAGE);
    expect(pooled.info.dims).toBe(1);
    expect(Array.from(await pooled.extract(flat([255]), 1))).toEqual([1]);
    pooled.dispose();
  });
});

describe('datasetHash and the features cache', () => {
  const data = (px: Uint8Array, labels = [0, 1]) => ({ pixels: px, count: 2, size: 28, channels: 1, labels: Int32Array.from(labels), numClasses: 2 });

  it('changes when a pixel, a label or a label name changes', () => {
    const px = flat([1, 2]);
    const h = datasetHash(data(px), ['a', 'b']);
    expect(h).toMatch(/^[0-9a-f]{16}$/);
    expect(datasetHash(data(px.slice()), ['a', 'b'])).toBe(h);
    const px2 = px.slice();
    px2[900] = 3;
    expect(datasetHash(data(px2), ['a', 'b'])).not.toBe(h);
    expect(datasetHash(data(px, [1, 0]), ['a', 'b'])).not.toBe(h);
    expect(datasetHash(data(px), ['a', 'c'])).not.toBe(h);
  });

  it('computes once, then reads back the same features', async () => {
    const dir = await tempDir();
    const info = { id: 'classifier:x', kind: 'classifier' as const, dims: 2, inputSize: 28, inputChannels: 1, resize: 'none', decodeKernel: 'lanczos3', normalize: 'x' };
    let calls = 0;
    const compute = async () => {
      calls++;
      return Float32Array.from([1, 2, 3, 4, 5, 6]);
    };
    const a = await cachedFeatures(dir, info, 'h1', 3, compute);
    const b = await cachedFeatures(dir, info, 'h1', 3, compute);
    expect([a.cached, b.cached, calls]).toEqual([false, true, 1]);
    expect(Array.from(b.features)).toEqual([1, 2, 3, 4, 5, 6]);
    await cachedFeatures(dir, { ...info, id: 'classifier:y' }, 'h1', 3, compute);
    await cachedFeatures(dir, info, 'h2', 3, compute);
    expect(calls).toBe(3);
  });
});
