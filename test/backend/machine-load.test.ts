/**
 * The machine's load as `train.blasThreads: auto` reads it: another process busy on a core is counted (a real
 * process, real CPU time); this process's own work is not (the arithmetic, on given CPU times).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { loadBetween, machineLoad } from '../../src/backend/machine-load.js';

describe('machineLoad', () => {
  it('counts another process busy on a core', async () => {
    const hog = spawn(process.execPath, ['-e', 'const end = Date.now() + 5000; while (Date.now() < end) {}'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const load = await machineLoad(600);
      expect(load.cores).toBeGreaterThan(0);
      // A whole core, less what the scheduler gives other processes meanwhile.
      expect(load.othersBusy).toBeGreaterThan(0.5);
      expect(load.othersBusy).toBeLessThanOrEqual(load.cores);
    } finally {
      hog.kill();
      await once(hog, 'exit');
    }
  });

  it("leaves this process's own CPU time out", () => {
    const cpu = (busy: number, idle: number) => ({ times: { user: busy, nice: 0, sys: 0, irq: 0, idle } });
    // Two cores over a 500 ms window: 800 ms busy in all, 300 of them this process's → 1.0 core by others.
    const load = loadBetween([cpu(1000, 5000), cpu(2000, 7000)], [cpu(1400, 5100), cpu(2400, 7100)], 300_000);
    expect(load).toEqual({ othersBusy: 1, ownBusy: 0.6, cores: 2 });
    // This process alone: nothing by others (never below 0, whatever the clocks' rounding).
    expect(loadBetween([cpu(0, 0), cpu(0, 0)], [cpu(250, 250), cpu(260, 240)], 520_000)).toEqual({ othersBusy: 0, ownBusy: 1.04, cores: 2 });
    // No time passed, or the CPU list changed: nothing read.
    expect(loadBetween([cpu(5, 5)], [cpu(5, 5)], 0)).toEqual({ othersBusy: 0, ownBusy: 0, cores: 1 });
    expect(loadBetween([cpu(5, 5)], [cpu(9, 9), cpu(9, 9)], 0).othersBusy).toBe(0);
  });
});
