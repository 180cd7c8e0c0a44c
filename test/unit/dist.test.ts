// The compiled copy in dist/ (bin/dist.js): built from the sources, used only while it matches them.
import { mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDist, distIsFresh } from '../../bin/dist.js';

let root: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'dist-test-'));
  await mkdir(path.join(root, 'src', 'lib'), { recursive: true });
  await mkdir(path.join(root, 'src', 'public'), { recursive: true });
  await mkdir(path.join(root, 'drizzle'), { recursive: true });
  await writeFile(path.join(root, 'package.json'), '{"type":"module"}');
  await writeFile(
    path.join(root, 'src', 'main.ts'),
    "import { twice } from './lib/twice.js';\nexport const answer: number = twice(21);\n",
  );
  await writeFile(
    path.join(root, 'src', 'lib', 'twice.ts'),
    'export function twice(n: number): number {\n  return n * 2;\n}\n',
  );
  await writeFile(path.join(root, 'src', 'public', 'app.css'), 'body {}\n');
  await writeFile(path.join(root, 'drizzle', '0000_init.sql'), 'create table t (id int);\n');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('dist/', () => {
  it('is stale until built, then runs as plain JavaScript with the other files copied', async () => {
    expect(distIsFresh(root)).toBe(false);
    expect(await buildDist(root)).toBe(4);
    expect(distIsFresh(root)).toBe(true);
    const mod = (await import(pathToFileURL(path.join(root, 'dist', 'src', 'main.js')).href)) as {
      answer: number;
    };
    expect(mod.answer).toBe(42);
    expect(await readFile(path.join(root, 'dist', 'src', 'public', 'app.css'), 'utf8')).toBe('body {}\n');
    expect(await readFile(path.join(root, 'dist', 'drizzle', '0000_init.sql'), 'utf8')).toContain('create');
  });

  it('is stale again after a source is edited, added or removed, until the next build', async () => {
    await buildDist(root);
    const file = path.join(root, 'src', 'lib', 'twice.ts');
    await writeFile(file, 'export function twice(n: number): number {\n  return n + n;\n}\n');
    // Same size: only the modification time tells the edit apart.
    await utimes(file, new Date(), new Date(Date.now() + 5_000));
    expect(distIsFresh(root)).toBe(false);
    await buildDist(root);
    expect(distIsFresh(root)).toBe(true);

    await writeFile(path.join(root, 'drizzle', '0001_more.sql'), 'alter table t add x int;\n');
    expect(distIsFresh(root)).toBe(false);
    await buildDist(root);
    await rm(path.join(root, 'src', 'public', 'app.css'));
    expect(distIsFresh(root)).toBe(false);
  });

  it('bundles drizzle-orm into dist/vendor and points the imports at it, leaving other packages external', async () => {
    // A stand-in drizzle-orm (two entry points sharing a module) and another package it imports.
    const pkg = path.join(root, 'node_modules', 'drizzle-orm');
    await mkdir(path.join(pkg, 'pg-core'), { recursive: true });
    await writeFile(
      path.join(pkg, 'package.json'),
      JSON.stringify({
        name: 'drizzle-orm',
        type: 'module',
        exports: { '.': './index.js', './pg-core': './pg-core/index.js' },
      }),
    );
    await writeFile(
      path.join(pkg, 'shared.js'),
      "import { base } from 'other-pkg';\nexport const two = base * 2;\n",
    );
    await writeFile(path.join(pkg, 'index.js'), "export { two } from './shared.js';\n");
    await writeFile(
      path.join(pkg, 'pg-core', 'index.js'),
      "import { two } from '../shared.js';\nexport const four = two * 2;\n",
    );
    const other = path.join(root, 'node_modules', 'other-pkg');
    await mkdir(other, { recursive: true });
    await writeFile(
      path.join(other, 'package.json'),
      '{"name":"other-pkg","type":"module","exports":"./index.js"}',
    );
    await writeFile(path.join(other, 'index.js'), 'export const base = 10.5;\n');
    await writeFile(
      path.join(root, 'src', 'lib', 'uses-drizzle.ts'),
      "import { two } from 'drizzle-orm';\nimport { four } from 'drizzle-orm/pg-core';\nexport const sum: number = two + four;\n",
    );

    await buildDist(root);
    const compiled = await readFile(path.join(root, 'dist', 'src', 'lib', 'uses-drizzle.js'), 'utf8');
    expect(compiled).not.toMatch(/["']drizzle-orm/);
    expect(compiled).toContain('../../vendor/drizzle-orm/drizzle-orm.js');
    expect(compiled).toContain('../../vendor/drizzle-orm/drizzle-orm__pg-core.js');
    const vendored = await readFile(
      path.join(root, 'dist', 'vendor', 'drizzle-orm', 'drizzle-orm.js'),
      'utf8',
    );
    expect(vendored).not.toContain('node_modules');
    const mod = (await import(
      pathToFileURL(path.join(root, 'dist', 'src', 'lib', 'uses-drizzle.js')).href
    )) as {
      sum: number;
    };
    // other-pkg stayed external: dist/vendor resolves it from node_modules like any import.
    expect(mod.sum).toBe(21 + 42);
  });
});
