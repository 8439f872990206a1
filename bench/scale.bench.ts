/**
 * `npm run bench -- scale`: leases at fleet scale. Each case prints one `key=value` line.
 * balance: 64 shards, 8 real LeaseCoordinators against the embedded dynalite (see bench/scale/balance.ts);
 * sim: 1,000 shards, 100 workers, the same coordinator against the in-memory store on a simulated clock,
 * beside the same fleet scanning every round (the coordinator before scans were spaced out).
 */
import { balance } from './scale/balance.js';
import { simulate } from './scale/sim.js';

const f = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

const b = await balance();
console.log(
  `case=balance shards=${b.shards} workers=${b.workers} failover_ms=${b.failoverMs} seconds_to_balanced=${f(b.secondsToBalanced)} max_unowned_s=${f(b.maxUnownedSeconds)} steals=${b.steals} ddb_read_units_per_worker_min=${f(b.readUnitsPerWorkerMin)} ddb_write_units_per_worker_min=${f(b.writeUnitsPerWorkerMin)}`,
);

const s = await simulate();
const every = await simulate({ scanEvery: 1 });
console.log(
  `case=sim shards=${s.shards} workers=${s.workers} seconds_to_balanced=${f(s.secondsToBalanced)} failover_s=${f(s.failoverSeconds)} rebalanced_s=${f(s.secondsToRebalanced)} conflicts=${s.conflicts} ddb_read_units_per_min=${f(s.readUnitsPerMin)} ddb_write_units_per_min=${f(s.writeUnitsPerMin)} scan_every_round_read_units_per_min=${f(every.readUnitsPerMin)} read_ratio=${(s.readUnitsPerMin / every.readUnitsPerMin).toFixed(2)}`,
);
