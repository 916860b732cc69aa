import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './tmp.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Killed after this long: a CLI still running when vitest gives up on its test (testTimeout, 120 s)
 * would otherwise outlive the test and hold a core for the rest of the suite.
 */
const KILL_AFTER_MS = 115_000;

/** Runs the built CLI as a child process (no TTY: plain progress lines). */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; killAfterMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\n[runCli: killed after ${(options.killAfterMs ?? KILL_AFTER_MS) / 1000} s]`;
      child.kill('SIGKILL');
    }, options.killAfterMs ?? KILL_AFTER_MS);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Spawns the CLI and resolves when a stderr line matches `until` (or it exits). */
export function start(args: string[], until: RegExp): { child: ChildProcess; ready: Promise<void>; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (until.test(stderr)) markReady();
  });
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => {
      markReady();
      resolve({ code, stdout, stderr });
    }),
  );
  return { child, ready, done };
}
