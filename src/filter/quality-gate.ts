/**
 * The class quality gate: a class whose kept synthetic set is too far from its real images — FID above
 * `maxFid`, KID above `maxKid` — or narrower than them — spread below `minSpread` — is flagged. Pure; what
 * a flag does (warn, or exit 3) is the caller's. Every limit is a row of {@link GATE_LIMITS}: the check,
 * its message, the summary's fields and the report's sentence all come from it.
 */
import { fellBackClasses } from '../guard/decide.js';

export interface ClassScore {
  label: string;
  /** null when it could not be computed (fewer than 2 real or kept synthetic images). */
  fid: number | null;
  kid: number | null;
  /** The kept images' spread ÷ the real images' (metrics/spread.ts); null under 2 kept images. */
  spread?: number | null;
}

/** The gate's limits, by config key under `quality`; null = no limit. */
export interface GateLimits {
  maxFid: number | null;
  maxKid: number | null;
  minSpread: number | null;
}

export interface GateResult {
  label: string;
  passed: boolean;
  /** Why it failed, one sentence each; empty when it passed. */
  reasons: string[];
}

/** One row per limit: its key, the score it reads, whether the score must stay at most or at least the limit, and how both print. */
export const GATE_LIMITS: readonly { key: keyof GateLimits; score: 'fid' | 'kid' | 'spread'; name: string; side: 'max' | 'min'; digits: number }[] = [
  { key: 'maxFid', score: 'fid', name: 'FID', side: 'max', digits: 3 },
  { key: 'maxKid', score: 'kid', name: 'KID', side: 'max', digits: 5 },
  { key: 'minSpread', score: 'spread', name: 'spread', side: 'min', digits: 3 },
];

/** The limits of a summary's gate that are set (older summaries lack the newer keys: no limit). */
function setLimits(limits: Partial<Record<keyof GateLimits, number | null>>) {
  return GATE_LIMITS.flatMap((row) => {
    const v = limits[row.key];
    return typeof v === 'number' ? [{ row, limit: v }] : [];
  });
}

/** Whether any limit is set: a gate without one checks nothing and vouches for nothing. */
export function gateHasLimits(limits: Partial<Record<keyof GateLimits, number | null>>): boolean {
  return setLimits(limits).length > 0;
}

/** "FID ≤ 30 and spread ≥ 0.7": the set limits in words. */
export function describeLimits(limits: Partial<Record<keyof GateLimits, number | null>>): string {
  return setLimits(limits)
    .map(({ row, limit }) => `${row.name} ${row.side === 'max' ? '≤' : '≥'} ${limit}`)
    .join(' and ');
}

/** Every limit's config key, for messages: "quality.maxFid, quality.maxKid, quality.minSpread". */
export const GATE_KEYS = GATE_LIMITS.map((row) => `quality.${row.key}`).join(', ');

/**
 * Checks each class against the limits. A score exactly on a limit passes; a score that could not be
 * computed is not a failure (it is reported as missing by whoever computed it).
 */
export function qualityGate(classes: readonly ClassScore[], limits: GateLimits): GateResult[] {
  const set = setLimits(limits);
  return classes.map((c) => {
    const reasons: string[] = [];
    for (const { row, limit } of set) {
      const v = c[row.score];
      if (typeof v !== 'number') continue;
      if (row.side === 'max' ? v > limit : v < limit) reasons.push(`${row.name} ${v.toFixed(row.digits)} ${row.side === 'max' ? '>' : '<'} quality.${row.key} ${limit}`);
    }
    return { label: c.label, passed: reasons.length === 0, reasons };
  });
}

/**
 * Classes that failed the gate, split by whether the manifest delivers their synthetic images: `delivered`
 * can fail a run (`quality.onFail: fail`); `withheld` are classes the guard fell back on — their images are
 * in withheld/, not in the manifest, which fills the class with its real images listed again — so their
 * figures say the generator did poorly there, not that the delivered dataset is poor.
 */
export function splitByGuard<T extends { label: string }>(failed: readonly T[], guard: { perClass?: readonly { label: string; decision: string }[] | undefined } | null | undefined): { delivered: T[]; withheld: T[] } {
  const dropped = fellBackClasses(guard);
  return { delivered: failed.filter((f) => !dropped.has(f.label)), withheld: failed.filter((f) => dropped.has(f.label)) };
}
