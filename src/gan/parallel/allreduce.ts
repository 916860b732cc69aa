/**
 * Summing Float32Arrays across the replicas of one data-parallel training job, through shared memory.
 *
 * Every replica calls `sum` with arrays of the same length, in the same order: each writes its array into
 * its own slot, waits at a barrier until all have written, then adds the slots in rank order — so every
 * replica gets bit-identical sums (the same additions in the same order) and replicas that start equal
 * stay equal. Slots alternate between two banks from one call to the next, so a replica that runs ahead
 * cannot overwrite a slot another is still reading (to write the bank again it must pass the next
 * barrier, which the slower one reaches only after reading).
 *
 * Blocking with Atomics.wait is allowed on Node's main thread too. A replica that fails calls `abort`,
 * which wakes the others with an error instead of leaving them waiting; a replica that dies without
 * aborting is caught by the wait's time-out.
 */
import { InternalError } from '../../errors.js';

/** Control words at the start of the buffer. */
const ARRIVED = 0;
const GENERATION = 1;
const ABORTED = 2;
const CONTROL_WORDS = 4;

/** The shared buffer and its shape: what a worker needs to join (structured-cloneable). */
export interface ReduceChannel {
  buffer: SharedArrayBuffer;
  replicas: number;
  /** Floats per slot: the longest array `sum` accepts. */
  capacity: number;
}

export function createChannel(replicas: number, capacity: number): ReduceChannel {
  if (!Number.isInteger(replicas) || replicas < 1) throw new InternalError(`createChannel: replicas must be a positive integer, got ${replicas}`);
  const bytes = CONTROL_WORDS * 4 + 2 * replicas * capacity * 4;
  return { buffer: new SharedArrayBuffer(bytes), replicas, capacity };
}

export class ReplicaAbortedError extends InternalError {}

export class AllReduce {
  private readonly control: Int32Array;
  private readonly slots: Float32Array;
  private bank = 0;

  constructor(
    readonly channel: ReduceChannel,
    readonly rank: number,
    /** How long to wait for the others at a barrier before giving up. */
    private readonly timeoutMs = 300_000,
  ) {
    if (rank < 0 || rank >= channel.replicas) throw new InternalError(`AllReduce: rank ${rank} outside 0..${channel.replicas - 1}`);
    this.control = new Int32Array(channel.buffer, 0, CONTROL_WORDS);
    this.slots = new Float32Array(channel.buffer, CONTROL_WORDS * 4, 2 * channel.replicas * channel.capacity);
  }

  get replicas(): number {
    return this.channel.replicas;
  }

  /** The element-wise sum of every replica's `local` (same length on all), identical on every replica. */
  sum(local: Float32Array): Float32Array {
    const { replicas, capacity } = this.channel;
    if (local.length > capacity) throw new InternalError(`AllReduce.sum: ${local.length} values exceed the channel's capacity of ${capacity}`);
    if (replicas === 1) return local.slice();
    const base = this.bank * replicas * capacity;
    this.slots.set(local, base + this.rank * capacity);
    this.barrier();
    const out = new Float32Array(local.length);
    for (let r = 0; r < replicas; r++) {
      const slot = this.slots.subarray(base + r * capacity, base + r * capacity + local.length);
      for (let i = 0; i < out.length; i++) out[i]! += slot[i]!;
    }
    this.bank ^= 1;
    return out;
  }

  /** Wakes every replica waiting at a barrier, which then throws; later calls throw at once. */
  abort(): void {
    Atomics.store(this.control, ABORTED, 1);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
  }

  get aborted(): boolean {
    return Atomics.load(this.control, ABORTED) === 1;
  }

  private barrier(): void {
    const c = this.control;
    if (this.aborted) throw new ReplicaAbortedError('another training replica failed');
    const generation = Atomics.load(c, GENERATION);
    if (Atomics.add(c, ARRIVED, 1) === this.channel.replicas - 1) {
      // The last to arrive opens the barrier for everyone.
      Atomics.store(c, ARRIVED, 0);
      Atomics.add(c, GENERATION, 1);
      Atomics.notify(c, GENERATION);
    } else {
      const deadline = Date.now() + this.timeoutMs;
      while (Atomics.load(c, GENERATION) === generation) {
        const left = deadline - Date.now();
        if (left <= 0 || Atomics.wait(c, GENERATION, generation, left) === 'timed-out') {
          this.abort();
          throw new ReplicaAbortedError(`a training replica did not reach the barrier within ${Math.round(this.timeoutMs / 1000)} s`);
        }
      }
    }
    if (this.aborted) throw new ReplicaAbortedError('another training replica failed');
  }
}
