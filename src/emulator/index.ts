// Genesys Cloud emulator: a real HTTP server that reproduces the endpoints audio-extract uses, with
// deterministic data from a seed, declarative faults and a request journal (docs/emulator.md).
import type { AnalyticsConversation } from '../contracts/genesys.js';
import { mediaFile } from './audio/media.js';
import { createTranscodes } from './audio/transcodes.js';
import { createBatchJobs } from './batch/jobs.js';
import { isIsoDate } from './data/calendar.js';
import { EMULATOR_QUEUE_IDS } from './data/catalog.js';
import { createDataset } from './data/dataset.js';
import { renderRecording } from './data/render.js';
import type { ServerDeps } from './http/context.js';
import { signedRecordingUrl } from './http/context.js';
import { createFaultEngine } from './http/faults.js';
import { createJournal } from './http/journal.js';
import { createRateLimiter } from './http/rate-limit.js';
import { buildServer } from './http/server.js';
import { createUrlSigner } from './http/signing.js';
import { createTokenStore } from './http/tokens.js';
import { resolveOptions } from './options.js';
import { createRng } from './random.js';
import type { Emulator, EmulatorOptions } from './types.js';

export { validateFaultRule } from './http/faults.js';
export type {
  CapturedNotification,
  Emulator,
  EmulatorDataset,
  EmulatorOptions,
  FaultRule,
  JournalEntry,
} from './types.js';
export { EMULATOR_QUEUE_IDS };

export async function buildEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const opts = resolveOptions(options);
  const dataset = createDataset(opts);
  const signer = createUrlSigner();
  const deps: ServerDeps = {
    opts,
    dataset,
    tokens: createTokenStore(opts.tokenTtlSeconds, opts.now),
    limiter: createRateLimiter(opts.ratePerMinute, opts.now),
    faults: createFaultEngine(opts.faults, opts.seed),
    journal: createJournal(),
    notifications: [],
    signer,
    transcodes: createTranscodes(opts.now),
    pendingInjections: { count: 0 },
    latencyRng: createRng(`latency:${opts.seed}`),
    jobs: undefined as never,
  };
  deps.jobs = createBatchJobs({
    dataset,
    now: opts.now,
    seed: opts.seed,
    durationMs: opts.batchJobDurationMs,
    resultUrl: (recording, issuedAt, baseUrl) => signedRecordingUrl(deps, recording, issuedAt, baseUrl),
  });

  const app = buildServer(deps);
  await app.listen({ host: opts.host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const wildcard = opts.host === '0.0.0.0' || opts.host === '::';
  const host = wildcard ? '127.0.0.1' : opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const url = `http://${host}:${port}`;

  return {
    url,
    queueIds: dataset.queues.map((q) => q.id),
    journal: { entries: () => deps.journal.entries(), clear: () => deps.journal.clear() },
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
        const file = mediaFile(dataset.seedHash, found.recording, opts.audioBytes);
        return { bytes: file.bytes, contentType: file.contentType };
      },
    },
    control: {
      settleAll: () => dataset.settle(opts.now()),
      injectConversationDuringPaging: () => {
        deps.pendingInjections.count++;
      },
    },
    close: async () => {
      await app.close();
    },
  };
}
