/**
 * Turns pipeline events into progress output on stderr: cli-progress bars when stdout is a terminal,
 * plain lines at most every few seconds otherwise (CI logs), nothing with `quiet`.
 */
import cliProgress from 'cli-progress';
import type { EventSink, PipelineEvent } from './events.js';

export type ProgressMode = 'bars' | 'lines' | 'quiet';

export function progressMode(quiet: boolean): ProgressMode {
  if (quiet) return 'quiet';
  return process.stdout.isTTY && process.stderr.isTTY ? 'bars' : 'lines';
}

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/** A sink writing to `stream`; call `close()` when the run ends so an open bar is finished. */
export function createProgress(mode: ProgressMode, stream: NodeJS.WritableStream = process.stderr): EventSink & { close(): void } {
  let bar: cliProgress.SingleBar | null = null;
  let lastLine = 0;
  const say = (msg: string) => stream.write(`${msg}\n`);
  const stopBar = () => {
    bar?.stop();
    bar = null;
  };
  const startBar = (format: string, total: number, payload: Record<string, unknown> = {}) => {
    stopBar();
    bar = new cliProgress.SingleBar(
      { format, stream: stream as NodeJS.WriteStream, hideCursor: true, clearOnComplete: false, etaBuffer: 50, fps: 5 },
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
    if (mode === 'quiet') return;
    if (e.type === 'warn') {
      if (bar) stream.write('\n');
      say(`warning: ${e.message}`);
      return;
    }
    if (e.type === 'info') return say(e.message);
    if (mode === 'bars') {
      switch (e.type) {
        case 'stage.start':
          if (e.stage === 'decode') startBar('decode   [{bar}] {value}/{total} images | {eta_formatted} left', e.total ?? 0);
          else if (e.stage === 'train') startBar('train    [{bar}] step {value}/{total} | D {lossD} G {lossG} | {ips} img/s | ETA {eta_formatted}', e.total ?? 0, { lossD: '-', lossG: '-', ips: '-' });
          else if (e.stage === 'generate') startBar('generate [{bar}] {value}/{total} candidates | {label}', e.total ?? 0, { label: '' });
          else say(`${e.stage}…`);
          return;
        case 'stage.end':
          stopBar();
          say(`${e.stage} done in ${e.seconds.toFixed(1)} s`);
          return;
        case 'decode.progress':
          bar?.update(e.done);
          return;
        case 'train.step':
          bar?.update(e.step, { lossD: fmt(e.lossD), lossG: fmt(e.lossG), ips: e.imgPerSec.toFixed(0) });
          return;
        case 'generate.progress':
          genDone.set(e.label, e.done);
          bar?.update([...genDone.values()].reduce((a, b) => a + b, 0), { label: e.label });
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
      case 'train.step':
        throttled(
          `train: step ${e.step}/${e.of} lossD ${fmt(e.lossD)} lossG ${fmt(e.lossG)} D(real) ${fmt(e.dReal)} D(fake) ${fmt(e.dFake)} ${e.imgPerSec.toFixed(0)} img/s`,
          e.step === e.of,
        );
        return;
      case 'generate.progress':
        throttled(`generate: ${e.label} ${e.done}/${e.total}`, e.done === e.total);
        return;
    }
  };
  const genDone = new Map<string, number>();
  return Object.assign(sink, { close: stopBar });
}
