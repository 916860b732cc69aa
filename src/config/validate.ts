/**
 * Pure validation: a parsed YAML value (plus where each key stands in the file) → the resolved config, or
 * every problem at once. No file I/O here; see `load.ts`.
 */
import type { z } from 'zod';
import { pushAll } from '../util/array.js';
import { closest, didYouMean } from '../util/closest.js';
import { boundProblems, tensorProblems } from './bounds.js';
import { AUTO_DECODE } from './defaults.js';
import { ConfigSchema, type ParsedConfig } from './schema.js';

/** Where a key path stands in its source: a YAML line, or a `--set` flag. */
export type Locate = (path: (string | number)[]) => string | undefined;

export type ValidationResult = { ok: true; config: ParsedConfig; warnings: string[] } | { ok: false; problems: string[] };

/**
 * Validates a whole config and reports every problem, each prefixed by its key path and location.
 */
export function validateConfig(value: unknown, locate: Locate = () => undefined): ValidationResult {
  const parsed = ConfigSchema.safeParse(value ?? {}, { reportInput: true });
  // Upper bounds (bounds.ts) are checked on the raw values too, so they come with the type problems at once.
  const bounded = (p: { path: (string | number)[]; message: string; received: unknown }) => `${label(p.path, locate)}: ${p.message}, received ${describe(p.received)}`;
  const tooBig = boundProblems(value).map(bounded);
  if (!parsed.success) {
    const problems = parsed.error.issues.flatMap((issue) => formatIssue(issue, value, locate));
    return { ok: false, problems: byLine([...problems, ...tooBig.filter((t) => !problems.some((p) => p.startsWith(t.slice(0, t.indexOf(':')))))]) };
  }
  // `auto` decode settings are checked at the largest size and channels they can resolve to.
  const { size, channels } = parsed.data.decode;
  const sized = { ...parsed.data, decode: { size: size === 'auto' ? AUTO_DECODE.maxSize : size, channels: channels === 'auto' ? 3 : channels } };
  if (tooBig.length === 0) pushAll(tooBig, tensorProblems(sized).map(bounded));
  if (tooBig.length > 0) return { ok: false, problems: byLine(tooBig) };
  return { ok: true, config: parsed.data, warnings: ignoredSettings(parsed.data, locate) };
}

/** Settings the chosen mode has no use for, each keyed: the run goes on without them, and says so. */
function ignoredSettings(c: ParsedConfig, locate: Locate): string[] {
  const out: string[] = [];
  if (c.generate.from !== null) {
    // Imported candidates: no GAN is trained or sampled, so its settings that differ from the defaults do nothing.
    if (c.gan.mode !== 'shared') out.push(`${label(['gan', 'mode'], locate)}: ignored under generate.from (no GAN is trained; the candidates come from ${c.generate.from}), received "${c.gan.mode}"`);
    if (c.generate.anchor.sigma !== null) out.push(`${label(['generate', 'anchor', 'sigma'], locate)}: ignored under generate.from (no generator to fit latents to), received ${c.generate.anchor.sigma}`);
    return out;
  }
  if (c.gan.mode === 'translate' && c.generate.anchor.sigma !== null) {
    out.push(`${label(['generate', 'anchor', 'sigma'], locate)}: ignored under gan.mode translate (a translator translates real images; it has no latents to fit), received ${c.generate.anchor.sigma}`);
  }
  return out;
}

/** Unknown keys listed per map before "… and N more": a file of 40,000 typos needs no 40,000-line answer. */
const UNKNOWN_KEYS_LISTED = 20;

/** File order first (by YAML line), then flag overrides, so the list reads like the file. */
function byLine(problems: string[]): string[] {
  const line = (p: string) => Number(/\(line (\d+)\)/.exec(p)?.[1] ?? Infinity);
  return problems.map((p, i) => ({ p, i, line: line(p) })).sort((a, b) => a.line - b.line || a.i - b.i).map((x) => x.p);
}

/** `key.path (line 12)`: a key path and where it stands. */
export function label(path: (string | number)[], locate: Locate): string {
  const key = path.length ? path.join('.') : '(config)';
  const where = locate(path);
  return where ? `${key} (${where})` : key;
}

function formatIssue(issue: z.core.$ZodIssue, root: unknown, locate: Locate): string[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys') {
    // Each key is compared with the few known ones only: linear in the number of unknown keys.
    const known = knownKeys(path);
    const listed = issue.keys.slice(0, UNKNOWN_KEYS_LISTED).map((key) => {
      const hint = closest(key, known);
      return `${label([...path, key], locate)}: unknown key${hint ? `; did you mean "${hint}"?` : ''} (known: ${known.join(', ')})`;
    });
    const more = issue.keys.length - listed.length;
    return more > 0 ? [...listed, `${path.length ? path.join('.') : '(config)'}: … and ${more} more unknown keys`] : listed;
  }
  // A union where one branch took the value's shape and failed only inside it (a target map with one
  // bad count): that branch's own problems, keyed, say more than the union's list of what it accepts.
  if (issue.code === 'invalid_union') {
    const inside = issue.errors.filter((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
    if (inside.length === 1) return inside[0]!.flatMap((i) => formatIssue({ ...i, path: [...issue.path, ...i.path] }, root, locate));
  }
  const input = 'input' in issue ? issue.input : valueAt(root, path);
  if (input === undefined) return [`${label(path, locate)}: required, ${issue.message}`];
  // A misspelt choice ("shred" for "shared"): the nearest of the values it could be.
  const valueIssues = issue.code === 'invalid_value' ? [issue] : issue.code === 'invalid_union' ? issue.errors.flat().filter((i) => i.code === 'invalid_value') : [];
  const choices = valueIssues.flatMap((i) => i.values).filter((v): v is string => typeof v === 'string');
  const hint = typeof input === 'string' && choices.length > 0 ? didYouMean(input, choices, 'aside') : '';
  return [`${label(path, locate)}: ${issue.message}, received ${describe(input)}${hint}`];
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return String(v);
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** Keys allowed at a path of the schema (for "did you mean"). */
function knownKeys(path: (string | number)[]): string[] {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let s: any = ConfigSchema;
  for (const p of path) {
    while (s?.def?.innerType) s = s.def.innerType;
    s = s?.shape?.[p];
  }
  while (s?.def?.innerType) s = s.def.innerType;
  return s?.shape ? Object.keys(s.shape) : [];
}
