/** Events the pipeline emits; `progress.ts` turns them into bars or lines. */
import type { StepMetrics } from './gan/train-loop.js';

export type Stage = 'scan' | 'decode' | 'import' | 'train' | 'generate' | 'guard' | 'write';

export type PipelineEvent =
  | { type: 'stage.start'; stage: Stage; total?: number; detail?: string }
  | { type: 'stage.end'; stage: Stage; seconds: number; detail?: string }
  | { type: 'decode.progress'; done: number; total: number }
  /** generate.from: images of the outside candidates' folder decoded so far (generate/import.ts). */
  | { type: 'import.progress'; done: number; total: number }
  /** `budgetLeft`: seconds of train.budgetSeconds the job has left (absent without a budget). */
  | ({ type: 'train.step'; job?: string; budgetLeft?: number } & StepMetrics)
  | { type: 'generate.progress'; label: string; done: number; total: number }
  /** generate.anchor: steps of a class's latent fit, before its candidates are sampled. */
  | { type: 'generate.fit'; label: string; done: number; total: number }
  /** The guard's classifiers trained so far, and how many it will train (stages/guard.ts: the total moves as classes are given up on or tested together). */
  | { type: 'guard.progress'; done: number; total: number }
  | { type: 'info'; message: string }
  | { type: 'warn'; message: string };

export type EventSink = (event: PipelineEvent) => void;
