// Structured logs (pino): one JSON event per line, pretty when a person is watching a terminal.
// Secrets must never reach a log line (STYLE §12). Two layers, because either alone leaks:
//  - `redact` paths censor known secret-bearing fields (authorization headers, token, password…)
//    whatever their value — e.g. an access token obtained at runtime.
//  - the `streamWrite` hook scrubs the finished line with redactText: the secret values given at
//    creation (client secret…) and URL signatures, wherever they hide — message, error message, stack,
//    `cause`, nested objects, printf arguments, child bindings.
import type { Writable } from 'node:stream';
import pino, { type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import { redactText } from './redact.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type { Logger };

export interface CreateLoggerOptions {
  /** LOG_LEVEL, e.g. 'info'. */
  level: LogLevel;
  /** Human-readable output instead of JSON. Default: process.stdout.isTTY. */
  pretty?: boolean;
  /** A file path (created with its directory, appended to) or a stream. Default: stdout. */
  destination?: string | NodeJS.WritableStream;
  /** Secret values (client secret, DB password…) that must never appear in output. */
  secrets?: readonly string[];
  /** Fields on every line, e.g. `{ service: 'audio-extract' }`. */
  base?: Record<string, unknown>;
}

/** Context ids that child loggers carry so one run, queue or batch can be followed in the logs. */
export interface LogContext {
  runId?: string;
  queueId?: string;
  batchId?: string;
  conversationId?: string;
  recordingId?: string;
}

const CENSOR = '[redacted]';
const SECRET_FIELDS = [
  'authorization',
  'Authorization',
  'cookie',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'secret',
  'clientSecret',
  'client_secret',
  'password',
  'apiKey',
  'api_key',
];
export const REDACT_PATHS: string[] = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  'headers.authorization',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers.cookie',
  'config.GENESYS_CLOUD_CLIENT_SECRET',
  'config.DATABASE_URL',
  '*.GENESYS_CLOUD_CLIENT_SECRET',
];

/** The secrets as they look inside a JSON string too (quotes and backslashes escaped). */
function secretVariants(secrets: readonly string[]): string[] {
  const out = new Set<string>();
  for (const s of secrets) {
    if (!s) continue;
    out.add(s);
    out.add(JSON.stringify(s).slice(1, -1));
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...out].sort((a, b) => b.length - a.length);
}

export function createLogger(opts: CreateLoggerOptions): Logger {
  const secrets = secretVariants(opts.secrets ?? []);
  const options: LoggerOptions = {
    level: opts.level,
    base: opts.base ?? {},
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    hooks: { streamWrite: (line) => redactText(line, secrets) },
  };
  const usePretty = opts.pretty ?? Boolean(process.stdout.isTTY);
  return pino(options, destinationStream(opts.destination, usePretty));
}

function destinationStream(destination: CreateLoggerOptions['destination'], usePretty: boolean) {
  if (usePretty) {
    // In-process pretty printing (no worker-thread transport): simpler, and nothing is lost at exit.
    const target =
      destination === undefined
        ? 1
        : typeof destination === 'string'
          ? destination
          : (destination as Writable);
    return pretty({
      destination: target,
      // Colours only for a terminal: escape codes in a file or a pipe are noise.
      colorize: Boolean(
        destination === undefined
          ? process.stdout.isTTY
          : typeof destination !== 'string' && (destination as { isTTY?: boolean }).isTTY,
      ),
      translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
      ignore: 'pid,hostname',
      sync: true,
      mkdir: true,
    });
  }
  if (destination === undefined) return pino.destination({ dest: 1, sync: true });
  if (typeof destination === 'string') {
    // Synchronous writes: a nightly job logs little, and a crash must not swallow the last lines.
    return pino.destination({ dest: destination, sync: true, mkdir: true, append: true });
  }
  return destination;
}

/** A child logger for one run / queue / batch; only the ids that are set are added. */
export function withContext(logger: Logger, context: LogContext): Logger {
  const bindings: Record<string, string> = {};
  for (const [k, v] of Object.entries(context)) if (typeof v === 'string' && v) bindings[k] = v;
  return logger.child(bindings);
}
