/**
 * The time left of long work, for the progress output. Pure: the caller passes the clock.
 *
 * Training progress over every job of a run: steps done summed over the jobs
 * (per-class jobs each count from 1 to train.steps; the stage's total is their sum) and the time left at
 * the rate measured since this process's first step.
 */
export class TrainProgress {
  /** Per job: the step it was at when first seen (a resumed job starts past 1), and its latest. */
  private readonly jobs = new Map<string, { first: number; last: number }>();
  private firstAt: number | null = null;

  /** `total`: the train stage's steps over every job (stage.start's total; 0 when unknown). */
  constructor(readonly total: number) {}

  /**
   * Records a job's step at `nowMs`; returns the steps done over every job and the seconds left (null until a
   * rate is known). `budget`: the job's train.steps (`of`) and the seconds of train.budgetSeconds it has left;
   * where that job is the whole stage (one shared model), training stops when the budget runs out, so the time
   * left is at most that (`byBudget`). Per-class jobs each have a budget of their own: not capped.
   */
  step(job: string, step: number, nowMs: number, budget?: { of: number; left: number }): { done: number; etaSeconds: number | null; byBudget: boolean } {
    const seen = this.jobs.get(job);
    if (seen) seen.last = step;
    else this.jobs.set(job, { first: step, last: step });
    this.firstAt ??= nowMs;
    let done = 0;
    let sinceFirst = 0;
    for (const j of this.jobs.values()) {
      done += j.last;
      sinceFirst += j.last - j.first;
    }
    const seconds = (nowMs - this.firstAt) / 1000;
    const left = Math.max(0, this.total - done);
    const atRate = this.total > 0 && sinceFirst > 0 && seconds > 0 ? (left * seconds) / sinceFirst : null;
    if (budget && budget.of >= this.total && (atRate === null || budget.left < atRate)) return { done, etaSeconds: budget.left, byBudget: true };
    return { done, etaSeconds: atRate, byBudget: false };
  }
}

/** Seconds left of `total` units (classifiers …) when `done` took `seconds`; null before the first or after the last. */
export function secondsLeft(done: number, total: number, seconds: number): number | null {
  return done > 0 && total > done ? (seconds * (total - done)) / done : null;
}
