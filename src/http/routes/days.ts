// A process date's recordings (paged) and its manifest file, as the transcription stage reads it.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { audioDir, MANIFEST_FILE } from '../../storage/index.js';
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

  app.get<{ Params: { date: string } }>(
    '/api/days/:date/manifest',
    { schema: { params: dateParams, response: errorResponses } },
    async (request, reply) => {
      const processDate = calendarDate(request.params.date, 'date');
      const file = join(audioDir(deps.config.DATA_DIR, processDate), MANIFEST_FILE);
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) {
        throw new HttpError(
          404,
          'MANIFEST_NOT_FOUND',
          `no manifest for ${processDate} yet: it is written when a run of the date finishes`,
        );
      }
      reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-length', info.size)
        .header('content-disposition', `attachment; filename="manifest-${processDate}.jsonl"`);
      return reply.send(createReadStream(file));
    },
  );
};
