#!/usr/bin/env node
/**
 * Builds the optional native kernels (build/Release/gan_augment_native.node) with node-gyp. Run by
 * gan-augment's `install` script and by `npm run build:native`. It never fails the install: without a
 * compiler, node-gyp or Node's headers it prints one line saying why and exits 0, and gan-augment runs
 * on plain wasm as before. BLAS is not needed to build (the addon loads it at run time).
 *
 * GAN_AUGMENT_NATIVE=0 skips the build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const say = (msg) => console.error(`gan-augment native kernels: ${msg}`);

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.resolve(process.execPath, '../../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
    path.resolve(process.execPath, '../node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  return candidates.find((p) => p && existsSync(p));
}

/** Node's own headers (node-gyp would otherwise try to download them, which fails offline). */
function nodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const prefix = path.resolve(process.execPath, '../..');
  return existsSync(path.join(prefix, 'include/node/node_api.h')) ? prefix : undefined;
}

function main() {
  if (process.env.GAN_AUGMENT_NATIVE === '0') return say('skipped (GAN_AUGMENT_NATIVE=0); training runs on wasm');
  if (!existsSync(path.join(here, 'binding.gyp'))) return say('sources not present; training runs on wasm');
  const gyp = nodeGyp();
  if (!gyp) return say('not built: node-gyp not found; training runs on wasm');
  const dir = nodeDir();
  const args = [gyp, 'rebuild', ...(dir ? [`--nodedir=${dir}`] : [])];
  const r = spawnSync(process.execPath, args, { cwd: here, encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0) return say('built (BLAS is loaded at run time: libopenblas0 on Linux, Accelerate on macOS)');
  const tail = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').filter((l) => /error|ERR!/i.test(l)).slice(0, 3).join(' | ');
  say(`not built (${r.error?.message ?? `node-gyp exited ${r.status}`}${tail ? `: ${tail}` : ''}); training runs on wasm`);
}

try {
  main();
} catch (err) {
  say(`not built (${err instanceof Error ? err.message : err}); training runs on wasm`);
}
process.exitCode = 0;
