/**
 * The out folder on disk: checking it against the input (by real path), claiming it (an ownership
 * ledger), locking it against concurrent runs, and the one guarded recursive delete.
 *
 * Nothing below the input folder is ever removed or written, whatever the flags: an out folder whose
 * layout (`layout.ts`) overlaps the input is refused before anything is touched, and every recursive
 * delete goes through {@link removeOwned}, which removes only folders the ledger says gan-augment made.
 */
import { link, lstat, mkdir, readdir, readFile, realpath, rename, rm, stat, statfs, unlink, writeFile } from 'node:fs/promises';
import { readFileSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskFullError, InternalError, UserError } from '../errors.js';
import type { EventSink } from '../events.js';
import { writeFileAtomic } from '../util/fs.js';
import { VERSION } from '../version.js';
import { OUT_NAMES, OWNED_FOLDERS, SWAPPED, WRITTEN_NAMES, outLayout } from './layout.js';

/** @deprecated names kept for callers of the old module: the marker and lock file names. */
export const OUT_MARKER = OUT_NAMES.marker;
export const OUT_LOCK = OUT_NAMES.lock;

/**
 * `<out>/.gan-augment`: which top-level folders of the layout gan-augment made (and so may empty), and
 * the real paths of the input folders it was run on. An older marker (plain text) owns every folder of
 * the layout that existed when it was written.
 */
export interface Ledger {
  tool: 'gan-augment';
  version: string;
  owned: string[];
  inputs: string[];
}

// ---------------------------------------------------------------------------------------------------
// Real paths

/** The real path of `p`, also when it does not exist yet: its deepest existing ancestor resolved, the rest appended. */
export async function realpathDeep(p: string): Promise<string> {
  const abs = path.resolve(p);
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(await realpath(head), ...tail.reverse());
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return abs;
      tail.push(path.basename(head));
      head = parent;
    }
  }
}

