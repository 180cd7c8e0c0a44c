// Aggregates for the dashboard: service info, recordings per day by state with the API calls each date
// cost, and the handle-time distribution.
import type { FastifyPluginAsync } from 'fastify';
import { DateTime } from 'luxon';
import { defaultProcessDate, localToday } from '../../lib/dates.js';
import { queueNames } from '../../store/directory-names.js';
import { apiCallsByDay, handleTimeHistogram, recordingsByDay } from '../../store/queries-stats.js';
import type { RouteOptions } from '../app.js';
import { errorResponses, HttpError } from '../errors.js';
import { COUNTS, DATE, QUEUE_ID } from '../schemas.js';
import { calendarDate } from './runs.js';

const shift = (date: string, days: number) =>
  DateTime.fromISO(date, { zone: 'UTC' }).plus({ days }).toISODate()!;

export const statsRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  const { config } = deps;
  const today = () => localToday(deps.clock.now(), config.TIMEZONE);

  app.get(
    '/api/info',
    {
      schema: {
        response: {
          200: {
            type: 'object',
            properties: {
              timezone: { type: 'string' },
              schedule: { type: 'string' },
              queueIds: { type: 'array', items: { type: 'string' } },
              /** the configured queues with their names in Genesys (null until a run looked them up) */
              queues: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['id', 'name'],
                  properties: { id: { type: 'string' }, name: { type: ['string', 'null'] } },
                },
              },
              today: DATE,
              defaultProcessDate: DATE,
              reconcileDays: { type: 'integer' },
              writeNeedsToken: { type: 'boolean' },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => ({
      timezone: config.TIMEZONE,
      schedule: config.SCHEDULE,
      queueIds: [...config.GENESYS_QUEUE_IDS],
      queues: await (async () => {
        const names = await queueNames(deps.db, config.GENESYS_QUEUE_IDS);
        return config.GENESYS_QUEUE_IDS.map((id) => ({ id, name: names.get(id) ?? null }));
      })(),
      today: today(),
      defaultProcessDate: defaultProcessDate(today()),
      reconcileDays: config.RECONCILE_DAYS,
      writeNeedsToken: Boolean(config.API_TOKEN),
    }),
  );

  app.get<{ Querystring: { days: number } }>(
    '/api/stats/daily',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { days: { type: 'integer', minimum: 1, maximum: 366, default: 30 } },
        },
        response: {
          200: {
            type: 'object',
            required: ['from', 'to', 'days'],
            properties: {
              from: DATE,
              to: DATE,
              days: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['processDate', 'byState', 'apiCalls', 'rateLimited', 'retries'],
                  properties: {
                    processDate: DATE,
                    byState: COUNTS,
                    apiCalls: { type: 'integer' },
                    rateLimited: { type: 'integer' },
                    retries: { type: 'integer' },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const to = shift(today(), -1);
      const from = shift(to, -(request.query.days - 1));
      const states = new Map(
        (await recordingsByDay(deps.db, from, to)).map((d) => [d.processDate, d.byState]),
      );
      const calls = new Map((await apiCallsByDay(deps.db, from, to)).map((d) => [d.processDate, d]));
      const days = Array.from({ length: request.query.days }, (_, i) => {
        const processDate = shift(from, i);
        const c = calls.get(processDate);
        return {
          processDate,
          byState: states.get(processDate) ?? {},
          apiCalls: Number(c?.apiCalls ?? 0),
          rateLimited: Number(c?.rateLimited ?? 0),
          retries: Number(c?.retries ?? 0),
        };
      });
      return { from, to, days };
    },
  );

  app.get<{ Querystring: { from?: string; to?: string; queue?: string } }>(
    '/api/stats/handle-time',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { from: DATE, to: DATE, queue: QUEUE_ID },
        },
        response: {
          200: {
            type: 'object',
            required: ['from', 'to', 'total', 'buckets'],
            properties: {
              from: DATE,
              to: DATE,
              total: { type: 'integer' },
              buckets: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['fromS', 'toS', 'count'],
                  properties: {
                    fromS: { type: 'number' },
                    toS: { type: ['number', 'null'] },
                    count: { type: 'integer' },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const to = request.query.to ? calendarDate(request.query.to, 'to') : shift(today(), -1);
      const from = request.query.from ? calendarDate(request.query.from, 'from') : shift(to, -29);
      if (to < from) throw new HttpError(400, 'BAD_REQUEST', `to ${to} is before from ${from}`);
      const buckets = await handleTimeHistogram(deps.db, { from, to, queueId: request.query.queue });
      return { from, to, total: buckets.reduce((a, b) => a + b.count, 0), buckets };
    },
  );
};
