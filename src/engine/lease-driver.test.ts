import { describe, expect, it } from 'vitest';
import { LeaseCoordinator } from '../checkpoint/leases.js';
import { MemoryLeaseStore, MemoryLeaseTable } from '../checkpoint/memory-lease-store.js';
import type { Source } from '../core/source.js';
import { EngineEventBus } from './events.js';
import { LeaseDriver } from './lease-driver.js';

/** A source that records what the driver assigns it (the part of the contract the driver uses). */
function recordingSource(shards: string[]): Source & { calls: { owned: string[]; restart: string[]; checkpoints: Record<string, string> }[] } {
  const calls: { owned: string[]; restart: string[]; checkpoints: Record<string, string> }[] = [];
  return {
    name: 'recording',
    calls,
    start: async () => undefined,
    partitionIds: () => shards,
    assign: async (owned, checkpoints, restart) => {
      calls.push({ owned: [...owned].sort(), restart: [...(restart ?? [])].sort(), checkpoints: Object.fromEntries(checkpoints) });
    },
    poll: () => [],
    buffered: () => 0,
    finishedPartitions: () => [],
    onCommitted: async () => undefined,
    readingPartitions: () => [],
    lags: () => [],
    close: async () => undefined,
  };
}

describe('LeaseDriver', () => {
  it('a shard held again after another worker held it (and checkpointed it) is restarted from the stored checkpoint', async () => {
    let now = 0;
    const table = new MemoryLeaseTable('s', undefined, () => now);
    const shards = ['shard-0'];
    const coordinator = (id: string) => new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: id, failoverMs: 1000, scanEvery: 1, now: () => now });
    const source = recordingSource(shards);
    const a = new LeaseDriver(coordinator('wa'), source, new EngineEventBus(), 'wa', 1000, (e) => {
      throw e;
    }, () => now);
    await a.round();
    expect(source.calls.at(-1)).toEqual({ owned: ['shard-0'], restart: ['shard-0'], checkpoints: { 'shard-0': '' } });
    await a.round();
    expect(source.calls.at(-1)?.restart).toEqual([]); // renewed: the reader is kept

    // A is frozen: B sees the lease unchanged for the failover time, takes it, checkpoints, and stops cleanly.
    const b = coordinator('wb');
    await b.round(shards);
    now += 1500;
    expect(a.current()).toBe(false);
    await b.round(shards);
    expect([...b.owned()]).toEqual(['shard-0']);
    table.setCheckpoint('shard-0', '49000000000000000000000000000000000000000000000000000400');
    await b.release();

    // A resumes: its next round takes the lease back; what A read before is stale.
    await a.round();
    expect(a.current()).toBe(true);
    expect(source.calls.at(-1)).toEqual({ owned: ['shard-0'], restart: ['shard-0'], checkpoints: { 'shard-0': '49000000000000000000000000000000000000000000000000000400' } });
  });

  it('restarts a shard whose checkpoint was refused, from the checkpoint read now', async () => {
    const table = new MemoryLeaseTable('s');
    const source = recordingSource(['shard-0']);
    const a = new LeaseDriver(new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: 'wa', failoverMs: 1000 }), source, new EngineEventBus(), 'wa', 1000, (e) => {
      throw e;
    });
    await a.round();
    table.setCheckpoint('shard-0', '49000000000000000000000000000000000000000000000000000900');
    await a.restart(['shard-0']);
    expect(source.calls.at(-1)).toEqual({ owned: ['shard-0'], restart: ['shard-0'], checkpoints: { 'shard-0': '49000000000000000000000000000000000000000000000000000900' } });
  });

  it('a clean stop hands each lease to the other worker (a lease.handoff event each), whose next round restarts it from the checkpoint', async () => {
    let now = 0;
    const table = new MemoryLeaseTable('s', undefined, () => now);
    const shards = ['shard-0', 'shard-1'];
    const coordinator = (id: string) => new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: id, failoverMs: 3000, scanEvery: 3, balance: 'count', now: () => now });
    const fail = (e: unknown) => {
      throw e;
    };
    const events = new EngineEventBus();
    const handed: unknown[] = [];
    events.on('lease.handoff', (h) => handed.push({ ...h, ms: 0 }));
    const [sa, sb] = [recordingSource(shards), recordingSource(shards)];
    const a = new LeaseDriver(coordinator('wa'), sa, events, 'wa', 3000, fail, () => now);
    const b = new LeaseDriver(coordinator('wb'), sb, new EngineEventBus(), 'wb', 3000, fail, () => now);
    await a.round();
    await b.round(); // b steals one of a's two
    now += 1000;
    await a.round(); // a learns it lost one
    expect(a.owned()).toHaveLength(1);
    expect(b.owned()).toHaveLength(1);
    const shard = a.owned()[0]!;
    table.setCheckpoint(shard, '49000000000000000000000000000000000000000000000000000100');
    await a.stop();
    await a.handOver(true);
    expect(handed).toEqual([{ workerId: 'wa', shard, to: 'wb', ms: 0 }]);
    await b.round(); // not a Scan round by schedule: the inbox makes it one
    expect(sb.calls.at(-1)).toEqual({
      owned: ['shard-0', 'shard-1'],
      restart: [shard],
      checkpoints: expect.objectContaining({ [shard]: '49000000000000000000000000000000000000000000000000000100' }),
    });
  });
});
