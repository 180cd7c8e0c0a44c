// A one-line progress display for `run` on a terminal: discovered conversations, lookups done/total and
// files downloaded, redrawn at most 10 times a second. Not used when stdout is not a TTY (plain log
// lines then) or with --json.
import type { ProgressEvent } from '../pipeline/deps.js';

const BAR = 20;

function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.min(BAR, Math.round((done / total) * BAR)) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}]`;
}

export function createProgress(out: NodeJS.WriteStream) {
  const state = new Map<string, { discovered: number; lookup: [number, number]; downloaded: number }>();
  let last = 0;
  let dirty = false;
  const render = () => {
    dirty = false;
    last = Date.now();
    const parts = [...state].map(
      ([date, s]) =>
        `${date}  found ${s.discovered}  lookups ${bar(s.lookup[0], s.lookup[1])} ${s.lookup[0]}/${s.lookup[1]}  downloaded ${s.downloaded}`,
    );
    out.write(`\r\x1b[K${parts.at(-1) ?? ''}`);
  };
  return {
    onProgress(e: ProgressEvent) {
      const s = state.get(e.processDate) ?? {
        discovered: 0,
        lookup: [0, 0] as [number, number],
        downloaded: 0,
      };
      state.set(e.processDate, s);
      if (e.stage === 'discover') s.discovered = e.done;
      if (e.stage === 'lookup') s.lookup = [e.done, e.total ?? e.done];
      if (e.stage === 'download') s.downloaded++;
      dirty = true;
      if (Date.now() - last >= 100) render();
    },
    done() {
      if (dirty) render();
      if (state.size > 0) out.write('\n');
    },
  };
}
