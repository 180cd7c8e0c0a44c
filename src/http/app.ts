// The operations HTTP app: JSON API, Prometheus metrics, health checks and the dashboard. Built by a
// factory from its dependencies (STYLE §13); `server.ts` only listens. Each route area is a plugin.
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { type Clock, systemClock } from '../lib/clock.js';
import type { Metrics } from '../metrics/index.js';
import type { StartedDay } from '../scheduler/day-jobs.js';
import type { DayRequest } from '../scheduler/plan-days.js';
import type { AudioStorage } from '../storage/index.js';
import type { Db } from '../store/db.js';
import { installAuth } from './auth.js';
import { answerClientError, answerFrameworkError, HttpError, installErrorHandlers } from './errors.js';
import { actionRoutes } from './routes/actions.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { dayRoutes } from './routes/days.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { runRoutes } from './routes/runs.js';
import { statsRoutes } from './routes/stats.js';

export type AppConfig = Pick<
  Config,
  | 'TIMEZONE'
  | 'SCHEDULE'
  | 'GENESYS_QUEUE_IDS'
  | 'API_TOKEN'
  | 'HOST'
  | 'RECONCILE_DAYS'
  | 'API_RATE_LIMIT_PER_MINUTE'
>;

/** Limits that are not operator settings; tests shorten them. */
export interface AppTuning {
  /** Time a client has to send a whole request (headers and body). Default 30 s. */
  requestTimeoutMs?: number;
}

export interface AppDeps {
  config: AppConfig;
  db: Db;
  /** Where the days' files are: the manifest routes read them, the run view says where they are. */
  storage: Pick<AudioStorage, 'openDayFile' | 'dayLocation' | 'url'>;
  /** Resolves when the database answers (readiness). */
  ping(): Promise<void>;
  /** Starts days through the job queue (startDays, src/scheduler/day-jobs.ts): one job per date. */
  startDays(request: DayRequest): Promise<StartedDay[]>;
  metrics: Metrics;
  logger?: Logger;
  clock?: Clock;
  tune?: AppTuning;
}

/** What every route plugin receives. */
export interface RouteOptions {
  deps: Required<Pick<AppDeps, 'clock'>> & AppDeps;
}

/**
 * A client has this long to send a whole request. Fastify's default is no limit, so a client that
 * sends a header a minute ("slow loris") would hold a connection for ever. API requests are small.
 */
const REQUEST_TIMEOUT_MS = 30_000;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const logger: FastifyBaseLogger | undefined = deps.logger?.child({ component: 'http' });
  const requestTimeout = deps.tune?.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const app: FastifyInstance = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    // The dashboard polls every few seconds: per-request log lines would drown the run's own logs.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    requestTimeout,
    // Node looks for timed-out requests every 30 s by default, which would let one live up to twice
    // its limit; the check walks the open connections only, so doing it more often costs little.
    http: { connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.floor(requestTimeout / 4))) },
    // Errors Fastify answers before any route or hook runs (bad %-encoding, malformed HTTP): same
    // error shape as everything else.
    frameworkErrors: answerFrameworkError,
    clientErrorHandler: answerClientError,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  installErrorHandlers(app);
  if (deps.config.API_RATE_LIMIT_PER_MINUTE > 0) {
    const max = deps.config.API_RATE_LIMIT_PER_MINUTE;
    await app.register(rateLimit, {
      global: false,
      max,
      timeWindow: 60_000,
      errorResponseBuilder: (_request, context) =>
        new HttpError(
          429,
          'RATE_LIMITED',
          `more than ${max} requests a minute from this address; retry in ${context.after}`,
        ),
    });
    // A root hook added before the token check: it counts every request, refused, unknown or not, so
    // guessing tokens or paths costs as much as using the API.
    app.addHook('onRequest', app.rateLimit());
  }
  installAuth(app, { token: deps.config.API_TOKEN, host: deps.config.HOST });
  app.addHook('onResponse', async (request, reply) => {
    deps.metrics.httpRequests.inc({
      method: request.method,
      // The route pattern, not the URL: dates and ids would make one series per request.
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    });
  });
  const opts: RouteOptions = { deps: { ...deps, clock: deps.clock ?? systemClock } };
  await app.register(healthRoutes, opts);
  await app.register(metricsRoutes, opts);
  await app.register(runRoutes, opts);
  await app.register(dayRoutes, opts);
  await app.register(actionRoutes, opts);
  await app.register(statsRoutes, opts);
  await app.register(dashboardRoutes, opts);
  return app;
}
