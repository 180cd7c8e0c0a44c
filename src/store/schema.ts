// The one database schema (PostgreSQL dialect), used on embedded PGlite and on PostgreSQL 15+.
// Work is rows with explicit states (STYLE §5); every natural key is unique so re-runs are idempotent.
// Change it only by adding a migration: `npm run db:generate -- --name <what>` (forward-only).

import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

export const RUN_STATES = ['RUNNING', 'SUCCESS', 'FAILED'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** A conversation is `ready` once Genesys has finished it (conversationEnd and tHandle present). */
export const CONVERSATION_STATES = ['ready', 'not_ready'] as const;
export type ConversationState = (typeof CONVERSATION_STATES)[number];

/**
 * pending      → resolved and available, waiting for a batch
 * batched      → assigned to a batch (submitted or about to be)
 * downloaded   → on disk, size and sha256 verified (final)
 * unavailable  → Genesys says it cannot be had (archived, deleted, screen-only…) (final, with reason)
 * waiting      → not ready yet (UPLOADING, transcoding, conversation in wrap-up): a later run retries
 * failed       → gave up after retries (final for this run, with reason; `retry` puts it back to pending)
 * expanded     → a conversation-wide row (recording_id '') that is done with: a request
 *                (RECORDING_LOOKUP=conversation) whose batch results became one row per recording, or a
 *                wait for a recorded conversation's metadata that ended (final; not a recording itself)
 *
 * The conversation-wide row (recording_id '') is either a batch item for every recording of a
 * conversation (RECORDING_LOOKUP=conversation), or, `waiting`/`unavailable`, a recorded conversation whose
 * metadata Genesys has not published (`[]` or 404; revisited by later runs, then given up on).
 */
export const RECORDING_STATES = [
  'pending',
  'batched',
  'downloaded',
  'unavailable',
  'waiting',
  'failed',
  'expanded',
] as const;

/** recording_id of a conversation-wide request: "all recordings of the conversation". */
export const ALL_RECORDINGS = '';
export type RecordingState = (typeof RECORDING_STATES)[number];

/** created → submitted → completed | abandoned. A `created` batch has no Genesys job yet. */
export const BATCH_STATES = ['created', 'submitted', 'completed', 'abandoned'] as const;
export type BatchState = (typeof BATCH_STATES)[number];

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const runs = pgTable(
  'runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    processDate: text('process_date').notNull(),
    queueId: text('queue_id').notNull(),
    status: text('status').$type<RunState>().notNull(),
    attempts: integer('attempts').notNull().default(1),
    counts: jsonb('counts').$type<Record<string, number>>().notNull().default({}),
    error: text('error'),
    startedAt: ts('started_at').notNull().defaultNow(),
    finishedAt: ts('finished_at'),
  },
  (t) => [
    uniqueIndex('runs_date_queue_uq').on(t.processDate, t.queueId),
    index('runs_status_idx').on(t.status),
  ],
);

export const conversations = pgTable(
  'conversations',
  {
    conversationId: text('conversation_id').primaryKey(),
    processDate: text('process_date').notNull(),
    queueId: text('queue_id').notNull(),
    queueIds: jsonb('queue_ids').$type<string[]>().notNull(),
    agentUserIds: jsonb('agent_user_ids').$type<string[]>().notNull(),
    conversationStart: text('conversation_start').notNull(),
    conversationEnd: text('conversation_end'),
    durationMs: bigint('duration_ms', { mode: 'number' }),
    direction: text('direction'),
    state: text('state').$type<ConversationState>().notNull(),
    /**
     * the sessions' `recording` flag: true (a recording was started), false (they say none was: no
     * metadata call), null (no session carries the flag: looked up all the same)
     */
    recorded: boolean('recorded'),
    /** recordings looked up for the conversation in its current state */
    lookedUp: boolean('looked_up').notNull().default(false),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    // What the manifest tells about the call besides ids (issue 17), from the details query.
    /** each agent's participantName, in the order of agent_user_ids (null where Genesys gave none) */
    agentNames: jsonb('agent_names').$type<(string | null)[]>(),
    /** the agents' finished wrap-up segments, in order: code id and note */
    wrapUps: jsonb('wrap_ups').$type<WrapUp[]>(),
    /** caller and dialled numbers: personal data, stored only with MANIFEST_ANI_DNIS=true */
    ani: text('ani'),
    dnis: text('dnis'),
  },
  (t) => [index('conversations_date_idx').on(t.processDate, t.state)],
);

export interface WrapUp {
  code: string;
  note: string | null;
}

