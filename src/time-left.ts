/**
 * The time left of long work, for the progress output. Pure: the caller passes the clock.
 *
 * Training over every job of a run: steps done summed over the jobs (per-class jobs each count from 1 to
 * train.steps; the stage's total is their sum), and the time left from the seconds a job's step has taken
 * since this process's first step (a resumed job counts only what it trains now), the jobs running at once
 * (measured: how much their stepping overlapped) and train.budgetSeconds — each job stops when its own
 * budget runs out, so a job's time left is at most what its budget leaves it, and a job not started yet has
 * the whole budget.
 */
interface JobSeen {
  of: number;
  first: number;
  last: number;
  firstAt: number;
  lastAt: number;
  /** Seconds of budget left at lastAt, and at the job's first step (≈ the whole budget); absent without one. */
  budgetLeft?: number;
  budgetAtFirst?: number;
}

export class TrainProgress {
  private readonly jobs = new Map<string, JobSeen>();
  private firstAt: number | null = null;

  /** `total`: the train stage's steps over every job (stage.start's total; 0 when unknown). */
  constructor(readonly total: number) {}

  /**
   * Records step `step` of `of` of a job at `nowMs`, with the seconds of train.budgetSeconds the job has left
   * (absent without a budget); returns the steps done over every job and the seconds left (null until a step
   * rate is known, unless one job's budget bounds it), and whether a budget cut the estimate (`byBudget`).
   */
  step(job: string, step: number, of: number, nowMs: number, budgetLeft?: number): { done: number; etaSeconds: number | null; byBudget: boolean } {
    const seen = this.jobs.get(job);
    const budget = budgetLeft !== undefined ? { budgetLeft } : {};
    if (seen) Object.assign(seen, { last: step, lastAt: nowMs, of }, budget);
    else this.jobs.set(job, { of, first: step, last: step, firstAt: nowMs, lastAt: nowMs, ...budget, ...(budgetLeft !== undefined ? { budgetAtFirst: budgetLeft } : {}) });
    this.firstAt ??= nowMs;
    const jobs = [...this.jobs.values()];
    const done = jobs.reduce((n, j) => n + j.last, 0);
    const steps = jobs.reduce((n, j) => n + (j.last - j.first), 0);
    const busy = jobs.reduce((n, j) => n + (j.lastAt - j.firstAt) / 1000, 0);
    const wall = (nowMs - this.firstAt) / 1000;
    const perStep = steps > 0 && busy > 0 ? busy / steps : null;
    // A job's budget left now (another job's was read at its own last step); the whole budget, for jobs not started.
    const budgetNow = (j: JobSeen) => (j.budgetLeft !== undefined ? Math.max(0, j.budgetLeft - (nowMs - j.lastAt) / 1000) : undefined);
    const whole = jobs.reduce<number | undefined>((b, j) => (j.budgetAtFirst !== undefined ? Math.max(b ?? 0, j.budgetAtFirst) : b), undefined);
    const unseen = Math.max(0, Math.round((this.total - jobs.reduce((n, j) => n + j.of, 0)) / of));
    if (perStep === null) {
      // No rate yet: only a single job's budget says anything.
      const only = jobs.length === 1 && unseen === 0 ? budgetNow(jobs[0]!) : undefined;
      return only !== undefined ? { done, etaSeconds: only, byBudget: true } : { done, etaSeconds: null, byBudget: false };
    }
    let byBudget = false;
    const capped = (atRate: number, cap: number | undefined) => {
      if (cap === undefined || cap >= atRate) return atRate;
      byBudget = true;
      return cap;
    };
    let jobSeconds = 0;
    for (const j of jobs) jobSeconds += capped(Math.max(0, j.of - j.last) * perStep, budgetNow(j));
    for (let k = 0; k < unseen; k++) jobSeconds += capped(of * perStep, whole);
    // Jobs at once: how much of the time since the first step the jobs spent stepping (1 when one at a time).
    const atOnce = wall > 0 ? Math.max(1, busy / wall) : 1;
    return { done, etaSeconds: jobSeconds / atOnce, byBudget };
  }
}

/** Seconds left of `total` units (classifiers …) when `done` took `seconds`; null before the first or after the last. */
export function secondsLeft(done: number, total: number, seconds: number): number | null {
  return done > 0 && total > done ? (seconds * (total - done)) / done : null;
}
