/**
 * Arrays whose length the input decides must never be spread into arguments: `a.push(...b)` and
 * `Math.max(...b)` overflow the stack past ~100,000 elements ("Maximum call stack size exceeded").
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import fg from 'fast-glob';
import { describe, expect, it } from 'vitest';
import { maxOf, minOf, pushAll } from '../../src/util/array.js';
import { ROOT } from '../helpers/tmp.js';

describe('array helpers at any length', () => {
  it('push, max and min over 500,000 elements', () => {
    const big = Array.from({ length: 500_000 }, (_, i) => (i * 7919) % 500_000);
    expect(pushAll([-1], big)).toHaveLength(500_001);
    expect(maxOf(big)).toBe(499_999);
    expect(minOf(big)).toBe(0);
    expect([maxOf([]), minOf([]), maxOf([1, NaN]), minOf([NaN, 1])]).toEqual([-Infinity, Infinity, NaN, NaN]);
  });

  it('no spread into push, unshift, Math.max or Math.min anywhere in src/', async () => {
    const files = await fg('src/**/*.ts', { cwd: ROOT });
    const found: string[] = [];
    for (const f of files) {
      (await readFile(path.join(ROOT, f), 'utf8')).split('\n').forEach((line, i) => {
        if (/^\s*(\*|\/\/)/.test(line)) return;
        if (/\.(push|unshift)\(\s*\.\.\.|Math\.(max|min)\(\s*\.\.\./.test(line)) found.push(`${f}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(found).toEqual([]);
  });
});
