// The compiled copy of the sources in dist/ (docs/decisions/0007-compiled-dist.md).
//
// `npm ci` builds it (the `prepare` script runs this file): every src/**/*.ts transpiled by esbuild to
// dist/src/**/*.js, every other file under src/ and drizzle/ copied, and last a stamp listing the size
// and modification time of each source file. bin/audio-extract.js runs dist/ only while that stamp still
// matches the sources; after any edit it runs src/ through tsx, as before, until the next build.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Source trees mirrored into dist/ (drizzle/ holds the migrations, found relative to src/store). */
const TREES = ['src', 'drizzle'];
const STAMP = '.sources.json';

/** `[relative path, size, mtime]` of every file under the source trees, sorted. */
export function sourceStamp(root) {
  const files = [];
  const walk = (rel) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) {
        const s = statSync(path.join(root, child));
        files.push([child, s.size, Math.trunc(s.mtimeMs)]);
      }
    }
  };
  for (const tree of TREES) walk(tree);
  return files.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** True when dist/ was built from exactly the sources now on disk. */
export function distIsFresh(root) {
  let stamp;
  try {
    stamp = readFileSync(path.join(root, 'dist', STAMP), 'utf8');
  } catch {
    return false;
  }
  try {
    return stamp === JSON.stringify(sourceStamp(root));
  } catch {
    return false;
  }
}

/** Builds dist/ from the sources. The stamp is written last, so a build cut short is never used. */
export async function buildDist(root) {
  const { transform } = await import('esbuild');
  const out = path.join(root, 'dist');
  const before = sourceStamp(root);
  rmSync(out, { recursive: true, force: true });
  for (const [rel] of before) {
    const from = path.join(root, rel);
    if (rel.startsWith('src/') && rel.endsWith('.ts') && !rel.endsWith('.d.ts')) {
      const to = path.join(out, rel.replace(/\.ts$/, '.js'));
      const { code } = await transform(readFileSync(from, 'utf8'), {
        loader: 'ts',
        format: 'esm',
        platform: 'node',
        target: 'node20',
        sourcefile: rel,
      });
      mkdirSync(path.dirname(to), { recursive: true });
      writeFileSync(to, code);
    } else {
      const to = path.join(out, rel);
      mkdirSync(path.dirname(to), { recursive: true });
      copyFileSync(from, to);
    }
  }
  // Sources edited during the build leave dist/ unstamped (stale) rather than stamped with a mix.
  const after = sourceStamp(root);
  if (JSON.stringify(after) === JSON.stringify(before)) {
    writeFileSync(path.join(out, STAMP), JSON.stringify(after));
  }
  return before.length;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const started = performance.now();
  const files = await buildDist(root);
  process.stdout.write(
    `audio-extract: built dist/ from ${files} source files in ${Math.round(performance.now() - started)} ms\n`,
  );
}
