import type { NativeAddon } from '../../src/backend/native.js';

type Method = (...args: never[]) => unknown;

/**
 * Counts the calls of one of the addon's methods (the real method still runs; they are plain writable
 * properties for this) until `restore()`: a test that a path really goes through the native BLAS.
 */
export function countCalls(addon: NativeAddon, name: keyof NativeAddon): { count: () => number; restore: () => void } {
  const methods = addon as unknown as Record<string, Method>;
  const original = methods[name]!;
  let calls = 0;
  methods[name] = (...args: never[]) => {
    calls++;
    return original.apply(addon, args);
  };
  return { count: () => calls, restore: () => void (methods[name] = original) };
}
