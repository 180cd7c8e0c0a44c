// Defaults of EmulatorOptions in one place (docs/emulator.md lists the same values). A profile supplies
// base values; options given explicitly win over the profile's.
import type { MediaOptions } from './audio/traits.js';
import { type DayMix, DEFAULT_MIX } from './data/day-plan.js';
import { ALL_PERMISSIONS } from './permissions.js';
import { isProfileName, PROFILES, type ProfileName } from './profiles.js';
import type { Codec, EmulatorOptions, FaultRule } from './types.js';

export interface ClientConfig {
  secret: string;
  permissions: ReadonlySet<string>;
}

export interface ResolvedOptions {
  profile: ProfileName;
  seed: string;
  host: string;
  port: number;
  clients: ReadonlyMap<string, ClientConfig>;
  mainClientId: string;
  tokenTtlSeconds: number;
  ratePerMinute: number;
  rateLimitScope: 'client' | 'token';
  resultUrlTtlSeconds: number;
  maxPageSize: number;
  conversationsPerDay: number;
  queueCount: number;
  timezone: string;
  latencyMs: { mean: number; jitter: number };
  batchJobDurationMs: { min: number; max: number };
  audioBytes: { min: number; max: number };
  faults: FaultRule[];
  now: () => number;
  activityClause: boolean;
  logger: boolean;
  mix: DayMix;
  media: MediaOptions;
  separateDownloadHost: boolean;
  sensitiveExpectedCount: 'includes-excluded' | 'drops-excluded';
  emptyMediaUrisForMs: number;
  metadataLagMs: number;
  departedAgents: number;
  lookBackDays: number;
  dataLakeLagMs: number;
  detailsJobDurationMs: { min: number; max: number };
  retentionDays: number;
  tls: false | { caFile?: string };
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`emulator option ${name} must be >= 0`);
  return value;
}

function share(name: string, value: number | undefined): number {
  const v = value ?? 0;
  if (!Number.isFinite(v) || v < 0 || v > 1)
    throw new RangeError(`emulator option ${name} must be within 0..1`);
  return v;
}

function range(name: string, r: { min: number; max: number }): { min: number; max: number } {
  if (!(r.min >= 0) || r.max < r.min) throw new RangeError(`emulator option ${name} needs 0 <= min <= max`);
  return r;
}

function permissionsWithout(missing: readonly string[] | undefined): ReadonlySet<string> {
  for (const p of missing ?? []) {
    if (!(ALL_PERMISSIONS as readonly string[]).includes(p)) {
      throw new RangeError(`emulator: unknown permission "${p}" (known: ${ALL_PERMISSIONS.join(', ')})`);
    }
  }
  return new Set(ALL_PERMISSIONS.filter((p) => !(missing ?? []).includes(p)));
}

