import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';
const root = join(import.meta.dirname, '..');
/** Where the runs' transpiled sources go (git-ignored). */
const TEST_BUILD_ROOT = join(root, '.sluice-test');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return relative(root, p) === join('src', 'dashboard', 'ui') ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.test-d.ts') ? [p] : [];
  });
}

/** Whether a process runs (a folder of a run that died without its teardown goes). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Once per `vitest run`: the sources transpiled file by file into a folder of this run's under
 * {@link TEST_BUILD_ROOT}, laid out as `dist/`, for the `sluice` and emulator processes the tests
 * start (hundreds of them); tests find it with `inject('sluiceBuild')`. tsx, which `bin/sluice.js`
 * uses in a checkout without a fresh `dist/`, transpiles with the same esbuild but costs about 0.3 s
 * of CPU more per process start; this takes about a second, once. A folder per run: two runs in
 * one checkout (a helper's file and the whole suite) do not replace each other's files.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  let stale: string[] = [];
  try {
    stale = readdirSync(TEST_BUILD_ROOT).filter((d) => !/^run-\d+$/.test(d) || !alive(Number(d.slice(4))));
  } catch {
    // No folder yet.
  }
  for (const d of stale) rmSync(join(TEST_BUILD_ROOT, d), { recursive: true, force: true });
  const dir = join(TEST_BUILD_ROOT, `run-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  await build({
    entryPoints: sources(join(root, 'src')),
    outdir: dir,
    outbase: join(root, 'src'),
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  project.provide('sluiceBuild', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
