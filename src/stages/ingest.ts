/**
 * Stage 1: scan the input folder, decode every image (or take it from the decode cache), and plan the
 * balance from what decoded. Every entry of the folder ends up in exactly one of ingested / ignored /
 * rejected, with the reason.
 */
import path from 'node:path';
import sharp from 'sharp';
import type { Config, ParsedConfig } from '../config/schema.js';
import { resolveDecode } from '../dataset/auto-decode.js';
import { planBalance, type BalancePlan } from '../dataset/balance.js';
import { DecodeCache, writeDecodeCache } from '../dataset/cache.js';
import { decodeAll, type DecodeResult } from '../dataset/decode.js';
import { duplicateLines, findDuplicates, type Duplicates } from '../dataset/duplicates.js';
import { layoutWarnings } from '../dataset/layout.js';
import type { LabelledImages } from '../dataset/sampler.js';
import { scanFolder, type FileRecord, type ScanResult } from '../dataset/scan.js';
import type { EventSink } from '../events.js';
import { outLayout } from '../out/layout.js';

export interface IngestedFile {
  /** Relative to the scanned root, forward slashes. */
  rel: string;
  label: string;
  classIndex: number;
}

/** An ingested file: where it is, its class, and the SHA-256 (hex) of its bytes that decode computed. */
export interface HashedFile extends IngestedFile {
  sha256: string;
}

/** What decoding did, for the summary: the settings (kernel included), decoder versions and the cache. */
export interface DecodeReport {
  size: number;
  channels: 1 | 3;
  fit: Config['decode']['fit'];
  kernel: Config['decode']['kernel'];
  background: string;
  sharp: string;
  libvips: string;
  /** Cache folder, or null when `decode.cache` is false. */
  cache: string | null;
  /** Files answered by the cache, and files actually decoded. */
  cached: number;
  decoded: number;
  /** What `decode.size` / `decode.channels: auto` became and why (the run's info line); absent when both were set. */
  auto?: string;
}

export interface FileCounts {
  /** Every entry accounted for: ingested + ignored + rejected. */
  found: number;
  ingested: number;
  ignored: number;
  rejected: number;
}

export interface Accounted {
  scan: ScanResult;
  /** Every entry of the input folder, sorted by path, each ingested, ignored or rejected. */
  records: FileRecord[];
  rejected: FileRecord[];
  counts: FileCounts;
  /** Balance of the decoded images. */
  plan: BalancePlan;
  decode: DecodeReport;
  /** Ingested files with the same bytes as another (dataset/duplicates.ts). */
  duplicates: Duplicates;
}

export interface Ingested extends Accounted {
  /** Class labels by class index (sorted folder names). */
  labels: string[];
  /** Decoded images, in the order of `data`, with the content hash decode computed (for the manifest). */
  files: HashedFile[];
  data: LabelledImages;
}

/** What `inspectFolder` finds: the folder accounted for, and the config with `decode: auto` resolved (and what it became). */
export type Inspected = Accounted & { resolved: Awaited<ReturnType<typeof resolveDecode>> };

/** Scans and plans without decoding (counting files, not images): what `validate` shows. `run --dry-run` decodes, as `scan` does (`inspectFolder`). */
export async function planFromScan(config: ParsedConfig): Promise<{ scan: ScanResult; balance: BalancePlan }> {
  const scan = await scanFolder(config.input, { recursive: config.scan.recursive });
  const balance = planBalance(
    scan.classes.map((c) => ({ label: c.label, count: c.files.length })),
    config.balance.strategy,
  );
  return { scan, balance };
}

/** How many lines of ignored / rejected files a run prints before "… and N more". */
const LISTED = 20;

const candidatesOf = (scan: ScanResult) => scan.classes.flatMap((c, ci) => c.files.map((rel) => ({ rel, label: c.label, classIndex: ci })));

