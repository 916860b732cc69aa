/**
 * Reading a config: the YAML file (with line numbers kept), `--set key=value` overrides, path resolution.
 * The I/O wrapper around the pure `validateConfig`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, LineCounter, parseDocument, parse as parseYaml, type Document } from 'yaml';
import { UserError } from '../errors.js';
import type { Config } from './schema.js';
import { validateConfig, type Locate } from './validate.js';

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
  config: Config;
  file: string;
  warnings: string[];
}

/**
 * Reads, overrides, validates and resolves a config file.
 * @throws {UserError} listing every problem, each with its key path and YAML line.
 */
export async function loadConfig(file: string, options: LoadOptions = {}): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read config ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseConfigText(text, file, options);
}

/** Same as `loadConfig` for config text already in memory (`file` names it in messages and anchors paths). */
export function parseConfigText(text: string, file: string, options: LoadOptions = {}): LoadedConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
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
    const keyPath = m[1]!.split('.');
    setIn(doc, keyPath, parseYaml(m[2]!) as unknown);
    fromFlags.set(keyPath.join('.'), `--set ${assignment}`);
  }
  if (options.input !== undefined) setIn(doc, ['input'], path.resolve(options.input));
  if (options.out !== undefined) setIn(doc, ['out'], path.resolve(options.out));
  if (options.backend !== undefined) {
    setIn(doc, ['backend'], options.backend);
    fromFlags.set('backend', `--backend ${options.backend}`);
  }
  if (problems.length > 0) throw new UserError(`invalid overrides`, problems);

  const locate: Locate = (keyPath) => {
    const flag = fromFlags.get(keyPath.join('.'));
    if (flag) return flag;
    // the nearest node that exists: the key itself, else its parent map
    for (let n = keyPath.length; n >= 0; n--) {
      const node = doc.getIn(keyPath.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      const start = node?.range?.[0];
      if (start !== undefined) return `line ${lineCounter.linePos(start).line}`;
    }
    return undefined;
  };
  const result = validateConfig(doc.toJS() ?? {}, locate);
  if (!result.ok) {
    const n = result.problems.length;
    throw new UserError(`${file}: ${n} problem${n === 1 ? '' : 's'} in the config`, result.problems);
  }
  const base = path.dirname(path.resolve(file));
  const config: Config = {
    ...result.config,
    input: path.resolve(base, result.config.input),
    out: path.resolve(base, result.config.out),
    features: {
      ...result.config.features,
      model: result.config.features.model === null ? null : path.resolve(base, result.config.features.model),
    },
  };
  return { config, file: path.resolve(file), warnings: result.warnings };
}

function setIn(doc: Document, keyPath: string[], value: unknown): void {
  // Replace a scalar parent by a map so `--set a.b=1` works where `a` was missing.
  for (let n = 1; n < keyPath.length; n++) {
    const parent = doc.getIn(keyPath.slice(0, n), true);
    if (parent !== undefined && !isMap(parent)) doc.setIn(keyPath.slice(0, n), doc.createNode({}));
    if (isScalar(parent) && parent.value === null) doc.setIn(keyPath.slice(0, n), doc.createNode({}));
  }
  doc.setIn(keyPath, value);
}
