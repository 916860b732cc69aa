/**
 * The FID/KID reference vectors in fixtures/metrics/ (feature matrices as little-endian float32 files and
 * the values numpy/scipy computed for them, in expected.json), loaded once for the metric tests.
 */
import { readFileSync } from 'node:fs';
import type { FeatureMatrix } from '../../src/metrics/stats.js';

const FIXTURES = new URL('../../fixtures/metrics/', import.meta.url);

export interface ReferenceCase {
  name: string;
  dims: number;
  a: { file: string; rows: number };
  b: { file: string; rows: number };
  fid: number;
  fid_same: number;
  kid: number;
}

function load(file: string, rows: number, dims: number): FeatureMatrix {
  const bytes = readFileSync(new URL(file, FIXTURES));
  const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4).slice();
  if (data.length !== rows * dims) throw new Error(`fixtures/metrics/${file}: expected ${rows}×${dims} floats, found ${data.length}`);
  return { data, rows, dims };
}

/** expected.json's top-level fields and each case with its two matrices loaded. */
export function referenceCases() {
  const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURES), 'utf8')) as { kid: string; cases: ReferenceCase[] };
  return { ...expected, cases: expected.cases.map((c) => ({ ...c, ma: load(c.a.file, c.a.rows, c.dims), mb: load(c.b.file, c.b.rows, c.dims) })) };
}
