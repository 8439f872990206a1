/**
 * Leases at fleet scale on this machine: 64 shards; real LeaseCoordinators (8 in this one process,
 * not 8 `sluice run` processes: too heavy on 2 cores) against the embedded dynalite through the
 * AWS SDK. Workers join one at a time up to 8, then leave one at a time with a clean stop (their
 * leases released). A sampler reads the table every 100 ms: time until balanced after the last
 * join, the longest any shard had no live owner, and ownership moves from one live worker to
 * another between live workers (moves: handed over on request, or stolen; `steals` counts the
 * latter, from the coordinators). Capacity is DynamoDB's own ConsumedCapacity, per worker per minute.
 */
import { ensureTable } from '../../src/aws/admin.js';
import { createAwsClients } from '../../src/aws/clients.js';
import { DynamoLeaseStore } from '../../src/checkpoint/dynamodb-lease-store.js';
import { LeaseCoordinator } from '../../src/checkpoint/leases.js';
import { startLocalStack } from '../../src/local/stack.js';

export interface BalanceResult {
  shards: number;
  workers: number;
  failoverMs: number;
  secondsToBalanced: number;
  maxUnownedSeconds: number;
  /** Leases that went from one live worker to another (handed over or stolen). */
  moves: number;
  /** Of those, taken from a live owner without its handoff. */
  steals: number;
  readUnitsPerWorkerMin: number;
  writeUnitsPerWorkerMin: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function balance(o: { shards?: number; workers?: number; failoverMs?: number } = {}): Promise<BalanceResult> {
  const shards = o.shards ?? 64;
  const workers = o.workers ?? 8;
  const failoverMs = o.failoverMs ?? 3000;
  const stack = await startLocalStack();
  const clients = createAwsClients(stack.connection);
  try {
    const table = `scale-balance-${Date.now()}`;
    await ensureTable(clients.dynamodb, table, { partitionKey: { name: 'leaseKey', type: 'S' } });
    const shardIds = Array.from({ length: shards }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);
    const fleet: { id: string; store: DynamoLeaseStore; c: LeaseCoordinator; alive: boolean; loop: Promise<void>; since: number; until?: number }[] = [];
    const join = (i: number) => {
      const store = new DynamoLeaseStore({ dynamodb: clients.dynamodb, table, streamName: 'bench' });
      const w = { id: `w${i}`, store, c: new LeaseCoordinator({ store, streamName: 'bench', workerId: `w${i}`, failoverMs }), alive: true, loop: Promise.resolve(), since: performance.now() } as (typeof fleet)[number];
      w.loop = (async () => {
        while (w.alive) {
          await w.c.round(shardIds);
          await sleep(failoverMs / 3);
        }
        await w.c.release();
        w.until = performance.now();
      })();
      fleet.push(w);
    };
    const reader = new DynamoLeaseStore({ dynamodb: clients.dynamodb, table, streamName: 'bench' });
    const owners = new Map<string, string | undefined>();
    const unownedSince = new Map<string, number>();
    let maxUnowned = 0;
    let moves = 0;
    let balancedNow = false;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const t = performance.now();
        const alive = new Set(fleet.filter((w) => w.alive).map((w) => w.id));
        const leases = await reader.list();
        const counts = new Map([...alive].map((id) => [id, 0]));
        for (const l of leases) {
          const owner = l.owner && alive.has(l.owner) ? l.owner : undefined;
          const before = owners.get(l.shardId);
          if (before && owner && before !== owner && alive.has(before)) moves++;
          owners.set(l.shardId, owner);
          if (owner) {
            counts.set(owner, counts.get(owner)! + 1);
            const s = unownedSince.get(l.shardId);
            if (s !== undefined && fleet.length > 0) maxUnowned = Math.max(maxUnowned, t - s);
            unownedSince.delete(l.shardId);
          } else if (!unownedSince.has(l.shardId) && alive.size > 0) unownedSince.set(l.shardId, t);
        }
        const c = [...counts.values()];
        balancedNow = leases.length === shards && c.length > 0 && c.reduce((a, b) => a + b, 0) === shards && Math.max(...c) - Math.min(...c) <= 1;
        await sleep(100);
      }
    })();
    const gap = 2 * failoverMs;
    for (let i = 0; i < workers; i++) {
      join(i);
      await sleep(gap);
    }
    const lastJoin = performance.now() - gap;
    const limit = performance.now() + 120_000;
    while (!balancedNow && performance.now() < limit) await sleep(100);
    const secondsToBalanced = (performance.now() - lastJoin) / 1000;
    for (const w of fleet.slice(0, -1)) {
      w.alive = false;
      await w.loop;
      await sleep(gap);
    }
    const last = fleet[fleet.length - 1]!;
    last.alive = false;
    await last.loop;
    sampling = false;
    await sampler;
    const workerMinutes = fleet.reduce((m, w) => m + ((w.until ?? performance.now()) - w.since) / 60_000, 0);
    const used = fleet.reduce((u, w) => ({ r: u.r + w.store.usage().readUnits, w: u.w + w.store.usage().writeUnits }), { r: 0, w: 0 });
    return {
      shards,
      workers,
      failoverMs,
      secondsToBalanced,
      maxUnownedSeconds: maxUnowned / 1000,
      moves,
      steals: fleet.reduce((n, w) => n + w.c.steals, 0),
      readUnitsPerWorkerMin: used.r / workerMinutes,
      writeUnitsPerWorkerMin: used.w / workerMinutes,
    };
  } finally {
    clients.close();
    await stack.close();
  }
}
