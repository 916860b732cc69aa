/**
 * Help as a user reads it: every command has an Examples section, enums list their choices, defaults are
 * shown as typed values. In one process (the CLI's own `main`), so nine help screens cost one start-up.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';

const write = process.stdout.write.bind(process.stdout);
afterEach(() => {
  process.stdout.write = write;
});

async function help(cmd: string): Promise<{ code: number; text: string }> {
  let text = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await main([cmd, '--help']), text };
  } finally {
    process.stdout.write = write;
  }
}

describe('--help', () => {
  it.each(['run', 'scan', 'validate', 'report', 'evaluate', 'generate', 'merge', 'init', 'schema'])('%s has an Examples section', async (cmd) => {
    const h = await help(cmd);
    expect(h.code).toBe(0);
    expect(h.text).toContain(`Examples:\n  $ gan-augment ${cmd}`);
  });

  it('shows choices and typed defaults', async () => {
    const ev = (await help('evaluate')).text;
    expect(ev).toMatch(/--seeds <n>[\s\S]*\(default: 5\)/);
    expect(ev).toMatch(/--tau <x>.*\(default: 1\)$/m); // a number, not "1"
    expect(ev).not.toMatch(/default: "\d/);
    expect(ev).toMatch(/choices:\s+"auto",\s+"node-gpu",\s+"node",\s+"native",\s+"wasm",\s+"cpu",\s+default:\s+"auto"/);
    expect((await help('run')).text).toMatch(/--log-format <format>[\s\S]*choices:\s+"auto",\s+"text",\s+"json",\s+default:\s+"auto"/);
  });
});
