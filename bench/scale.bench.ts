/**
 * Many shards per worker (issue 18): one `case=… key=value` line per case. Each case lives in its
 * own module under bench/scale/ and is listed here; `BENCH_SCALE_CASES=idle,load` runs some only.
 *   case=idle  CPU of a worker on 64 and 256 idle shards, against fixed polling (bench/scale/idle.ts)
 *   case=load  lag and CPU of a worker on 256 shards at 4,000 records/s (bench/scale/load.ts)
 */
import { idle } from './scale/idle.js';
import { load } from './scale/load.js';
import { withStack, type ScaleCase } from './scale/common.js';

const cases: ScaleCase[] = [idle, load];

const only = (process.env.BENCH_SCALE_CASES ?? '').split(',').filter(Boolean);
for (const c of cases) {
  if (only.length > 0 && !only.includes(c.name)) continue;
  // Each case on a fresh stack: one case's streams and emulator heap do not colour the next.
  await withStack((ctx) => c.run(ctx));
}
