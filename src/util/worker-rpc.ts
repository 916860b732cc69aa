/**
 * Requests to a worker thread and their replies: one protocol for the sampler threads (generate/) and the
 * classifier threads (evaluate/), which each start with a copy of this thread's backend and state, say when
 * they are ready, and answer requests in order, with progress on the way.
 *
 * A thread that fails before it is ready rejects `ready` and sets `startError` (the caller then does its
 * work elsewhere); a failure of the thread (an error event, an exit, a failure outside a request), before
 * or after, rejects every request it holds and every later one; a failed request rejects that request
 * only. Nothing hangs on a thread that died or was closed.
 */
import { parentPort, type Worker } from 'node:worker_threads';
import { InternalError } from '../errors.js';

/** What the thread that asks sends: a request under its id. */
export interface RpcRequest<Req> {
  id: number;
  request: Req;
}

/** What a worker thread answers. */
export type RpcReply<Res, Prog> =
  | { type: 'ready' }
  | { type: 'progress'; id: number; progress: Prog }
  | { type: 'done'; id: number; value: Res }
  | { type: 'error'; id: number | null; message: string };

interface Waiting<Res, Prog> {
  resolve: (value: Res) => void;
  reject: (err: Error) => void;
  onProgress: ((progress: Prog) => void) | undefined;
}

/** The asking side of one worker thread. */
export class RpcWorker<Req, Res, Prog = never> {
  /** Resolves once the thread has started; rejects (and is handled) if it does not. */
  readonly ready: Promise<void>;
  /** Why the thread did not start, once it did not. */
  startError: Error | null = null;
  private started = false;
  private nextId = 0;
  private readonly waiting = new Map<number, Waiting<Res, Prog>>();
  private failed: Error | null = null;
  private closed: Promise<void> | null = null;
  private notReady: (err: Error) => void = () => {};

  /** `name` names the thread in errors ("sampler thread 1"). */
  constructor(private readonly worker: Worker, private readonly name: string) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.notReady = (err) => {
        if (this.started) return;
        this.startError ??= err;
        reject(err);
      };
      worker.on('message', (m: RpcReply<Res, Prog>) => {
        if (m.type === 'ready') {
          this.started = true;
          resolve();
        } else if (m.type === 'progress') this.waiting.get(m.id)?.onProgress?.(m.progress);
        else if (m.type === 'done') this.settle(m.id, null, m.value);
        else if (m.id !== null) this.settle(m.id, new InternalError(`${this.name} failed: ${m.message}`));
        else this.lost(this.started ? `failed: ${m.message}` : `failed to start: ${m.message}`);
      });
      worker.on('error', (err) => this.lost(`failed: ${err.message}`));
      worker.on('exit', (code) => this.lost(`stopped (exit code ${code})`));
    });
    // Callers that do not wait for the start learn of it through `startError`, not an unhandled rejection.
    this.ready.catch(() => {});
  }

  /** True once the thread has started (whatever happened since). */
  get hasStarted(): boolean {
    return this.started;
  }

  /**
   * Sends `request` (moving the buffers in `transfer`) and resolves with the thread's answer; `onProgress`
   * hears what the thread reports on the way.
   * @throws {InternalError} when the request or the thread fails
   */
  call(request: Req, transfer: ArrayBuffer[] = [], onProgress?: (progress: Prog) => void): Promise<Res> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    const answer = new Promise<Res>((resolve, reject) => this.waiting.set(id, { resolve, reject, onProgress }));
    this.worker.postMessage({ id, request } satisfies RpcRequest<Req>, transfer);
    return answer;
  }

  /** Ends every request in hand (and the start, if it is still to come) with `err`, and the thread with them. */
  stop(err: Error): void {
    this.notReady(err);
    this.fail(err);
    void this.close();
  }

  /** Ends the thread; a request still in hand, or sent after, fails. */
  close(): Promise<void> {
    if (!this.closed) {
      this.fail(new InternalError(`${this.name} was stopped`));
      this.closed = this.worker.terminate().then(() => {});
    }
    return this.closed;
  }

  private lost(why: string): void {
    if (this.closed) return;
    const err = new InternalError(`${this.name} ${why}`);
    this.notReady(err);
    this.fail(err);
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const id of [...this.waiting.keys()]) this.settle(id, err);
  }

  private settle(id: number, err: Error | null, value?: Res): void {
    const w = this.waiting.get(id);
    if (!w) return;
    this.waiting.delete(id);
    if (err) w.reject(err);
    else w.resolve(value as Res);
  }
}

/**
 * The answering side, run in the worker thread: says it is ready once `state` resolves (or why not), then
 * answers each request in turn with `handle`, which returns its answer and the buffers to move with it.
 */
export function serveRequests<S, Req, Res, Prog = never>(
  state: Promise<S>,
  handle: (state: S, request: Req, progress: (p: Prog) => void) => Promise<{ value: Res; transfer?: ArrayBuffer[] }>,
): void {
  const port = parentPort!;
  const post = (m: RpcReply<Res, Prog>, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
  const message = (err: unknown) => (err as Error)?.message ?? String(err);
  state.then(
    () => post({ type: 'ready' }),
    (err) => post({ type: 'error', id: null, message: message(err) }),
  );
  let queue: Promise<void> = Promise.resolve();
  port.on('message', ({ id, request }: RpcRequest<Req>) => {
    queue = queue.then(async () => {
      try {
        const { value, transfer } = await handle(await state, request, (progress) => post({ type: 'progress', id, progress }));
        post({ type: 'done', id, value }, transfer);
      } catch (err) {
        post({ type: 'error', id, message: message(err) });
      }
    });
  });
}
