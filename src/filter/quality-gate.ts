/**
 * The class quality gate: a class whose kept synthetic set is too far from its real images — FID above
 * `maxFid` or KID above `maxKid` — is flagged. Pure; what a flag does (warn, or exit 3) is the caller's.
 */

export interface ClassScore {
  label: string;
  /** null when it could not be computed (fewer than 2 real or kept synthetic images). */
  fid: number | null;
  kid: number | null;
}

export interface GateLimits {
  /** null = no limit. */
  maxFid: number | null;
  maxKid: number | null;
}

export interface GateResult {
  label: string;
  passed: boolean;
  /** Why it failed, one sentence each; empty when it passed. */
  reasons: string[];
}

/**
 * Checks each class against the limits. A score exactly on a limit passes; a score that could not be
 * computed is not a failure (it is reported as missing by whoever computed it).
 */
export function qualityGate(classes: readonly ClassScore[], limits: GateLimits): GateResult[] {
  return classes.map((c) => {
    const reasons: string[] = [];
    if (limits.maxFid !== null && c.fid !== null && c.fid > limits.maxFid) reasons.push(`FID ${c.fid.toFixed(3)} > quality.maxFid ${limits.maxFid}`);
    if (limits.maxKid !== null && c.kid !== null && c.kid > limits.maxKid) reasons.push(`KID ${c.kid.toFixed(5)} > quality.maxKid ${limits.maxKid}`);
    return { label: c.label, passed: reasons.length === 0, reasons };
  });
}
