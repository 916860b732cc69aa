/**
 * Commands that only read a config or a folder load no tfjs: the modules that need it are imported inside
 * the actions that train, sample or judge (src/cli/main.ts), so `--help`, `validate`, `scan`, `init`,
 * `schema`, `report` and a `run` refused for its config answer without the ~0.3 s tfjs takes to load.
 * Each command runs in its own Node process (the built CLI, as a user runs it), which then lists the
 * tfjs files in its require cache — where tfjs lands however it is loaded.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIXTURE, ROOT, tempDir } from '../helpers/tmp.js';

const CONFIG = path.join(ROOT, 'configs/quickstart.yaml');

/** Runs `main(argv)` in a fresh process; returns its exit code and the tfjs files it loaded. */
function loadedTfjs(argv: string[]): { code: number; tfjs: string[] } {
  const main = pathToFileURL(path.join(ROOT, 'dist/cli/main.js')).href;
  const script = `
    import { createRequire } from 'node:module';
    const { main } = await import(${JSON.stringify(main)});
    const code = await main(${JSON.stringify(argv)});
    const cache = createRequire(import.meta.url).cache;
    console.log(JSON.stringify({ code, tfjs: Object.keys(cache).filter((f) => f.includes('@tensorflow')) }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: ROOT });
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  if (r.status !== 0 || !last.startsWith('{')) throw new Error(`child exited ${r.status}: ${r.stderr}`);
  return JSON.parse(last) as { code: number; tfjs: string[] };
}

describe('start-up', () => {
  it('help, validate, scan, init, schema, report and a refused run load no tfjs', async () => {
    const dir = await tempDir();
    const out = path.join(dir, 'out');
    const cases: [string[], number][] = [
      [['--help'], 0],
      [['validate', CONFIG, '--out', out], 0],
      [['scan', FIXTURE], 0],
      [['init', FIXTURE, '--config', path.join(dir, 'starter.yaml')], 0],
      [['schema'], 0],
      [['report', path.join(dir, 'nothing-here')], 2],
      [['run', CONFIG, '--out', out, '--set', 'train.steps=many'], 2],
    ];
    for (const [argv, code] of cases) expect(loadedTfjs(argv), argv.join(' ')).toEqual({ code, tfjs: [] });
  });

  it('the commands that train or sample do load it (the check above would see it)', async () => {
    const r = loadedTfjs(['run', CONFIG, '--dry-run', '--out', path.join(await tempDir(), 'out')]);
    expect(r.code).toBe(0);
    expect(r.tfjs.some((f) => f.includes(`${path.sep}tfjs-core${path.sep}`))).toBe(true);
  });
});
