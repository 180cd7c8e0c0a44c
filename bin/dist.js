// The compiled copy of the sources in dist/ (docs/decisions/0007-compiled-dist.md).
//
// `npm ci` builds it (the `prepare` script runs this file): every src/**/*.ts transpiled by esbuild to
// dist/src/**/*.js, every other file under src/ and drizzle/ copied, and last a stamp listing the size
// and modification time of each source file. bin/audio-extract.js runs dist/ only while that stamp still
// matches the sources; after any edit it runs src/ through tsx, as before, until the next build.
//
// drizzle-orm is the one dependency bundled (into dist/vendor/drizzle-orm/, imports rewritten to it):
// it is ~450 small modules under one 179 KB package.json, and Node 22.21+/24 parse that package.json
// again for each of them (nodejs/node#60397), so importing drizzle-orm/pglite took 1.6 s on Node 24.21
// against 0.16 s on Node 20 (bundled: 0.08 s on both).
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Source trees mirrored into dist/ (drizzle/ holds the migrations, found relative to src/store). */
const TREES = ['src', 'drizzle'];
const STAMP = '.sources.json';
/** Kept across builds: the database image, checked against the installed code when it is used. */
const KEEP = 'db-image';

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

/** `"drizzle-orm"` or `"drizzle-orm/…"` as an import or export source in esbuild's output. */
const DRIZZLE_IMPORT = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)"(drizzle-orm(?:\/[\w./-]+)?)"/g;
const VENDOR = path.join('vendor', 'drizzle-orm');

/** `drizzle-orm/pglite/migrator` → `drizzle-orm__pglite__migrator` */
const vendorName = (specifier) => specifier.replace(/\//g, '__');

/**
 * Bundles the drizzle-orm entry points the sources import into dist/vendor/drizzle-orm/ (one file per
 * entry point, shared code in chunks, every other package left external).
 */
async function bundleDrizzle(root, out, specifiers) {
  if (specifiers.size === 0) return;
  const { build } = await import('esbuild');
  const entries = path.join(out, '.vendor-entries');
  mkdirSync(entries, { recursive: true });
  const entryPoints = {};
  for (const specifier of specifiers) {
    const file = path.join(entries, `${vendorName(specifier)}.mjs`);
    writeFileSync(file, `export * from '${specifier}';\n`);
    entryPoints[vendorName(specifier)] = file;
  }
  try {
    await build({
      entryPoints,
      absWorkingDir: root,
      nodePaths: [path.join(root, 'node_modules')],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      outdir: path.join(out, VENDOR),
      logLevel: 'warning',
      plugins: [
        {
          name: 'only-drizzle',
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (a) =>
              a.path === 'drizzle-orm' || a.path.startsWith('drizzle-orm/')
                ? undefined
                : { path: a.path, external: true },
            );
          },
        },
      ],
    });
  } finally {
    rmSync(entries, { recursive: true, force: true });
  }
}

/** Builds dist/ from the sources. The stamp is written last, so a build cut short is never used. */
export async function buildDist(root) {
  const { transform } = await import('esbuild');
  const out = path.join(root, 'dist');
  const before = sourceStamp(root);
  // dist/db-image/ (bin/db-image.js) is not built from the sources here: it says itself what it was made from.
  const previous = existsSync(out) ? readdirSync(out) : [];
  for (const name of previous.filter((n) => n !== KEEP))
    rmSync(path.join(out, name), { recursive: true, force: true });
  const compiled = new Map();
  const drizzle = new Set();
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
      for (const m of code.matchAll(DRIZZLE_IMPORT)) drizzle.add(m[2]);
      compiled.set(to, code);
    } else {
      const to = path.join(out, rel);
      mkdirSync(path.dirname(to), { recursive: true });
      copyFileSync(from, to);
    }
  }
  await bundleDrizzle(root, out, drizzle);
  for (const [to, code] of compiled) {
    const vendor = path.relative(path.dirname(to), path.join(out, VENDOR)).split(path.sep).join('/');
    mkdirSync(path.dirname(to), { recursive: true });
    writeFileSync(
      to,
      code.replace(
        DRIZZLE_IMPORT,
        (_, keyword, specifier) => `${keyword}"${vendor}/${vendorName(specifier)}.js"`,
      ),
    );
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
  // In its own process: creating a database takes ~800 MB for a few seconds, and where that is more than
  // the machine has, the install must still succeed (new databases are then created without the image).
  const image = spawnSync(process.execPath, [path.join(root, 'bin', 'db-image.js')], { stdio: 'inherit' });
  if (image.status !== 0) {
    process.stderr.write(
      `audio-extract: the database image was not built (${image.signal ?? `exit ${image.status}`}); ` +
        'a new DATA_DIR will create its database without it, which is slower (run `npm run build` to try again)\n',
    );
  }
}
