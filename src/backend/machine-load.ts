/**
 * How busy other processes keep this machine's cores: read before training picks its OpenBLAS thread
 * count (gan/parallel/plan.ts `planBlasThreads`), and while it trains (gan/parallel/blas-watch.ts). OpenBLAS splits each product between its threads and
 * waits for both halves, so a thread the OS holds back for another process stalls every product: on the
 * 2-core machine of 2026-12-07, with one other process busy 60–100 % of a core, two threads trained 0.6–0.7×
 * as fast as one, and with two such processes 0.3× (docs/measurements.md, "Two BLAS threads on a busy
 * machine").
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** The window the load is read over: short beside a training of minutes, long beside the scheduler's tick. */
export const LOAD_WINDOW_MS = 500;

/** Cores other processes kept busy over the window, and the cores the machine reports. */
export interface MachineLoad {
  /** Busy CPU time of the whole machine over the window, less this process's own, in cores (0 … cores). */
  othersBusy: number;
  /** This process's own CPU time over the window, in cores. */
  ownBusy: number;
  cores: number;
}

type Times = Pick<os.CpuInfo, 'times'>;
const busyOf = (cpus: readonly Times[]) => cpus.reduce((s, c) => s + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0);
const totalOf = (cpus: readonly Times[]) => cpus.reduce((s, c) => s + c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle, 0);

/**
 * {@link MachineLoad} from os.cpus() read before and after a window and this process's CPU time over it
 * (process.cpuUsage's microseconds). CPU times are in ms; the window per core is the total ÷ cores (more
 * faithful than the window asked for when the timer ran late). Pure.
 */
export function loadBetween(before: readonly Times[], after: readonly Times[], ownMicros: number): MachineLoad {
  const cores = after.length;
  const total = totalOf(after) - totalOf(before);
  if (cores === 0 || before.length !== cores || total <= 0) return { othersBusy: 0, ownBusy: 0, cores };
  const perCore = total / cores;
  const ownBusy = ownMicros / 1000 / perCore;
  const busy = (busyOf(after) - busyOf(before)) / perCore;
  return { othersBusy: Math.min(cores, Math.max(0, busy - ownBusy)), ownBusy, cores };
}

/** Reads {@link MachineLoad} over `ms` milliseconds. */
export async function machineLoad(ms = LOAD_WINDOW_MS): Promise<MachineLoad> {
  const read = loadReader();
  await sleep(ms);
  return read();
}

/** A reader of {@link MachineLoad} since its previous call (the first: since it was made), without waiting. */
export function loadReader(): () => MachineLoad {
  let before = os.cpus();
  let mine = process.cpuUsage();
  return () => {
    const after = os.cpus();
    const own = process.cpuUsage(mine);
    const load = loadBetween(before, after, own.user + own.system);
    before = after;
    mine = process.cpuUsage();
    return load;
  };
}
