// Write actions: trigger a run of a date, and retry a date's failed recordings. Both only start the
// day (startDays: one extract-day job, and the stately queue keeps one per date), so they answer at once
// with 202 and the job id; the run shows up in /api/runs as it progresses.
import type { FastifyPluginAsync } from 'fastify';
import { checkProcessDate, localToday } from '../../lib/dates.js';
import { isAppError } from '../../lib/errors.js';
import { notReadyCount, queuesOfDate } from '../../store/queries-runs.js';
import { requeueFailed } from '../../store/recordings.js';
import type { RouteOptions } from '../app.js';
import { errorResponses, HttpError } from '../errors.js';
import { DATE, jobAcceptedSchema, QUEUE_ID } from '../schemas.js';
import { calendarDate } from './runs.js';

const queueIdsSchema = {
  type: 'array',
  items: QUEUE_ID,
  minItems: 1,
  maxItems: 50,
  uniqueItems: true,
} as const;

export const actionRoutes: FastifyPluginAsync<RouteOptions> = async (app, { deps }) => {
  const { config } = deps;

  /** A date the job can extract: finished in TIMEZONE (older days go through the details jobs). */
  const extractableDate = (value: string, name: string): string => {
    const date = calendarDate(value, name);
    try {
      checkProcessDate(date, localToday(deps.clock.now(), config.TIMEZONE));
    } catch (e) {
      if (isAppError(e)) throw new HttpError(400, 'INVALID_DATE', e.message.replace('--date', name));
      throw e;
    }
    return date;
  };

  const startDay = async (date: string, queueIds: readonly string[]): Promise<string> => {
    const [day] = await deps.startDays({ date, queueIds });
    return day!.jobId;
  };

  app.post<{ Body: { processDate: string; queueIds?: string[] } }>(
    '/api/runs',
    {
      schema: {
        body: {
          type: 'object',
          required: ['processDate'],
          additionalProperties: false,
          properties: { processDate: DATE, queueIds: queueIdsSchema },
        },
        response: { 202: jobAcceptedSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const processDate = extractableDate(request.body.processDate, 'processDate');
      const queueIds = request.body.queueIds ?? [...config.GENESYS_QUEUE_IDS];
      if (queueIds.length === 0) {
        throw new HttpError(400, 'NO_QUEUES', 'no queue to extract: send queueIds or set GENESYS_QUEUE_IDS');
      }
      const jobId = await startDay(processDate, queueIds);
      request.log.info({ processDate, queueIds, jobId }, 'run requested through the API');
      return reply.status(202).send({ jobId, processDate, queueIds });
    },
  );

  app.post<{ Params: { date: string }; Body: { queueIds?: string[] } }>(
    '/api/days/:date/retry',
    {
      schema: {
        params: { type: 'object', required: ['date'], properties: { date: DATE } },
        body: { type: 'object', additionalProperties: false, properties: { queueIds: queueIdsSchema } },
        response: { 202: jobAcceptedSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const processDate = extractableDate(request.params.date, 'date');
      const known = await queuesOfDate(deps.db, processDate);
      if (known.length === 0) {
        throw new HttpError(
          404,
          'RUN_NOT_FOUND',
          `${processDate} was never run: start it with POST /api/runs`,
        );
      }
      const queueIds = request.body?.queueIds ?? known;
      // Failed recordings go back to pending; not-ready ones (wrap-up, transcoding) need nothing: every
      // run of the date looks at them again.
      const requeued = await requeueFailed(deps.db, processDate);
      const notReady = await notReadyCount(deps.db, processDate);
      const jobId = await startDay(processDate, queueIds);
      request.log.info({ processDate, requeued, notReady, jobId }, 'retry requested through the API');
      return reply.status(202).send({ jobId, processDate, queueIds, requeued, notReady });
    },
  );
};
