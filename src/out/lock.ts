/**
 * The lock on an out folder: one run at a time, a stale lock of a dead process taken over, a live one or
 * one from another host respected.
 */
import { link, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { readFileSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../errors.js';
import { OUT_NAMES } from './layout.js';


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

/** A lock left by a process that no longer runs on this host (an unreadable lock, or one from another host, is not). */
function isStale(h: LockHolder | null, host: string): boolean {
  return h !== null && h.host === host && h.pid !== process.pid && !alive(h.pid);
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
  if (!found || isStale(found.holder, os.hostname())) return null;
  return `${lockedMessage(dir, found.holder)} (if no such run exists, e.g. it ran on another machine and was killed, delete ${file})`;
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
  const file = path.join(dir, OUT_NAMES.lock);
  const me: LockHolder = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), command: process.argv.slice(1).join(' ') };
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
      if (!isStale(h, me.host)) throw new UserError(lockedMessage(dir, h), [`if no such run exists (e.g. it ran on another machine and was killed), delete ${file}`]);
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

