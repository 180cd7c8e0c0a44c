// Hash router and polling: #/ is the runs page, #/run/<date>/<queue> one run. The page polls the API
// every 2 s while a run is active and every 15 s otherwise.
import { api } from './api.js';
import { h } from './dom.js';
import { renderRun } from './run-view.js';
import { renderRuns } from './runs-view.js';

const view = document.getElementById('view');
let timer = null;
let generation = 0;
let info = null;
/** After an action, poll fast for a while: the job may take a moment to start. */
let fastUntil = 0;

async function render() {
  clearTimeout(timer);
  const mine = ++generation;
  let active = false;
  try {
    info ??= await api('/api/info');
    document.getElementById('info').textContent =
      `daily run "${info.schedule}" (${info.timezone}) · queues ${info.queueIds.length} · next default date ${info.defaultProcessDate}`;
    const ctx = {
      info,
      refresh: () => {
        fastUntil = Date.now() + 30_000;
        setTimeout(render, 300);
      },
    };
    const m = /^#\/run\/(\d{4}-\d{2}-\d{2})\/([0-9a-fA-F-]+)$/.exec(location.hash);
    active = m ? await renderRun(view, ctx, m[1], m[2]) : await renderRuns(view, ctx);
    document.body.dataset.active = String(active);
  } catch (err) {
    view.replaceChildren(h('p', { class: 'message error' }, `Could not load: ${err.message}`));
  }
  if (mine === generation) timer = setTimeout(render, active || Date.now() < fastUntil ? 2000 : 15000);
}

window.addEventListener('hashchange', render);
render();
