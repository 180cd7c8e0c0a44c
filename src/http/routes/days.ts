// A process date's recordings (paged) and its manifest (JSON lines, or CSV), as the transcription stage
// and people read them, from wherever the storage keeps them (local directory or S3 bucket).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { errorMessage } from '../../lib/errors.js';
import { redactText } from '../../lib/redact.js';
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

  const sendDayFile = async (
    request: FastifyRequest<{ Params: { date: string } }>,
    name: DayFileName,
    download: string,
    reply: FastifyReply,
  ) => {
    const processDate = calendarDate(request.params.date, 'date');
    let file: Awaited<ReturnType<typeof deps.storage.openDayFile>>;
    try {
      file = await deps.storage.openDayFile(processDate, name);
    } catch (e) {
      // A storage problem (a bucket refusing, credentials gone) is the service's, not the client's: the
      // details (bucket, endpoint, the fix) go to the log, not to whoever asked.
      request.log.error({ err: redactText(errorMessage(e)), processDate, file: name }, 'storage read failed');
      throw new HttpError(
        503,
        'STORAGE_UNAVAILABLE',
        `the ${name} of ${processDate} could not be read from the storage; see the service log`,
      );
    }
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
    (request, reply) => sendDayFile(request, MANIFEST_FILE, 'manifest-{date}.jsonl', reply),
  );

  app.get<{ Params: { date: string } }>(
    '/api/days/:date/manifest.csv',
    { schema: { params: dateParams, response: errorResponses } },
    (request, reply) => sendDayFile(request, CSV_FILE, 'manifest-{date}.csv', reply),
  );
};
