// One run (date + queue): progress, counts, failures grouped by reason with a retry button, batches.
import { api, hasToken } from './api.js';
import { badge, formatDuration, formatTime, h, progressBar } from './dom.js';
import { STATE_SERIES } from './runs-view.js';

/** The last retry's message, kept across re-renders of the same date. */
const lastMessage = { date: null, text: '' };

function retryButton(date, refresh) {
  const message = h(
    'div',
    { class: 'message', id: 'retry-message' },
    lastMessage.date === date ? lastMessage.text : '',
  );
  const button = h('button', { class: 'primary', id: 'retry' }, 'Retry failed and not-ready recordings');
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const r = await api(`/api/days/${date}/retry`, { method: 'POST', body: {} });
      lastMessage.date = date;
      lastMessage.text = `Requeued ${r.requeued} failed recording(s); ${r.notReady} not ready yet will be looked at again. Job ${r.jobId.slice(0, 8)}… queued.`;
      message.textContent = lastMessage.text;
      refresh();
    } catch (err) {
      message.className = 'message error';
      message.textContent = err.message;
      button.disabled = false;
    }
  });
  return h('div', {}, button, message);
}

async function download(path, name) {
  // A plain link cannot carry the bearer token, so fetch it and save the blob.
  const res = await api(path, { raw: true });
  const url = URL.createObjectURL(await res.blob());
  h('a', { href: url, download: name }).click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A link that downloads one of the day's files (`manifest`: JSON lines, `manifest.csv`). */
function dayFileLink(date, file, name, label) {
  const path = `/api/days/${date}/${file}`;
  if (!hasToken()) return h('a', { href: path, download: name }, label);
  return h(
    'a',
    {
      href: '#',
      onclick: (e) => {
        e.preventDefault();
        download(path, name).catch((err) => alert(err.message));
      },
    },
    label,
  );
}

export async function renderRun(view, ctx, date, queueId) {
  const { run, location, batches, failures } = await api(`/api/runs/${date}/${queueId}`);
  const active = run.status === 'RUNNING';
  const p = run.progress;
  const stateFacts = STATE_SERIES.filter(([k]) => p.byState[k]).map(([k, name]) =>
    h('div', { 'data-state': k }, h('b', {}, p.byState[k]), name),
  );
  const manifest = h(
    'span',
    {},
    dayFileLink(date, 'manifest', `manifest-${date}.jsonl`, 'Download manifest'),
    ' (',
    dayFileLink(date, 'manifest.csv', `manifest-${date}.csv`, 'CSV'),
    ')',
  );
  view.replaceChildren(
    h('p', {}, h('a', { href: '#/' }, '← all runs')),
    h(
      'h1',
      {},
      `Run ${date} · queue `,
      h('span', { class: 'queue', title: queueId }, run.queueName ?? queueId),
      ' ',
      badge(run.status),
    ),
    h(
      'section',
      { class: 'card', id: 'run-summary' },
      h('div', { class: 'row' }, progressBar(p, active)),
      h('div', { class: 'facts' }, h('div', {}, h('b', {}, p.conversations), 'conversations'), ...stateFacts),
      h(
        'p',
        { class: 'muted' },
        `Attempt ${run.attempts}, started ${formatTime(run.startedAt)}, took ${formatDuration(run.durationMs)}. `,
        run.counts.apiCalls !== undefined
          ? `${run.counts.apiCalls} Genesys API calls (${run.counts.apiRateLimited ?? 0} × 429). `
          : '',
        manifest,
      ),
      h('p', { class: 'muted', id: 'day-location' }, 'Files: ', h('code', {}, location)),
      run.error ? h('p', { class: 'message error' }, run.error) : null,
    ),
    h(
      'section',
      { class: 'card', id: 'failures' },
      h('h2', {}, 'Not downloaded, by reason'),
      failures.length === 0
        ? h('p', { class: 'muted' }, 'Nothing failed.')
        : h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, 'State'),
                h('th', {}, 'Reason'),
                h('th', { class: 'num' }, 'Recordings'),
              ),
            ),
            h(
              'tbody',
              {},
              failures.map((f) =>
                h(
                  'tr',
                  { 'data-state': f.state },
                  h('td', {}, f.state),
                  h('td', {}, f.reason),
                  h('td', { class: 'num' }, f.count),
                ),
              ),
            ),
          ),
      h('div', { class: 'message' }, active ? 'A run is in progress.' : retryButton(date, ctx.refresh)),
    ),
    h(
      'section',
      { class: 'card', id: 'batches' },
      h('h2', {}, `Batches of ${date} (all queues)`),
      batches.length === 0
        ? h('p', { class: 'muted' }, 'No batch yet.')
        : h(
            'table',
            {},
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['#', 'Genesys job', 'Status', 'Items', 'Submissions', 'Submitted', 'Completed', 'Error'].map(
                  (t) => h('th', {}, t),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              batches.map((b) =>
                h(
                  'tr',
                  {},
                  h('td', {}, b.id),
                  h('td', {}, b.jobId ?? '–'),
                  h('td', {}, b.status),
                  h('td', { class: 'num' }, b.items),
                  h('td', { class: 'num' }, b.submissions),
                  h('td', {}, formatTime(b.submittedAt)),
                  h('td', {}, formatTime(b.completedAt)),
                  h('td', {}, b.error ?? ''),
                ),
              ),
            ),
          ),
    ),
  );
  return active;
}
