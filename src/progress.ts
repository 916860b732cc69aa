/**
 * Turns pipeline events into progress output on stderr: cli-progress bars when stderr is a terminal,
 * JSON lines when it is not (CI logs) or with `--log-format json`, plain throttled lines with
 * `--log-format text`, and with `--quiet` only the warnings (a `-q` in a CI step must not hide that the guard
 * kept images that do not help), in the log format. Progress goes to stderr, so stderr decides: `scan dir >
 * plan.txt` at a terminal still shows bars.
 */
import cliProgress from 'cli-progress';
import type { EventSink, PipelineEvent } from './events.js';
import { secondsLeft, TrainProgress } from './time-left.js';
import { formatEta } from './util/text.js';

/** `quiet` and `quiet-json`: warnings only, as text lines or JSON lines. */
export type ProgressMode = 'bars' | 'lines' | 'json' | 'quiet' | 'quiet-json';

/** What `--log-format` accepts: `auto` picks bars on a terminal and JSON lines otherwise. */
export const LOG_FORMATS = ['auto', 'text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * The log format that `auto` becomes: `text` when stderr (where progress goes) is a terminal, else `json`
 * (a CI log, or stderr redirected to a file). Where stdout goes does not matter.
 */
export function resolveLogFormat(format: LogFormat = 'auto', stderrIsTTY = Boolean(process.stderr.isTTY)): 'text' | 'json' {
  if (format !== 'auto') return format;
  return stderrIsTTY ? 'text' : 'json';
}

/** How progress is shown for a `--quiet` flag and a `--log-format`. */
export function progressMode(quiet: boolean, format: LogFormat = 'auto', stderrIsTTY = Boolean(process.stderr.isTTY)): ProgressMode {
  const json = resolveLogFormat(format, stderrIsTTY) === 'json';
  if (quiet) return json ? 'quiet-json' : 'quiet';
  if (json) return 'json';
  return format === 'auto' ? 'bars' : 'lines';
}

const SHORT_ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text for a log line: control characters (a newline or CR in a file name, ESC sequences) and the
 * Unicode line separators are written as JSON-style escapes (`\n`, `\u001b`), so no name can end a line
 * early and start one of its own: a file named `a\n{"event":"done"}\n.png` cannot forge a log event.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** JSON-lines mode writes a progress event at most this often per job (first and last always). */
const JSON_EVERY_MS = 1000;

/** Six significant digits are plenty for a log line (losses, seconds, img/s). */
const roundNumbers = (_key: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v) ? Number(v.toPrecision(6)) : v);

/**
 * One JSON line per event: `{"event": type, ...fields, "t": seconds since start}`. A training step
 * of a per-class job also carries `class`. Non-finite numbers become null (JSON has no NaN). Progress
 * events come at most once a second per job, plus the first and the last.
 */
function jsonSink(stream: NodeJS.WritableStream, clock: () => number): EventSink {
  const t0 = clock();
  const last = new Map<string, number>();
  const left = timeLeft(clock);
  const due = (key: string, force: boolean) => {
    const now = clock();
    const prev = last.get(key);
    if (!force && prev !== undefined && now - prev < JSON_EVERY_MS) return false;
    last.set(key, now);
    return true;
  };
  return (e) => {
    const { type, ...fields } = e;
    let extra: Record<string, unknown> = {};
    switch (e.type) {
      case 'stage.start':
        left.stageStart(e.stage, e.total);
        break;
      case 'train.step': {
        // Every step feeds the rate, the ones written or not.
        const { etaSeconds } = left.trainStep(e);
        if (!due(`train:${e.job ?? ''}`, e.step === e.of || e.step === 1)) return;
        if (e.job !== undefined && e.job !== 'shared') extra = { class: e.job };
        if (etaSeconds !== null) extra = { ...extra, etaSeconds: Math.round(etaSeconds) };
        break;
      }
      case 'decode.progress':
        if (!due('decode', e.done === e.total)) return;
        break;
      case 'import.progress':
        if (!due('import', e.done === e.total)) return;
        break;
      case 'generate.progress':
        if (!due(`generate:${e.label}`, e.done === e.total)) return;
        extra = { class: e.label };
        break;
      case 'generate.fit':
        if (!due(`fit:${e.label}`, e.done === e.total)) return;
        extra = { class: e.label };
        break;
      case 'guard.progress': {
        if (!due('guard', e.done === e.total)) return;
        const seconds = left.guard(e.done, e.total);
        if (seconds !== null) extra = { etaSeconds: Math.round(seconds) };
        break;
      }
    }
    const t = Math.round(clock() - t0) / 1000;
    stream.write(JSON.stringify({ event: type, ...extra, ...fields, t }, roundNumbers) + '\n');
  };
}

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/**
 * The time left both kinds of sink say: training over every job since the train stage started (TrainProgress),
 * and the guard's classifiers since the guard stage started.
 */
