/**
 * Leases beyond this machine, by simulation: the real LeaseCoordinator, one per simulated worker,
 * against the in-memory lease table (DynamoDB's conditional-write semantics and billing), with
 * simulated call latency, on a simulated clock (so minutes of a 100-worker fleet run in seconds).
 * Workers join over one round; once balanced, 10 of them die (stop renewing, as after SIGKILL).
 */
import { LeaseCoordinator } from '../../src/checkpoint/leases.js';
import { MemoryLeaseStore, MemoryLeaseTable } from '../../src/checkpoint/memory-lease-store.js';
import { xorshift } from './random.js';

/** A clock for simulations: `sleep` resolves when `run` reaches its time; nothing waits for real. */
export class SimClock {
  now = 0;
  private seq = 0;
  private readonly queue: { at: number; seq: number; resolve: () => void }[] = [];

  sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      this.queue.push({ at: this.now + Math.max(0, ms), seq: this.seq++, resolve });
    });

  /** Runs every timer due up to `until`, in time order, letting the woken code run before the next. */
  async run(until: number): Promise<void> {
    for (;;) {
      let best = -1;
      for (let i = 0; i < this.queue.length; i++) {
        const q = this.queue[i]!;
        const b = this.queue[best];
        if (!b || q.at < b.at || (q.at === b.at && q.seq < b.seq)) best = i;
      }
      const next = this.queue[best];
      if (!next || next.at > until) break;
      this.queue.splice(best, 1);
      this.now = next.at;
      next.resolve();
      await new Promise((r) => setImmediate(r));
    }
    this.now = until;
  }
}

export interface SimOptions {
  shards?: number;
  workers?: number;
  killed?: number;
  failoverMs?: number;
  scanEvery?: number;
  latencyMs?: [number, number];
  seed?: number;
  /** How leases move for balance (default: the coordinator's, ask). */
  balanceMoves?: 'ask' | 'steal';
}

export interface SimResult {
  shards: number;
  workers: number;
  secondsToBalanced: number;
  failoverSeconds: number;
  secondsToRebalanced: number;
  conflicts: number;
  throttled: number;
  readUnitsPerMin: number;
  writeUnitsPerMin: number;
}

export async function simulate(o: SimOptions = {}): Promise<SimResult> {
  const shards = o.shards ?? 1000;
  const workers = o.workers ?? 100;
  const killed = o.killed ?? 10;
  const failoverMs = o.failoverMs ?? 10_000;
  const [lo, hi] = o.latencyMs ?? [5, 20];
  const random = xorshift(o.seed ?? 7);
  const clock = new SimClock();
  const table = new MemoryLeaseTable('sim', undefined, () => clock.now);
  const shardIds = Array.from({ length: shards }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);
  const roundMs = failoverMs / 3;
  const fleet = Array.from({ length: workers }, (_, i) => {
    const store = new MemoryLeaseStore(table, { latencyMs: () => lo + random() * (hi - lo), sleep: clock.sleep });
    const coordinator = new LeaseCoordinator({ store, streamName: 'sim', workerId: `w${i}`, failoverMs, scanEvery: o.scanEvery ?? 3, balanceMoves: o.balanceMoves, now: () => clock.now });
    return { id: `w${i}`, store, coordinator, alive: true };
  });
  for (const w of fleet) {
    void (async () => {
      await clock.sleep(random() * roundMs); // join over one round
      while (w.alive) {
        await w.coordinator.round(shardIds);
        await clock.sleep(roundMs);
      }
    })();
  }
  const live = () => new Set(fleet.filter((w) => w.alive).map((w) => w.id));
  const balanced = () => {
    const alive = live();
    const counts = new Map([...alive].map((id) => [id, 0]));
    for (const item of table.items.values()) {
      if (!item.owner || !alive.has(item.owner)) return false;
      counts.set(item.owner, counts.get(item.owner)! + 1);
    }
    const c = [...counts.values()];
    return table.items.size === shards && Math.max(...c) - Math.min(...c) <= 1;
  };
  const step = 500;
  const limit = 30 * 60_000;
  while (!balanced() && clock.now < limit) await clock.run(clock.now + step);
  const secondsToBalanced = clock.now / 1000;
  // Steady state: one minute of renewals and scans, billed.
  const usage = () => fleet.reduce((u, w) => ({ r: u.r + w.store.usage().readUnits, w: u.w + w.store.usage().writeUnits }), { r: 0, w: 0 });
  const before = usage();
  await clock.run(clock.now + 60_000);
  const after = usage();
  // 10 workers die: every shard of theirs is unowned (by a live worker) until taken over.
  for (const w of fleet.slice(0, killed)) w.alive = false;
  const killedAt = clock.now;
  const orphaned = () => [...table.items.values()].some((i) => !i.owner || !live().has(i.owner));
  while (orphaned() && clock.now - killedAt < limit) await clock.run(clock.now + step);
  const failoverSeconds = (clock.now - killedAt) / 1000;
  while (!balanced() && clock.now - killedAt < limit) await clock.run(clock.now + step);
  const secondsToRebalanced = (clock.now - killedAt) / 1000;
  for (const w of fleet) w.alive = false;
  await clock.run(clock.now + failoverMs);
  return {
    shards,
    workers,
    secondsToBalanced,
    failoverSeconds,
    secondsToRebalanced,
    conflicts: fleet.reduce((n, w) => n + w.store.conflicts, 0),
    throttled: fleet.reduce((n, w) => n + w.store.throttled, 0),
    readUnitsPerMin: after.r - before.r,
    writeUnitsPerMin: after.w - before.w,
  };
}
