/**
 * The stages in order — scan → decode → balance → train → generate → filter → write — for one config.
 * Emits events and owns no maths; every stage's logic lives in its own module.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BackendInfo } from './backend/select.js';
import type { Config } from './config/schema.js';
import { planBalance, type BalancePlan } from './dataset/balance.js';
import { decodeAll } from './dataset/decode.js';
import { scanFolder, type FileRecord, type ScanResult } from './dataset/scan.js';
import { UserError, InterruptedError } from './errors.js';
import type { EventSink, Stage } from './events.js';
import { keepTopByScore } from './filter/discriminator-score.js';
import { trainGan } from './gan/train-loop.js';
import { saveParams } from './gan/model-io.js';
import { disposeParams } from './gan/params.js';
import { sampleClass, seedsFor } from './generate/sample.js';
import { countClasses, type ClassCounts, type ManifestEntry } from './manifest/build.js';
import { writeJson, writeManifest, writePngs } from './manifest/write.js';
import { hashJson } from './util/hash.js';
import { relativePosix } from './util/fs.js';
import { safeSegment } from './util/safe-name.js';
import { VERSION } from './version.js';

export const OUT_MARKER = '.gan-augment';

export interface RunOptions {
  backend: BackendInfo;
  onEvent?: EventSink;
  signal?: AbortSignal;
  /** Reuse an out folder that gan-augment did not make. */
  force?: boolean;
}

export interface Summary {
  tool: 'gan-augment';
  version: string;
  configHash: string;
  createdAt: string;
  input: string;
  out: string;
  backend: { name: string; details: string; tfjs: string };
  classes: ClassCounts[];
  files: { found: number; ingested: number; ignored: number; rejected: number };
  rejectedFiles: FileRecord[];
  train: { steps: number; seconds: number; imgPerSec: number; final: Record<string, number> | null };
  durations: Record<Stage | 'total', number>;
}

/** Scans a folder and plans the balance: what `scan` and `--dry-run` show. */
export async function plan(config: Config): Promise<{ scan: ScanResult; balance: BalancePlan }> {
  const scan = await scanFolder(config.input, { recursive: config.scan.recursive });
  const balance = planBalance(
    scan.classes.map((c) => ({ label: c.label, count: c.files.length })),
    config.balance.strategy,
  );
  return { scan, balance };
}

async function prepareOut(config: Config, force: boolean): Promise<void> {
  const out = config.out;
  const rel = path.relative(config.input, out);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    throw new UserError(`out ${out} is inside the input folder ${config.input}; the input folder is never written to`);
  }
  const entries = await readdir(out).catch(() => [] as string[]);
  if (entries.length > 0 && !entries.includes(OUT_MARKER) && !force) {
    throw new UserError(`out folder ${out} is not empty and was not made by gan-augment; choose another --out or pass --force`);
  }
  // Outputs of an earlier run are replaced, never mixed with this run's.
  await rm(path.join(out, 'synthetic'), { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, OUT_MARKER), `made by gan-augment ${VERSION}\n`);
}

/**
 * Runs the whole job for a resolved config and writes `<out>/synthetic/…`, `<out>/manifest.jsonl`,
 * `<out>/summary.json` and `<out>/model/`.
 * @throws {UserError} for an unusable input or out folder; {InterruptedError} when aborted.
 */
