/**
 * Stage 4: the out folder — making it safely (ownership marker, a lock against concurrent runs), and
 * where synthetic images go.
 */
import { link, mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { readFileSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import type { EventSink } from '../events.js';
import { VERSION } from '../version.js';

/** A file in every out folder gan-augment made; a non-empty folder without it is not ours to overwrite. */
export const OUT_MARKER = '.gan-augment';
/** The lock file of a run in progress: `{ pid, host, started, command }`. */
export const OUT_LOCK = '.gan-augment.lock';

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  started: string;
  command: string;
}

/** A held lock on an out folder; `release()` removes it (also done at process exit if forgotten). */
export interface OutLock {
  file: string;
  /** The dead run whose stale lock was taken over, if any. */
  tookOver: LockHolder | null;
  release(): Promise<void>;
}

/** Whether a process with this id exists on this machine (EPERM: it exists, under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readHolder(file: string): Promise<{ text: string; holder: LockHolder | null } | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    return { text, holder: Number.isInteger(h.pid) && typeof h.host === 'string' ? h : null };
  } catch {
    return { text, holder: null };
  }
}

/**
 * Takes `<dir>/.gan-augment.lock`. The lock is created whole (written beside it, then hard-linked into
 * place, which fails if it exists), so a reader never sees half a lock. A lock left by a process that
 * no longer runs on this host is stale and taken over; one held by a live process, or by another host
 * (an out folder on a shared volume), is respected.
 * @throws {UserError} naming the holder's pid, host and start time when the folder is locked.
 */
export async function acquireLock(dir: string): Promise<OutLock> {
  const file = path.join(dir, OUT_LOCK);
  const me: LockHolder = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), command: process.argv.slice(1).join(' ') };
  const text = JSON.stringify(me) + '\n';
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, text);
  let tookOver: LockHolder | null = null;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, file);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
      }
      const found = await readHolder(file);
      if (!found) continue; // released meanwhile
      const h = found.holder;
      const stale = h !== null && h.host === me.host && h.pid !== process.pid && !alive(h.pid);
      if (!stale) {
        const who = h ? `pid ${h.pid} on ${h.host}, since ${h.started}` : 'an unreadable lock';
        throw new UserError(
          `out folder ${dir} is locked by another gan-augment run (${who}); wait for it to finish or choose another --out`,
          [`if no such run exists (e.g. it ran on another machine and was killed), delete ${file}`],
        );
      }
      // Remove the stale lock only if it is still the one judged stale, then race for it again.
      const again = await readHolder(file);
      if (again?.text === found.text) await unlink(file).catch(() => {});
      tookOver = h;
    }
  } finally {
    await rm(tmp, { force: true });
  }
  const ours = () => {
    try {
      return readFileSync(file, 'utf8') === text;
    } catch {
      return false;
    }
  };
  // A run that ends without release (an uncaught error, a second Ctrl-C) still frees the folder.
  const onExit = () => {
    if (ours()) unlinkSync(file);
  };
  process.once('exit', onExit);
  return {
    file,
    tookOver,
    release: async () => {
      process.off('exit', onExit);
      onExit();
    },
  };
}

/**
 * Checks an out folder, makes it, marks it as ours and locks it. Nothing in the folder is changed
 * before the lock is held.
 * @throws {UserError} when out is inside `input`, is a non-empty folder gan-augment did not make (without
 * `force`), or is locked by another run.
 */
export async function claimOut(out: string, options: { force: boolean; input?: string; emit?: EventSink }): Promise<OutLock> {
  if (options.input !== undefined) {
    const rel = path.relative(options.input, out);
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
      throw new UserError(`out ${out} is inside the input folder ${options.input}; the input folder is never written to`);
    }
  }
  const entries = await readdir(out).catch(() => [] as string[]);
  if (entries.length > 0 && !entries.includes(OUT_MARKER) && !options.force) {
    throw new UserError(`out folder ${out} is not empty and was not made by gan-augment; choose another --out or pass --force`);
  }
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, OUT_MARKER), `made by gan-augment ${VERSION}\n`);
  const lock = await acquireLock(out);
  if (lock.tookOver) {
    const h = lock.tookOver;
    options.emit?.({ type: 'warn', message: `took over a stale lock on ${out} left by pid ${h.pid} (started ${h.started}), which is no longer running` });
  }
  return lock;
}

/**
 * Checks, claims and locks the out folder of a run, and clears what a crashed run left half-written.
 * The previous run's outputs stay until this run's replace them (see `commitSynthetic`).
 * @throws {UserError} see `claimOut`.
 */
export async function prepareOut(config: Config, force: boolean, emit?: EventSink): Promise<OutLock> {
  const lock = await claimOut(config.out, { force, input: config.input, ...(emit ? { emit } : {}) });
  await rm(path.join(config.out, STAGING), { recursive: true, force: true });
  return lock;
}

const SYNTHETIC = 'synthetic';
/** Synthetic images are written here first, and become `synthetic/` only once all are written. */
const STAGING = '.synthetic.partial';

/** Where a synthetic image ends up (the path the manifest lists). */
export function syntheticFile(out: string, safeLabel: string, rank: number, seed: number): string {
  return path.join(out, SYNTHETIC, safeLabel, syntheticName(rank, seed));
}

/** A synthetic image's file name: its rank (or position) and its seed, `00012-0badcafe.png`. */
export function syntheticName(rank: number, seed: number): string {
  return `${String(rank).padStart(5, '0')}-${seed.toString(16).padStart(8, '0')}.png`;
}

/** Where the image that will end up at `finalFile` (a `syntheticFile` of `out`) is written first. */
export function stagedFile(out: string, finalFile: string): string {
  return path.join(out, STAGING, path.relative(path.join(out, SYNTHETIC), finalFile));
}

/**
 * Replaces `<out>/synthetic/` by the images staged for it, so the folder holds one run's images, never
 * a mix and never a half-written set. Call after every staged file is written, before the manifest.
 */
export async function commitSynthetic(out: string): Promise<void> {
  const final = path.join(out, SYNTHETIC);
  const staged = path.join(out, STAGING);
  const old = path.join(out, '.synthetic.old');
  await rm(old, { recursive: true, force: true });
  await rename(final, old).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });
  await rename(staged, final).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    await mkdir(final, { recursive: true }); // nothing was staged: an empty synthetic/
  });
  await rm(old, { recursive: true, force: true });
}
