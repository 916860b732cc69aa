/**
 * Reading a config: the YAML file (with line numbers kept), `--set key=value` overrides, path resolution.
 * The I/O wrapper around the pure `validateConfig`.
 */
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { UserError } from '../errors.js';
import { SHORTHANDS, type ParsedConfig } from './schema.js';
import { label, validateConfig, type Locate } from './validate.js';

export interface LoadOptions {
  /** `key.path=value` overrides; values are read as YAML scalars (`200` is a number, `"200"` a string). */
  set?: string[];
  /** Overrides `input`, resolved against the working directory. */
  input?: string;
  /** Overrides `out`, resolved against the working directory. */
  out?: string;
  /** Overrides `backend`. */
  backend?: string;
}

export interface LoadedConfig {
  /** Validated; `decode.size` / `decode.channels` may be `auto` until a run resolves them from its images. */
  config: ParsedConfig;
  file: string;
  warnings: string[];
}

/**
 * The largest config accepted, in bytes. A real config is a few kB; without a cap a 50 MB file of
 * unknown keys keeps `validate` busy for minutes and prints as many problems.
 */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Alias expansions allowed when the YAML is turned into values (a "billion laughs" file needs millions). */
const MAX_ALIAS_COUNT = 1000;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const tooBig = (file: string, bytes: number) =>
  new UserError(`${file}: the config is ${mb(bytes)}; a config file may be at most ${mb(MAX_CONFIG_BYTES)} (a real one is a few kB)`);

/** What a non-regular file is, for the message that refuses it. */
function kindOf(s: Awaited<ReturnType<typeof stat>>): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Reads a config file's text: a regular file of at most {@link MAX_CONFIG_BYTES}. A named pipe, device or
 * folder is refused before it is opened (reading a FIFO would block until a writer comes, deaf to
 * Ctrl-C); the file is then opened non-blocking and checked again, so a swap in between cannot block either.
 * @throws {UserError} naming the file and what is wrong with it.
 */
