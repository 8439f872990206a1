#!/usr/bin/env node
// `npm run test:stress [-- vitest args]`: the test suite 3 times in a row (SLUICE_STRESS_RUNS) while
// one busy loop per core (SLUICE_STRESS_HOGS, default os.availableParallelism()) keeps the CPU
// full, to show that no test depends on a quiet machine. Stops at the first failing run.
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const runs = Number(process.env.SLUICE_STRESS_RUNS ?? 3);
const hogCount = Number(process.env.SLUICE_STRESS_HOGS ?? availableParallelism());
for (const [name, v] of [['SLUICE_STRESS_RUNS', runs], ['SLUICE_STRESS_HOGS', hogCount]]) {
  if (!Number.isInteger(v) || v < 0) {
    console.error(`${name}=${process.env[name]} is not a whole number. Fix: e.g. ${name}=3`);
    process.exit(2);
  }
}

const hogs = Array.from({ length: hogCount }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const stopHogs = () => {
  for (const h of hogs) if (h.exitCode === null && h.signalCode === null) h.kill('SIGKILL');
};
process.on('exit', stopHogs);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopHogs();
    process.exit(130);
  });
}
console.log(`test:stress: ${runs} runs of the suite with ${hogCount} busy loops (pids ${hogs.map((h) => h.pid).join(' ')})`);

const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
const times = [];
let failed = 0;
for (let run = 1; run <= runs; run++) {
  const t0 = performance.now();
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [vitest, 'run', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
    child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0)));
  });
  const seconds = (performance.now() - t0) / 1000;
  times.push(seconds.toFixed(0));
  console.log(`test:stress: run ${run}/${runs} ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds.toFixed(0)} s`);
  if (code !== 0) {
    failed = 1;
    break;
  }
}
stopHogs();
console.log(`test:stress: run_seconds=${times.join(',')} hogs=${hogCount}`);
console.log(`${times.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
