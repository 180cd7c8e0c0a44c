// One base error with a stable `code`; the class says what the caller should do with it:
// ConfigError/UsageError → fix the input (exit 2); EnvironmentError → fix the machine (disk, permissions,
// a database in use) and run again. GenesysError (src/genesys/errors.ts) carries a `kind`: transient →
// retry, terminal → give up on this item and record the reason, rate-limited → wait `retryAfterMs` (the
// limiter pauses every caller) and retry, auth → stop the run. NotifyError (src/notify) and
// InterruptedError (src/pipeline/run.ts) are the others. Every code is listed in docs/errors.md.

export class AppError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad configuration or command-line usage. The message names the variable/flag and a good value. */
export class ConfigError extends AppError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG_INVALID', message, options);
  }
}

export class UsageError extends AppError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

/** The environment prevents the job from running (DB in use, data dir not writable, disk full). */
export class EnvironmentError extends AppError {}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
