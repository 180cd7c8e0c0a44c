// Runs: the list (newest date first, with live progress) and one run with its batches and failures.
import type { FastifyPluginAsync } from 'fastify';
import { parseIsoDate } from '../../lib/dates.js';
import { batchesOf } from '../../store/batches.js';
import { queueNames } from '../../store/directory-names.js';
import {
  failuresByReason,
  findRun,
  listRunsWithProgress,
  type RunWithProgress,
} from '../../store/queries-runs.js';
import { runRowJson } from '../../store/runs.js';
import type { RunState } from '../../store/schema.js';
import type { RouteOptions } from '../app.js';
import { errorResponses, HttpError } from '../errors.js';
import { batchSchema, DATE, failureSchema, QUEUE_ID, runSchema, runStatusSchema } from '../schemas.js';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function runJson(r: RunWithProgress, queueNames?: ReadonlyMap<string, string>) {
  return {
    ...runRowJson(r, queueNames),
    durationMs: r.finishedAt ? r.finishedAt.getTime() - r.startedAt.getTime() : null,
    progress: r.progress,
  };
}

/** Checks a YYYY-MM-DD that passed the schema's pattern is also a real calendar date. */
export function calendarDate(value: string, name: string): string {
  return parseIsoDate(value, name).toISODate()!;
}

interface ListQuery {
  from?: string;
  to?: string;
  queue?: string[];
  status?: RunState;
  limit: number;
}

export const runRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  app.get<{ Querystring: ListQuery }>(
    '/api/runs',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            from: DATE,
            to: DATE,
            queue: { type: 'array', items: QUEUE_ID, maxItems: 50 },
            status: runStatusSchema,
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['runs'],
            properties: { runs: { type: 'array', items: runSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const from = q.from && calendarDate(q.from, 'from');
      const to = q.to && calendarDate(q.to, 'to');
      if (from && to && to < from) throw new HttpError(400, 'BAD_REQUEST', `to ${to} is before from ${from}`);
      const rows = await listRunsWithProgress(deps.db, {
        from,
        to,
        queueIds: q.queue,
        status: q.status,
        limit: q.limit,
      });
      const names = await queueNames(deps.db, [...new Set(rows.map((r) => r.queueId))]);
      return { runs: rows.map((r) => runJson(r, names)) };
    },
  );

  app.get<{ Params: { date: string; queueId: string } }>(
    '/api/runs/:date/:queueId',
    {
      schema: {
        params: {
          type: 'object',
          required: ['date', 'queueId'],
          properties: { date: DATE, queueId: QUEUE_ID },
        },
        response: {
          200: {
            type: 'object',
            required: ['run', 'location', 'batches', 'failures'],
            properties: {
              run: runSchema,
              /** Where the day's audio and manifest are: a directory or an s3:// URL. */
              location: { type: 'string' },
              batches: { type: 'array', items: batchSchema },
              failures: { type: 'array', items: failureSchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const date = calendarDate(request.params.date, 'date');
      const { queueId } = request.params;
      const run = await findRun(deps.db, date, queueId);
      if (!run) throw new HttpError(404, 'RUN_NOT_FOUND', `no run for ${date} and queue ${queueId}`);
      // Batches belong to the date (one batch may carry several queues' recordings).
      const batches = await batchesOf(deps.db, date);
      return {
        run: runJson(run, await queueNames(deps.db, [queueId])),
        location: deps.storage.dayLocation(date),
        batches: batches.map((b) => ({
          ...b,
          createdAt: b.createdAt.toISOString(),
          submittedAt: iso(b.submittedAt),
          completedAt: iso(b.completedAt),
        })),
        failures: await failuresByReason(deps.db, date, queueId),
      };
    },
  );
};
