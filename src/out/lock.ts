/**
 * The lock on an out folder: one run at a time, a stale lock of a dead process taken over, a live one
 * respected. On this host a holder is alive while its pid runs — and is not this process unless this
 * process took that very lock (a container restarted under the same hostname gets its old pid back). A
 * holder on another host (an out folder on a shared volume: a Kubernetes pod rescheduled after an
 * out-of-memory kill has a new hostname) cannot be asked, so it touches its lock every
 * {@link LOCK_HEARTBEAT_MS}; a lock that declares a heartbeat and stays untouched for
 * {@link LOCK_LEASE_MS} — watched by the run that wants it, on its own clock — was left by a dead run and
 * is taken over. A lock without a heartbeat (gan-augment before 2026-12-06) from another host is respected.
 */
import { link, readFile, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { readFileSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { OUT_NAMES } from './layout.js';

/** How often a holder touches its lock. */
export const LOCK_HEARTBEAT_MS = 10_000;
/** How long a lock from another host must stay untouched to count as left by a dead run. */
export const LOCK_LEASE_MS = 120_000;

export interface LockHolder {
  pid: number;
  host: string;
  /** ISO time the holder took the lock. */
  started: string;
  command: string;
  /** Milliseconds between the holder's touches of the lock (absent in locks from before 2026-12-06). */
  heartbeatMs?: number;
}

/** The locks this process holds, by file and text: a lock with this pid and host that is not among them is a previous process's. */
const held = new Set<string>();
const heldKey = (file: string, text: string) => `${file}\0${text}`;

/** How {@link acquireLock} waits on another host's lock; tests shorten it. */
export interface LockTiming {
  leaseMs?: number;
  heartbeatMs?: number;
  /** Told once when it starts watching another host's lock. */
  onWait?: (holder: LockHolder, leaseMs: number) => void;
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

/** A lock left by a process that no longer runs on this host (an unreadable lock, or one from another host, is not). */
function isStale(h: LockHolder | null, file: string, text: string, host: string): boolean {
  if (h === null || h.host !== host) return false;
  return h.pid === process.pid ? !held.has(heldKey(file, text)) : !alive(h.pid);
}

/**
 * Watches another host's lock for `leaseMs`: true when it stayed untouched (its holder is dead), false as
 * soon as it is touched, changed or released.
 */
async function untouchedFor(file: string, text: string, leaseMs: number, heartbeatMs: number): Promise<boolean> {
  const first = await stat(file).catch(() => null);
  if (!first) return false;
  const until = Date.now() + leaseMs;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, Math.min(heartbeatMs, Math.max(1, until - Date.now()))));
    const now = await stat(file).catch(() => null);
    if (!now || now.mtimeMs !== first.mtimeMs || (await readFile(file, 'utf8').catch(() => '')) !== text) return false;
  }
  return true;
}

function lockedMessage(dir: string, h: LockHolder | null): string {
  const who = h ? `pid ${h.pid} on ${h.host}, since ${h.started}` : 'an unreadable lock';
  return `out: ${dir} is locked by another gan-augment run (${who}); wait for it to finish or choose another --out`;
}

/**
 * Why {@link acquireLock} would refuse `dir` now (the same message), or null when it would take the lock.
 * Reads only: what `validate` reports.
 */
export async function lockProblem(dir: string): Promise<string | null> {
  const file = path.join(dir, OUT_NAMES.lock);
  const found = await readHolder(file).catch(() => null);
  if (!found || isStale(found.holder, file, found.text, os.hostname()) || watched(found.holder)) return null;
  return `${lockedMessage(dir, found.holder)} (if no such run exists, e.g. it ran on another machine and was killed, delete ${file})`;
}

/** A lock another host's holder touches while it runs: `run` watches it for a lease before it refuses or takes it over, so it is no problem to refuse before. */
function watched(h: LockHolder | null): h is LockHolder {
  return h !== null && h.host !== os.hostname() && typeof h.heartbeatMs === 'number';
}

/** What `validate` says of a lock `run` would watch (see {@link watched}), or null. */
export async function lockNote(dir: string): Promise<string | null> {
  const found = await readHolder(path.join(dir, OUT_NAMES.lock)).catch(() => null);
  if (!found || !watched(found.holder)) return null;
  const h = found.holder;
  return `out: ${dir} is locked by pid ${h.pid} on ${h.host} (since ${h.started}); a run watches such a lock for ${LOCK_LEASE_MS / 1000} s, refuses it if it is touched meanwhile (that run is alive) and takes it over if not`;
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
 * (an out folder on a shared volume) without a heartbeat, is respected; another host's lock with one is
 * watched for `leaseMs` and taken over if it stayed untouched.
 * @throws {UserError} naming the holder's pid, host and start time when the folder is locked.
 */
export async function acquireLock(dir: string, timing: LockTiming = {}): Promise<OutLock> {
  const file = path.join(dir, OUT_NAMES.lock);
  const heartbeatMs = timing.heartbeatMs ?? LOCK_HEARTBEAT_MS;
  const leaseMs = timing.leaseMs ?? LOCK_LEASE_MS;
  const me: LockHolder = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), command: process.argv.slice(1).join(' '), heartbeatMs };
  const text = JSON.stringify(me) + '\n';
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  let tookOver: LockHolder | null = null;
  try {
    // Inside the try: a write that fails half way (a full disk) leaves no .tmp behind.
    await writeFile(tmp, text);
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
      let stale = isStale(h, file, found.text, me.host);
      // Another host's holder cannot be asked: one that beats is watched for a lease.
      if (!stale && h !== null && h.host !== me.host && typeof h.heartbeatMs === 'number') {
        timing.onWait?.(h, leaseMs);
        stale = await untouchedFor(file, found.text, leaseMs, Math.min(heartbeatMs, h.heartbeatMs));
        if (!stale && !(await readHolder(file))) continue; // released while watched
      }
      if (!stale) throw new UserError(lockedMessage(dir, h), [`if no such run exists (e.g. it ran on another machine and was killed), delete ${file}`]);
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
  held.add(heldKey(file, text));
  // Touched while held, so that a run on another host can tell it from one left by a dead run.
  const beat = setInterval(() => void (ours() ? utimes(file, new Date(), new Date()).catch(() => {}) : undefined), heartbeatMs);
  beat.unref();
  // A run that ends without release (an uncaught error, a second Ctrl-C) still frees the folder.
  const onExit = () => {
    clearInterval(beat);
    held.delete(heldKey(file, text));
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

