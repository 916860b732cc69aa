/**
 * `--log-format auto` follows stderr, where progress goes: at a terminal with stdout redirected to a file
 * (`gan-augment scan dir > plan.txt`) the user sees bars, and the file gets the table, not JSON. Run with a
 * real pseudo-terminal (python's pty module) as stderr.
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { progressMode, resolveLogFormat } from '../../src/progress.js';
import { CLI, ROOT, tempDir } from '../helpers/tmp.js';

/** Runs argv with stdout to `stdoutFile` and stderr on a pty; returns what the terminal showed. */
const PTY = `
import os, pty, subprocess, sys
out = open(sys.argv[1], 'wb')
master, slave = pty.openpty()
p = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=out, stderr=slave)
os.close(slave)
seen = b''
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
p.wait()
sys.stdout.buffer.write(seen)
sys.exit(p.returncode)
`;

describe('--log-format auto', () => {
  it('decides by stderr: bars on a terminal, JSON lines off one, whatever stdout is', () => {
    expect(resolveLogFormat('auto', true)).toBe('text');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(progressMode(false, 'auto', true)).toBe('bars');
    expect(progressMode(false, 'auto', false)).toBe('json');
    expect(progressMode(false, 'text', true)).toBe('lines');
    expect(progressMode(false, 'json', true)).toBe('json');
    expect(progressMode(true, 'auto', true)).toBe('quiet');
    // --quiet keeps the warnings, in the log format: JSON lines off a terminal or when asked.
    expect(progressMode(true, 'auto', false)).toBe('quiet-json');
    expect(progressMode(true, 'json', true)).toBe('quiet-json');
    expect(progressMode(true, 'text', false)).toBe('quiet');
  });

  it('`scan dir > plan.txt` at a terminal shows bars on the terminal and writes the table to the file', async () => {
    const file = path.join(await tempDir(), 'plan.txt');
    const r = spawnSync('python3', ['-c', PTY, file, process.execPath, CLI, 'scan', path.join(ROOT, 'fixtures/fmnist-tiny')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const terminal = r.stdout;
    expect(terminal).toMatch(/decode\s+\[/);
    expect(terminal).not.toContain('{"event"');
    const plan = await readFile(file, 'utf8');
    expect(plan).toMatch(/^class\s+images\s+target\s+deficit$/m);
    expect(plan).not.toContain('{');
  });
});
