import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Transpiles src/ once for the sluice and emulator processes the tests start (see the file).
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests mostly wait (for leases to move, emulators, child processes): three files at
    // once on two cores ran the suite in 299 s against 372 s with two, CPU time the same (493 s vs 488 s).
    maxWorkers: 3,
    minWorkers: 1,
    // The AWS SDK warns that its releases after early 2027 need Node 22; the lockfile pins ones that run on 20.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    typecheck: { enabled: true, include: ['src/**/*.test-d.ts', 'test/**/*.test-d.ts'] },
  },
});