export async function readConfigFile(file: string): Promise<string> {
  const cannot = (err: unknown) => new UserError(`cannot read config ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  const before = await stat(file).catch((err: unknown) => {
    throw cannot(err);
  });
  if (!before.isFile()) throw new UserError(`${file}: the config is ${kindOf(before)}; expected a regular file`);
  if (before.size > MAX_CONFIG_BYTES) throw tooBig(file, before.size);
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK).catch((err: unknown) => {
    throw cannot(err);
  });
  try {
    const now = await handle.stat();
    if (!now.isFile()) throw new UserError(`${file}: the config is ${kindOf(now)}; expected a regular file`);
    // One byte more than allowed tells a file that grew since stat apart from one exactly at the cap.
    const buf = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let n = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n === buf.length) throw tooBig(file, Math.max(n, now.size));
    }
    return buf.subarray(0, n).toString('utf8');
  } catch (err) {
    throw err instanceof UserError ? err : cannot(err);
  } finally {
    await handle.close();
  }
}

/**
 * Reads, overrides, validates and resolves a config file.
 * @throws {UserError} listing every problem, each with its key path and YAML line.
 */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  return parseConfigText(await readConfigFile(file), file, options);
}

/** Same as `loadConfig` for config text already in memory (`file` names it in messages and anchors paths). */
export function parseConfigText(text: string, file: string, options: LoadOptions = {}): LoadedConfig {
  if (text.length > MAX_CONFIG_BYTES) throw tooBig(file, Buffer.byteLength(text));
  const lineCounter = new LineCounter();
  // Duplicate keys are found by `indexKeys` in one pass: the parser's own check compares each key with
  // every earlier one of its map (quadratic: 40k keys took half a minute).
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: false });
  if (doc.errors.length > 0) {
    throw new UserError(
      `${file} is not valid YAML`,
      doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`),
    );
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new UserError(`${file}: expected a map of settings at the top level`);
  }
  const fromFlags = new Map<string, string>();
  const problems: string[] = [];
  for (const assignment of options.set ?? []) {
    const m = /^([A-Za-z_][\w]*(?:\.[A-Za-z_][\w-]*)*)=(.*)$/s.exec(assignment);
    if (!m) {
      problems.push(`--set ${assignment}: expected key.path=value, e.g. --set train.steps=200`);
      continue;
    }
    const parsed = parseSetValue(m[2]!);
    if ('problem' in parsed) {
      problems.push(`--set ${assignment}: ${parsed.problem}`);
      continue;
    }
    const keyPath = m[1]!.split('.');
    setIn(doc, keyPath, parsed.value);
    fromFlags.set(keyPath.join('.'), `--set ${assignment}`);
  }
  if (options.input !== undefined) setIn(doc, ['input'], path.resolve(options.input));
  if (options.out !== undefined) setIn(doc, ['out'], path.resolve(options.out));
  if (options.backend !== undefined) {
    setIn(doc, ['backend'], options.backend);
    fromFlags.set('backend', `--backend ${options.backend}`);
  }
  if (problems.length > 0) throw new UserError(`invalid overrides`, problems);

  const index = indexKeys(doc, lineCounter);
  const locate: Locate = (keyPath) => {
    // the flag that set the key, or a map above it (`--set 'balance.strategy={coat: 9}'`)
    for (let n = keyPath.length; n > 0; n--) {
      const flag = fromFlags.get(keyPath.slice(0, n).join('.'));
      if (flag) return flag;
    }
    // the nearest node that exists: the key itself, else its parent map
    for (let n = keyPath.length; n >= 0; n--) {
      const line = index.lines.get(pathKey(keyPath.slice(0, n)));
      if (line !== undefined) return `line ${line}`;
    }
    return undefined;
  };
  const yamlProblems = [
    ...index.duplicates.map((d) => `${d.path.join('.')} (line ${d.line}): duplicate key (first at line ${d.first}); a key may appear once in its map`),
    ...index.aliases
      .filter((a) => !a.defined)
      .map((a) => `${label(a.path, locate)}: the alias *${a.source} names no anchor (&${a.source}) defined before it`),
  ];
  if (yamlProblems.length > 0) throw new UserError(`${file}: ${yamlProblems.length} problem${yamlProblems.length === 1 ? '' : 's'} in the config`, yamlProblems);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    // yaml refuses aliases that expand too far ("billion laughs"); name where they are.
    const where = index.aliases.slice(0, 5).map((a) => `${label(a.path, locate)}: *${a.source}`);
    throw new UserError(
      `${file}: its YAML aliases expand to more than ${MAX_ALIAS_COUNT} copies (a "billion laughs" document); write the values out instead`,
      index.aliases.length > where.length ? [...where, `… and ${index.aliases.length - where.length} more aliases`] : where,
    );
  }
  const result = validateConfig(value ?? {}, locate);
  const base = path.dirname(path.resolve(file));
  if (!result.ok) {
    const n = result.problems.length;
    const raw = (value ?? {}) as { input?: unknown; out?: unknown };
    const folders = typeof raw.input === 'string' && raw.input !== '' && typeof raw.out === 'string' && raw.out !== '' ? { input: path.resolve(base, raw.input), out: path.resolve(base, raw.out) } : null;
    throw new UserError(`${file}: ${n} problem${n === 1 ? '' : 's'} in the config`, result.problems, folders);
  }
  const config: ParsedConfig = {
    ...result.config,
    input: path.resolve(base, result.config.input),
    out: path.resolve(base, result.config.out),
    generate: { ...result.config.generate, from: result.config.generate.from === null ? null : path.resolve(base, result.config.generate.from) },
    features: {
      ...result.config.features,
      model: result.config.features.model === null ? null : path.resolve(base, result.config.features.model),
    },
  };
  return { config, file: path.resolve(file), warnings: result.warnings };
}

/** A `--set` value read as one YAML scalar or collection; aliases are refused (there are no anchors to name). */
function parseSetValue(text: string): { value: unknown } | { problem: string } {
  const d = parseDocument(text, { uniqueKeys: false });
  if (d.errors.length > 0) return { problem: `the value is not valid YAML (${d.errors[0]!.message.split('\n')[0]}); quote it to pass it as text` };
  let alias: string | undefined;
  const seen: unknown[] = [d.contents];
  while (seen.length > 0 && alias === undefined) {
    const n = seen.pop();
    if (isAlias(n)) alias = n.source;
    else if (isMap(n) || isSeq(n)) for (const item of n.items) seen.push(isPair(item) ? item.value : item);
  }
  if (alias !== undefined) {
    return { problem: `*${alias} is a YAML alias, and a --set value has no anchor to refer to; quote it to pass it as text (--set 'key="*${alias}"')` };
  }
  try {
    return { value: d.toJS({ maxAliasCount: 0 }) as unknown };
  } catch (err) {
    return { problem: `the value cannot be read: ${(err as Error).message}` };
  }
}

const pathKey = (keyPath: readonly (string | number)[]) => keyPath.map(String).join('\u0000');