export const batches = pgTable(
  'batches',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    processDate: text('process_date').notNull(),
    jobId: text('job_id'),
    status: text('status').$type<BatchState>().notNull(),
    items: integer('items').notNull(),
    /** how many times this batch's items were (re)submitted */
    submissions: integer('submissions').notNull().default(0),
    error: text('error'),
    createdAt: ts('created_at').notNull().defaultNow(),
    submittedAt: ts('submitted_at'),
    completedAt: ts('completed_at'),
  },
  (t) => [
    uniqueIndex('batches_job_uq').on(t.jobId),
    index('batches_date_status_idx').on(t.processDate, t.status),
  ],
);

export const recordings = pgTable(
  'recordings',
  {
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.conversationId),
    recordingId: text('recording_id').notNull(),
    processDate: text('process_date').notNull(),
    media: text('media'),
    fileState: text('file_state'),
    state: text('state').$type<RecordingState>().notNull(),
    reason: text('reason'),
    batchId: bigint('batch_id', { mode: 'number' }).references(() => batches.id),
    attempts: integer('attempts').notNull().default(0),
    file: text('file'),
    bytes: bigint('bytes', { mode: 'number' }),
    sha256: text('sha256'),
    contentType: text('content_type'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** the recording's own start and end as its metadata gives them (ISO-8601; null when unknown) */
    startTime: text('start_time'),
    endTime: text('end_time'),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.recordingId] }),
    index('recordings_date_state_idx').on(t.processDate, t.state),
    index('recordings_batch_idx').on(t.batchId),
  ],
);

export const notifications = pgTable(
  'notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    processDate: text('process_date').notNull(),
    /** one notification per process date and outcome fingerprint: a re-run that changes nothing sends nothing */
    dedupeKey: text('dedupe_key').notNull(),
    outcome: text('outcome').notNull(),
    status: text('status').$type<'sending' | 'sent' | 'failed'>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    httpStatus: integer('http_status'),
    error: text('error'),
    payload: jsonb('payload').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    sentAt: ts('sent_at'),
    /** who is sending it (status `sending`) and until when the claim holds (ADR 0016) */
    claimedBy: text('claimed_by'),
    claimExpiresAt: ts('claim_expires_at'),
  },
  (t) => [uniqueIndex('notifications_dedupe_uq').on(t.processDate, t.dedupeKey)],
);

/** What the ids in the data are called in Genesys: queues, users (with their manager) and wrap-up codes. */
export const NAME_KINDS = ['queue', 'user', 'wrapUpCode'] as const;
export type NameKind = (typeof NAME_KINDS)[number];

/**
 * Names looked up in Genesys (src/pipeline/names.ts), kept so every reader (manifest, status, dashboard,
 * e-mail, API) shows the same ones, and a run that cannot look them up still has the last ones known.
 */
export const directoryNames = pgTable(
  'directory_names',
  {
    kind: text('kind').$type<NameKind>().notNull(),
    id: text('id').notNull(),
    name: text('name').notNull(),
    /** users: their manager's user id, where the org sets one */
    managerId: text('manager_id'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.id] })],
);

// ---------------------------------------------------------------------------------------------------
// Several processes on one PostgreSQL (ADR 0016, 0017)

/**
 * Who works what right now: a key (`day:2024-05-01`, `batch:42`) held by one process (`owner`) until
 * `expires_at`, by the database's clock; the holder renews it while it works, so a process that dies
 * loses it within one lease period and another takes the work over.
 */
export const leases = pgTable('leases', {
  key: text('key').primaryKey(),
  owner: text('owner').notNull(),
  expiresAt: ts('expires_at').notNull(),
  acquiredAt: ts('acquired_at').notNull().defaultNow(),
});

/**
 * Marks every process on the database must find where it stores its files (ADR 0016): `data_dir` is
 * the random mark of the one local DATA_DIR all workers share (DATA_DIR/.audio-extract-mark).
 */
export const sharedMarks = pgTable('shared_marks', {
  name: text('name').primaryKey(),
  mark: text('mark').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/**
 * One Genesys rate budget per OAuth client (`client_key`: API host and client id), shared by every
 * process: a token bucket whose state is `tokens` at `updated_at`, refilled by each caller's own rate,
 * and closed to everyone until `blocked_until` after a 429 or a spent window. `taker` asked last, at
 * `taken_at`; while another process asked within the last HTTP timeout the budget is shared until
 * `shared_until`, and a process alone on it may spend the server's window as one process does (ADR 0017).
 */
export const rateBudgets = pgTable('rate_budgets', {
  clientKey: text('client_key').primaryKey(),
  tokens: doublePrecision('tokens').notNull(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  blockedUntil: ts('blocked_until').notNull().default(sql`'epoch'`),
  taker: text('taker'),
  takenAt: ts('taken_at').notNull().default(sql`'epoch'`),
  sharedUntil: ts('shared_until').notNull().default(sql`'epoch'`),
});
