/**
 * `train.blasThreads: auto` while training runs: the machine's load is read again every
 * {@link BLAS_RECHECK_MS} and the OpenBLAS count follows it — down where another program started on the
 * cores, back up where it ended. Two shards started together each read the other's busy start and
 * trained on one thread; the one that finished first left the other on one thread for its last ~80 s
 * with a core idle (docs/measurements.md, "Two BLAS threads on a busy machine"). A thread count changes the
 * weights in their last bits only (the run's fingerprints leave it out); each change is said and recorded.
 */
import type { MachineLoad } from '../../backend/machine-load.js';
import { blasThreadsFor } from './plan.js';

/** How often the load is read again: long enough that a short spell does not flip the count, short beside a training. */
export const BLAS_RECHECK_MS = 15_000;

/** A change of the count while training ran. */
export interface BlasChange {
  /** Seconds into the training stage. */
  seconds: number;
  threads: number;
  /** Cores other processes kept busy over the interval before. */
  othersBusy: number;
}

export interface BlasWatchOptions {
  /** The process' count: the most `auto` trains on. */
  processThreads: number;
  /** The count training starts on. */
  threads: number;
  /** The load since the previous call. */
  read: () => MachineLoad;
  /** Sets OpenBLAS' count (called between training steps: no product is running on this thread then). */
  set: (threads: number) => void;
  /** Told each change, as it is made. */
  onChange: (change: BlasChange, cores: number) => void;
  everyMs?: number;
}

/** Starts watching; `stop` ends it and returns the changes made. The timer does not keep the process alive. */
export function watchBlasLoad(o: BlasWatchOptions): { stop: () => BlasChange[] } {
  const started = performance.now();
  const changes: BlasChange[] = [];
  let threads = o.threads;
  const check = () => {
    const load = o.read();
    const want = blasThreadsFor({ ...load, processThreads: o.processThreads });
    if (want === threads) return;
    threads = want;
    o.set(want);
    const change = { seconds: Math.round((performance.now() - started) / 100) / 10, threads: want, othersBusy: Math.round(load.othersBusy * 100) / 100 };
    changes.push(change);
    o.onChange(change, load.cores);
  };
  const timer = setInterval(check, o.everyMs ?? BLAS_RECHECK_MS);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return changes;
    },
  };
}
