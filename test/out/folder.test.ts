import { spawnSync } from 'node:child_process';
import { access, mkdir, readFile, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { acquireLock, claimOut, OUT_LOCK, OUT_MARKER, removeOwned } from '../../src/out/folder.js';
import { lockProblem } from '../../src/out/lock.js';
import { tempDir } from '../helpers/tmp.js';

const exists = (p: string) => access(p).then(() => true, () => false);
/** The pid of a process that has exited. */
const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid;

describe('out folder lock', () => {
  it('is exclusive, names its holder, and is gone after release', async () => {
    const dir = await tempDir();
    const lock = await acquireLock(dir);
    const held = JSON.parse(await readFile(path.join(dir, OUT_LOCK), 'utf8'));
    expect(held).toMatchObject({ pid: process.pid, host: os.hostname() });
    // Held by this very process: still held (a second run in one process must not take it).
    await expect(acquireLock(dir)).rejects.toThrow(`locked by another gan-augment run (pid ${process.pid} on ${os.hostname()}`);
    // What validate reports for it, without taking it.
    expect(await lockProblem(dir)).toContain(`out: ${dir} is locked by another gan-augment run (pid ${process.pid}`);
    await lock.release();
    expect(await exists(path.join(dir, OUT_LOCK))).toBe(false);
    expect(await lockProblem(dir)).toBeNull();
    const again = await acquireLock(dir);
    expect(again.tookOver).toBeNull();
    await again.release();
  });

  it('takes over a stale lock of a dead process on this host, with a warning', async () => {
    const dir = await tempDir();
    const stale = { pid: deadPid(), host: os.hostname(), started: '2020-01-01T00:00:00.000Z', command: 'run' };
    await writeFile(path.join(dir, OUT_LOCK), JSON.stringify(stale));
    await writeFile(path.join(dir, OUT_MARKER), '');
    const warnings: string[] = [];
    const lock = await claimOut(dir, { force: false, emit: (e) => e.type === 'warn' && warnings.push(e.message) });
    expect(lock.tookOver).toEqual(stale);
    expect(warnings.join()).toContain(`left by pid ${stale.pid}`);
    expect(JSON.parse(await readFile(path.join(dir, OUT_LOCK), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('respects a lock from another host (a shared volume) and an unreadable one', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, OUT_LOCK), JSON.stringify({ pid: deadPid(), host: 'elsewhere.example', started: 'x', command: 'run' }));
    const err = await acquireLock(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toContain('on elsewhere.example');
    expect((err as UserError).problems.join()).toContain(`delete ${path.join(dir, OUT_LOCK)}`);
    await writeFile(path.join(dir, OUT_LOCK), '{half');
    await expect(acquireLock(dir)).rejects.toThrow('an unreadable lock');
  });

  it('a lock with this pid and host that this process did not take is a previous process\'s (a container restarted with its old pid)', async () => {
    const dir = await tempDir();
    const previous = { pid: process.pid, host: os.hostname(), started: '2020-01-01T00:00:00.000Z', command: 'run', heartbeatMs: 10_000 };
    await writeFile(path.join(dir, OUT_LOCK), JSON.stringify(previous));
    const lock = await acquireLock(dir);
    expect(lock.tookOver).toEqual(previous);
    await lock.release();
  });

  it('touches its lock while held, and takes over another host\'s lock only once it stayed untouched for the lease', async () => {
    const dir = await tempDir();
    const file = path.join(dir, OUT_LOCK);
    const mine = await acquireLock(dir, { heartbeatMs: 40 });
    expect(JSON.parse(await readFile(file, 'utf8')).heartbeatMs).toBe(40);
    const before = (await stat(file)).mtimeMs;
    await new Promise((r) => setTimeout(r, 200));
    expect((await stat(file)).mtimeMs).toBeGreaterThan(before);
    await mine.release();

    // Another host's run, alive: it touches its lock while we watch — refused (untouched for the lease, it would have been taken over).
    const other = { pid: deadPid(), host: 'elsewhere.example', started: 'x', command: 'run', heartbeatMs: 40 };
    await writeFile(file, JSON.stringify(other));
    const touching = setInterval(() => void utimes(file, new Date(), new Date()), 40);
    const waited: number[] = [];
    const err = await acquireLock(dir, { leaseMs: 5000, heartbeatMs: 40, onWait: (_h, lease) => waited.push(lease) }).catch((e: unknown) => e);
    clearInterval(touching);
    expect((err as Error).message).toContain('locked by another gan-augment run (pid');
    expect(waited).toEqual([5000]);
    // The same lock left untouched for the lease: its run died; taken over.
    const lock = await acquireLock(dir, { leaseMs: 300, heartbeatMs: 40 });
    expect(lock.tookOver).toEqual(other);
    await lock.release();
  });

  it('claimOut refuses a non-empty folder it did not make unless forced, and an out inside the input', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'precious.txt'), 'keep');
    await expect(claimOut(dir, { force: false })).rejects.toThrow('out: folder ' + dir + ' is not empty and was not made by gan-augment');
    expect(await exists(path.join(dir, OUT_LOCK))).toBe(false);
    const forced = await claimOut(dir, { force: true });
    expect(await exists(path.join(dir, OUT_MARKER))).toBe(true);
    await forced.release();
    const input = await tempDir();
    await mkdir(path.join(input, 'a'));
    await expect(claimOut(path.join(input, 'out'), { force: false, input })).rejects.toThrow('is inside the input folder');
    await expect(claimOut(input, { force: true, input })).rejects.toThrow('is the input folder');
  });
});

describe('removeOwned: the one guarded recursive delete', () => {
  it('removes a folder of the layout that gan-augment made, and nothing it did not make', async () => {
    const out = await tempDir();
    await (await claimOut(out, { force: false })).release();
    await mkdir(path.join(out, 'synthetic', 'coat'), { recursive: true });
    await writeFile(path.join(out, 'synthetic', 'coat', 'a.png'), 'x');
    await removeOwned(out, path.join(out, 'synthetic'));
    expect(await exists(path.join(out, 'synthetic'))).toBe(false);
    // Not a folder of the layout, and the out folder itself: refused.
    await mkdir(path.join(out, 'mine'));
    await expect(removeOwned(out, path.join(out, 'mine'))).rejects.toThrow('is not a folder of the out layout');
    await expect(removeOwned(out, out)).rejects.toThrow('is not below the out folder');
    expect(await exists(path.join(out, 'mine'))).toBe(true);
  });

  it('keeps a layout folder that was there before gan-augment took the folder over', async () => {
    const out = await tempDir();
    await mkdir(path.join(out, 'rejected'));
    await writeFile(path.join(out, 'rejected', 'keep.txt'), 'mine');
    // --force reuses a foreign folder, but refuses one holding a folder gan-augment would empty.
    await expect(claimOut(out, { force: true })).rejects.toThrow('rejected/ in');
    // Even with a ledger written by hand that does not list it, nothing is deleted.
    await writeFile(path.join(out, OUT_MARKER), JSON.stringify({ tool: 'gan-augment', version: 'x', owned: ['synthetic'], inputs: [] }));
    await expect(removeOwned(out, path.join(out, 'rejected'))).rejects.toThrow('was not made by gan-augment');
    expect(await readFile(path.join(out, 'rejected', 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('never follows a symlinked folder out of the out folder, nor deletes an input', async () => {
    const root = await tempDir();
    const input = path.join(root, 'input');
    await mkdir(path.join(input, 'coat'), { recursive: true });
    await writeFile(path.join(input, 'coat', 'a.png'), 'real');
    const out = path.join(root, 'out');
    await (await claimOut(out, { force: false, input })).release();
    // A link planted where gan-augment's own folder goes, pointing into the input.
    await symlink(input, path.join(out, 'train'));
    await expect(removeOwned(out, path.join(out, 'train', 'coat'))).rejects.toThrow('outside the out folder');
    await expect(removeOwned(out, path.join(out, 'train'))).rejects.toThrow('overlaps the input folder');
    expect(await readFile(path.join(input, 'coat', 'a.png'), 'utf8')).toBe('real');
  });
});