/** Decodes the scan's candidates with the cache of `config.out`, and accounts for every entry. */
async function decodeAndAccount(
  config: Config,
  scan: ScanResult,
  emit: EventSink,
  options: { keepPixels: boolean; writeCache: boolean; signal?: AbortSignal | undefined },
): Promise<{ accounted: Accounted; decoded: DecodeResult; candidates: IngestedFile[] }> {
  const candidates = candidatesOf(scan);
  const cacheDir = config.decode.cache ? outLayout(config.out).decodeCache : null;
  const cache = cacheDir ? await DecodeCache.open(cacheDir, config.decode) : null;
  if (cache?.note) emit({ type: 'info', message: cache.note });
  let decoded: DecodeResult;
  try {
    decoded = await decodeAll(
      candidates.map((f) => path.join(scan.root, f.rel)),
      config.decode,
      {
        cache,
        keepPixels: options.keepPixels,
        onProgress: (done, total) => emit({ type: 'decode.progress', done, total }),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  } finally {
    cache?.close();
  }
  emit({ type: 'info', message: `decode: ${decoded.cached} cached, ${decoded.decoded} decoded${cacheDir ? '' : ' (decode.cache is off)'}` });

  if (options.writeCache && cacheDir && !decoded.aborted) {
    const images = new Map<string, number>();
    decoded.kept.forEach((input, slot) => {
      const h = decoded.hashes[input]!;
      if (!images.has(h)) images.set(h, slot);
    });
    const rejected = new Map<string, string>();
    for (const f of decoded.failures) if (f.cacheable && decoded.hashes[f.index]) rejected.set(decoded.hashes[f.index]!, f.reason);
    // Rewritten only when something changed: all hits over the same set of files leave it as it is.
    if (decoded.decoded > 0 || (cache?.size ?? 0) !== images.size + rejected.size) {
      await writeDecodeCache(cacheDir, config.decode, { images, rejected }, decoded.images.pixels).catch((err: Error) =>
        emit({ type: 'warn', message: `decode cache not written to ${cacheDir}: ${err.message}` }),
      );
    }
  }

  const decodeRejected: FileRecord[] = decoded.failures.map((f) => ({
    path: candidates[f.index]!.rel,
    label: candidates[f.index]!.label,
    status: 'rejected',
    reason: f.reason,
  }));
  const ingested: FileRecord[] = decoded.kept.map((i) => ({ path: candidates[i]!.rel, label: candidates[i]!.label, status: 'ingested', reason: null }));
  const rejected = [...scan.rejected, ...decodeRejected].sort(byPath);
  const records = [...ingested, ...scan.ignored, ...rejected].sort(byPath);
  const counts: FileCounts = { found: records.length, ingested: ingested.length, ignored: scan.ignored.length, rejected: rejected.length };
  const perClass = new Map<string, number>();
  for (const i of decoded.kept) perClass.set(candidates[i]!.label, (perClass.get(candidates[i]!.label) ?? 0) + 1);
  const plan = planBalance(
    scan.classes.map((c) => ({ label: c.label, count: perClass.get(c.label) ?? 0 })),
    config.balance.strategy,
  );
  const decode: DecodeReport = {
    size: config.decode.size,
    channels: config.decode.channels,
    fit: config.decode.fit,
    kernel: config.decode.kernel,
    background: config.decode.background,
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips ?? '',
    cache: cacheDir,
    cached: decoded.cached,
    decoded: decoded.decoded,
  };
  const duplicates = findDuplicates(decoded.kept.map((i) => ({ path: candidates[i]!.rel, label: candidates[i]!.label, hash: decoded.hashes[i]! })));
  return { accounted: { scan, records, rejected, counts, plan, decode, duplicates }, decoded, candidates };
}

const byPath = (a: FileRecord, b: FileRecord) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Warnings for what a user would want to know before training: rejected files, empty classes. */
function report(a: Accounted, emit: EventSink): void {
  const list = (records: FileRecord[], type: 'info' | 'warn', verb: string) => {
    for (const r of records.slice(0, LISTED)) emit({ type, message: `${verb} ${r.path}: ${r.reason}` });
    if (records.length > LISTED) emit({ type, message: `… and ${records.length - LISTED} more ${verb} (see summary.json, or scan --json)` });
  };
  for (const message of layoutWarnings(a.scan)) emit({ type: 'warn', message });
  list(a.rejected, 'warn', 'rejected');
  list(a.records.filter((r) => r.status === 'ignored'), 'info', 'ignored');
  for (const line of duplicateLines(a.duplicates, LISTED)) emit({ type: line.conflict ? 'warn' : 'info', message: line.text });
  const empty = new Set(a.scan.emptyClasses);
  for (const c of a.plan.classes.filter((x) => x.count === 0)) {
    const why = empty.has(c.label) ? 'its folder holds no images' : 'none of its images could be decoded';
    emit({ type: 'warn', message: `class "${c.label}" has no usable images (${why}): nothing to learn it from, it gets no synthetic images` });
  }
}

/**
 * Decodes the scanned images for a run (uint8, in memory), reading and then updating the decode cache.
 * A bad file is rejected with its reason; it never stops the run.
 */
export async function decodeScanned(config: Config, scan: ScanResult, emit: EventSink, signal?: AbortSignal): Promise<Ingested> {
  const { accounted, decoded, candidates } = await decodeAndAccount(config, scan, emit, { keepPixels: true, writeCache: true, signal });
  report(accounted, emit);
  const labels = scan.classes.map((c) => c.label);
  // The hash decode took of each file's bytes (base64url) is the manifest's sha256 (hex): no second read.
  const files = decoded.kept.map((i) => ({ ...candidates[i]!, sha256: Buffer.from(decoded.hashes[i]!, 'base64url').toString('hex') }));
  const data: LabelledImages = {
    pixels: decoded.images.pixels,
    count: decoded.images.count,
    size: config.decode.size,
    channels: config.decode.channels,
    labels: Int32Array.from(files.map((f) => f.classIndex)),
    numClasses: labels.length,
  };
  return { ...accounted, labels, files, data };
}

/**
 * What `scan` shows: every entry of the input folder, ingested / ignored / rejected exactly as a run would
 * decide, and the balance of what decodes. Validates by decoding (truncated files pass a header check)
 * but keeps no pixels; uses the decode cache of `config.out` when there is one, and never writes.
 */
export async function inspectFolder(parsed: ParsedConfig, emit: EventSink = () => {}, signal?: AbortSignal): Promise<Inspected> {
  const scan = await scanFolder(parsed.input, { recursive: parsed.scan.recursive });
  const resolved = await resolveDecode(parsed, scan);
  const { config, message } = resolved;
  if (message) emit({ type: 'info', message });
  emit({ type: 'stage.start', stage: 'decode', total: scan.classes.reduce((s, c) => s + c.files.length, 0) });
  const t0 = performance.now();
  const { accounted } = await decodeAndAccount(config, scan, emit, { keepPixels: false, writeCache: false, signal });
  emit({ type: 'stage.end', stage: 'decode', seconds: (performance.now() - t0) / 1000 });
  return { ...accounted, resolved };
}
