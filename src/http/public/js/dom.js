// Tiny DOM helpers: elements are built with textContent only (no innerHTML), so data from the API is
// never parsed as markup.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function shortId(id) {
  return id.length > 13 ? `${id.slice(0, 8)}…` : id;
}

export function badge(status) {
  return h('span', { class: `badge ${status}` }, status);
}

/** A progress bar: done / total recordings in a final state. */
export function progressBar(progress, active) {
  const pct = progress.total > 0 ? Math.round((progress.done / progress.total) * 100) : active ? 0 : 100;
  const fill = h('span');
  fill.style.width = `${pct}%`;
  return h(
    'span',
    { class: 'progress-wrap' },
    h(
      'span',
      {
        class: `progress${active ? ' active' : ''}`,
        role: 'progressbar',
        'aria-valuenow': pct,
        'aria-valuemin': 0,
        'aria-valuemax': 100,
      },
      fill,
    ),
    h('span', { class: 'progress-label' }, `${progress.done}/${progress.total} (${pct}%)`),
  );
}
