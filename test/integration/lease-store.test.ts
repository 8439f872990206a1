import { describe, expect, it } from 'vitest';
import { ensureTable } from '../../src/aws/admin.js';
import { DynamoLeaseStore } from '../../src/checkpoint/dynamodb-lease-store.js';
import type { LeaseStore } from '../../src/checkpoint/lease-store.js';
import { MemoryLeaseStore, MemoryLeaseTable } from '../../src/checkpoint/memory-lease-store.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();

/** The same calls, in the same order; what each returned, and the table after. */
async function script(store: LeaseStore): Promise<unknown[]> {
  const s = 'shardId-000000000000';
  const t = 'shardId-000000000001';
  const out: unknown[] = [];
  out.push(await store.create(s)); // new
  out.push(await store.create(s)); // exists: refused
  out.push(await store.take(t, 'wa', 0)); // missing item: refused
  out.push(await store.renew(s, 'wa', 1)); // nobody holds it: refused
  out.push(await store.take(s, 'wa', 1)); // wrong counter: refused
  out.push(await store.take(s, 'wa', 0)); // as seen: taken (counter 1)
  out.push(await store.take(s, 'wb', 0)); // stale counter: refused
  out.push(await store.renew(s, 'wa', 12.5)); // counter 2, load published
  out.push(await store.renew(s, 'wb', 3)); // not the owner: refused
  out.push(await store.publishLoad(s, 'wb', 7)); // not the owner: refused
  out.push(await store.publishLoad(s, 'wa', 12.5)); // load published, counter still 2
  out.push(await store.take(s, 'wb', 2)); // stolen as seen (counter 3)
  out.push(await store.release(s, 'wa')); // not the owner any more: refused
  out.push(await store.create(t));
  out.push(await store.release(s, 'wb')); // counter 4, no owner
  out.push(await store.take(t, 'wa', 0));
  out.push((await store.list()).sort((a, b) => a.shardId.localeCompare(b.shardId)));
  return out;
}

/** The handoff calls: workers' items, transfer, inbox, steal notices and asks; what each returned, and the Scan after some steps. */
async function handoffScript(store: LeaseStore): Promise<unknown[]> {
  const s = 'shardId-000000000000';
  const out: unknown[] = [];
  const scan = async () => {
    const t = await store.scan();
    return { leases: t.leases, workers: [...t.workers].sort((a, b) => a.workerId.localeCompare(b.workerId)) };
  };
  await store.create(s);
  out.push(await store.take(s, 'wa', 0));
  out.push(await store.heartbeat('wa')); // creates wa's item: empty inbox
  out.push(await store.heartbeat('wb'));
  out.push(await store.notify('wc', [s])); // no item: refused
  out.push(await store.transfer(s, 'wb', 'wc')); // wb does not hold it: refused
  out.push(await store.transfer(s, 'wa', 'wb')); // handed (counter 2)
  out.push(await store.notify('wb', [s]));
  out.push(await scan());
  out.push([await store.tellTaken('wc', [s]), await store.ask('wc', { shardId: s, to: 'wb', held: 0, load: 0 })]); // no item: refused
  out.push([await store.tellTaken('wa', [s]), await store.ask('wa', { shardId: s, to: 'wb', held: 1, load: 12.5 })]); // wa hears of both at its next heartbeat
  out.push(await store.heartbeat('wb')); // wb's next round finds it
  out.push(await store.heartbeat('wa'));
  await store.clearInbox('wb', { handed: [s], taken: [], asked: [] });
  await store.clearInbox('wa', { handed: [], taken: [s], asked: [{ shardId: s, to: 'wb', held: 1, load: 12.5 }] });
  out.push(await store.heartbeat('wa')); // read and cleared
  await store.markStopping('wb');
  out.push([await store.notify('wb', [s]), await store.ask('wb', { shardId: s, to: 'wa', held: 0, load: 0 })]); // stopping: refused
  await store.markStopping('wa');
  await store.forget('wa');
  await store.forget('wc'); // no item: nothing to delete
  out.push(await scan());
  out.push((await store.list()).map((l) => l.shardId)); // the workers' items are not shards
  return out;
}

