import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where test/global-setup.ts transpiled `src/` for this run. */
    sluiceBuild: string;
  }
}

/** This run's transpiled sources (runs in one checkout at once each have their own). */
function buildDir(): string {
  const dir = inject('sluiceBuild');
  if (!dir || !existsSync(dir)) throw new Error(`${String(dir)} does not exist: it is made by test/global-setup.ts (vitest.config.ts globalSetup); run the tests through vitest`);
  return dir;
}

/**
 * The `sluice` CLI's entry, transpiled for this test run: what `bin/sluice.js` runs, without tsx's
 * start-up cost. `test/integration/cli.test.ts` and `local-start-env.test.ts` run `bin/sluice.js`
 * itself, the entry a user runs.
 */
export function sluiceCli(): string {
  return join(buildDir(), 'cli', 'main.js');
}

/** The embedded emulators' entry, transpiled as {@link sluiceCli} is. */
export function emulatorEntry(): string {
  return join(buildDir(), 'local', 'emulator-process.js');
}
