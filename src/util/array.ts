/**
 * Array helpers that work at any length. `a.push(...b)` and `Math.max(...b)` pass every element as an
 * argument, and V8 overflows the stack somewhere above ~100,000 of them ("Maximum call stack size
 * exceeded": a class with 150,000 ignored files did it). Use these for any array whose length the input
 * decides.
 */

/** Appends every element of `src` to `dst`, in order; returns `dst`. */
export function pushAll<T>(dst: T[], src: readonly T[]): T[] {
  for (const x of src) dst.push(x);
  return dst;
}

/** The largest value; -Infinity for none (as `Math.max()`); NaN if any is NaN. */
export function maxOf(values: Iterable<number>): number {
  let m = -Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) return NaN;
    if (v > m) m = v;
  }
  return m;
}

/** The smallest value; Infinity for none (as `Math.min()`); NaN if any is NaN. */
export function minOf(values: Iterable<number>): number {
  let m = Infinity;
  for (const v of values) {
    if (Number.isNaN(v)) return NaN;
    if (v < m) m = v;
  }
  return m;
}
