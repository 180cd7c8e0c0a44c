// What every route plugin receives, and the per-request state the hooks keep on the request.
import type { FastifyContextConfig, FastifyReply, FastifyRequest } from 'fastify';
import { type MediaTraits, mediaTraits } from '../audio/traits.js';
import type { Transcodes } from '../audio/transcodes.js';
import type { BatchJobs } from '../batch/jobs.js';
import type { Dataset } from '../data/dataset.js';
import type { ResolvedOptions } from '../options.js';
import type { PermissionRule } from '../permissions.js';
import type { DetailsJobs } from '../query/jobs.js';
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
  detailsJobs: DetailsJobs;
  signer: UrlSigner;
  transcodes: Transcodes;
  /** number of details-query requests that will first insert a conversation */
  pendingInjections: { count: number };
  latencyRng: Rng;
  /** base URL of the download host once it listens (separateDownloadHost); otherwise the API host's */
  downloads: { base?: string };
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

/**
 * Per-route config: the permission rule the gate checks after authentication (permissions.ts). It extends
 * Fastify's own route config because plugins loaded in the same program (the product's rate limiter)
 * widen that type, and a config sharing none of its properties would no longer be accepted.
 */
export interface RouteConfig extends FastifyContextConfig {
  permissions?: PermissionRule;
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
export const isDownloadPath = (path: string) => path.startsWith('/s3/') || path.startsWith('/s3-redirect/');

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

export function baseUrlOf(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

export type UrlDeps = Pick<ServerDeps, 'signer' | 'opts' | 'dataset' | 'downloads'>;

export function traitsOf(deps: UrlDeps, recording: { id: string; media: string }): MediaTraits {
  return mediaTraits(deps.dataset.seedHash, recording, deps.opts.media);
}

/** The pre-signed object-store location of a recording's file (`extension` picks the format). */
export function signedLocation(
  deps: UrlDeps,
  recordingId: string,
  extension: string,
  issuedAt: number,
  apiBase: string,
): string {
  const path = `/s3/recordings/${recordingId}.${extension}`;
  return `${deps.downloads.base ?? apiBase}${path}?${deps.signer.sign(path, issuedAt, deps.opts.resultUrlTtlSeconds)}`;
}

/**
 * The URL handed out for a recording (resultUrl, mediaUri): its signed location, or for a share of
 * recordings (redirectShare) a signed URL on the API host that answers 302 to that location.
 */
export function recordingUrl(
  deps: UrlDeps,
  recording: { id: string; media: string },
  extension: string,
  issuedAt: number,
  apiBase: string,
): string {
  if (!traitsOf(deps, recording).redirect)
    return signedLocation(deps, recording.id, extension, issuedAt, apiBase);
  const path = `/s3-redirect/recordings/${recording.id}.${extension}`;
  return `${apiBase}${path}?${deps.signer.sign(path, issuedAt, deps.opts.resultUrlTtlSeconds)}`;
}

export type Reply = FastifyReply;
