/**
 * A testing hook: with `GAN_AUGMENT_TEST_KILL_AT=<point>` in the environment the process kills itself
 * (SIGKILL, as `kill -9` or an out-of-memory kill would) at that point, so a test can check what a reader,
 * or the next run, finds after a crash there. Points: `after-swap`, `after-manifest` (stages/write.ts),
 * `metrics-<step>` (stages/train.ts: right after that step's line of train/…/metrics.jsonl is written — between
 * checkpoints, as a real kill mostly lands).
 */
export function testKillPoint(point: string): (() => void) | undefined {
  return process.env['GAN_AUGMENT_TEST_KILL_AT'] === point ? () => process.kill(process.pid, 'SIGKILL') : undefined;
}
