/**
 * The out folder of a run or merge: claimed (checked against the input, ledger written, locked), cleared
 * of what a killed run left, and published — the manifest and the files it names swapped in together.
 */
import { lstat, mkdir, rename, rm, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DiskFullError } from '../errors.js';
import type { EventSink } from '../events.js';
import { writeFileAtomic } from '../util/fs.js';
import { checkOutFolder, removeOwned, renameOwned, writeLedger, type FolderCheck } from './guard.js';
import { acquireLock, type OutLock } from './lock.js';
import { OUT_NAMES, SWAPPED, outLayout } from './layout.js';

export { acquireLock, type LockHolder, type OutLock } from './lock.js';
export { checkOutFolder, outFolderProblems, readLedger, realpathDeep, removeOwned, within, type FolderCheck, type Ledger } from './guard.js';

/** The marker (ledger) and lock file names. */
export const OUT_MARKER = OUT_NAMES.marker;
export const OUT_LOCK = OUT_NAMES.lock;


/**
 * Checks an out folder against the input, makes it, records what is gan-augment's in its ledger and
 * locks it. Nothing in the folder is changed before the checks pass and the lock is held.
 * @throws {UserError} for any problem {@link outFolderProblems} finds, or when another run holds the lock.
 */
export async function claimOut(out: string, options: FolderCheck & { emit?: EventSink }): Promise<OutLock> {
  await checkOutFolder(out, options);
  await mkdir(out, { recursive: true });
  const lease = Number(process.env['GAN_AUGMENT_TEST_LOCK_LEASE_MS']);
  const lock = await acquireLock(out, {
    // A testing hook: e2e tests cannot wait the 120 s lease.
    ...(lease > 0 ? { leaseMs: lease } : {}),
    onWait: (h, leaseMs) =>
      options.emit?.({ type: 'info', message: `out: ${out} is locked by pid ${h.pid} on ${h.host} (since ${h.started}); a run touches its lock while it runs: watching it for ${leaseMs / 1000} s, then taking it over if it stayed untouched (left by a run that died)` }),
  });
  try {
    await writeLedger(out, options.input !== undefined && (await lstat(options.input).catch(() => null)) ? options.input : undefined);
  } catch (err) {
    await lock.release();
    throw err;
  }
  if (lock.tookOver) {
    const h = lock.tookOver;
    const why = h.host === os.hostname() ? 'which is no longer running' : `on ${h.host}, whose lock went untouched`;
    options.emit?.({ type: 'warn', message: `took over a stale lock on ${out} left by pid ${h.pid} (started ${h.started}), ${why}` });
  }
  return lock;
}

/**
 * Checks, claims and locks the out folder of a run, and clears what a crashed run left half-written
 * (the staging folder, a half-replaced synthetic/). The previous run's outputs stay until this run's
 * replace them (see {@link commitOutputs}).
 * @throws {UserError} see {@link claimOut}.
 */
export async function prepareOut(out: string, options: FolderCheck & { emit?: EventSink }): Promise<OutLock> {
  const lock = await claimOut(out, { ...options, inputMustExist: true });
  try {
    await recoverInterrupted(out);
    await clearStaging(out);
  } catch (err) {
    await lock.release();
    throw err;
  }
  return lock;
}

/** Removes whatever a run staged for publishing and did not publish (out/layout.ts `SWAPPED`). */
export async function clearStaging(out: string): Promise<void> {
  for (const f of SWAPPED) await removeOwned(out, path.join(out, f.staged));
  await rm(outLayout(out).manifestNext, { force: true });
}

/**
 * Finishes or rolls back a publish that a killed run left half done (see {@link commitOutputs}): with a
 * new manifest waiting and every staged folder swapped in, the manifest is moved in too; otherwise it
 * is dropped, and each folder whose old version is all that is left gets it back.
 */
async function recoverInterrupted(out: string): Promise<void> {
  const l = outLayout(out);
  const has = (p: string) => lstat(p).then(() => true, () => false);
  const at = (name: string) => path.join(out, name);
  if (await has(l.manifestNext)) {
    const swapped = (await Promise.all(SWAPPED.map((f) => has(at(f.staged))))).every((staged) => !staged) && (await has(l.synthetic));
    if (swapped) await rename(l.manifestNext, l.manifest);
    else await rm(l.manifestNext, { force: true });
  }
  for (const f of SWAPPED) {
    if (!(await has(at(f.previous)))) continue;
    if (!(await has(at(f.final)))) await renameOwned(out, at(f.previous), at(f.final));
    else await removeOwned(out, at(f.previous));
  }
}

/**
 * Replaces `<out>/synthetic/`, `<out>/model/` and `<out>/imagefolder/` by what was staged for them (out/layout.ts `SWAPPED`),
 * and the manifest by `manifestText`, so that the manifest and the files it names change together: the
 * new manifest is written first under a temporary name, the old manifest (and its CSV) removed, the
 * folders swapped, then the new manifest renamed into place. At every moment `manifest.jsonl` either
 * lists exactly the files present, or is absent (readers then refuse the folder); a run killed in
 * between is finished by the next run's {@link prepareOut}. Call after every staged file is written.
 */
export async function commitOutputs(out: string, manifestText: string, hooks: { afterSwap?: () => void } = {}): Promise<void> {
  const l = outLayout(out);
  const at = (name: string) => path.join(out, name);
  await writeFileAtomic(l.manifestNext, manifestText);
  await rm(l.manifest, { force: true });
  await rm(l.manifestCsv, { force: true });
  for (const f of SWAPPED) {
    await removeOwned(out, at(f.previous));
    await renameOwned(out, at(f.final), at(f.previous)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await renameOwned(out, at(f.staged), at(f.final)).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      if (f.keepEmpty) await mkdir(at(f.final), { recursive: true }); // nothing was staged: an empty synthetic/
    });
  }
  hooks.afterSwap?.();
  await rename(l.manifestNext, l.manifest);
  for (const f of SWAPPED) await removeOwned(out, at(f.previous));
}

/** Bytes as a person reads them: `312 KB`, `1.4 GB`. */
function formatBytes(n: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/**
 * The error to end with when `err` is a full disk (ENOSPC) or quota (EDQUOT): it names the file that
 * could not be written and the space left on the out folder's file system. Null for any other error.
 */
export async function diskFullError(err: unknown, out: string): Promise<DiskFullError | null> {
  const e = err as NodeJS.ErrnoException | null;
  if (!e || typeof e !== 'object' || (e.code !== 'ENOSPC' && e.code !== 'EDQUOT')) return null;
  const file = e.path ?? out;
  const fs = await statfs(out).catch(() => null);
  const free = fs ? `${formatBytes(Number(fs.bavail) * Number(fs.bsize))} free of ${formatBytes(Number(fs.blocks) * Number(fs.bsize))}` : 'free space unknown';
  return new DiskFullError(
    `${e.code === 'EDQUOT' ? 'disk quota exceeded' : 'no space left on the device'} while writing ${file} (${free} on the file system of ${out}); this run's half-written files were removed. Free some space or choose an --out on another disk, then run again (--resume continues from the last checkpoint)`,
    file,
  );
}
