/**
 * Where two JSON values differ, as dotted keys (`train.lrG`) with the value on each side: what a refusal to
 * resume names, so the user learns which setting to put back instead of "a different config". Pure.
 */
import { canonicalJson } from './hash.js';

export interface Difference {
  key: string;
  /** The value on each side, as JSON (undefined where the key is absent on that side). */
  before: string | undefined;
  after: string | undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The leaves where `before` and `after` differ, in key order; arrays and other values compare whole. */
export function differences(before: unknown, after: unknown, prefix = ''): Difference[] {
  if (isRecord(before) && isRecord(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => differences(before[k], after[k], prefix ? `${prefix}.${k}` : k));
  }
  const [a, b] = [before, after].map((v) => (v === undefined ? undefined : canonicalJson(v)));
  return a === b ? [] : [{ key: prefix, before: a, after: b }];
}

/** `train.lrG 0.0002 → 0.0005; gan.arch "dcgan" → "upsample"` — at most `max`, then how many more; long values cut. */
export function differencesText(list: readonly Difference[], max = 4): string {
  const show = (v: string | undefined) => (v === undefined ? '(unset)' : v.length > 40 ? `${v.slice(0, 37)}…` : v);
  const head = list.slice(0, max).map((d) => `${d.key} ${show(d.before)} → ${show(d.after)}`);
  return `${head.join('; ')}${list.length > max ? `; and ${list.length - max} more` : ''}`;
}
