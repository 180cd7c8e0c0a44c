// Defaults of EmulatorOptions in one place (docs/emulator.md lists the same values).
import type { EmulatorOptions, FaultRule } from './types.js';

export interface ResolvedOptions {
  seed: string;
  host: string;
  port: number;
  clients: ReadonlyMap<string, string>;
  tokenTtlSeconds: number;
  ratePerMinute: number;
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
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`emulator option ${name} must be >= 0`);
  return value;
}

export function resolveOptions(o: EmulatorOptions = {}): ResolvedOptions {
  const clientId = o.clientId ?? 'emulator';
  const clients = new Map<string, string>([[clientId, o.clientSecret ?? 'emulator']]);
  for (const c of o.extraClients ?? []) clients.set(c.clientId, c.clientSecret);
  const audio = o.audioBytes ?? { min: 16_000, max: 64_000 };
  // A WAV needs its 44-byte header plus at least one stereo frame.
  if (audio.min < 48 || audio.max < audio.min)
    throw new RangeError('emulator option audioBytes needs 48 <= min <= max');
  const batch = o.batchJobDurationMs ?? { min: 500, max: 2000 };
  if (batch.max < batch.min) throw new RangeError('emulator option batchJobDurationMs needs min <= max');
  return {
    seed: String(o.seed ?? 1),
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    clients,
    tokenTtlSeconds: nonNegative('tokenTtlSeconds', o.tokenTtlSeconds ?? 86_399),
    ratePerMinute: nonNegative('ratePerMinute', o.ratePerMinute ?? 300),
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
  };
}