describe('the in-memory lease store behaves as DynamoDB (dynalite) on the same calls', () => {
  it('workers\' items, transfers, inboxes, steal notices and asks: same answers, same table', async () => {
    const table = `leases-${uniqueName('handoff')}`;
    await ensureTable(env.clients.dynamodb, table, { partitionKey: { name: 'leaseKey', type: 'S' } });
    const real = await handoffScript(new DynamoLeaseStore({ dynamodb: env.clients.dynamodb, table, streamName: 's' }));
    const simulated = await handoffScript(new MemoryLeaseStore(new MemoryLeaseTable('s')));
    expect(simulated).toEqual(real);
    const empty = { handed: [], taken: [], asked: [] };
    expect(real.slice(0, 6)).toEqual([true, empty, empty, false, false, true]);
    expect(real[6]).toBe(true);
    expect(real[7]).toEqual({
      leases: [{ shardId: 'shardId-000000000000', owner: 'wb', counter: 2, checkpoint: undefined, load: 0 }],
      workers: [
        { workerId: 'wa', counter: 1, stopping: false, inbox: [] },
        { workerId: 'wb', counter: 1, stopping: false, inbox: ['shardId-000000000000'] },
      ],
    });
    expect(real.slice(8, 10)).toEqual([
      [false, false],
      [true, true],
    ]);
    expect(real[10]).toEqual({ handed: ['shardId-000000000000'], taken: [], asked: [] });
    expect(real[11]).toEqual({ handed: [], taken: ['shardId-000000000000'], asked: [{ shardId: 'shardId-000000000000', to: 'wb', held: 1, load: 12.5 }] });
    expect(real[12]).toEqual(empty);
    expect(real[13]).toEqual([false, false]);
    expect(real[14]).toEqual({
      leases: [{ shardId: 'shardId-000000000000', owner: 'wb', counter: 2, checkpoint: undefined, load: 0 }],
      workers: [{ workerId: 'wb', counter: 2, stopping: true, inbox: [] }],
    });
    expect(real[15]).toEqual(['shardId-000000000000']);
  }, 60_000);

  it('conditional creates, takes, renewals, loads and releases: same answers, same table, and each call is billed', async () => {
    const table = `leases-${uniqueName('contract')}`;
    await ensureTable(env.clients.dynamodb, table, { partitionKey: { name: 'leaseKey', type: 'S' } });
    const dynamo = new DynamoLeaseStore({ dynamodb: env.clients.dynamodb, table, streamName: 's' });
    const memory = new MemoryLeaseStore(new MemoryLeaseTable('s'));
    const [real, simulated] = [await script(dynamo), await script(memory)];
    expect(simulated).toEqual(real);
    expect(real.slice(0, 16)).toEqual([true, false, false, false, false, true, false, true, false, false, true, true, false, true, true, true]);
    expect(real[16]).toEqual([
      { shardId: 'shardId-000000000000', owner: undefined, counter: 4, checkpoint: undefined, load: 12.5 },
      { shardId: 'shardId-000000000001', owner: 'wa', counter: 1, checkpoint: undefined, load: 0 },
    ]);
    // 16 writes (refused ones are billed too) and one small Scan, on both.
    expect(memory.usage()).toEqual({ readUnits: 1, writeUnits: 16 });
    expect(dynamo.usage().writeUnits).toBe(16);
    expect(dynamo.usage().readUnits).toBeGreaterThan(0);
  }, 60_000);

  it('throttles over its provisioned capacity and retries after a backoff, as the SDK would', async () => {
    let now = 0;
    const table = new MemoryLeaseTable('s', { readUnitsPerSecond: 100, writeUnitsPerSecond: 2 }, () => now);
    const store = new MemoryLeaseStore(table, { sleep: async (ms) => void (now += ms) });
    for (let i = 0; i < 6; i++) await store.create(`shardId-${i}`);
    // 2 writes per second: 6 writes need the bucket to drain twice (about 2 s of simulated time).
    expect(store.throttled).toBeGreaterThan(0);
    expect(now).toBeGreaterThanOrEqual(2000);
    expect((await store.list()).length).toBe(6);
  });
});
