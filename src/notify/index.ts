// The run-summary e-mail: build the payload (pure) and send it to NOTIFY_URL (with retries).
export {
  buildNotification,
  escapeHtml,
  FAILED_SUBJECT_PREFIX,
  formatDuration,
  type NotificationInput,
  type NotificationPayload,
  type QueueLabel,
  type RunOutcome,
  type RunSummary,
} from './payload.js';
export {
  type AttemptFailure,
  decideNotifyRetry,
  NotifyError,
  parseRetryAfter,
  type RetryDecision,
  type SendNotificationOptions,
  type SendResult,
  sendNotification,
} from './send.js';
