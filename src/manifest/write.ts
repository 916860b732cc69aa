/** Writing the synthetic images, the manifest in its formats, and the summary. */
import { constants } from 'node:fs';
import { copyFile, link, mkdir, realpath, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import PQueue from 'p-queue';
import { writeFileAtomic } from '../util/fs.js';
import { MANIFEST_JSON_SCHEMA, toCsv, toJsonl, type ManifestEntry } from './build.js';
import type { PngJob, PngReply } from './png-worker.js';
import { InternalError } from '../errors.js';
import { workerUrl } from '../util/worker-url.js';
import { removeOwned } from '../out/guard.js';
import { OUT_NAMES, outLayout } from '../out/layout.js';
import { IMAGEFOLDER_SPLIT, imagefolderLayout, type ImagefolderLayout } from './imagefolder.js';

const concurrency = () => Math.max(2, 2 * os.availableParallelism());


/**
 * Writes PNG files on a worker thread (png-worker.ts): `write` hands over a batch and returns at once, so
 * the caller can sample the next batch meanwhile; `done` waits for every batch and stops the thread.
 *
 * The thread is never terminated from outside: `Worker.terminate()` while it is inside `deflateSync`
 * aborts the whole process (node's zlib asserts "close before init" while freeing the thread; it crashed a
 * test run once, after a failed batch, with later batches still in flight). `done` raises a shared
 * cancel flag instead — the thread skips whatever is still queued — then asks it to close its port and
 * waits for it to exit on its own.
 */
/** The running writer thread. */
interface PngThread {
  worker: Worker;
  /** [0] = 1: skip every batch not yet started (set by `done`). Shared with the thread. */
  cancel: Int32Array;
  /** Resolves when the thread has exited, however it ended (an exit before `done` fails what is pending). */
  exited: Promise<void>;
}

export class PngWriter {
  private thread: PngThread | null = null;
  private readonly pending: Promise<string[]>[] = [];
  private readonly waiting = new Map<number, { resolve: (h: string[]) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(
    private readonly size: number,
    private readonly channels: 1 | 3,
  ) {}

  private start(): PngThread {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(workerUrl('./png-worker.js', import.meta.url, 'manifest'), { workerData: { cancel } });
    worker.on('message', (reply: PngReply) => {
      // After a failed batch, `done` stops waiting (and the thread) while replies already posted still
      // arrive: nobody waits for them any more.
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      if ('hashes' in reply) {
        w.resolve(reply.hashes);
      } else {
        w.reject(Object.assign(new Error(reply.error.message), reply.error));
      }
    });
    worker.on('error', (err) => this.failAll(err));
    const exited = new Promise<void>((resolve) =>
      worker.on('exit', (code) => {
        this.failAll(new InternalError(`the PNG writer thread stopped (exit code ${code}) with writes pending`));
        resolve();
      }),
    );
    return { worker, cancel, exited };
  }

  private failAll(err: Error): void {
    for (const w of this.waiting.values()) w.reject(err);
    this.waiting.clear();
  }

  /** Queues one file per item; the pixels are copied, so the caller may reuse them. */
  write(items: { file: string; pixels: Uint8Array }[]): void {
    if (items.length === 0) return;
    this.thread ??= this.start();
    const per = this.size * this.size * this.channels;
    const pixels = new Uint8Array(items.length * per);
    for (const [i, item] of items.entries()) {
      if (item.pixels.length !== per) throw new RangeError(`${item.file}: expected ${per} bytes of pixels, received ${item.pixels.length}`);
      pixels.set(item.pixels, i * per);
    }
    const id = this.nextId++;
    const job: PngJob = { id, size: this.size, channels: this.channels, files: items.map((i) => i.file), pixels };
    const result = new Promise<string[]>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    // A failure surfaces from `done`; until then it must not count as an unhandled rejection.
    result.catch(() => {});
    this.pending.push(result);
    this.thread.worker.postMessage(job, [pixels.buffer]);
  }

  /**
   * Waits for every file queued since the last `done`, then stops the thread (a later `write` starts a new one).
   * @returns the SHA-256 (hex) of each file's bytes, in the order written
   * @throws the first write's error (with its `code` and `path`, e.g. ENOSPC)
   */
  async done(): Promise<string[]> {
    const pending = this.pending.splice(0);
    try {
      return (await Promise.all(pending)).flat();
    } finally {
      const thread = this.thread;
      this.thread = null;
      this.waiting.clear();
      if (thread) {
        // `waiting` is empty by now, so the exit handler fails nothing.
        Atomics.store(thread.cancel, 0, 1);
        thread.worker.postMessage({ close: true });
        await thread.exited;
      }
    }
  }
}

/**
 * Encodes uint8 NHWC images to PNG files (on a worker thread).
 * @returns the SHA-256 (hex) of each written file, in the order of `items`
 */
export async function writePngs(
  items: { file: string; pixels: Uint8Array }[],
  size: number,
  channels: 1 | 3,
): Promise<string[]> {
  const writer = new PngWriter(size, channels);
  // Batches of 256, so progress moves and the worker starts on the first while the rest are copied.
  for (let i = 0; i < items.length; i += 256) writer.write(items.slice(i, i + 256));
  return writer.done();
}

/** How the `imagefolder` layout gets its files; see the README's "Output formats" for the trade-offs. */
export type ImagefolderMode = 'hardlink' | 'copy' | 'symlink';

export interface ManifestOutputs {
  /** Also write `manifest.jsonl` (default true; false when the caller swapped it in with its images, see out/folder.ts `commitOutputs`). */
  jsonl?: boolean;
  /** Also write `manifest.csv`. */
  csv: boolean;
  /** Also write `imagefolder/`, placing files this way; null = do not. */
  imagefolder: ImagefolderMode | null;
  /** The input folder (absolute), so real images keep their paths below their class folder. */
  input: string;
}

export interface WrittenManifest {
  files: string[];
  /** Files the imagefolder layout had to copy although hard links were asked for (another filesystem). */
  copiedInsteadOfLinked: number;
}

/**
 * Writes `<dir>/manifest.jsonl` and `manifest.schema.json`, and as asked `manifest.csv` and `imagefolder/`
 * (removed first, through the out folder's guarded delete, so no file of an earlier run lingers). The
 * input folder is only read.
 */
export async function writeManifestFiles(dir: string, given: ManifestEntry[], options: ManifestOutputs): Promise<WrittenManifest> {
  const layout = options.imagefolder === null ? null : layoutFor(given, dir, options.input);
  const entries = withFileNames(given, options.imagefolder, options.input, dir, layout);
  const files = await writeManifestTexts(dir, entries, options);
  const l = outLayout(dir);
  await removeOwned(dir, l.imagefolder);
  if (options.imagefolder === null) return { files, copiedInsteadOfLinked: 0 };
  const copied = await writeImagefolder(dir, l.imagefolder, layout!, options.imagefolder);
  return { files: [...files, l.imagefolder], copiedInsteadOfLinked: copied };
}

/**
 * The manifest's text forms for entries whose `file_name` {@link withFileNames} set: `manifest.jsonl`
 * (unless `jsonl: false`: the caller swapped it in with its images, out/folder.ts `commitOutputs`),
 * `manifest.schema.json`, and `manifest.csv` when asked (removed otherwise).
 * @returns the files written
 */
export async function writeManifestTexts(dir: string, entries: ManifestEntry[], options: Pick<ManifestOutputs, 'jsonl' | 'csv'>): Promise<string[]> {
  const l = outLayout(dir);
  const files = [l.manifest, l.manifestSchema];
  if (options.jsonl ?? true) await writeFileAtomic(l.manifest, toJsonl(entries));
  await writeFileAtomic(l.manifestSchema, JSON.stringify(MANIFEST_JSON_SCHEMA, null, 2) + '\n');
  if (options.csv) {
    await writeFileAtomic(l.manifestCsv, toCsv(entries));
    files.push(l.manifestCsv);
  } else {
    await rm(l.manifestCsv, { force: true });
  }
  return files;
}

/**
 * Builds the next `imagefolder/` in its staging folder (out/layout.ts `imagefolderStaging`), for
 * out/folder.ts `commitOutputs` to swap in together with the manifest whose `file_name`s name its files.
 * @returns how many files had to be copied although hard links were asked for
 */
export async function stageImagefolder(dir: string, layout: ImagefolderLayout, mode: ImagefolderMode): Promise<number> {
  const l = outLayout(dir);
  await removeOwned(dir, l.imagefolderStaging);
  // The synthetic images are still staged too: link or copy them from there (a hard link stays valid when
  // the staging folder becomes synthetic/).
  const inSynthetic = (abs: string) => !path.relative(l.synthetic, abs).startsWith('..');
  return writeImagefolder(dir, l.imagefolderStaging, layout, mode, (abs) => (inSynthetic(abs) ? l.stagedFile(abs) : abs));
}

/**
 * The imagefolder layout of `entries` in `dir` (read from `input`): planned once a run and passed to
 * {@link withFileNames} and the writers (at 18,000 rows each plan is ~20 MB of short-lived objects).
 */
export function layoutFor(entries: readonly ManifestEntry[], dir: string, input: string): ImagefolderLayout {
  return imagefolderLayout(entries, path.relative(dir, input).split(path.sep).join('/'));
}

/**
 * Each entry's `file_name`: its file inside `dir`, so the manifest stays usable when `dir` alone is moved
 * or uploaded. A real (or oversampled) image's is its copy or hard link in the imagefolder layout; with no
 * layout, or symbolic links (which point back out), it is the entry's `path`.
 */
export function withFileNames(entries: ManifestEntry[], mode: ImagefolderMode | null, input: string, dir: string, layout?: ImagefolderLayout | null): ManifestEntry[] {
  const inside = mode === 'hardlink' || mode === 'copy' ? (layout ?? layoutFor(entries, dir, input)).files : null;
  return entries.map((e, i) => ({
    ...e,
    file_name: e.source === 'synthetic' || !inside ? e.path : `${OUT_NAMES.imagefolder}/${IMAGEFOLDER_SPLIT}/${inside[i]!.to}`,
  }));
}

/**
 * Places every entry's file under `<root>/train/` and writes its metadata.jsonl. `readFrom` maps a
 * file's final path to where its bytes are now (a synthetic image still in its staging folder); a
 * symbolic link always names the final path.
 */
async function writeImagefolder(dir: string, root: string, layout: ImagefolderLayout, mode: ImagefolderMode, readFrom: (abs: string) => string = (a) => a): Promise<number> {
  const split = path.join(root, IMAGEFOLDER_SPLIT);
  const dirs = new Set(layout.files.map((f) => path.dirname(path.join(split, f.to))));
  for (const d of [...dirs].sort()) await mkdir(d, { recursive: true });
  const limit = concurrency();
  const queue = new PQueue({ concurrency: limit });
  let copied = 0;
  let failed: { err: unknown } | null = null;
  // Fed as the queue drains (a job and its promise an image at once was ~40 MB at 18,000 images); the
  // first failure stops the feed and is thrown once the jobs in flight end.
  for (const f of layout.files) {
    if (failed) break;
    if (queue.size >= limit) await queue.onSizeLessThan(limit);
    void queue
      .add(async () => {
        const src = path.resolve(dir, f.from);
        const dst = path.join(split, f.to);
        if (mode === 'symlink') {
          await symlink(path.relative(path.dirname(dst), src), dst);
        } else if (mode === 'hardlink') {
          // link(2) of a symlink links the symlink itself, and a relative one dangles at its new place:
          // link the file it names.
          const target = await realpath(readFrom(src));
          try {
            await link(target, dst);
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            // Another filesystem, or one without hard links: a copy is the only way left.
            if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK' && code !== 'ENOTSUP') throw err;
            await copyFile(target, dst, constants.COPYFILE_FICLONE);
            copied++;
          }
        } else {
          // A reflink where the filesystem has them (no extra space, still independent), else a copy.
          await copyFile(readFrom(src), dst, constants.COPYFILE_FICLONE);
        }
      })
      .catch((err: unknown) => {
        failed ??= { err };
      });
  }
  await queue.onIdle();
  if (failed) throw (failed as { err: unknown }).err;
  await writeFileAtomic(path.join(split, 'metadata.jsonl'), layout.metadata);
  return copied;
}

/** Writes `file` (a manifest.jsonl) alone: for outputs that are not a whole run's (`gan-augment generate`). */
export async function writeManifest(file: string, entries: ManifestEntry[]): Promise<void> {
  await writeFileAtomic(file, toJsonl(entries));
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
