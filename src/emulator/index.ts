// Genesys Cloud emulator: a real HTTP server that reproduces the endpoints audio-extract uses, with
// deterministic data from a seed, declarative faults, a request journal, knobs for what production
// orgs send (the 'production' profile mixes them all) and an oracle of what should happen to each
// recording (docs/emulator.md).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AnalyticsConversation } from '../contracts/genesys.js';
import { mediaFile } from './audio/media.js';
import { createTranscodes } from './audio/transcodes.js';
import { createBatchJobs } from './batch/jobs.js';
import { isIsoDate } from './data/calendar.js';
import { EMULATOR_QUEUE_IDS } from './data/catalog.js';
import { createDataset } from './data/dataset.js';
import { renderRecording } from './data/render.js';
import { createTlsMaterial } from './http/certificates.js';
import type { ServerDeps } from './http/context.js';
import { recordingUrl, traitsOf } from './http/context.js';
import { createFaultEngine } from './http/faults.js';
import { createJournal } from './http/journal.js';
import { createRateLimiter } from './http/rate-limit.js';
import { oracleDeps } from './http/routes/control.js';
import { buildServer } from './http/server.js';
import { createUrlSigner } from './http/signing.js';
import { createTokenStore } from './http/tokens.js';
import { resolveOptions } from './options.js';
import { dayOracle } from './oracle.js';
import { createDetailsJobs } from './query/jobs.js';
import { createRng } from './random.js';
import type { Emulator, EmulatorOptions } from './types.js';

export { validateFaultRule } from './http/faults.js';
export { dayOracle } from './oracle.js';
export { ALL_PERMISSIONS } from './permissions.js';
export { PROFILES } from './profiles.js';
export type {
  CapturedNotification,
  Codec,
  DayOracle,
  Emulator,
  EmulatorClient,
  EmulatorDataset,
  EmulatorOptions,
  EmulatorPermission,
  FaultRule,
  JournalEntry,
  OracleConversation,
  OracleOptions,
  OracleRecording,
  RateWindow,
} from './types.js';
export { EMULATOR_QUEUE_IDS };

function urlOf(app: FastifyInstance, host: string, protocol: 'http' | 'https'): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const wildcard = host === '0.0.0.0' || host === '::';
  const shown = wildcard ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `${protocol}://${shown}:${port}`;
}

