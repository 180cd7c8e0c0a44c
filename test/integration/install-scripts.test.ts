// A fresh `npm ci` is clean: every dependency that ships an install script is covered by package.json's
// `allowScripts` (npm 11.16+ warns about the others, and npm 12 will not run them), and the ones denied
// work without their script.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';

const readJson = (p: string) => JSON.parse(readFileSync(new URL(p, `file://${REPO_ROOT}/`), 'utf8'));

/** npm's version, or undefined when npm cannot be run here. */
function npmVersion(): string | undefined {
  try {
    return execFileSync('npm', ['--version'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}
const npm = npmVersion();
const [major = 0, minor = 0] = (npm ?? '0.0').split('.').map(Number);
const hasAllowScripts = major > 11 || (major === 11 && minor >= 16);

describe('install scripts', () => {
  it('every package of the lock file with an install script is allowed or denied by name in allowScripts', () => {
    const lock = readJson('package-lock.json') as {
      packages: Record<string, { hasInstallScript?: boolean; name?: string }>;
    };
    const policy =
      (readJson('package.json') as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
    const uncovered = Object.entries(lock.packages)
      .filter(([where, p]) => where && p.hasInstallScript)
      .map(([where, p]) => p.name ?? where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length))
      .filter((name) => !(name in policy) && !Object.keys(policy).some((k) => k.startsWith(`${name}@`)));
    expect(uncovered).toEqual([]);
  });

  it.runIf(hasAllowScripts)('npm itself finds no install script pending review', () => {
    const out = execFileSync('npm', ['approve-scripts', '--allow-scripts-pending', '--json'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual({ allowScripts: [] });
  });

  it('esbuild, whose install script is denied, transforms code with the binary of its platform package', async () => {
    expect((readJson('package.json') as { allowScripts: Record<string, boolean> }).allowScripts.esbuild).toBe(
      false,
    );
    const { transform } = await import('esbuild');
    const { code } = await transform('const n: number = 1;', { loader: 'ts' });
    expect(code.trim()).toBe('const n = 1;');
  });
});
