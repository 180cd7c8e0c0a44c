// Where a CLI run spends its embedded-database time: wraps PGlite's protocol entry point, times every
// message, and on exit prints the total and the statements that took longest, to stderr.
//
//   BENCH_CLI_NODE_OPTIONS="--import=$PWD/bench/pglite-statements.mjs" npx tsx bench/timeline.ts 3000 conversation
//
// (bench/ours.ts passes BENCH_CLI_NODE_OPTIONS to the CLI as NODE_OPTIONS, and bench/timeline.ts prints
// what it writes on stderr after the timeline.) A statement is counted under its SQL
// text, or under the text it was prepared with; each message of the extended protocol (parse, bind,
// describe, execute, sync) counts as one call. Only `run` commands are measured.
import { writeSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';

const TOP = 25;

if (process.argv.includes('run')) {
  const stats = new Map();
  const prepared = new Map();
  const decoder = new TextDecoder();
  let current = '(startup)';
  /** The NUL-terminated string at `offset` and the offset after it. */
  const cstring = (bytes, offset) => {
    let end = offset;
    while (bytes[end] !== 0) end++;
    return [decoder.decode(bytes.subarray(offset, end)), end + 1];
  };
  const describe = (message) => {
    const type = String.fromCharCode(message[0]);
    if (type === 'Q') return cstring(message, 5)[0].replace(/\s+/g, ' ').trim();
    if (type === 'P') {
      const [name, next] = cstring(message, 5);
      const text = cstring(message, next)[0].replace(/\s+/g, ' ').trim();
      if (name) prepared.set(name, text);
      return text;
    }
    if (type === 'B') {
      const [, next] = cstring(message, 5);
      const [statement] = cstring(message, next);
      return statement ? (prepared.get(statement) ?? `prepared ${statement}`) : current;
    }
    return current;
  };
  const original = PGlite.prototype.execProtocolRawSync;
  PGlite.prototype.execProtocolRawSync = function timed(message) {
    current = describe(message);
    const started = performance.now();
    try {
      return original.call(this, message);
    } finally {
      const s = stats.get(current) ?? { calls: 0, ms: 0 };
      s.calls++;
      s.ms += performance.now() - started;
      stats.set(current, s);
    }
  };
  process.on('exit', () => {
    const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
    const total = rows.reduce((sum, [, s]) => sum + s.ms, 0);
    const calls = rows.reduce((sum, [, s]) => sum + s.calls, 0);
    writeSync(2, `pglite: ${total.toFixed(0)} ms in ${calls} protocol messages\n`);
    for (const [text, s] of rows.slice(0, TOP)) {
      writeSync(
        2,
        `pglite: ${s.ms.toFixed(0).padStart(6)} ms ${String(s.calls).padStart(6)}×  ${text.slice(0, 160)}\n`,
      );
    }
  });
}
