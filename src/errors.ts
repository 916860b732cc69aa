/**
 * Typed errors. Commands throw these; only the CLI entry (`cli/main.ts`) prints them and sets the exit
 * code. A user-facing error prints without a stack trace.
 */

/** Exit codes, documented in `--help` and the README. */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  qualityGate: 3,
  input: 4,
  diskFull: 5,
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Base for errors caused by what the user asked for; carries its exit code. */
export class GanAugmentError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad flags, a bad config file, an impossible plan. Exit 2. */
export class UserError extends GanAugmentError {
  /** Every problem found, one per line, each prefixed by its key path. */
  readonly problems: string[];
  /**
   * A config that failed validation: its `input` and `out` where they were still readable (resolved), so
   * that `validate` can check the folders too and report every problem at once.
   */
  readonly folders: { input: string; out: string } | null;
  constructor(message: string, problems: string[] = [], folders: { input: string; out: string } | null = null) {
    super(message, EXIT.usage);
    this.problems = problems;
    this.folders = folders;
  }
}

/** Input images that could not be used, reported under `--strict`. Exit 4. */
export class InputError extends GanAugmentError {
  readonly files: { path: string; reason: string }[];
  constructor(message: string, files: { path: string; reason: string }[] = []) {
    super(message, EXIT.input);
    this.files = files;
  }
}

/** A class failed the quality gate with `quality.onFail: fail`; outputs were still written. Exit 3. */
export class QualityGateError extends GanAugmentError {
  constructor(message: string) {
    super(message, EXIT.qualityGate);
  }
}

/** The run was interrupted (SIGINT/SIGTERM) after saving what it could. Exit 130. */
export class InterruptedError extends GanAugmentError {
  constructor(message = 'interrupted') {
    super(message, EXIT.interrupted);
  }
}

/**
 * Training gave NaN/Inf or exploding losses more often than the divergence guard allows. Exit 1; in
 * `gan.mode: per-class` the train stage catches it and the class alone gets no synthetic images.
 */
export class DivergenceError extends GanAugmentError {
  constructor(message: string) {
    super(message, EXIT.internal);
  }
}

/**
 * Writing an output failed for want of space (ENOSPC, EDQUOT): names the file and the space left. Exit 5;
 * the run's staged files are removed, the previous outputs stay as they were.
 */
export class DiskFullError extends GanAugmentError {
  readonly file: string;
  constructor(message: string, file: string) {
    super(message, EXIT.diskFull);
    this.file = file;
  }
}

/** A bug or an environment failure. Exit 1, printed with its stack. */
/**
 * A tfjs backend that cannot start here (not installed, no native binding, no BLAS library, …). The
 * backend picker catches it and records the reason; a backend named with `--backend` that cannot start
 * becomes a UserError. Exit 2 if it ever escapes.
 */
export class BackendUnavailableError extends GanAugmentError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

export class InternalError extends GanAugmentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.internal);
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
