/**
 * `npm run bench -- scale` (issue 18): one `case=… key=value` line per case. Each case lives in its
 * own module under bench/scale/ and is listed here; `BENCH_SCALE_CASES=idle,load` runs some only.
 *   case=idle     CPU of a worker on 64 and 256 idle shards, against fixed polling (bench/scale/idle.ts)
 *   case=load     lag and CPU of a worker on 256 shards at 4,000 records/s, checkpointing every batch and
 *                 every 10 s (bench/scale/load.ts)
 *   case=balance  64 shards, 8 real LeaseCoordinators against the embedded dynalite (bench/scale/balance.ts)
 *   case=sim      1,000 shards, 100 workers, the same coordinator against the in-memory store on a
 *                 simulated clock, beside the same fleet scanning every round (bench/scale/sim.ts)
 *   case=handoff  a clean stop (BENCH_HANDOFF_TRIALS trials each, default 5): time until another worker holds every lease of the stopping one,
 *                 named handoff against release, alternating, on the embedded dynalite (bench/scale/handoff.ts)
 *   case=balance_load  64 shards (8 hot), 8 workers, simulated: balance by load beside balance by
 *                 count in the same run (bench/scale/balance-load.ts)
 */
import { balance } from './scale/balance.js';
import { balanceLoad } from './scale/balance-load.js';
import { handoffBench } from './scale/handoff.js';
import { idle } from './scale/idle.js';
import { load } from './scale/load.js';
import { simulate } from './scale/sim.js';
import { withStack } from './scale/common.js';

const f = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Cases that start what they need (balance: its own stack; sim: nothing). */
const leaseCases: { name: string; run(): Promise<void> }[] = [
  {
    name: 'balance',
    async run() {
      const b = await balance();
      console.log(
        `case=balance shards=${b.shards} workers=${b.workers} failover_ms=${b.failoverMs} seconds_to_balanced=${f(b.secondsToBalanced)} max_unowned_s=${f(b.maxUnownedSeconds)} moves=${b.moves} steals=${b.steals} ddb_read_units_per_worker_min=${f(b.readUnitsPerWorkerMin)} ddb_write_units_per_worker_min=${f(b.writeUnitsPerWorkerMin)}`,
      );
    },
  },
  {
    name: 'sim',
    async run() {
      const s = await simulate();
      const every = await simulate({ scanEvery: 1 });
      console.log(
        `case=sim shards=${s.shards} workers=${s.workers} seconds_to_balanced=${f(s.secondsToBalanced)} failover_s=${f(s.failoverSeconds)} rebalanced_s=${f(s.secondsToRebalanced)} conflicts=${s.conflicts} ddb_read_units_per_min=${f(s.readUnitsPerMin)} ddb_write_units_per_min=${f(s.writeUnitsPerMin)} scan_every_round_read_units_per_min=${f(every.readUnitsPerMin)} read_ratio=${(s.readUnitsPerMin / every.readUnitsPerMin).toFixed(2)}`,
      );
    },
  },
  {
    name: 'handoff',
    async run() {
      const h = await handoffBench({ trials: Number(process.env.BENCH_HANDOFF_TRIALS ?? 5) });
      const [named, release] = [median(h.handoffMs), median(h.releaseMs)];
      console.log(
        `case=handoff shards=${h.shards} workers=${h.workers} failover_ms=${h.failoverMs} trials=${h.trials} handoff_median_ms=${Math.round(named)} release_median_ms=${Math.round(release)} ratio=${(named / release).toFixed(2)} handoff_max_ms=${Math.round(Math.max(...h.handoffMs))} release_max_ms=${Math.round(Math.max(...h.releaseMs))} released_instead=${h.released}`,
      );
    },
  },
  {
    name: 'balance_load',
    async run() {
      // Five seeds (hot shards' positions, call latencies, join times): medians, and the worst.
      const seeds = [11, 12, 13, 14, 15];
      const byLoad = [];
      const byCount = [];
      for (const seed of seeds) {
        byLoad.push(await balanceLoad('load', { seed }));
        byCount.push(await balanceLoad('count', { seed }));
      }
      const first = byLoad[0]!;
      console.log(
        `case=balance_load shards=${first.shards} workers=${first.workers} hot_shards=${first.hot} seeds=${seeds.length} max_load_ratio=${median(byLoad.map((r) => r.maxLoadRatio)).toFixed(2)} count_max_load_ratio=${median(byCount.map((r) => r.maxLoadRatio)).toFixed(2)} worst_max_load_ratio=${Math.max(...byLoad.map((r) => r.maxLoadRatio)).toFixed(2)} count_worst_max_load_ratio=${Math.max(...byCount.map((r) => r.maxLoadRatio)).toFixed(2)} seconds_to_within_20pct=${f(median(byLoad.map((r) => r.secondsToWithinMargin)))} moves=${f(median(byLoad.map((r) => r.moves)))} moves_last_5min=${Math.max(...byLoad.map((r) => r.lateMoves))} count_moves=${f(median(byCount.map((r) => r.moves)))}`,
      );
    },
  },
];

const only = (process.env.BENCH_SCALE_CASES ?? '').split(',').filter(Boolean);
const wanted = (c: { name: string }) => only.length === 0 || only.includes(c.name);
for (const c of [idle, load].filter(wanted)) {
  // Each case on a fresh stack: one case's streams and emulator heap do not colour the next.
  await withStack((ctx) => c.run(ctx));
}
for (const c of leaseCases.filter(wanted)) await c.run();
