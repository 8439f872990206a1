/**
 * A clean stop on this machine: how long until every lease of the stopping worker is held by
 * another worker (the moment that worker's own round says so), with the named handoff and with a
 * plain release, alternating, on the embedded dynalite through the AWS SDK. Three real
 * LeaseCoordinators in this process, rounds every third of the failover time, each on its own phase.
 */
import { ensureTable } from '../../src/aws/admin.js';
import { createAwsClients } from '../../src/aws/clients.js';
import { DynamoLeaseStore } from '../../src/checkpoint/dynamodb-lease-store.js';
import { LeaseCoordinator } from '../../src/checkpoint/leases.js';
import { startLocalStack } from '../../src/local/stack.js';

export interface HandoffBenchResult {
  shards: number;
  workers: number;
  failoverMs: number;
  trials: number;
  handoffMs: number[];
  releaseMs: number[];
  /** Leases the handoff trials released instead (no live target): should be 0. */
  released: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function handoffBench(o: { shards?: number; workers?: number; failoverMs?: number; trials?: number } = {}): Promise<HandoffBenchResult> {
  const shards = o.shards ?? 16;
  const workers = o.workers ?? 3;
  const failoverMs = o.failoverMs ?? 3000;
  const trials = o.trials ?? 5;
  const stack = await startLocalStack();
  const clients = createAwsClients(stack.connection);
  const out: HandoffBenchResult = { shards, workers, failoverMs, trials, handoffMs: [], releaseMs: [], released: 0 };
  try {
    for (let t = 0; t < 2 * trials; t++) {
      const named = t % 2 === 0;
      const table = `scale-handoff-${Date.now()}-${t}`;
      await ensureTable(clients.dynamodb, table, { partitionKey: { name: 'leaseKey', type: 'S' } });
      const shardIds = Array.from({ length: shards }, (_, i) => `shardId-${String(i).padStart(12, '0')}`);
      const fleet = Array.from({ length: workers }, (_, i) => {
        const store = new DynamoLeaseStore({ dynamodb: clients.dynamodb, table, streamName: 'bench' });
        const w = { id: `w${i}`, c: new LeaseCoordinator({ store, streamName: 'bench', workerId: `w${i}`, failoverMs }), alive: true, loop: Promise.resolve() };
        w.loop = (async () => {
          await sleep(Math.random() * (failoverMs / 3));
          while (w.alive) {
            await w.c.round(shardIds);
            await sleep(failoverMs / 3);
          }
        })();
        return w;
      });
      const [leaving, ...staying] = fleet;
      const limit = performance.now() + 60_000;
      const even = () => {
        const c = fleet.map((w) => w.c.owned().size);
        return c.reduce((a, b) => a + b, 0) === shards && Math.max(...c) - Math.min(...c) <= 1;
      };
      while (!even() && performance.now() < limit) await sleep(50);
      // A moment at no particular phase of the others' rounds.
      await sleep(failoverMs / 2 + Math.random() * failoverMs);
      leaving!.alive = false;
      await leaving!.loop;
      const held = [...leaving!.c.owned()];
      const started = performance.now();
      if (named) out.released += (await leaving!.c.handoff()).filter((r) => r.to === undefined).length;
      else await leaving!.c.release();
      const taken = () => held.every((s) => staying.some((w) => w.c.owned().has(s)));
      while (!taken() && performance.now() < limit) await sleep(10);
      (named ? out.handoffMs : out.releaseMs).push(performance.now() - started);
      for (const w of staying) w.alive = false;
      await Promise.all(staying.map((w) => w.loop));
    }
    return out;
  } finally {
    clients.close();
    await stack.close();
  }
}
