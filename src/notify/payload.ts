// The e-mail sent through the notification service (seed §2, "API de Notificaciones"). The JSON shape
// is a contract with that service and is kept exactly: title, subject, priority 'sendinblue',
// htmlContent and to[{name:'', email}]. htmlContent starts with EMAIL_MESSAGE + date, as the previous
// job sent it, and then adds a short summary of the run. Recipients read Spanish, so the summary is too.
import { redactText } from '../lib/redact.js';

export type RunOutcome = 'success' | 'empty' | 'failed';

/** A queue the run covered: its id, or its id and name (the name is shown, the id on hover). */
export type QueueLabel = string | { id: string; name?: string | null };

export interface RunSummary {
  /** The queues the run covered. */
  queues: QueueLabel[];
  conversations: number;
  recordings: number;
  /** Recordings per final status, e.g. `{ downloaded: 120, unavailable: 2 }`. */
  byStatus: Record<string, number>;
  totalDurationMs: number;
  failures: { reason: string; count: number }[];
  /** Why the run failed (outcome 'failed'); must already be free of secrets. */
  error?: string;
}

export interface NotificationInput {
  /** Process date, YYYY-MM-DD. */
  date: string;
  outcome: RunOutcome;
  /** EMAIL_SUBJECT; `{date}` is replaced. Default 'Transcripcion y Analisis de AUDIOS-SAC {date}'. */
  subjectTemplate: string;
  /** EMAIL_MESSAGE, e.g. 'Audios extraidos para la fecha '. */
  message: string;
  /** EMAILS. */
  emails: string[];
  summary: RunSummary;
}

export interface NotificationPayload {
  title: string;
  subject: string;
  priority: 'sendinblue';
  htmlContent: string;
  to: { name: string; email: string }[];
}

export const FAILED_SUBJECT_PREFIX = '[FALLIDO] ';
// A run with many distinct failure reasons must not produce a mail nobody reads to the end.
const MAX_FAILURE_REASONS = 20;
const STATUS_ORDER = ['downloaded', 'unavailable', 'failed', 'pending'];
const STATUS_LABEL: Record<string, string> = {
  downloaded: 'descargadas',
  unavailable: 'no disponibles',
  failed: 'fallidas',
  pending: 'pendientes',
};

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Milliseconds as h:mm:ss (hours are not wrapped at 24). */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round((Number.isFinite(ms) ? ms : 0) / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

function statusRows(byStatus: Record<string, number>): string[] {
  const keys = Object.keys(byStatus).sort((a, b) => {
    const ia = STATUS_ORDER.indexOf(a);
    const ib = STATUS_ORDER.indexOf(b);
    if (ia !== ib) return (ia < 0 ? STATUS_ORDER.length : ia) - (ib < 0 ? STATUS_ORDER.length : ib);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  return keys.map((k) => `<li>${escapeHtml(STATUS_LABEL[k] ?? k)}: ${byStatus[k]}</li>`);
}

function failureRows(failures: RunSummary['failures']): string[] {
  const grouped = new Map<string, number>();
  for (const f of failures) grouped.set(f.reason, (grouped.get(f.reason) ?? 0) + f.count);
  const sorted = [...grouped].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const rows = sorted
    .slice(0, MAX_FAILURE_REASONS)
    .map(([reason, count]) => `<li>${escapeHtml(redactText(reason))}: ${count}</li>`);
  if (sorted.length > MAX_FAILURE_REASONS) {
    rows.push(`<li>… y ${sorted.length - MAX_FAILURE_REASONS} motivos más</li>`);
  }
  return rows;
}

/** People know queues by name; the id stays at hand on hover, for a ticket to Genesys support. */
function queueHtml(q: QueueLabel): string {
  if (typeof q === 'string') return escapeHtml(q);
  return q.name ? `<span title="${escapeHtml(q.id)}">${escapeHtml(q.name)}</span>` : escapeHtml(q.id);
}

function summaryHtml(outcome: RunOutcome, s: RunSummary): string {
  const parts: string[] = [];
  if (outcome === 'failed') {
    parts.push(
      `<p><strong>El proceso falló.</strong> ${escapeHtml(redactText(s.error ?? 'sin detalle'))}</p>`,
    );
  } else if (outcome === 'empty') {
    parts.push('<p>No se encontraron conversaciones para procesar.</p>');
  }
  const items = [
    `<li>Colas: ${s.queues.length > 0 ? s.queues.map(queueHtml).join(', ') : '(ninguna)'}</li>`,
    `<li>Conversaciones: ${s.conversations}</li>`,
    `<li>Grabaciones: ${s.recordings}</li>`,
    `<li>Duración total: ${formatDuration(s.totalDurationMs)}</li>`,
  ];
  parts.push(`<ul>${items.join('')}</ul>`);
  const statuses = statusRows(s.byStatus);
  if (statuses.length > 0) parts.push(`<p>Grabaciones por estado:</p><ul>${statuses.join('')}</ul>`);
  const failures = failureRows(s.failures);
  if (failures.length > 0) parts.push(`<p>Fallos por motivo:</p><ul>${failures.join('')}</ul>`);
  return parts.join('');
}

/** Builds the notification service payload for one run. Pure: no I/O, same input → same payload. */
export function buildNotification(input: NotificationInput): NotificationPayload {
  const base = input.subjectTemplate.split('{date}').join(input.date);
  const subject = input.outcome === 'failed' ? FAILED_SUBJECT_PREFIX + base : base;
  const htmlContent = escapeHtml(input.message + input.date) + summaryHtml(input.outcome, input.summary);
  return {
    title: subject,
    subject,
    priority: 'sendinblue',
    htmlContent,
    to: input.emails.map((email) => ({ name: '', email })),
  };
}
