/**
 * The config's JSON Schema, for editors (`# yaml-language-server: $schema=…`) and `gan-augment schema`.
 * Structure, types, enums, defaults and descriptions come from the zod schema itself (`z.toJSONSchema`,
 * and each setting's `.describe()`), so there is one place to write them.
 */
import { z } from 'zod';
import { BOUNDS, LIST_BOUNDS } from './bounds.js';
import { ConfigSchema, SHORTHANDS } from './schema.js';
import { DEFAULTS } from './defaults.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; anyOf?: JsonSchema[]; allOf?: JsonSchema[] };

/** Where the schema is published inside the package, relative to the package root. */
export const SCHEMA_FILE = 'schema/config.schema.json';

interface ZodLike {
  description?: string;
  _zod: { def: { type: string; innerType?: ZodLike; in?: ZodLike; out?: ZodLike; shape?: Record<string, ZodLike> } };
}

/** What a wrapper wraps: its inner schema, a pipe's input — or its output where the input is a preprocessing function. */
function inner(s: ZodLike): ZodLike | undefined {
  const d = s._zod.def;
  if (d.innerType) return d.innerType;
  if (d.type !== 'pipe') return undefined;
  return d.in?._zod.def.type === 'transform' ? d.out : d.in;
}

/** The object inside wrappers (default, prefault, nullable, optional, a transform's input), if any. */
function unwrap(s: ZodLike): ZodLike {
  let cur = s;
  for (let i = 0; i < 10; i++) {
    const next = inner(cur);
    if (!next) break;
    cur = next;
  }
  return cur;
}

/** The description set with `.describe()` on a setting or on any wrapper around it (outermost first). */
function descriptionOf(s: ZodLike): string | undefined {
  let cur: ZodLike | undefined = s;
  for (let i = 0; cur && i < 10; i++) {
    if (cur.description) return cur.description;
    cur = inner(cur);
  }
  return undefined;
}

/** Descriptions by dotted key path (`train.steps`), read from the schema's own `.describe()` texts. */
export function configDescriptions(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (schema: ZodLike, prefix: string) => {
    const shape = unwrap(schema)._zod.def.shape;
    if (!shape) return;
    for (const [key, child] of Object.entries(shape)) {
      const p = prefix ? `${prefix}.${key}` : key;
      const d = descriptionOf(child);
      if (d) out.set(p, d);
      walk(child, p);
    }
  };
  walk(ConfigSchema as unknown as ZodLike, '');
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

/** The schema of the setting at `parts` (`['train', 'steps']`), or undefined. */
function nodeAt(schema: JsonSchema, parts: readonly string[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const part of parts) node = objectOf(node)?.properties?.[part];
  return node;
}

/** The number or integer schema in `s` (itself, or its branch of a nullable anyOf). */
function numeric(s: JsonSchema | undefined): JsonSchema | undefined {
  if (!s) return undefined;
  if (s['type'] === 'number' || s['type'] === 'integer') return s;
  return s.anyOf?.find((b) => b['type'] === 'number' || b['type'] === 'integer');
}

/** Removes zod's `maximum: Number.MAX_SAFE_INTEGER` on integers: true, but noise in an editor. */
function tidy(s: unknown): void {
  if (!s || typeof s !== 'object') return;
  const o = s as Record<string, unknown>;
  if (o['maximum'] === Number.MAX_SAFE_INTEGER) delete o['maximum'];
  if (o['minimum'] === Number.MIN_SAFE_INTEGER) delete o['minimum'];
  for (const v of Object.values(o)) tidy(v);
}

/**
 * Defaults zod leaves out of the JSON Schema — a union with a transform in it (`balance.strategy`, whose
 * imbalanced-learn spellings are rewritten) has none in `io: 'input'` — taken from DEFAULTS, the parsed
 * defaults themselves. Required keys (`input`) have none.
 */
function fillDefaults(node: JsonSchema, value: unknown): void {
  const props = node.properties;
  if (props && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const required = new Set((node['required'] as string[] | undefined) ?? []);
    for (const [k, child] of Object.entries(props)) if (!required.has(k)) fillDefaults(child, (value as Record<string, unknown>)[k]);
    return;
  }
  if (!('default' in node) && value !== undefined) node['default'] = value;
}

/** The config's JSON Schema (draft-07, what YAML editors support best), with a description per setting. */
export function configJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as JsonSchema;
  tidy(schema);
  // A section with a shorthand (`guard: warn` for `guard: {mode: warn}`) takes either form.
  for (const [key, field] of Object.entries(SHORTHANDS)) {
    const props = schema.properties!;
    const section = props[key]!;
    const short = section.properties?.[field];
    props[key] = { default: section['default'], anyOf: [{ type: 'string', enum: short?.['enum'] }, { ...section, default: undefined }] };
  }
  fillDefaults(schema, DEFAULTS);
  for (const [keyPath, description] of configDescriptions()) {
    const node = nodeAt(schema, keyPath.split('.'));
    if (node) node['description'] = description;
  }
  // The upper bounds validate checks (bounds.ts), so an editor flags `gan.latentDim: 1e9` too.
  for (const b of BOUNDS) {
    const node = numeric(nodeAt(schema, b.path));
    if (node) node['maximum'] = b.max;
  }
  for (const b of LIST_BOUNDS) {
    const node = nodeAt(schema, b.path);
    const items = numeric(node?.['items'] as JsonSchema | undefined);
    if (node) node['maxItems'] = b.maxItems;
    if (items) items['maximum'] = b.max;
  }
  return {
    $schema: schema['$schema'],
    title: 'gan-augment config',
    description: 'A gan-augment run: `gan-augment run <this file>`. Generated by `gan-augment schema` from the config schema; every default shown is applied when a key is left out.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