interface KeyIndex {
  /** Key path (joined by {@link pathKey}) → the line of its value in the file (the root → its first line). */
  lines: Map<string, number>;
  /** Keys written again in one map: the path, the line of the repeat, and the line of the first. */
  duplicates: { path: (string | number)[]; line: number | undefined; first: number }[];
  /** Every alias, in file order, where it stands, and whether an anchor of its name came before it. */
  aliases: { path: (string | number)[]; source: string; defined: boolean }[];
}

/**
 * One pass over the document, in file order: the line of every key, duplicate keys, and aliases. Linear
 * in the size of the document (the locations `doc.getIn` would give cost a scan of each map per key), and
 * iterative, so no nesting depth can overflow the stack.
 */
function indexKeys(doc: Document, lineCounter: LineCounter): KeyIndex {
  const lines = new Map<string, number>();
  const duplicates: KeyIndex['duplicates'] = [];
  const aliases: KeyIndex['aliases'] = [];
  const anchors = new Set<string>();
  const lineOf = (n: { range?: [number, number, number] | null } | null | undefined) =>
    n?.range ? lineCounter.linePos(n.range[0]).line : undefined;
  const stack: { node: unknown; path: (string | number)[] }[] = [{ node: doc.contents, path: [] }];
  const root = lineOf(doc.contents as Node | null);
  if (root !== undefined) lines.set(pathKey([]), root);
  while (stack.length > 0) {
    const { node, path: at } = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    const n = node as Node;
    if (isAlias(n)) {
      aliases.push({ path: at, source: n.source, defined: anchors.has(n.source) });
      continue;
    }
    if ('anchor' in n && typeof n.anchor === 'string') anchors.add(n.anchor);
    const children: { node: unknown; path: (string | number)[] }[] = [];
    if (isMap(n)) {
      const firstLine = new Map<string, number>();
      for (const pair of n.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const childPath = [...at, key];
        const keyLine = lineOf(pair.key as Node | null);
        // A key's problems point at its value, as `doc.getIn(path, true)` did: for a map, its first entry.
        const line = lineOf(pair.value as Node | null) ?? keyLine;
        const first = firstLine.get(key);
        if (first !== undefined) duplicates.push({ path: childPath, line: keyLine ?? line, first });
        else if (keyLine !== undefined || line !== undefined) {
          firstLine.set(key, (keyLine ?? line)!);
          if (line !== undefined) lines.set(pathKey(childPath), line);
        }
        if (isAlias(pair.key)) aliases.push({ path: childPath, source: pair.key.source, defined: anchors.has(pair.key.source) });
        children.push({ node: pair.value, path: childPath });
      }
    } else if (isSeq(n)) {
      n.items.forEach((item, i) => {
        const line = lineOf(item as Node | null);
        if (line !== undefined) lines.set(pathKey([...at, i]), line);
        children.push({ node: item, path: [...at, i] });
      });
    }
    // Pushed in reverse so they pop in file order (anchors must be seen before the aliases after them).
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return { lines, duplicates, aliases };
}

/** The field a top-level key's scalar stands for (`guard: warn` = `{mode: warn}`), if it has a shorthand. */
const shorthandField = (key: string): string | undefined => (Object.hasOwn(SHORTHANDS, key) ? SHORTHANDS[key as keyof typeof SHORTHANDS] : undefined);

function setIn(doc: Document, keyPath: string[], value: unknown): void {
  // Replace a scalar parent by a map so `--set a.b=1` works where `a` was missing; a shorthand scalar
  // (`guard: warn`) becomes the map it stands for (`{mode: warn}`), so `--set guard.seeds=3` keeps its mode.
  for (let n = 1; n < keyPath.length; n++) {
    const parent = doc.getIn(keyPath.slice(0, n), true);
    const short = n === 1 ? shorthandField(keyPath[0]!) : undefined;
    if (short && isScalar(parent) && typeof parent.value === 'string') {
      doc.setIn(keyPath.slice(0, n), doc.createNode({ [short]: parent.value }));
      continue;
    }
    if (parent !== undefined && !isMap(parent)) doc.setIn(keyPath.slice(0, n), doc.createNode({}));
    if (isScalar(parent) && parent.value === null) doc.setIn(keyPath.slice(0, n), doc.createNode({}));
  }
  // `--set guard=warn` over a `guard:` map sets its mode, keeping the rest.
  const short = keyPath.length === 1 ? shorthandField(keyPath[0]!) : undefined;
  if (short && typeof value === 'string' && isMap(doc.getIn(keyPath, true))) {
    doc.setIn([...keyPath, short], value);
    return;
  }
  doc.setIn(keyPath, value);
}
