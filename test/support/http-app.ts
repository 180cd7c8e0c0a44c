// The HTTP app on a real port with a real embedded database, for tests that probe it from outside.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { parseConfig } from '../../src/config/schema.js';
import { type AppDeps, buildApp } from '../../src/http/app.js';
import { createMetrics } from '../../src/metrics/index.js';
import { LocalStorage } from '../../src/storage/local.js';
import { type DbHandle, openDb } from '../../src/store/db.js';

export const TEST_QUEUE = '11111111-1111-4111-8111-111111111111';
export const TEST_TOKEN = 'a-very-secret-api-token-0123456789abcdef';

export interface LiveApp {
  app: FastifyInstance;
  port: number;
  dataDir: string;
  enqueued: unknown[];
  close(): Promise<void>;
}

/** buildApp with `env` (DATA_DIR and a queue preset), listening on 127.0.0.1 whatever HOST says. */
export async function startApp(
  env: Record<string, string>,
  opts: { logger?: Logger; ping?: () => Promise<void>; tune?: AppDeps['tune'] } = {},
): Promise<LiveApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'audio-extract-http-'));
  let store: DbHandle | undefined;
  let app: FastifyInstance | undefined;
  const enqueued: unknown[] = [];
  try {
    store = await openDb({ dataDir });
    const config = parseConfig({ DATA_DIR: dataDir, GENESYS_QUEUE_IDS: TEST_QUEUE, ...env });
    const db = store.db;
    app = await buildApp({
      config,
      db,
      storage: new LocalStorage(path.join(dataDir, 'audio')),
      ping: opts.ping ?? (async () => {}),
      startDays: async (request) => {
        enqueued.push(request);
        return [
          {
            processDate: request.date ?? '',
            queueIds: [...(request.queueIds ?? [])],
            jobId: `job-${enqueued.length}`,
          },
        ];
      },
      metrics: createMetrics({ db, processMetrics: false }),
      logger: opts.logger,
      tune: opts.tune,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const opened = { app, store };
    return {
      app,
      port,
      dataDir,
      enqueued,
      close: async () => {
        await opened.app.close();
        await opened.store.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await app?.close();
    await store?.close();
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
}
