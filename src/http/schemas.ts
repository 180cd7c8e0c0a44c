// JSON schemas shared by the routes (request validation and response serialisation).
import { RECORDING_STATES, RUN_STATES } from '../store/schema.js';

export const DATE = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;
export const QUEUE_ID = { type: 'string', pattern: '^[0-9a-fA-F-]{8,64}$' } as const;
export const NULLABLE_STRING = { type: ['string', 'null'] } as const;
export const COUNTS = { type: 'object', additionalProperties: { type: 'number' } } as const;

export const recordingStateSchema = { type: 'string', enum: [...RECORDING_STATES] } as const;
export const runStatusSchema = { type: 'string', enum: [...RUN_STATES] } as const;

export const progressSchema = {
  type: 'object',
  required: ['total', 'done', 'conversations', 'byState'],
  properties: {
    total: { type: 'integer' },
    done: { type: 'integer' },
    conversations: { type: 'integer' },
    byState: COUNTS,
  },
} as const;

export const runSchema = {
  type: 'object',
  required: ['processDate', 'queueId', 'status', 'attempts', 'counts', 'startedAt', 'progress'],
  properties: {
    processDate: DATE,
    queueId: { type: 'string' },
    /** the queue's name in Genesys, null until a run has looked it up */
    queueName: NULLABLE_STRING,
    status: runStatusSchema,
    attempts: { type: 'integer' },
    counts: COUNTS,
    error: NULLABLE_STRING,
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: ['string', 'null'], format: 'date-time' },
    durationMs: { type: ['integer', 'null'] },
    progress: progressSchema,
  },
} as const;

export const batchSchema = {
  type: 'object',
  required: ['id', 'status', 'items', 'submissions'],
  properties: {
    id: { type: 'integer' },
    jobId: NULLABLE_STRING,
    status: { type: 'string' },
    items: { type: 'integer' },
    submissions: { type: 'integer' },
    error: NULLABLE_STRING,
    createdAt: { type: 'string', format: 'date-time' },
    submittedAt: { type: ['string', 'null'], format: 'date-time' },
    completedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

export const failureSchema = {
  type: 'object',
  required: ['state', 'reason', 'count'],
  properties: { state: recordingStateSchema, reason: { type: 'string' }, count: { type: 'integer' } },
} as const;

export const recordingSchema = {
  type: 'object',
  required: ['conversationId', 'recordingId', 'queueId', 'state', 'attempts'],
  properties: {
    conversationId: { type: 'string' },
    recordingId: { type: 'string' },
    queueId: { type: 'string' },
    conversationStart: { type: 'string' },
    durationMs: { type: ['integer', 'null'] },
    media: NULLABLE_STRING,
    state: recordingStateSchema,
    reason: NULLABLE_STRING,
    attempts: { type: 'integer' },
    file: NULLABLE_STRING,
    bytes: { type: ['integer', 'null'] },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export const jobAcceptedSchema = {
  type: 'object',
  required: ['jobId', 'processDate', 'queueIds'],
  properties: {
    jobId: { type: 'string' },
    processDate: DATE,
    queueIds: { type: 'array', items: { type: 'string' } },
    requeued: { type: 'integer' },
    notReady: { type: 'integer' },
  },
} as const;