export async function runPipeline(config: Config, options: RunOptions): Promise<Summary> {
  const emit: EventSink = options.onEvent ?? (() => {});
  const started = performance.now();
  const durations = { scan: 0, decode: 0, train: 0, generate: 0, write: 0, total: 0 };
  const timed = async <T>(stage: Stage, fn: () => Promise<T>, total?: number): Promise<T> => {
    emit({ type: 'stage.start', stage, ...(total !== undefined ? { total } : {}) });
    const t0 = performance.now();
    const result = await fn();
    durations[stage] = (performance.now() - t0) / 1000;
    emit({ type: 'stage.end', stage, seconds: durations[stage] });
    if (options.signal?.aborted) throw new InterruptedError(`interrupted during ${stage}`);
    return result;
  };

  await prepareOut(config, options.force ?? false);
  const { scan, balance } = await timed('scan', () => plan(config));
  const labels = scan.classes.map((c) => c.label);
  const files = scan.classes.flatMap((c, ci) => c.files.map((f) => ({ rel: f, label: c.label, classIndex: ci })));

  const decoded = await timed(
    'decode',
    () =>
      decodeAll(
        files.map((f) => path.join(scan.root, f.rel)),
        config.decode,
        { onProgress: (done, total) => emit({ type: 'decode.progress', done, total }), ...(options.signal ? { signal: options.signal } : {}) },
      ),
    files.length,
  );
  const rejectedFiles: FileRecord[] = decoded.failures.map((f) => ({
    path: files[f.index]!.rel,
    label: files[f.index]!.label,
    status: 'rejected',
    reason: f.reason,
  }));
  for (const r of rejectedFiles) emit({ type: 'warn', message: `rejected ${r.path}: ${r.reason}` });
  const ingested = decoded.kept.map((i) => files[i]!);
  // Balance from what was actually decoded.
  const counts = labels.map((label) => ({ label, count: ingested.filter((f) => f.label === label).length }));
  const finalPlan = planBalance(counts, balance.strategy);
  const empty = finalPlan.classes.filter((c) => c.count === 0 && c.deficit > 0);
  for (const c of empty) emit({ type: 'warn', message: `class "${c.label}" has no usable images: nothing to learn it from, it gets no synthetic images` });

  const data = {
    pixels: decoded.images.pixels,
    count: decoded.images.count,
    size: config.decode.size,
    channels: config.decode.channels,
    labels: Int32Array.from(ingested.map((f) => f.classIndex)),
    numClasses: labels.length,
  };
  const scarce = finalPlan.classes.filter((c) => c.deficit > 0 && c.count > 0);

  const entries: ManifestEntry[] = ingested.map((f) => ({
    path: relativePosix(config.out, path.join(scan.root, f.rel)),
    label: f.label,
    source: 'real',
    score: null,
    seed: null,
  }));

  let trainInfo: Summary['train'] = { steps: 0, seconds: 0, imgPerSec: 0, final: null };
  if (scarce.length > 0) {
    const trained = await timed(
      'train',
      () => trainGan(data, config, { onStep: (m) => emit({ type: 'train.step', ...m }), ...(options.signal ? { signal: options.signal } : {}) }),
      config.train.steps,
    );
    const last = trained.history.at(-1);
    trainInfo = {
      steps: trained.steps,
      seconds: trained.seconds,
      imgPerSec: trained.steps > 0 ? (trained.steps * config.train.batchSize) / trained.seconds : 0,
      final: last ? { lossD: last.lossD, lossG: last.lossG, dReal: last.dReal, dFake: last.dFake } : null,
    };
    const { g, d } = trained.state;
    const toWrite: { file: string; pixels: Uint8Array }[] = [];
    await timed(
      'generate',
      async () => {
        const per = config.decode.size * config.decode.size * config.decode.channels;
        for (const c of scarce) {
          const ci = labels.indexOf(c.label);
          const n = Math.ceil(c.deficit * config.generate.oversample);
          const cands = await sampleClass(g, d, ci, n, seedsFor(config.seed, ci, n), config.generate.batchSize, (done) =>
            emit({ type: 'generate.progress', label: c.label, done, total: n }),
          );
          const decision = keepTopByScore(cands.scores!, c.deficit);
          const dir = path.join(config.out, 'synthetic', safeSegment(c.label));
          decision.kept.forEach((idx, rank) => {
            const seed = cands.seeds[idx]!;
            const file = path.join(dir, `${String(rank).padStart(5, '0')}-${seed.toString(16).padStart(8, '0')}.png`);
            toWrite.push({ file, pixels: cands.pixels.slice(idx * per, (idx + 1) * per) });
            entries.push({ path: relativePosix(config.out, file), label: c.label, source: 'synthetic', score: cands.scores![idx]!, seed });
          });
        }
      },
      scarce.reduce((s, c) => s + Math.ceil(c.deficit * config.generate.oversample), 0),
    );
    await timed('write', async () => {
      await writePngs(toWrite, config.decode.size, config.decode.channels);
      const meta = { config, configHash: hashJson(config), version: VERSION };
      await saveParams(path.join(config.out, 'model', 'generator'), 'generator', g.spec, labels, g.params, meta);
      await saveParams(path.join(config.out, 'model', 'discriminator'), 'discriminator', d.spec, labels, d.params, meta);
    });
    disposeParams(g.params);
    disposeParams(d.params);
    trained.state.optG.dispose();
    trained.state.optD.dispose();
  } else {
    emit({ type: 'info', message: 'every class already meets its target: nothing to generate' });
  }
  durations.total = (performance.now() - started) / 1000;
  const summary: Summary = {
    tool: 'gan-augment',
    version: VERSION,
    configHash: hashJson(config),
    createdAt: new Date().toISOString(),
    input: config.input,
    out: config.out,
    backend: { name: options.backend.name, details: options.backend.details, tfjs: tf.version.tfjs },
    classes: countClasses(entries, finalPlan.classes),
    files: {
      found: files.length + scan.ignored.length,
      ingested: ingested.length,
      ignored: scan.ignored.length,
      rejected: rejectedFiles.length,
    },
    rejectedFiles,
    train: trainInfo,
    durations,
  };
  await writeManifest(path.join(config.out, 'manifest.jsonl'), entries);
  await writeJson(path.join(config.out, 'summary.json'), summary);
  return summary;
}
