/** Text helpers shared by the console and the report. */

/** `a`, `a and b`, `a, b and c`. */
export function andList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** The sentence `s` with its first letter in capitals. */
export const capitalised = (s: string): string => `${s.charAt(0).toUpperCase()}${s.slice(1)}`;

/**
 * `part` of `whole` in percent, as a whole number where that is true to it: a share that rounds to 0 or 100
 * without being either gets a decimal (`99.8`), or reads `over 99.9` / `under 0.1` — the filters keeping 4 of
 * 1,900 candidates once read "100% rejected".
 */
export function sharePercent(part: number, whole: number): string {
  const p = (100 * part) / whole;
  const whole0 = p.toFixed(0);
  if (part <= 0 || part >= whole || (whole0 !== '0' && whole0 !== '100')) return whole0;
  const one = p.toFixed(1);
  if (one !== '0.0' && one !== '100.0') return one;
  return p < 50 ? 'under 0.1' : 'over 99.9';
}

/**
 * Two shares (0–1) as percents side by side, `74.3 % vs 74.1 %`: one decimal, or as many more (up to 3) as
 * it takes for two different figures not to print the same ("65.0 % vs 65.0 %" beside "drops").
 */
export function percentPair(a: number, b: number): string {
  let digits = 1;
  while (digits < 3 && a !== b && (100 * a).toFixed(digits) === (100 * b).toFixed(digits)) digits++;
  return `${(100 * a).toFixed(digits)} % vs ${(100 * b).toFixed(digits)} %`;
}

/** Seconds left as a log line says it: `45 s`, `27 min`, `1 h 05 min`. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, '0')} min`;
}
