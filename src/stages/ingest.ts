/**
 * Stage 1: scan the input folder, decode every image, and plan the balance from what decoded.
 */
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { planBalance, type BalancePlan } from '../dataset/balance.js';
import { decodeAll } from '../dataset/decode.js';
import type { LabelledImages } from '../dataset/sampler.js';
import { scanFolder, type FileRecord, type ScanResult } from '../dataset/scan.js';
import type { EventSink } from '../events.js';

export interface IngestedFile {
  /** Relative to the scanned root, forward slashes. */
  rel: string;
  label: string;
  classIndex: number;
}

export interface Ingested {
  scan: ScanResult;
  /** Class labels by class index (sorted folder names). */
  labels: string[];
  /** Decoded images, in the order of `data`. */
  files: IngestedFile[];
  rejected: FileRecord[];
  data: LabelledImages;
  /** Balance of the decoded images. */
  plan: BalancePlan;
}

/** Scans and plans without decoding: what `scan` and `--dry-run` show. */
export async function planFromScan(config: Config): Promise<{ scan: ScanResult; balance: BalancePlan }> {
  const scan = await scanFolder(config.input, { recursive: config.scan.recursive });
  const balance = planBalance(
    scan.classes.map((c) => ({ label: c.label, count: c.files.length })),
    config.balance.strategy,
  );
  return { scan, balance };
}

export async function decodeScanned(
  config: Config,
  scan: ScanResult,
  emit: EventSink,
  signal?: AbortSignal,
): Promise<Ingested> {
  const labels = scan.classes.map((c) => c.label);
  const candidates = scan.classes.flatMap((c, ci) => c.files.map((rel) => ({ rel, label: c.label, classIndex: ci })));
  const decoded = await decodeAll(
    candidates.map((f) => path.join(scan.root, f.rel)),
    config.decode,
    { onProgress: (done, total) => emit({ type: 'decode.progress', done, total }), ...(signal ? { signal } : {}) },
  );
  const rejected: FileRecord[] = decoded.failures.map((f) => ({
    path: candidates[f.index]!.rel,
    label: candidates[f.index]!.label,
    status: 'rejected',
    reason: f.reason,
  }));
  for (const r of rejected) emit({ type: 'warn', message: `rejected ${r.path}: ${r.reason}` });
  const files = decoded.kept.map((i) => candidates[i]!);
  const plan = planBalance(
    labels.map((label) => ({ label, count: files.filter((f) => f.label === label).length })),
    config.balance.strategy,
  );
  for (const c of plan.classes.filter((x) => x.count === 0 && x.deficit > 0)) {
    emit({ type: 'warn', message: `class "${c.label}" has no usable images: nothing to learn it from, it gets no synthetic images` });
  }
  const data: LabelledImages = {
    pixels: decoded.images.pixels,
    count: decoded.images.count,
    size: config.decode.size,
    channels: config.decode.channels,
    labels: Int32Array.from(files.map((f) => f.classIndex)),
    numClasses: labels.length,
  };
  return { scan, labels, files, rejected, data, plan };
}
