import { describe, expect, it } from 'vitest';
import { LeaseCoordinator } from './leases.js';
import { MemoryLeaseStore, MemoryLeaseTable } from './memory-lease-store.js';
import { SHARD_END } from './store.js';

describe('LeaseCoordinator', () => {
  it('gives up the lease of a shard read to its end, so no stopped worker stays its owner', async () => {
    const table = new MemoryLeaseTable('s');
    const a = new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: 'wa', scanEvery: 1 });
    await a.round(['parent', 'child']);
    expect(table.items.get('parent')?.owner).toBe('wa');
    table.setCheckpoint('parent', SHARD_END);
    await a.round(['parent', 'child']);
    expect(table.items.get('parent')?.owner).toBeUndefined();
    expect([...a.owned()]).toEqual(['child']);
  });

  it('spreads 10 shards over 3 workers 4/3/3, each stealing only while the busiest holds two more', async () => {
    let now = 0;
    const table = new MemoryLeaseTable('s');
    const shards = Array.from({ length: 10 }, (_, i) => `shard-${i}`);
    const fleet = ['wa', 'wb', 'wc'].map((id) => new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: id, scanEvery: 1, now: () => now }));
    for (let r = 0; r < 12; r++) {
      for (const c of fleet) await c.round(shards);
      now += 1000;
    }
    expect(fleet.map((c) => c.owned().size).sort()).toEqual([3, 3, 4]);
    expect(new Set(fleet.flatMap((c) => [...c.owned()])).size).toBe(10);
  });
});
