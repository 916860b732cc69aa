/**
 * Requests to a worker thread (util/worker-rpc.ts), through real worker threads running the built module:
 * answers and progress in order, a failed request apart from its thread, and no hang on a thread that does
 * not start, dies, or is closed.
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { InternalError } from '../../src/errors.js';
import { RpcWorker } from '../../src/util/worker-rpc.js';

// The worker side runs from dist/ (`npm test` builds it first), as the product's workers do.
const built = pathToFileURL(path.resolve('dist/util/worker-rpc.js')).href;

type Req = { op: 'square' | 'throw' | 'exit' | 'wait'; n: number };

/** A worker whose state is `start` (a JS expression for a promise) and which squares numbers, reporting 1..n as progress. */
function spawn(start = 'Promise.resolve(10)'): RpcWorker<Req, number, number> {
  const code = `
    import(${JSON.stringify(built)}).then(({ serveRequests }) => serveRequests(${start}, async (base, req, progress) => {
      if (req.op === 'throw') throw new Error('no ' + req.n);
      if (req.op === 'exit') process.exit(7);
      if (req.op === 'wait') await new Promise(() => {});
      for (let i = 1; i <= req.n; i++) progress(i);
      return { value: base + req.n * req.n };
    }));`;
  return new RpcWorker(new Worker(code, { eval: true }), 'test thread 1');
}

const open: RpcWorker<Req, number, number>[] = [];
const started = (start?: string) => {
  const w = spawn(start);
  open.push(w);
  return w;
};
afterEach(async () => {
  await Promise.all(open.splice(0).map((w) => w.close()));
});

describe('RpcWorker and serveRequests', () => {
  it('answers requests in flight together, each with its own progress, with the state the thread started with', async () => {
    const w = started();
    await w.ready;
    expect(w.hasStarted).toBe(true);
    const seen: Record<number, number[]> = { 2: [], 3: [] };
    const answers = await Promise.all([2, 3].map((n) => w.call({ op: 'square', n }, [], (p) => seen[n]!.push(p))));
    expect(answers).toEqual([14, 19]);
    expect(seen).toEqual({ 2: [1, 2], 3: [1, 2, 3] });
  });

  it('a request that fails rejects that request only; the thread answers the next', async () => {
    const w = started();
    await w.ready;
    await expect(w.call({ op: 'throw', n: 4 })).rejects.toThrow(new InternalError('test thread 1 failed: no 4'));
    await expect(w.call({ op: 'square', n: 1 })).resolves.toBe(11);
  });

  it('a thread that does not start rejects ready with why, and every request', async () => {
    const w = started("Promise.reject(new Error('no backend'))");
    await expect(w.ready).rejects.toThrow('test thread 1 failed to start: no backend');
    expect(w.hasStarted).toBe(false);
    expect(w.startError?.message).toBe('test thread 1 failed to start: no backend');
    await expect(w.call({ op: 'square', n: 1 })).rejects.toThrow(/failed to start/);
  });

  it('a thread that dies fails the request in hand and every later one, not a hang', async () => {
    const w = started();
    await w.ready;
    // Requests are answered in turn: the one behind the exit is still in hand when the thread ends.
    const exit = w.call({ op: 'exit', n: 0 });
    const behind = w.call({ op: 'square', n: 2 });
    await expect(exit).rejects.toThrow('test thread 1 stopped (exit code 7)');
    await expect(behind).rejects.toThrow('test thread 1 stopped (exit code 7)');
    await expect(w.call({ op: 'square', n: 1 })).rejects.toThrow(/exit code 7/);
    expect(w.startError).toBeNull();
  });

  it('close fails the request in hand and later ones; stop before the start rejects ready with its error', async () => {
    const w = started();
    await w.ready;
    const inHand = expect(w.call({ op: 'wait', n: 0 })).rejects.toThrow('test thread 1 was stopped');
    await w.close();
    await inHand;
    await expect(w.call({ op: 'square', n: 1 })).rejects.toThrow('was stopped');

    const early = started('new Promise(() => {})');
    const why = new Error('interrupted');
    early.stop(why);
    await expect(early.ready).rejects.toBe(why);
    expect(early.startError).toBe(why);
  });
});
