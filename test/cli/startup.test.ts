/**
 * Commands that only read a config or a folder load no tfjs: the modules that need it are imported inside
 * the actions that train, sample or judge (src/cli/main.ts), so `--help`, `validate`, `scan`, `init`,
 * `schema`, `report` and a `run` refused for its config answer without the ~0.3 s tfjs takes to load.
 * The commands run in a fresh Node process (the built CLI's `main`, as bin/ calls it), which lists the tfjs
 * files in its require cache after each — where tfjs lands however it is loaded.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIXTURE, ROOT, tempDir } from '../helpers/tmp.js';

const CONFIG = path.join(ROOT, 'configs/quickstart.yaml');

const MARK = '@@loaded ';

/**
 * Runs `main(argv)` for each argv in turn in one fresh process; returns, for each, its exit code and the
 * tfjs files loaded by then.
 */
function loadedTfjs(argvs: string[][]): { code: number; tfjs: string[] }[] {
  const main = pathToFileURL(path.join(ROOT, 'dist/cli/main.js')).href;
  const script = `
    import { createRequire } from 'node:module';
    const { main } = await import(${JSON.stringify(main)});
    const cache = createRequire(import.meta.url).cache;
    for (const argv of ${JSON.stringify(argvs)}) {
      const code = await main(argv);
      console.log(${JSON.stringify(MARK)} + JSON.stringify({ code, tfjs: Object.keys(cache).filter((f) => f.includes('@tensorflow')) }));
    }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: ROOT });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith(MARK));
  if (r.status !== 0 || lines.length !== argvs.length) throw new Error(`child exited ${r.status}: ${r.stderr}`);
  return lines.map((l) => JSON.parse(l.slice(MARK.length)) as { code: number; tfjs: string[] });
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
    // One process, the commands one after another: a command that loaded tfjs shows in its own row and every one after it.
    const rows = loadedTfjs(cases.map(([argv]) => argv));
    cases.forEach(([argv, code], i) => expect(rows[i], argv.join(' ')).toEqual({ code, tfjs: [] }));
  });

  it('the commands that train or sample do load it (the check above would see it)', async () => {
    const [r] = loadedTfjs([['run', CONFIG, '--dry-run', '--out', path.join(await tempDir(), 'out')]]);
    expect(r!.code).toBe(0);
    expect(r!.tfjs.some((f) => f.includes(`${path.sep}tfjs-core${path.sep}`))).toBe(true);
  });
});
