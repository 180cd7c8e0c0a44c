// Prometheus metrics, one registry per app (no global default registry, so tests and several apps in one
// process never share counters). Three sources:
//  - the Genesys client's own counters (genesys.stats()), copied in a collect callback on each scrape;
//  - the database, read on each scrape (recordings by state, last success per queue): these are right
//    whichever process did the work, which is what an alert on a missed day needs;
//  - this process's work, observed as it happens (day runs, batches, bytes; see day-run.ts).
// Every metric is documented in docs/api.md.
import type { Logger } from 'pino';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ApiCallStats } from '../genesys/types.js';
import { errorMessage } from '../lib/errors.js';
import type { Db } from '../store/db.js';
import {
  jobsByState,
  leasesByOwner,
  recordingsByState,
  runsByStatus,
  runTimesPerQueue,
} from '../store/queries-stats.js';
import { RECORDING_STATES, RUN_STATES } from '../store/schema.js';

export interface MetricsDeps {
  db: Db;
  /** the process' Genesys client counters; absent when the process has no client */
  genesysStats?: () => ApiCallStats;
  logger?: Logger;
  /** process_* and nodejs_* metrics (default true; tests may turn them off) */
  processMetrics?: boolean;
}

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  dayRuns: Counter<'status'>;
  dayRunDuration: Histogram<'status'>;
  batchDuration: Histogram;
  downloadedBytes: Counter;
}

const P = 'audio_extract_';

export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  const registers = [registry];
  if (deps.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const stats = deps.genesysStats;
  /** A DB read failing must not break the scrape: keep the last values and say so in the log. */
  const fromDb = <T>(name: string, read: (this: T) => Promise<void>) =>
    async function (this: T) {
      try {
        await read.call(this);
      } catch (e) {
        deps.logger?.warn(
          { metric: name, err: errorMessage(e) },
          'could not read a metric from the database',
        );
      }
    };

  new Counter({
    name: `${P}genesys_requests_total`,
    help: 'Genesys API requests sent by this process, by logical endpoint and HTTP status (or "error")',
    labelNames: ['endpoint', 'status'],
    registers,
    collect() {
      if (!stats) return;
      this.reset();
      for (const [endpoint, byStatus] of Object.entries(stats().statuses)) {
        for (const [status, n] of Object.entries(byStatus)) this.inc({ endpoint, status }, n);
      }
    },
  });
  new Counter({
    name: `${P}genesys_rate_limited_total`,
    help: 'Genesys responses with status 429 (rate limited) received by this process',
    registers,
    collect() {
      if (!stats) return;
      this.reset();
      this.inc(stats().rateLimited);
    },
  });
  new Counter({
    name: `${P}genesys_retries_total`,
    help: 'Genesys requests this process sent again after a retryable failure (429, 5xx, network)',
    registers,
    collect() {
      if (!stats) return;
      this.reset();
      this.inc(stats().retries);
    },
  });
  new Counter({
    name: `${P}genesys_limiter_wait_seconds_total`,
    help: 'Time callers spent waiting for the Genesys rate limiter (300 requests/minute by default)',
    registers,
    collect() {
      if (!stats) return;
      this.reset();
      this.inc(stats().limiterWaitMs / 1000);
    },
  });

  new Gauge({
    name: `${P}recordings`,
    help: 'Recordings in the database by state (all process dates)',
    labelNames: ['state'],
    registers,
    collect: fromDb('recordings', async function (this: Gauge<'state'>) {
      const rows = await recordingsByState(deps.db);
      for (const state of RECORDING_STATES) this.set({ state }, rows.find((r) => r.state === state)?.n ?? 0);
    }),
  });
  new Gauge({
    name: `${P}runs`,
    help: 'Run rows (one per process date and queue) by status',
    labelNames: ['status'],
    registers,
    collect: fromDb('runs', async function (this: Gauge<'status'>) {
      const rows = await runsByStatus(deps.db);
      for (const status of RUN_STATES) this.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
    }),
  });
  new Gauge({
    name: `${P}last_success_timestamp_seconds`,
    help: 'When the newest successful run of the queue finished (Unix time); alert when it gets too old',
    labelNames: ['queue'],
    registers,
    collect: fromDb('last_success', async function (this: Gauge<'queue'>) {
      const rows = await runTimesPerQueue(deps.db);
      this.reset();
      for (const r of rows) if (r.lastSuccessS !== null) this.set({ queue: r.queueId }, r.lastSuccessS);
    }),
  });
  new Gauge({
    name: `${P}last_run_duration_seconds`,
    help: 'How long the newest finished run of the queue took',
    labelNames: ['queue'],
    registers,
    collect: fromDb('last_run_duration', async function (this: Gauge<'queue'>) {
      const rows = await runTimesPerQueue(deps.db);
      this.reset();
      for (const r of rows) if (r.lastDurationS !== null) this.set({ queue: r.queueId }, r.lastDurationS);
    }),
  });

  // Several workers on one PostgreSQL (ADR 0016, docs/scaling.md): the work waiting for a worker, and
  // what each worker holds now. The embedded database has one process and these stay at 0.
  new Gauge({
    name: `${P}jobs`,
    help: 'Days (extract-day) and batches (extract-batch) queued (created, or waiting to be retried) or being worked (active)',
    labelNames: ['queue', 'state'],
    registers,
    collect: fromDb('jobs', async function (this: Gauge<'queue' | 'state'>) {
      const rows = await jobsByState(deps.db);
      this.reset();
      for (const queue of ['extract-day', 'extract-batch'])
        for (const state of ['created', 'active'])
          this.set({ queue, state }, rows.find((r) => r.queue === queue && r.state === state)?.n ?? 0);
    }),
  });
  new Gauge({
    name: `${P}leases`,
    help: 'Live leases by holder (host/pid/nonce of a worker, serve or run) and kind (day, batch, job, worker)',
    labelNames: ['owner', 'kind'],
    registers,
    collect: fromDb('leases', async function (this: Gauge<'owner' | 'kind'>) {
      const rows = await leasesByOwner(deps.db);
      this.reset();
      for (const r of rows) this.set({ owner: r.owner, kind: r.kind }, r.n);
    }),
  });

  return {
    registry,
    httpRequests: new Counter({
      name: `${P}http_requests_total`,
      help: 'Requests to this service (API, dashboard, health), by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    }),
    dayRuns: new Counter({
      name: `${P}day_runs_total`,
      help: 'Process dates this process ran (extract-day jobs), by outcome',
      labelNames: ['status'],
      registers,
    }),
    dayRunDuration: new Histogram({
      name: `${P}day_run_duration_seconds`,
      help: 'Wall time of one process date run by this process, by outcome',
      labelNames: ['status'],
      buckets: [10, 30, 60, 300, 600, 1800, 3600, 7200, 14_400, 28_800],
      registers,
    }),
    batchDuration: new Histogram({
      name: `${P}batch_duration_seconds`,
      help: 'Latency of Genesys batch download jobs, from submission to completion',
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers,
    }),
    downloadedBytes: new Counter({
      name: `${P}downloaded_bytes_total`,
      help: 'Audio bytes downloaded and verified by this process',
      registers,
    }),
  };
}