function timeLeft(clock: () => number) {
  let training = new TrainProgress(0);
  let guardFrom = clock();
  return {
    stageStart(stage: string, total: number | undefined): void {
      if (stage === 'train') training = new TrainProgress(total ?? 0);
      if (stage === 'guard') guardFrom = clock();
    },
    trainStep: (e: { job?: string; step: number; of: number; budgetLeft?: number }) => training.step(e.job ?? '', e.step, e.of, clock(), e.budgetLeft),
    /** The train stage's steps over every job. */
    trainTotal: () => training.total,
    guard: (done: number, total: number) => secondsLeft(done, total, (clock() - guardFrom) / 1000),
  };
}

/** The job a training step's progress names: a per-class job's class; the one shared model goes unnamed. */
const jobName = (job: string | undefined): string | null => (job !== undefined && job !== 'shared' ? job : null);

/**
 * A sink writing to `stream`; call `close()` when the run ends so an open bar is finished. `clock` (ms)
 * times the training's time left.
 */
export function createProgress(mode: ProgressMode, stream: NodeJS.WritableStream = process.stderr, clock: () => number = () => performance.now()): EventSink & { close(): void } {
  if (mode === 'json') return Object.assign(jsonSink(stream, clock), { close: () => {} });
  if (mode === 'quiet-json') {
    const json = jsonSink(stream, clock);
    return Object.assign((e: PipelineEvent) => e.type === 'warn' && json(e), { close: () => {} });
  }
  let bar: cliProgress.SingleBar | null = null;
  // Steps over every job: per-class jobs each count from 1, and the stage's total is their sum.
  const left = timeLeft(clock);
  let lastLine = 0;
  const say = (msg: string) => stream.write(`${printable(msg)}\n`);
  const stopBar = () => {
    bar?.stop();
    bar = null;
  };
  /**
   * A line printed while a bar draws goes above it, when it happens: the bar's line is cleared, the line
   * written, and the bar drawn again below it (a single bar only ever moves the cursor within its own line).
   * Until 2026-12-07 such lines waited for the bar to finish: the guard's plan printed 11 minutes late.
   */
  const sayAbove = (msg: string) => {
    if (!bar) return say(msg);
    stream.write('\r\x1b[2K');
    say(msg);
    bar.render();
  };
  const startBar = (format: string, total: number, payload: Record<string, unknown> = {}) => {
    stopBar();
    bar = new cliProgress.SingleBar(
      // forceRedraw: the bar is drawn again below a line printed over it (sayAbove), though its text is unchanged.
      { format, stream: stream as NodeJS.WriteStream, hideCursor: true, clearOnComplete: false, etaBuffer: 50, fps: 5, forceRedraw: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, payload);
  };
  const throttled = (msg: string, force: boolean) => {
    const now = Date.now();
    if (force || now - lastLine >= 5000) {
      lastLine = now;
      say(msg);
    }
  };

  const sink = (e: PipelineEvent) => {
    if (mode === 'quiet' && e.type !== 'warn') return;
    if (e.type === 'warn' || e.type === 'info') {
      const msg = e.type === 'warn' ? `warning: ${e.message}` : e.message;
      sayAbove(msg);
      return;
    }
    if (e.type === 'stage.start') left.stageStart(e.stage, e.total);
    if (mode === 'bars') {
      switch (e.type) {
        case 'stage.start':
          if (e.stage === 'decode') startBar('decode   [{bar}] {value}/{total} images | {eta_formatted} left', e.total ?? 0);
          else if (e.stage === 'import') startBar('import   [{bar}] {value}/{total} candidate images | {eta_formatted} left', e.total ?? 0);
          else if (e.stage === 'train') startBar('train    [{bar}] step {value}/{total}{job} | D {lossD} G {lossG} | {ips} img/s | {left} left', e.total ?? 0, { lossD: '-', lossG: '-', ips: '-', job: '', left: '-' });
          else if (e.stage === 'generate') startBar('generate [{bar}] {value}/{total} candidates | {label}', e.total ?? 0, { label: '' });
          // The time left as the text lines say it (cli-progress's ETA read "0s" before the first classifier ended).
          else if (e.stage === 'guard' && e.total) startBar('guard    [{bar}] {value}/{total} classifiers | {left} left', e.total, { left: '-' });
          else say(`${e.stage}…`);
          return;
        case 'stage.end':
          stopBar();
          say(`${e.stage} done in ${e.seconds.toFixed(1)} s`);
          return;
        case 'decode.progress':
        case 'import.progress':
          bar?.update(e.done);
          return;
        case 'train.step': {
          // The time left as the text lines say it (cli-progress's own ETA knows neither the budget nor a resume's jump).
          const { done, etaSeconds, byBudget } = left.trainStep(e);
          const name = jobName(e.job);
          bar?.update(done, { lossD: fmt(e.lossD), lossG: fmt(e.lossG), ips: e.imgPerSec.toFixed(0), job: name !== null ? ` (${name})` : '', left: etaSeconds === null ? '-' : `${formatEta(etaSeconds)}${byBudget ? ' (budget)' : ''}` });
          return;
        }
        case 'generate.progress':
          genDone.set(e.label, e.done);
          bar?.update(generated(), { label: e.label });
          return;
        case 'generate.fit':
          bar?.update(generated(), { label: `${e.label}: fitting latents, step ${e.done}/${e.total}` });
          return;
        case 'guard.progress':
          // The total moves as the guard goes: classes given up on take classifiers off, a set tested together adds some.
          if (bar && bar.getTotal() !== e.total) bar.setTotal(e.total);
          {
            const seconds = left.guard(e.done, e.total);
            bar?.update(e.done, { left: seconds !== null ? formatEta(seconds) : e.done >= e.total ? formatEta(0) : '-' });
          }
          return;
      }
    }
    // lines
    switch (e.type) {
      case 'stage.start':
        say(`${e.stage}: started${e.total !== undefined ? ` (${e.total})` : ''}`);
        return;
      case 'stage.end':
        say(`${e.stage}: done in ${e.seconds.toFixed(1)} s`);
        return;
      case 'decode.progress':
        throttled(`decode: ${e.done}/${e.total} images`, e.done === e.total);
        return;
      case 'import.progress':
        throttled(`import: ${e.done}/${e.total} candidate images`, e.done === e.total);
        return;
      case 'train.step': {
        const { etaSeconds, byBudget } = left.trainStep(e);
        // Per-class jobs: the time left is for every job's steps, not this one's.
        const why = [...(left.trainTotal() > e.of ? ['every job'] : []), ...(byBudget ? ['train.budgetSeconds'] : [])];
        const eta = etaSeconds === null ? '' : `, ${formatEta(etaSeconds)} left${why.length ? ` (${why.join(', ')})` : ''}`;
        const name = jobName(e.job);
        throttled(
          `train: ${name !== null ? `${name} ` : ''}step ${e.step}/${e.of} lossD ${fmt(e.lossD)} lossG ${fmt(e.lossG)} D(real) ${fmt(e.dReal)} D(fake) ${fmt(e.dFake)} ${e.imgPerSec.toFixed(0)} img/s${eta}`,
          e.step === e.of,
        );
        return;
      }
      case 'generate.progress':
        throttled(`generate: ${e.label} ${e.done}/${e.total}`, e.done === e.total);
        return;
      case 'generate.fit':
        throttled(`generate: ${e.label} fitting latents, step ${e.done}/${e.total}`, e.done === e.total);
        return;
      case 'guard.progress': {
        const seconds = left.guard(e.done, e.total);
        throttled(`guard: ${e.done}/${e.total} classifiers${seconds !== null ? `, about ${formatEta(seconds)} left` : ''}`, e.done === e.total);
        return;
      }
    }
  };
  const genDone = new Map<string, number>();
  /** Candidates sampled so far, over every class (the generate bar's value). */
  const generated = () => [...genDone.values()].reduce((a, b) => a + b, 0);
  return Object.assign(sink, { close: stopBar });
}
