// The home page: a form to run a date, the runs by day with live progress, and the charts.
import { api } from './api.js';
import { bars, histogram, stackedBars } from './charts.js';
import { badge, formatDuration, formatTime, h, progressBar, shortId } from './dom.js';

export const STATE_SERIES = [
  ['downloaded', 'downloaded', '#2e9d5b'],
  ['unavailable', 'unavailable', '#98a2b3'],
  ['failed', 'failed', '#d4493f'],
  ['waiting', 'waiting (not ready)', '#8c6bd6'],
  ['batched', 'in a batch', '#2f6fdb'],
  ['pending', 'pending', '#d99a1e'],
];

function runForm(info, onStarted) {
  const input = h('input', {
    type: 'date',
    name: 'processDate',
    value: info.defaultProcessDate,
    max: info.defaultProcessDate,
    required: true,
  });
  const message = h('div', { class: 'message' });
  const form = h(
    'form',
    { class: 'row', id: 'run-form' },
    h('label', {}, 'Process date ', input),
    h('button', { class: 'primary', type: 'submit' }, 'Run'),
    message,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    message.className = 'message';
    try {
      const r = await api('/api/runs', { method: 'POST', body: { processDate: input.value } });
      message.textContent = `Queued ${r.processDate} (job ${shortId(r.jobId)})`;
      onStarted();
    } catch (err) {
      message.className = 'message error';
      message.textContent = err.message;
    }
  });
  return form;
}

function runsTable(runs) {
  if (runs.length === 0)
    return h(
      'p',
      { class: 'muted' },
      'No run yet. Runs appear here when the schedule fires or you start one.',
    );
  let lastDate = null;
  const rows = runs.map((r) => {
    const first = r.processDate !== lastDate;
    lastDate = r.processDate;
    return h(
      'tr',
      {
        class: first ? 'day-start' : '',
        'data-date': r.processDate,
        'data-queue': r.queueId,
        'data-status': r.status,
      },
      h('td', {}, first ? r.processDate : ''),
      h('td', { class: 'queue', title: r.queueId }, r.queueName ?? shortId(r.queueId)),
      h('td', {}, badge(r.status)),
      h('td', {}, progressBar(r.progress, r.status === 'RUNNING')),
      h('td', { class: 'num' }, r.progress.conversations),
      h('td', { class: 'num' }, r.attempts),
      h('td', {}, formatTime(r.startedAt)),
      h('td', {}, formatDuration(r.durationMs)),
      h('td', {}, h('a', { href: `#/run/${r.processDate}/${r.queueId}` }, 'details')),
    );
  });
  const head = [
    'Date',
    'Queue',
    'Status',
    'Recordings done',
    'Conversations',
    'Attempts',
    'Started',
    'Took',
    '',
  ];
  return h(
    'table',
    { id: 'runs' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        head.map((t) => h('th', {}, t)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

async function charts() {
  const [daily, handle] = await Promise.all([api('/api/stats/daily?days=30'), api('/api/stats/handle-time')]);
  const label = (d) => d.processDate.slice(5);
  const byDay = stackedBars(
    daily.days.map((d) => ({ label: label(d), values: d.byState })),
    STATE_SERIES,
    'Recordings per day by status',
  );
  const calls = bars(
    daily.days.map((d) => ({ label: label(d), value: d.apiCalls, overlay: d.rateLimited })),
    { value: 'API calls', color: '#2f6fdb', overlay: '429 responses', overlayColor: '#d4493f' },
    'Genesys API calls and 429s per day',
  );
  return h(
    'div',
    { class: 'grid' },
    h(
      'section',
      { class: 'card', id: 'chart-recordings' },
      h('h2', {}, 'Recordings per day (30 days)'),
      byDay,
    ),
    h(
      'section',
      { class: 'card', id: 'chart-handle-time' },
      h('h2', {}, `Handle time (${handle.from} to ${handle.to}, ${handle.total} conversations)`),
      histogram(handle.buckets, 'Handle time distribution'),
    ),
    h(
      'section',
      { class: 'card', id: 'chart-api-calls' },
      h('h2', {}, 'Genesys API calls and 429s per run day'),
      calls,
    ),
  );
}

/** Renders into `view`; returns whether a run is active (the caller polls faster then). */
export async function renderRuns(view, ctx) {
  const [{ runs }, chartGrid] = await Promise.all([api('/api/runs?limit=200'), charts()]);
  view.replaceChildren(
    h('h1', {}, 'Runs'),
    h('section', { class: 'card' }, h('h2', {}, 'Run a date now'), runForm(ctx.info, ctx.refresh)),
    h('section', { class: 'card' }, runsTable(runs)),
    chartGrid,
  );
  return runs.some((r) => r.status === 'RUNNING');
}
