/**
 * The PNG writer's thread: encodes and writes batches of images, one after another, and replies with the
 * SHA-256 of each file. A thread of its own, not libuv's pool, because the main thread is busy for
 * hundreds of milliseconds at a time sampling (wasm compute blocks its event loop) and a chain of pool
 * callbacks (deflate → open → write → close) would stall on it; and because one writer creating files
 * in sequence costs the kernel less than several at once in the same folder (measured: 0.22 vs 0.56 ms of
 * system time per file).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { naming } from '../util/fs.js';
import { encodePng } from './png.js';

/** One batch: `files[i]` gets image i of `pixels` (uint8 NHWC, `size`×`size`×`channels` each). */
export interface PngJob {
  id: number;
  size: number;
  channels: 1 | 3;
  files: string[];
  pixels: Uint8Array;
}

export type PngReply = { id: number; hashes: string[] } | { id: number; error: { message: string; code?: string; path?: string } };

/** The writer's cancel flag: [0] = 1 once it stopped waiting (a failed batch, or done): skip what is queued. */
const cancel = (workerData as { cancel?: Int32Array } | null)?.cancel;
const cancelled = (): boolean => cancel !== undefined && Atomics.load(cancel, 0) === 1;

const made = new Set<string>();

function write(job: PngJob): string[] {
  const per = job.size * job.size * job.channels;
  return job.files.map((file, i) => {
    const dir = path.dirname(file);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const png = encodePng(job.pixels.subarray(i * per, (i + 1) * per), job.size, job.size, job.channels);
    try {
      writeFileSync(file, png);
    } catch (err) {
      throw naming(err, file);
    }
    return createHash('sha256').update(png).digest('hex');
  });
}

parentPort?.on('message', (msg: PngJob | { close: true }) => {
  // Close: the writer waits for this thread to exit by itself (see PngWriter). Messages are handled in
  // order, so every batch posted before it has been written or skipped.
  if ('close' in msg) {
    parentPort!.close();
    return;
  }
  // Nobody waits for a batch any more once the flag is up: skip it without a reply.
  if (cancelled()) return;
  const job = msg;
  let reply: PngReply;
  try {
    reply = { id: job.id, hashes: write(job) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    reply = { id: job.id, error: { message: e.message, ...(e.code ? { code: e.code } : {}), ...(e.path ? { path: e.path } : {}) } };
  }
  parentPort!.postMessage(reply);
});
