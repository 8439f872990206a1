import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where test/global-setup.ts transpiles `src/` for the processes tests start (git-ignored; laid out as `dist/`). */
export const TEST_BUILD_DIR = join(import.meta.dirname, '..', '..', '.sluice-test');

/**
 * The `sluice` CLI's entry, transpiled for this test run: what `bin/sluice.js` runs, without tsx's
 * start-up cost. `test/integration/cli.test.ts` and `local-start-env.test.ts` run `bin/sluice.js`
 * itself, the entry a user runs.
 */
export function sluiceCli(): string {
  const main = join(TEST_BUILD_DIR, 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} does not exist: it is made by test/global-setup.ts (vitest.config.ts globalSetup); run the tests through vitest`);
  return main;
}

/** The embedded emulators' entry, transpiled as {@link sluiceCli} is. */
export function emulatorEntry(): string {
  return join(TEST_BUILD_DIR, 'local', 'emulator-process.js');
}