export function resolveOptions(given: EmulatorOptions = {}): ResolvedOptions {
  const profile = given.profile ?? 'default';
  if (!isProfileName(profile))
    throw new RangeError(
      `emulator: unknown profile "${String(profile)}" (known: ${Object.keys(PROFILES).join(', ')})`,
    );
  const o: EmulatorOptions = { ...(PROFILES[profile] as EmulatorOptions), ...given };
  const clientId = o.clientId ?? 'emulator';
  const clients = new Map<string, ClientConfig>([
    [
      clientId,
      { secret: o.clientSecret ?? 'emulator', permissions: permissionsWithout(o.missingPermissions) },
    ],
  ]);
  for (const c of o.extraClients ?? []) {
    clients.set(c.clientId, {
      secret: c.clientSecret,
      permissions: permissionsWithout(c.missingPermissions),
    });
  }
  const audio = o.audioBytes ?? { min: 16_000, max: 64_000 };
  // A WAV needs its 44-byte header plus at least one stereo frame.
  if (audio.min < 48 || audio.max < audio.min)
    throw new RangeError('emulator option audioBytes needs 48 <= min <= max');
  const batch = o.batchJobDurationMs ?? { min: 500, max: 2000 };
  if (batch.max < batch.min) throw new RangeError('emulator option batchJobDurationMs needs min <= max');
  const codecs: Record<Codec, number> = { wav: 0, ogg: 0, opus: 0, webm: 0, ...(o.codecs ?? { wav: 1 }) };
  for (const [k, w] of Object.entries(codecs)) nonNegative(`codecs.${k}`, w);
  const fs = o.fileStates ?? {};
  const mix: DayMix = {
    ...DEFAULT_MIX,
    chat: share('otherMedia.chat', o.otherMedia?.chat),
    email: share('otherMedia.email', o.otherMedia?.email),
    message: share('otherMedia.message', o.otherMedia?.message),
    callback: share('otherMedia.callback', o.otherMedia?.callback),
    restoring: share('fileStates.restoring', fs.restoring),
    restored: share('fileStates.restored', fs.restored),
    error: share('fileStates.error', fs.error),
    titleCaseFileState: share('fileStates.titleCase', fs.titleCase),
    sensitive: share('sensitiveData.share', o.sensitiveData?.share),
    metadataLag: share('metadataLag.share', o.metadataLag?.share),
    emptyMediaUris: share('emptyMediaUris.share', o.emptyMediaUris?.share),
    unusualParticipants: share('unusualParticipants', o.unusualParticipants),
    handleTimeLag: share('handleTimeLag', o.handleTimeLag),
    noRecordingFlag: share('noRecordingFlag', o.noRecordingFlag),
  };
  if (mix.chat + mix.email + mix.message + mix.callback > 0.5)
    throw new RangeError('emulator option otherMedia: the shares must add up to at most 0.5');
  return {
    profile,
    seed: String(o.seed ?? 1),
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    clients,
    mainClientId: clientId,
    tokenTtlSeconds: nonNegative('tokenTtlSeconds', o.tokenTtlSeconds ?? 86_399),
    ratePerMinute: nonNegative('ratePerMinute', o.ratePerMinute ?? 300),
    rateLimitScope: o.rateLimitScope ?? 'client',
    resultUrlTtlSeconds: nonNegative('resultUrlTtlSeconds', o.resultUrlTtlSeconds ?? 3600),
    maxPageSize: nonNegative('maxPageSize', o.maxPageSize ?? 100),
    conversationsPerDay: Math.floor(nonNegative('conversationsPerDay', o.conversationsPerDay ?? 300)),
    queueCount: Math.max(1, Math.floor(o.queueCount ?? 3)),
    timezone: o.timezone ?? 'America/Lima',
    latencyMs: o.latencyMs ?? { mean: 0, jitter: 0 },
    batchJobDurationMs: batch,
    audioBytes: audio,
    faults: [...(o.faults ?? [])],
    now: o.now ?? Date.now,
    activityClause: o.activityClause ?? true,
    logger: o.logger ?? false,
    mix,
    media: {
      codecs,
      genericContentTypeShare: share('genericContentTypeShare', o.genericContentTypeShare),
      redirectShare: share('redirectShare', o.redirectShare),
    },
    separateDownloadHost: o.separateDownloadHost ?? false,
    sensitiveExpectedCount: o.sensitiveData?.expectedResultCount ?? 'includes-excluded',
    emptyMediaUrisForMs: nonNegative('emptyMediaUris.forMs', o.emptyMediaUris?.forMs ?? 5 * 60_000),
    metadataLagMs: nonNegative('metadataLag.forMs', o.metadataLag?.forMs ?? 30 * 60_000),
    departedAgents: Math.min(8, Math.floor(nonNegative('departedAgents', o.departedAgents ?? 0))),
    // Off by default: product tests query fixed past dates against the real clock (see the report).
    lookBackDays: Math.floor(nonNegative('lookBackDays', o.lookBackDays ?? 0)),
    dataLakeLagMs: nonNegative('dataLakeLagMs', o.dataLakeLagMs ?? 3 * 3_600_000),
    detailsJobDurationMs: range('detailsJobDurationMs', o.detailsJobDurationMs ?? { min: 1000, max: 3000 }),
    retentionDays: Math.floor(nonNegative('retentionDays', o.retentionDays ?? 730)),
    tls: o.tls === true ? {} : o.tls ? o.tls : false,
  };
}
