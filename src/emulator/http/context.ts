// What every route plugin receives, and the per-request state the hooks keep on the request.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Transcodes } from '../audio/transcodes.js';
import type { BatchJobs } from '../batch/jobs.js';
import type { Dataset } from '../data/dataset.js';
import type { ResolvedOptions } from '../options.js';
import type { Rng } from '../random.js';
import type { CapturedNotification, FaultRule, JournalEntry } from '../types.js';
import type { FaultEngine } from './faults.js';
import type { Journal } from './journal.js';
import type { RateLimiter } from './rate-limit.js';
import type { UrlSigner } from './signing.js';
import type { TokenStore } from './tokens.js';

export interface ServerDeps {
  opts: ResolvedOptions;
  dataset: Dataset;
  tokens: TokenStore;
  limiter: RateLimiter;
  faults: FaultEngine;
  journal: Journal;
  notifications: CapturedNotification[];
  jobs: BatchJobs;
  signer: UrlSigner;
  transcodes: Transcodes;
  /** number of details-query requests that will first insert a conversation */
  pendingInjections: { count: number };
  latencyRng: Rng;
}

export interface RequestState {
  entry: JournalEntry;
  startedAt: number;
  path: string;
  correlationId?: string;
  fault?: FaultRule;
  clientId?: string;
  token?: string;
}

// Kept beside the request rather than decorated onto it, so the emulator does not widen the
// FastifyRequest type for the rest of the product.
const states = new WeakMap<FastifyRequest, RequestState>();

export function setState(req: FastifyRequest, state: RequestState): RequestState {
  states.set(req, state);
  return state;
}

/** The request's state; undefined only if onRequest did not run (e.g. a malformed request line). */
export function maybeStateOf(req: FastifyRequest): RequestState | undefined {
  return states.get(req);
}

export function stateOf(req: FastifyRequest): RequestState {
  const s = states.get(req);
  if (!s) throw new Error('emulator: request state missing');
  return s;
}

export const isApiPath = (path: string) => path.startsWith('/api/v2/');
export const isDownloadPath = (path: string) => path.startsWith('/s3/');

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export function baseUrlOf(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

/** Absolute pre-signed URL of a recording's bytes. */
export function signedRecordingUrl(
  deps: Pick<ServerDeps, 'signer' | 'opts'>,
  recording: { id: string; media: 'audio' | 'screen' },
  issuedAt: number,
  baseUrl: string,
): string {
  const ext = recording.media === 'screen' ? 'webm' : 'wav';
  const path = `/s3/recordings/${recording.id}.${ext}`;
  return `${baseUrl}${path}?${deps.signer.sign(path, issuedAt, deps.opts.resultUrlTtlSeconds)}`;
}

export type Reply = FastifyReply;
