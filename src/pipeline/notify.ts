// Stage 7: e-mail the outcome through the notification service (seed §2), once per distinct outcome of
// a process date: a resumed or repeated run that changes nothing does not e-mail again.
import { createHash } from 'node:crypto';
import { errorMessage } from '../lib/errors.js';
import { buildNotification, NotifyError, type RunOutcome, sendNotification } from '../notify/index.js';
import { queueNames } from '../store/directory-names.js';
import { claimNotification, markNotification } from '../store/notifications.js';
import type { PipelineDeps } from './deps.js';
import type { DaySummary } from './report.js';

/**
 * How long a claim to send lets nobody else send the same e-mail: longer than a send can last (4
 * attempts of at most 30 s and their waits, notify/send.ts), so only a sender that crashed loses it.
 */
const CLAIM_MS = 10 * 60_000;

export type NotifyResult = { sent: boolean; reason?: string; status?: number };

export async function notify(
  deps: PipelineDeps,
  input: {
    processDate: string;
    queueIds: readonly string[];
    outcome: RunOutcome;
    summary?: DaySummary;
    error?: string;
  },
): Promise<NotifyResult> {
  const { config, db, logger } = deps;
  if (!config.NOTIFY_URL) {
    logger.info(
      { stage: 'notify', processDate: input.processDate },
      'NOTIFY_URL is not set: no e-mail is sent',
    );
    return { sent: false, reason: 'NOTIFY_URL not set' };
  }
  const s = input.summary;
  // From the database, so a day that failed before its names were looked up still shows the known ones.
  const names = await queueNames(db, input.queueIds);
  const payload = buildNotification({
    date: input.processDate,
    outcome: input.outcome,
    subjectTemplate: config.EMAIL_SUBJECT,
    message: config.EMAIL_MESSAGE,
    emails: [...config.EMAILS],
    summary: {
      queues: input.queueIds.map((id) => ({ id, name: names.get(id) ?? null })),
      conversations: s?.conversations ?? 0,
      recordings: s?.recordings ?? 0,
      byStatus: s?.byStatus ?? {},
      totalDurationMs: s?.totalDurationMs ?? 0,
      failures: s?.failures ?? [],
      error: input.error,
    },
  });
  const dedupeKey = createHash('sha256').update(JSON.stringify(payload)).digest('hex').slice(0, 32);
  const row = await claimNotification(
    db,
    { processDate: input.processDate, dedupeKey, outcome: input.outcome, payload },
    deps.workerId,
    CLAIM_MS,
  );
  if (!row) {
    logger.info({ stage: 'notify', processDate: input.processDate }, 'this outcome was already e-mailed');
    return { sent: false, reason: 'already sent' };
  }
  try {
    const res = await sendNotification({
      url: config.NOTIFY_URL,
      payload,
      clock: deps.clock,
      signal: deps.signal,
    });
    await markNotification(db, row.id, {
      status: 'sent',
      attempts: res.attempts,
      httpStatus: res.status,
      error: null,
    });
    logger.info({ stage: 'notify', processDate: input.processDate, status: res.status }, 'notification sent');
    return { sent: true, status: res.status };
  } catch (e) {
    await markNotification(db, row.id, {
      status: 'failed',
      attempts: e instanceof NotifyError ? e.attempts : 1,
      httpStatus: e instanceof NotifyError ? (e.status ?? null) : null,
      error: errorMessage(e),
    });
    throw e;
  }
}