/** Whether `inner` is `outer` or lies below it (both absolute, normalised). */
export function within(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Whether two folders overlap: one is the other or lies inside it. */
const overlaps = (a: string, b: string) => within(a, b) || within(b, a);

// ---------------------------------------------------------------------------------------------------
// Checks (shared by `run`, `merge` and `validate`)

export interface FolderCheck {
  /** Reuse a non-empty out folder that gan-augment did not make. */
  force: boolean;
  /** The input folder; omit when there is none to protect (e.g. `merge` with an input not on this machine). */
  input?: string;
  /** Whether the input must exist (`run`, `validate`). */
  inputMustExist?: boolean;
}

/**
 * Everything about an input and out folder pair that `run` refuses, each problem prefixed by its key
 * (`input: …`, `out: …`). Real paths are compared (symlinks and `..` resolved, including every existing
 * parent), and every file and folder gan-augment writes below `out` is checked against the input.
 * Reads the disk, writes nothing.
 */
export async function outFolderProblems(out: string, options: FolderCheck): Promise<string[]> {
  const problems: string[] = [];
  const absOut = path.resolve(out);
  if (options.input !== undefined) {
    const absIn = path.resolve(options.input);
    const st = await stat(absIn).catch(() => null);
    if (!st) {
      if (options.inputMustExist) problems.push(`input: folder ${absIn} does not exist`);
    } else if (!st.isDirectory()) {
      problems.push(`input: ${absIn} is not a folder (expected one sub-folder per class)`);
    }
    if (st) {
      const realIn = await realpath(absIn);
      const realOut = await realpathDeep(absOut);
      const shown = (p: string, real: string) => (p === real ? p : `${p} (really ${real})`);
      if (within(realOut, realIn)) {
        problems.push(
          realOut === realIn
            ? `out: ${shown(absOut, realOut)} is the input folder; the input folder is never written to`
            : `out: ${shown(absOut, realOut)} is inside the input folder ${shown(absIn, realIn)}; the input folder is never written to`,
        );
      } else {
        for (const name of WRITTEN_NAMES) {
          const p = path.join(absOut, name);
          const real = await realpathDeep(p);
          if (overlaps(real, realIn)) {
            problems.push(
              `out: ${shown(p, real)}, which gan-augment writes${(OWNED_FOLDERS as readonly string[]).includes(name) ? ' and clears' : ''}, ${
                real === realIn ? 'is the input folder' : within(realIn, real) ? 'holds the input folder' : 'is inside the input folder'
              } ${shown(absIn, realIn)}; choose an out folder apart from the input (no --force overrides this)`,
            );
          }
        }
      }
    }
  }
  const st = await stat(absOut).catch(() => null);
  if (st && !st.isDirectory()) {
    problems.push(`out: ${absOut} exists and is not a folder`);
  } else if (st) {
    const entries = await readdir(absOut).catch(() => [] as string[]);
    const ours = entries.includes(OUT_NAMES.marker);
    if (entries.length > 0 && !ours && !options.force) {
      problems.push(`out: folder ${absOut} is not empty and was not made by gan-augment; choose another --out or pass --force`);
    } else if (entries.length > 0 && !ours) {
      // --force reuses the folder, but gan-augment empties its own folders: those must not be someone else's.
      const foreign = OWNED_FOLDERS.filter((n) => entries.includes(n));
      if (foreign.length > 0) {
        problems.push(
          `out: ${foreign.map((n) => `${n}/`).join(', ')} in ${absOut} ${foreign.length === 1 ? 'was' : 'were'} not made by gan-augment, which replaces ${foreign.length === 1 ? 'that folder' : 'those folders'}; move ${foreign.length === 1 ? 'it' : 'them'} away or choose another --out (--force does not delete what gan-augment did not make)`,
        );
      }
    }
  }
  return problems;
}

/**
 * Throws every problem {@link outFolderProblems} finds, as one keyed config error.
 * @throws {UserError} listing each problem
 */
export async function checkOutFolder(out: string, options: FolderCheck): Promise<void> {
  const problems = await outFolderProblems(out, options);
  if (problems.length > 0) throw new UserError(problems.length === 1 ? problems[0]! : `${problems.length} problems with the input and out folders`, problems.length === 1 ? [] : problems);
}

// ---------------------------------------------------------------------------------------------------
// The ledger

/** Reads `<out>/.gan-augment`; null when there is none. */
export async function readLedger(out: string): Promise<Ledger | null> {
  let text: string;
  try {
    text = await readFile(path.join(out, OUT_NAMES.marker), 'utf8');
  } catch {
    return null;
  }
  try {
    const l = JSON.parse(text) as Ledger;
    if (l.tool === 'gan-augment' && Array.isArray(l.owned) && Array.isArray(l.inputs)) return l;
  } catch {
    // an older, plain-text marker: see below
  }
  return { tool: 'gan-augment', version: 'legacy', owned: [], inputs: [] };
}

/**
 * Writes the ledger of an out folder about to be used: folders of the layout that do not exist yet
 * become gan-augment's (this run makes them, under the lock), as do those an older gan-augment marker
 * covers; a folder that was there before gan-augment took the folder over stays the user's.
 */
async function writeLedger(out: string, input: string | undefined): Promise<Ledger> {
  const previous = await readLedger(out);
  const entries = new Set(await readdir(out).catch(() => [] as string[]));
  const owned = new Set(previous?.owned ?? []);
  for (const name of OWNED_FOLDERS) {
    if (!entries.has(name) || previous?.version === 'legacy') owned.add(name);
  }
  const inputs = new Set(previous?.inputs ?? []);
  if (input !== undefined) inputs.add(await realpathDeep(input));
  const ledger: Ledger = { tool: 'gan-augment', version: VERSION, owned: OWNED_FOLDERS.filter((n) => owned.has(n)), inputs: [...inputs].sort() };
  await writeFileAtomic(path.join(out, OUT_NAMES.marker), JSON.stringify(ledger, null, 2) + '\n');
  return ledger;
}

/**
 * Why `target` may not be removed or replaced, or null when it may: it must lie below one of the
 * layout's folders that the ledger says gan-augment made, stay inside the out folder once symlinks are
 * resolved, and not overlap any input folder the out folder was used with.
 */
async function refusal(out: string, target: string): Promise<string | null> {
  const ledger = await readLedger(out);
  if (!ledger) return `${out} has no ${OUT_NAMES.marker} ledger`;
  const absOut = path.resolve(out);
  const abs = path.resolve(target);
  const rel = path.relative(absOut, abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return `${abs} is not below the out folder ${absOut}`;
  const top = rel.split(path.sep)[0]!;
  if (!(OWNED_FOLDERS as readonly string[]).includes(top)) return `${top} is not a folder of the out layout`;
  if (!ledger.owned.includes(top)) return `${path.join(absOut, top)} was not made by gan-augment`;
  // The link itself is what rm removes, so resolve its parent; what it points to must not be an input either.
  const realParent = await realpathDeep(path.dirname(abs));
  const real = path.join(realParent, path.basename(abs));
  const realOut = await realpathDeep(absOut);
  if (!within(realParent, realOut)) return `${abs} lies outside the out folder once symlinks are resolved (${real})`;
  const pointsTo = await realpathDeep(abs);
  for (const input of ledger.inputs) {
    if (overlaps(real, input) || overlaps(pointsTo, input)) return `${abs} overlaps the input folder ${input}`;
  }
  return null;
}

/**
 * The one recursive delete: removes `target` (a folder of the out layout, or one below it) only when
 * gan-augment made it; see {@link refusal}.
 * @throws {UserError} naming the folder and why it is kept
 */
export async function removeOwned(out: string, target: string): Promise<void> {
  if (!(await lstat(target).catch(() => null))) return; // nothing there: nothing to remove
  const why = await refusal(out, target);
  if (why) throw new UserError(`refusing to delete ${target}: ${why}; nothing was deleted`);
  await rm(target, { recursive: true, force: true });
}

/**
 * Renames `from` to `to` (both below the out folder's own folders).
 * @throws {UserError} when either is not gan-augment's to replace
 */
async function renameOwned(out: string, from: string, to: string): Promise<void> {
  for (const p of [from, to]) {
    const why = await refusal(out, p);
    if (why) throw new UserError(`refusing to replace ${p}: ${why}; nothing was changed`);
  }
  await rename(from, to);
}

// ---------------------------------------------------------------------------------------------------
// The lock

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
  const file = path.join(dir, OUT_NAMES.lock);
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

// ---------------------------------------------------------------------------------------------------
// Claiming

/**
 * Checks an out folder against the input, makes it, records what is gan-augment's in its ledger and
 * locks it. Nothing in the folder is changed before the checks pass and the lock is held.
 * @throws {UserError} for any problem {@link outFolderProblems} finds, or when another run holds the lock.
 */
export async function claimOut(out: string, options: FolderCheck & { emit?: EventSink }): Promise<OutLock> {
  await checkOutFolder(out, options);
  await mkdir(out, { recursive: true });
  const lock = await acquireLock(out);
  try {
    await writeLedger(out, options.input !== undefined && (await lstat(options.input).catch(() => null)) ? options.input : undefined);
  } catch (err) {
    await lock.release();
    throw err;
  }
  if (lock.tookOver) {
    const h = lock.tookOver;
    options.emit?.({ type: 'warn', message: `took over a stale lock on ${out} left by pid ${h.pid} (started ${h.started}), which is no longer running` });
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
 * Replaces `<out>/synthetic/` and `<out>/model/` by what was staged for them (out/layout.ts `SWAPPED`),
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

/** @throws {InternalError} when `p` is not below `out` (a bug in a caller building paths by hand). */
export function assertBelow(out: string, p: string): void {
  if (!within(path.resolve(p), path.resolve(out)) || path.resolve(p) === path.resolve(out)) throw new InternalError(`${p} is not below the out folder ${out}`);
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
