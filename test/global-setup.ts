import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { TEST_BUILD_DIR } from './helpers/cli.js';

const root = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return relative(root, p) === join('src', 'dashboard', 'ui') ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.test-d.ts') ? [p] : [];
  });
}

/**
 * Once per `vitest run`: the sources transpiled file by file into {@link TEST_BUILD_DIR}, laid out
 * as `dist/` is, for the `sluice` and emulator processes the tests start (hundreds of them). tsx,
 * which `bin/sluice.js` uses in a checkout without a fresh `dist/`, transpiles with the same esbuild
 * but costs about 0.3 s of CPU more per process start; this takes about a second, once.
 */
export default async function setup(): Promise<void> {
  rmSync(TEST_BUILD_DIR, { recursive: true, force: true });
  await build({
    entryPoints: sources(join(root, 'src')),
    outdir: TEST_BUILD_DIR,
    outbase: join(root, 'src'),
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}