export async function buildEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const opts = resolveOptions(options);
  const dataset = createDataset(opts);
  const signer = createUrlSigner();

  let tls: { caFile: string; caPem: string; key: string; cert: string; tempDir?: string } | undefined;
  if (opts.tls) {
    const hosts = [
      ...new Set(['127.0.0.1', '::1', 'localhost', opts.host].filter((h) => h !== '0.0.0.0' && h !== '::')),
    ];
    const material = createTlsMaterial(hosts);
    const tempDir = opts.tls.caFile ? undefined : mkdtempSync(join(tmpdir(), 'audio-extract-emulator-'));
    const caFile = opts.tls.caFile ?? join(tempDir as string, 'ca.pem');
    writeFileSync(caFile, material.caPem);
    tls = {
      caFile,
      caPem: material.caPem,
      key: material.keyPem,
      cert: material.certPem,
      ...(tempDir ? { tempDir } : {}),
    };
  }
  const https = tls ? { key: tls.key, cert: tls.cert } : undefined;
  const protocol = tls ? 'https' : 'http';

  const deps: ServerDeps = {
    opts,
    dataset,
    tokens: createTokenStore(opts.tokenTtlSeconds, opts.now),
    limiter: createRateLimiter(opts.ratePerMinute, opts.now, opts.rateLimitScope),
    faults: createFaultEngine(opts.faults, opts.seed),
    journal: createJournal(),
    notifications: [],
    signer,
    transcodes: createTranscodes(opts.now),
    pendingInjections: { count: 0 },
    latencyRng: createRng(`latency:${opts.seed}`),
    downloads: {},
    jobs: undefined as never,
    detailsJobs: createDetailsJobs({
      dataset,
      now: opts.now,
      seed: opts.seed,
      timezone: opts.timezone,
      durationMs: opts.detailsJobDurationMs,
      dataLakeLagMs: opts.dataLakeLagMs,
      retentionDays: opts.retentionDays,
    }),
  };
  deps.jobs = createBatchJobs({
    dataset,
    now: opts.now,
    seed: opts.seed,
    durationMs: opts.batchJobDurationMs,
    metadataLagMs: opts.metadataLagMs,
    expectedCount: opts.sensitiveExpectedCount,
    traits: (recording) => traitsOf(deps, recording),
    resultUrl: (recording, extension, issuedAt, baseUrl) =>
      recordingUrl(deps, recording, extension, issuedAt, baseUrl),
  });

  const servers: FastifyInstance[] = [];
  const closeAll = async () => {
    await Promise.all(servers.map((s) => s.close()));
    if (tls?.tempDir) rmSync(tls.tempDir, { recursive: true, force: true });
  };
  try {
    if (opts.separateDownloadHost) {
      const downloads = buildServer(deps, 'downloads', https);
      servers.push(downloads);
      await downloads.listen({ host: opts.host, port: 0 });
      deps.downloads.base = urlOf(downloads, opts.host, protocol);
    }
    const app = buildServer(deps, 'api', https);
    servers.push(app);
    await app.listen({ host: opts.host, port: opts.port });
    const url = urlOf(app, opts.host, protocol);
    return assemble(deps, url, tls, closeAll);
  } catch (e) {
    await closeAll();
    throw e;
  }
}

function assemble(
  deps: ServerDeps,
  url: string,
  tls: { caFile: string; caPem: string } | undefined,
  close: () => Promise<void>,
): Emulator {
  const { opts, dataset } = deps;
  return {
    url,
    downloadUrl: deps.downloads.base ?? url,
    ...(tls ? { tls: { caFile: tls.caFile, caPem: tls.caPem } } : {}),
    profile: opts.profile,
    queueIds: dataset.queues.map((q) => q.id),
    journal: {
      entries: () => deps.journal.entries(),
      clear: () => deps.journal.clear(),
      rateWindows: (clientId) => deps.limiter.windows(clientId),
    },
    oracle: (date, o) => dayOracle(oracleDeps(deps), date, o),
    faults: { add: (rule) => deps.faults.add(rule), clear: () => deps.faults.clear() },
    notifications: () => deps.notifications.map((n) => ({ ...n })),
    dataset: {
      conversationsOnLocalDay(date) {
        if (!isIsoDate(date)) throw new RangeError(`conversationsOnLocalDay expects YYYY-MM-DD, got ${date}`);
        const views: AnalyticsConversation[] = [];
        dataset.eachOnDay(date, opts.now(), (_t, v) => views.push(v));
        return views.sort((a, b) =>
          a.conversationStart < b.conversationStart ? -1 : a.conversationStart > b.conversationStart ? 1 : 0,
        );
      },
      recordingsOf(conversationId) {
        const c = dataset.conversation(conversationId);
        const now = opts.now();
        if (!c || now < c.start) return [];
        return c.recordings.map((r) => renderRecording(c, r, now)).filter((m) => m !== undefined);
      },
      audioOf(recordingId) {
        const found = dataset.recording(recordingId);
        if (!found) throw new RangeError(`unknown recording id ${recordingId}`);
        const traits = traitsOf(deps, found.recording);
        const file = mediaFile(
          dataset.seedHash,
          found.recording,
          found.conversation.plan.id,
          opts.audioBytes,
          traits.container,
        );
        return { bytes: file.bytes, contentType: traits.contentType };
      },
    },
    control: {
      settleAll: () => dataset.settle(opts.now()),
      injectConversationDuringPaging: () => {
        deps.pendingInjections.count++;
      },
    },
    close,
  };
}
