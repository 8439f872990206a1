import { afterEach, describe, expect, it } from 'vitest';
import { ensureTable } from '../../src/aws/admin.js';
import { LeaseCoordinator } from '../../src/checkpoint/leases.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();
const realNow = Date.now;
afterEach(() => {
  Date.now = realNow;
});

let offset = 0;
/** Sets the wall clock (Date.now, which the AWS SDK signs with too) `ms` away from the real time. */
const stepWallClock = (ms: number) => {
  offset = ms;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lease timing is on a monotonic clock', () => {
  it('a wall-clock step forward of 1 h takes no live lease, and a step back of 1 h delays no failover', async () => {
    // Installed before anything reads Date.now, so code that kept a reference to it sees the steps too.
    offset = 0;
    Date.now = () => realNow() + offset;
    const table = `leases-${uniqueName('clock')}`;
    await ensureTable(env.clients.dynamodb, table, { partitionKey: { name: 'leaseKey', type: 'S' } });
    const shards = ['shardId-000000000000', 'shardId-000000000001'];
    const make = (workerId: string) => new LeaseCoordinator({ dynamodb: env.clients.dynamodb, table, streamName: 's', workerId, failoverMs: 1000, scanEvery: 1 });
    const a = make('wa');
    const b = make('wb');
    expect([...(await a.round(shards))].sort()).toEqual(shards);
    await b.round(shards); // b asks for one: ceil(2 / 2) = 1 each
    await a.round(shards); // a hands it over
    expect(a.owned().size).toBe(1);
    await b.round(shards); // b takes it
    expect(b.owned().size).toBe(1);

    // A keeps renewing while the wall clock jumps an hour ahead: B must not think A's lease expired.
    stepWallClock(3_600_000);
    let lastRenewal = 0;
    for (let i = 0; i < 8; i++) {
      await a.round(shards);
      lastRenewal = performance.now();
      await b.round(shards);
      await sleep(250);
    }
    expect(a.owned().size).toBe(1);
    expect(b.owned().size).toBe(1);

    // A stops renewing and the wall clock steps back an hour (below where it was): B takes over after the failover time.
    stepWallClock(-3_600_000);
    const t0 = performance.now();
    while (b.owned().size < 2 && performance.now() - t0 < 10_000) {
      await b.round(shards);
      await sleep(100);
    }
    expect(b.owned().size, "B took the silent worker's lease within 10 s of real time").toBe(2);
    // Not before a failover time (on the monotonic clock) since A last renewed.
    expect(performance.now() - lastRenewal).toBeGreaterThanOrEqual(1000);
  }, 60_000);
});
