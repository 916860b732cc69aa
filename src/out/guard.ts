/**
 * Guarding the input: an out layout that overlaps the input folder is refused (real paths compared), and
 * {@link removeOwned} is the one recursive delete, which removes only folders the out folder's ledger
 * says gan-augment made. Nothing below the input folder is ever removed or written, whatever the flags.
 */
import { lstat, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { VERSION } from '../version.js';
import { OUT_NAMES, OWNED_FOLDERS, WRITTEN_NAMES } from './layout.js';

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
  // An out folder that overlaps the input is refused whatever the flags: do not suggest --force for it.
  if (problems.some((p) => p.startsWith('out: '))) return problems;
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
export async function writeLedger(out: string, input: string | undefined): Promise<Ledger> {
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
export async function renameOwned(out: string, from: string, to: string): Promise<void> {
  for (const p of [from, to]) {
    const why = await refusal(out, p);
    if (why) throw new UserError(`refusing to replace ${p}: ${why}; nothing was changed`);
  }
  await rename(from, to);
}

