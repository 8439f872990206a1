/**
 * Balance by load against balance by count, by simulation: the real LeaseCoordinator, one per
 * worker, against the in-memory lease table on a simulated clock. 64 shards, 8 of them hot (200
 * records/s, the rest 10: a few hot partition keys), at seeded random positions; 8 workers join
 * within one round. Each lease publishes its shard's rate at renewal. After 10 simulated minutes:
 * the most loaded worker's load over the average (1 = even), and the lease moves in the last 5
 * minutes (flapping).
 */
import { LeaseCoordinator } from '../../src/checkpoint/leases.js';
import { MemoryLeaseStore, MemoryLeaseTable } from '../../src/checkpoint/memory-lease-store.js';
import { xorshift } from './random.js';
import { SimClock } from './sim.js';

export interface BalanceLoadResult {
  shards: number;
  workers: number;
  hot: number;
  /** Max worker load / mean worker load at the end. */
  maxLoadRatio: number;
  /** Simulated seconds until the max load ratio stayed within 1 + margin (Infinity: never). */
  secondsToWithinMargin: number;
  moves: number;
  lateMoves: number;
}

export async function balanceLoad(balance: 'count' | 'load', o: { shards?: number; workers?: number; hot?: number; failoverMs?: number; seed?: number } = {}): Promise<BalanceLoadResult> {
  const shards = o.shards ?? 64;
  const workers = o.workers ?? 8;
  const hotCount = o.hot ?? 8;
  const failoverMs = o.failoverMs ?? 10_000;
  const random = xorshift(o.seed ?? 11);
  const clock = new SimClock();
  const table = new MemoryLeaseTable('sim', undefined, () => clock.now);
  const shardIds = Array.from({ length: shards }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);
  const hot = new Set<string>();
  while (hot.size < hotCount) hot.add(shardIds[Math.floor(random() * shards)]!);
  const load = (s: string) => (hot.has(s) ? 200 : 10);
  const fleet = Array.from({ length: workers }, (_, i) => {
    const store = new MemoryLeaseStore(table, { latencyMs: () => 5 + random() * 15, sleep: clock.sleep });
    return new LeaseCoordinator({ store, streamName: 'sim', workerId: `w${i}`, failoverMs, balance, loadOf: load, now: () => clock.now });
  });
  let running = true;
  for (const c of fleet) {
    void (async () => {
      await clock.sleep(random() * (failoverMs / 3));
      while (running) {
        await c.round(shardIds);
        await clock.sleep(failoverMs / 3);
      }
    })();
  }
  const ratio = () => {
    const loads = new Map(fleet.map((_, i) => [`w${i}`, 0]));
    for (const [s, item] of table.items) if (item.owner) loads.set(item.owner, (loads.get(item.owner) ?? 0) + load(s));
    const l = [...loads.values()];
    return Math.max(...l) / (l.reduce((a, b) => a + b, 0) / l.length);
  };
  const minutes = 10;
  let within = Infinity;
  let lateFrom = 0;
  for (let t = 0; t < minutes * 60_000; t += 1000) {
    await clock.run(t + 1000);
    const r = ratio();
    if (r <= 1.2 && within === Infinity) within = clock.now / 1000;
    if (r > 1.2) within = Infinity;
    if (t + 1000 === (minutes / 2) * 60_000) lateFrom = fleet.reduce((n, c) => n + c.moves, 0);
  }
  const moves = fleet.reduce((n, c) => n + c.moves, 0);
  running = false;
  await clock.run(clock.now + failoverMs);
  return { shards, workers, hot: hotCount, maxLoadRatio: ratio(), secondsToWithinMargin: within, moves, lateMoves: moves - lateFrom };
}
