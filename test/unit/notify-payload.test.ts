import { describe, expect, it } from 'vitest';
import {
  buildNotification,
  decideNotifyRetry,
  formatDuration,
  type NotificationInput,
  parseRetryAfter,
} from '../../src/notify/index.js';

function input(overrides: Partial<NotificationInput> = {}): NotificationInput {
  return {
    date: '2024-01-31',
    outcome: 'success',
    subjectTemplate: 'Transcripcion y Analisis de AUDIOS-SAC {date}',
    message: 'Audios extraidos para la fecha ',
    emails: ['ops@example.com', 'data@example.com'],
    summary: {
      queues: ['queue-a', 'queue-b'],
      conversations: 10,
      recordings: 12,
      byStatus: { pending: 1, downloaded: 9, failed: 2 },
      totalDurationMs: 3_723_000,
      failures: [
        { reason: 'HTTP 404', count: 1 },
        { reason: 'timeout', count: 1 },
      ],
    },
    ...overrides,
  };
}

describe('buildNotification', () => {
  it('produces exactly the payload fields of the notification contract', () => {
    const p = buildNotification(input());
    expect(Object.keys(p)).toEqual(['title', 'subject', 'priority', 'htmlContent', 'to']);
    expect(p.title).toBe('Transcripcion y Analisis de AUDIOS-SAC 2024-01-31');
    expect(p.subject).toBe(p.title);
    expect(p.priority).toBe('sendinblue');
    expect(p.to).toEqual([
      { name: '', email: 'ops@example.com' },
      { name: '', email: 'data@example.com' },
    ]);
    expect(p.htmlContent.startsWith('Audios extraidos para la fecha 2024-01-31')).toBe(true);
  });

  it('summarises counts by status, total duration and failures grouped by reason', () => {
    const p = buildNotification(
      input({
        summary: {
          ...input().summary,
          failures: [
            { reason: 'timeout', count: 2 },
            { reason: 'HTTP 404', count: 1 },
            { reason: 'timeout', count: 3 },
          ],
        },
      }),
    );
    expect(p.htmlContent).toContain('Conversaciones: 10');
    expect(p.htmlContent).toContain('Grabaciones: 12');
    expect(p.htmlContent).toContain('Duración total: 1:02:03');
    expect(p.htmlContent).toContain('Colas: queue-a, queue-b');
    // Known statuses in lifecycle order, not in object order.
    expect(p.htmlContent).toMatch(/descargadas: 9.*fallidas: 2.*pendientes: 1/);
    expect(p.htmlContent).toMatch(/timeout: 5<\/li><li>HTTP 404: 1/);
  });

  it('replaces every {date} in the subject template', () => {
    const p = buildNotification(input({ subjectTemplate: '{date} audios {date}' }));
    expect(p.subject).toBe('2024-01-31 audios 2024-01-31');
  });

  it('says a failed run failed in the subject and shows the error', () => {
    const p = buildNotification(
      input({ outcome: 'failed', summary: { ...input().summary, error: 'DB down' } }),
    );
    expect(p.subject).toBe('[FALLIDO] Transcripcion y Analisis de AUDIOS-SAC 2024-01-31');
    expect(p.title).toBe(p.subject);
    expect(p.htmlContent).toContain('El proceso falló');
    expect(p.htmlContent).toContain('DB down');
  });

  it('says so when there was nothing to process', () => {
    const p = buildNotification(
      input({
        outcome: 'empty',
        summary: {
          queues: [],
          conversations: 0,
          recordings: 0,
          byStatus: {},
          totalDurationMs: 0,
          failures: [],
        },
      }),
    );
    expect(p.subject).toBe('Transcripcion y Analisis de AUDIOS-SAC 2024-01-31');
    expect(p.htmlContent).toContain('No se encontraron conversaciones');
    expect(p.htmlContent).toContain('Duración total: 0:00:00');
    expect(p.htmlContent).not.toContain('Fallos por motivo');
  });

  it('names the queues, with the id on hover, and shows the id of a queue without a known name', () => {
    const p = buildNotification(
      input({
        summary: {
          ...input().summary,
          queues: [
            { id: 'q-1', name: 'Atención al Cliente' },
            { id: 'q-2', name: null },
            { id: 'q-3', name: 'Ventas <Lima>' },
          ],
        },
      }),
    );
    expect(p.htmlContent).toContain(
      '<li>Colas: <span title="q-1">Atención al Cliente</span>, q-2, <span title="q-3">Ventas &lt;Lima&gt;</span></li>',
    );
  });

  it('HTML-escapes every interpolated text', () => {
    const p = buildNotification(
      input({
        outcome: 'failed',
        message: '<b>Audios</b> & "más" ',
        summary: {
          ...input().summary,
          queues: ['<script>alert(1)</script>'],
          byStatus: { '<odd>': 1 },
          failures: [{ reason: `it's <broken>`, count: 1 }],
          error: '<img src=x onerror=alert(1)>',
        },
      }),
    );
    expect(p.htmlContent.startsWith('&lt;b&gt;Audios&lt;/b&gt; &amp; &quot;más&quot; 2024-01-31')).toBe(true);
    expect(p.htmlContent).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(p.htmlContent).toContain('&lt;odd&gt;: 1');
    expect(p.htmlContent).toContain('it&#39;s &lt;broken&gt;: 1');
    expect(p.htmlContent).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(p.htmlContent).not.toMatch(/<script|<img|<odd|<broken|<b>/);
  });

  it('keeps pre-signed URL signatures out of the error shown in the mail', () => {
    const p = buildNotification(
      input({
        outcome: 'failed',
        summary: { ...input().summary, error: 'GET https://s3/x?X-Amz-Signature=abc123def failed' },
      }),
    );
    expect(p.htmlContent).not.toContain('abc123def');
  });

  it('caps a long list of failure reasons', () => {
    const failures = Array.from({ length: 25 }, (_, i) => ({ reason: `r${i}`, count: 1 }));
    const p = buildNotification(input({ summary: { ...input().summary, failures } }));
    expect(p.htmlContent).toContain('y 5 motivos más');
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0:00:00'],
    [999, '0:00:01'],
    [59_000, '0:00:59'],
    [3_600_000, '1:00:00'],
    [90_061_000, '25:01:01'],
    [-5, '0:00:00'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('decideNotifyRetry', () => {
  const policy = { retries: 3, baseDelayMs: 1000, maxDelayMs: 5000 };
  it.each([
    [{ kind: 'status', status: 500 } as const, 1, { retry: true, delayMs: 1000 }],
    [{ kind: 'status', status: 503 } as const, 2, { retry: true, delayMs: 2000 }],
    [{ kind: 'network' } as const, 3, { retry: true, delayMs: 4000 }],
    [{ kind: 'timeout' } as const, 4, { retry: false }],
    [{ kind: 'status', status: 400 } as const, 1, { retry: false }],
    [{ kind: 'status', status: 404 } as const, 1, { retry: false }],
    [{ kind: 'status', status: 429, retryAfterMs: 2500 } as const, 1, { retry: true, delayMs: 2500 }],
    [{ kind: 'status', status: 503, retryAfterMs: 60_000 } as const, 1, { retry: true, delayMs: 5000 }],
    [{ kind: 'status', status: 408 } as const, 3, { retry: true, delayMs: 4000 }],
  ])('%j after attempt %d → %j', (failure, attempt, decision) => {
    expect(decideNotifyRetry(failure, attempt, policy)).toEqual(decision);
  });

  it('caps exponential backoff at maxDelayMs', () => {
    expect(decideNotifyRetry({ kind: 'network' }, 10, { ...policy, retries: 20 })).toEqual({
      retry: true,
      delayMs: 5000,
    });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const now = Date.parse('2024-01-31T10:00:00Z');
    expect(parseRetryAfter('Wed, 31 Jan 2024 10:00:05 GMT', now)).toBe(5000);
  });
});
