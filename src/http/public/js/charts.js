// Small SVG charts drawn by hand: stacked bars per day, a histogram and a bars-with-overlay chart.
// Each returns a <figure> with the SVG and its legend; every bar carries a <title> tooltip.
import { h } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 420;
const H = 190;
const M = { top: 10, right: 8, bottom: 24, left: 38 };

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

/** A "nice" axis maximum (1, 2, 5 × 10^n) at or above v. */
function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((n) => n >= v);
}

/** Gridlines at 0, the middle and the top, labelled only where the value is a whole number. */
export function axisTicks(yMax) {
  return [0, 0.5, 1].filter((f) => Number.isInteger(yMax * f)).map((f) => ({ f, value: yMax * f }));
}

function frame(yMax, label) {
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label });
  const plotH = H - M.top - M.bottom;
  // Counts are whole numbers: a tick of 0.5 would be rounded into a second "1" (0, 1, 1).
  for (const { f, value } of axisTicks(yMax)) {
    const y = M.top + plotH * (1 - f);
    svg.append(s('line', { class: 'axis', x1: M.left, x2: W - M.right, y1: y, y2: y }));
    svg.append(s('text', { x: M.left - 6, y: y + 3, 'text-anchor': 'end' }, value.toLocaleString()));
  }
  return { svg, plotH, plotW: W - M.left - M.right, y: (v) => M.top + plotH * (1 - v / yMax) };
}

function legend(items) {
  return h(
    'div',
    { class: 'legend' },
    items.map(([name, color]) => {
      const swatch = h('i');
      swatch.style.background = color;
      return h('span', {}, swatch, name);
    }),
  );
}

function xLabels(svg, labels, band, every) {
  labels.forEach((text, i) => {
    // Every n-th label, plus the last one when it does not crowd the previous label.
    const last = i === labels.length - 1 && i % every >= every * 0.75;
    if (i % every !== 0 && !last) return;
    svg.append(s('text', { x: M.left + band * (i + 0.5), y: H - 8, 'text-anchor': 'middle' }, text));
  });
}

/** Instead of an empty frame: a chart with nothing to draw says so. */
function noData(title) {
  return h(
    'figure',
    { class: 'no-data', 'data-empty': 'true', 'aria-label': title },
    h('p', { class: 'muted' }, 'No data yet.'),
  );
}

/** rows: [{label, values: {key: n}}]; series: [[key, name, color]] stacked bottom-up in that order. */
export function stackedBars(rows, series, title) {
  const totals = rows.map((r) => series.reduce((a, [k]) => a + (r.values[k] ?? 0), 0));
  if (!totals.some((t) => t > 0)) return noData(title);
  const { svg, plotW, y } = frame(niceMax(Math.max(0, ...totals)), title);
  const band = plotW / Math.max(1, rows.length);
  rows.forEach((r, i) => {
    let acc = 0;
    for (const [k, name, color] of series) {
      const v = r.values[k] ?? 0;
      if (v <= 0) continue;
      const top = y(acc + v);
      svg.append(
        s(
          'rect',
          {
            x: M.left + band * i + band * 0.12,
            width: band * 0.76,
            y: top,
            height: y(acc) - top,
            fill: color,
            'data-series': k,
          },
          s('title', {}, `${r.label}: ${v} ${name}`),
        ),
      );
      acc += v;
    }
  });
  xLabels(
    svg,
    rows.map((r) => r.label),
    band,
    Math.ceil(rows.length / 8),
  );
  return h('figure', {}, svg, legend(series.map(([, name, color]) => [name, color])));
}

/** bars: [{label, value, overlay?}] — overlay (e.g. 429s) is drawn inside its bar, same scale. */
export function bars(rows, names, title) {
  if (!rows.some((r) => r.value > 0 || r.overlay > 0)) return noData(title);
  const { svg, plotW, y } = frame(niceMax(Math.max(0, ...rows.map((r) => r.value))), title);
  const band = plotW / Math.max(1, rows.length);
  rows.forEach((r, i) => {
    const x = M.left + band * i + band * 0.12;
    if (r.value > 0) {
      svg.append(
        s(
          'rect',
          {
            x,
            width: band * 0.76,
            y: y(r.value),
            height: y(0) - y(r.value),
            fill: names.color,
            'data-series': 'value',
          },
          s(
            'title',
            {},
            `${r.label}: ${r.value} ${names.value}${r.overlay ? `, ${r.overlay} ${names.overlay}` : ''}`,
          ),
        ),
      );
    }
    if (r.overlay > 0) {
      // At least 2 px, so a handful of 429s among thousands of calls stays visible.
      const hgt = Math.max(2, y(0) - y(r.overlay));
      svg.append(
        s(
          'rect',
          {
            x: x + band * 0.2,
            width: band * 0.36,
            y: y(0) - hgt,
            height: hgt,
            fill: names.overlayColor,
            'data-series': 'overlay',
          },
          s('title', {}, `${r.label}: ${r.overlay} ${names.overlay}`),
        ),
      );
    }
  });
  xLabels(
    svg,
    rows.map((r) => r.label),
    band,
    Math.ceil(rows.length / 8),
  );
  const items = [[names.value, names.color]];
  if (names.overlay) items.push([names.overlay, names.overlayColor]);
  return h('figure', {}, svg, legend(items));
}

function secondsLabel(sec) {
  return sec < 60 ? `${sec}s` : sec % 60 === 0 ? `${sec / 60}m` : `${(sec / 60).toFixed(1)}m`;
}

/** buckets: [{fromS, toS, count}] from /api/stats/handle-time. */
export function histogram(buckets, title) {
  const rows = buckets.map((b) => ({
    label: b.toS === null ? `≥${secondsLabel(b.fromS)}` : `<${secondsLabel(b.toS)}`,
    value: b.count,
  }));
  return bars(rows, { value: 'conversations', color: '#2f6fdb' }, title);
}
