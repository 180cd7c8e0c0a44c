// A process date's recordings (paged) and its manifest (JSON lines, or CSV), as the transcription stage
// and people read them, from wherever the storage keeps them (local directory or S3 bucket).
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { CSV_FILE, DAY_FILE_TYPES, type DayFileName, MANIFEST_FILE } from '../../storage/index.js';
import { recordingsPage } from '../../store/queries-runs.js';
import type { RecordingState } from '../../store/schema.js';
import type { RouteOptions } from '../app.js';
import { errorResponses, HttpError } from '../errors.js';
import { DATE, QUEUE_ID, recordingSchema, recordingStateSchema } from '../schemas.js';
import { calendarDate } from './runs.js';

const dateParams = {
  type: 'object',
  required: ['date'],
  properties: { date: DATE },
} as const;

interface PageQuery {
  status?: RecordingState;
  queue?: string;
  limit: number;
  offset: number;
}

export const dayRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  app.get<{ Params: { date: string }; Querystring: PageQuery }>(
    '/api/days/:date/recordings',
    {
      schema: {
        params: dateParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            status: recordingStateSchema,
            queue: QUEUE_ID,
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['processDate', 'total', 'limit', 'offset', 'items'],
            properties: {
              processDate: DATE,
              total: { type: 'integer' },
              limit: { type: 'integer' },
              offset: { type: 'integer' },
              items: { type: 'array', items: recordingSchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const processDate = calendarDate(request.params.date, 'date');
      const { status, queue, limit, offset } = request.query;
      const page = await recordingsPage(deps.db, {
        processDate,
        state: status,
        queueId: queue,
        limit,
        offset,
      });
      return {
        processDate,
        total: page.total,
        limit,
        offset,
        items: page.items.map((r) => ({ ...r, updatedAt: r.updatedAt.toISOString() })),
      };
    },
  );

  const sendDayFile = async (date: string, name: DayFileName, download: string, reply: FastifyReply) => {
    const processDate = calendarDate(date, 'date');
    const file = await deps.storage.openDayFile(processDate, name);
    if (!file) {
      throw new HttpError(
        404,
        'MANIFEST_NOT_FOUND',
        `no manifest for ${processDate} yet: it is written when a run of the date finishes`,
      );
    }
    reply
      .type(DAY_FILE_TYPES[name])
      .header('content-length', file.bytes)
      .header('content-disposition', `attachment; filename="${download.replace('{date}', processDate)}"`);
    return reply.send(file.body);
  };

  app.get<{ Params: { date: string } }>(
    '/api/days/:date/manifest',
    { schema: { params: dateParams, response: errorResponses } },
    (request, reply) => sendDayFile(request.params.date, MANIFEST_FILE, 'manifest-{date}.jsonl', reply),
  );

  app.get<{ Params: { date: string } }>(
    '/api/days/:date/manifest.csv',
    { schema: { params: dateParams, response: errorResponses } },
    (request, reply) => sendDayFile(request.params.date, CSV_FILE, 'manifest-{date}.csv', reply),
  );
};
