/**
 * The config's JSON Schema, for editors (`# yaml-language-server: $schema=…`) and `gan-augment schema`.
 * Structure, types, enums and defaults come from the zod schema itself (`z.toJSONSchema`); each
 * setting's description is its one comment in `schema.ts`, read from the schema module's own file (tsc
 * keeps comments), so there is one place to write it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigSchema } from './schema.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; anyOf?: JsonSchema[]; allOf?: JsonSchema[] };

/** Where the schema is published inside the package, relative to the package root. */
export const SCHEMA_FILE = 'schema/config.schema.json';

/** Skips a string, template literal or comment starting at `i`; returns the index after it, or `i`. */
function skipLiteral(src: string, i: number): number {
  const c = src[i];
  if (c === '/' && src[i + 1] === '/') {
    const end = src.indexOf('\n', i);
    return end < 0 ? src.length : end;
  }
  if (c === '/' && src[i + 1] === '*') {
    const end = src.indexOf('*/', i + 2);
    return end < 0 ? src.length : end + 2;
  }
  if (c === "'" || c === '"') {
    let j = i + 1;
    while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  if (c === '`') {
    let j = i + 1;
    while (j < src.length && src[j] !== '`') {
      if (src[j] === '\\') j += 2;
      else if (src[j] === '$' && src[j + 1] === '{') j = matchClose(src, j + 1) + 1;
      else j++;
    }
    return j + 1;
  }
  return i;
}

/** Index of the bracket closing the one at `open`. */
function matchClose(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; ) {
    const skipped = skipLiteral(src, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    const c = src[i]!;
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') {
      depth--;
      if (depth === 0) return i;
    }
    i++;
  }
  return src.length;
}

const cleanComment = (c: string) =>
  c
    .replace(/^\/\*\*|\*\/$/g, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s?/, '').trim())
    .filter(Boolean)
    .join(' ');

interface Entry {
  description: string | null;
  /** The section constant the value is built from (`ScanSchema.prefault({})`), if any. */
  section: string | null;
}

/** The `/** … *\/ key:` pairs at the top level of the object literal whose `{` is at `open`. */
function keysOf(src: string, open: number): Map<string, Entry> {
  const close = matchClose(src, open);
  const out = new Map<string, Entry>();
  let depth = 0;
  let pending: string | null = null;
  let expectKey = true;
  for (let i = open + 1; i < close; ) {
    if (depth === 0 && src.startsWith('/**', i)) {
      const end = src.indexOf('*/', i) + 2;
      pending = cleanComment(src.slice(i, end));
      i = end;
      continue;
    }
    const skipped = skipLiteral(src, i);
    if (skipped !== i) {
      i = skipped;
      continue;
    }
    const c = src[i]!;
    if (depth === 0 && expectKey && /[A-Za-z_$]/.test(c)) {
      const m = /^([A-Za-z_$][\w$]*)\s*:\s*([A-Za-z_$][\w$]*)?/.exec(src.slice(i));
      if (m) {
        out.set(m[1]!, { description: pending, section: m[2] ?? null });
        pending = null;
        expectKey = false;
        i += m[1]!.length;
        continue;
      }
    }
    if (c === '{' || c === '(' || c === '[') depth++;
    else if (c === '}' || c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) expectKey = true;
    i++;
  }
  return out;
}

/**
 * Descriptions by dotted key path (`train.steps`), from the comments of the schema module's source.
 * Returns an empty map if the source cannot be read (the schema is still complete, just undocumented).
 */
export function configDescriptions(): Map<string, string> {
  let src: string;
  try {
    const here = fileURLToPath(import.meta.url);
    src = readFileSync(here.replace(/json-schema\.(ts|js)$/, 'schema.$1'), 'utf8');
  } catch {
    return new Map();
  }
  const sections = new Map<string, Map<string, Entry>>();
  for (const m of src.matchAll(/(?:^|\n)\s*(?:export\s+)?const\s+(\w+)\s*=\s*section\(\s*\{/g)) {
    sections.set(m[1]!, keysOf(src, m.index + m[0].length - 1));
  }
  const out = new Map<string, string>();
  const walk = (name: string, prefix: string, seen: Set<string>) => {
    for (const [key, e] of sections.get(name) ?? []) {
      const p = prefix ? `${prefix}.${key}` : key;
      if (e.description) out.set(p, e.description);
      if (e.section && sections.has(e.section) && !seen.has(e.section)) walk(e.section, p, new Set([...seen, e.section]));
    }
  };
  walk('ConfigSchema', '', new Set(['ConfigSchema']));
  return out;
}

/** The object schema holding `properties` inside `s` (itself, or a branch of anyOf/allOf). */
function objectOf(s: JsonSchema | undefined): JsonSchema | undefined {
  if (!s) return undefined;
  if (s.properties) return s;
  for (const b of [...(s.anyOf ?? []), ...(s.allOf ?? [])]) {
    const o = objectOf(b);
    if (o) return o;
  }
  return undefined;
}

/** Removes zod's `maximum: Number.MAX_SAFE_INTEGER` on integers: true, but noise in an editor. */
function tidy(s: unknown): void {
  if (!s || typeof s !== 'object') return;
  const o = s as Record<string, unknown>;
  if (o['maximum'] === Number.MAX_SAFE_INTEGER) delete o['maximum'];
  if (o['minimum'] === Number.MIN_SAFE_INTEGER) delete o['minimum'];
  for (const v of Object.values(o)) tidy(v);
}

/** The config's JSON Schema (draft-07, what YAML editors support best), with a description per setting. */
export function configJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as JsonSchema;
  tidy(schema);
  for (const [keyPath, description] of configDescriptions()) {
    let node: JsonSchema | undefined = schema;
    const parts = keyPath.split('.');
    for (const [i, part] of parts.entries()) {
      const child: JsonSchema | undefined = objectOf(node)?.properties?.[part];
      if (!child) break;
      if (i === parts.length - 1) child['description'] = description;
      node = child;
    }
  }
  return {
    $schema: schema['$schema'],
    title: 'gan-augment config',
    description: 'A gan-augment run: `gan-augment run <this file>`. Generated by `gan-augment schema` from the config schema; every default shown is applied when a key is left out.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
