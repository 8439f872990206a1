import { describe, expect, it } from 'vitest';
import { LeaseCoordinator } from '../checkpoint/leases.js';
import { MemoryLeaseStore, MemoryLeaseTable } from '../checkpoint/memory-lease-store.js';
import type { Source } from '../core/source.js';
import { BatchGate } from './batch-gate.js';
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

  it('a lease lost and held again during a batch changes nothing under that batch; afterwards its uncommitted positions are forgotten and it restarts from the stored checkpoint', async () => {
    let now = 0;
    const table = new MemoryLeaseTable('s', undefined, () => now);
    const shards = ['shard-0'];
    const coordinator = (id: string) => new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: id, failoverMs: 1000, scanEvery: 1, now: () => now });
    const source = recordingSource(shards);
    const gate = new BatchGate();
    const resets: { shards: string[]; checkpoints: Record<string, string> }[] = [];
    const a = new LeaseDriver(coordinator('wa'), source, new EngineEventBus(), 'wa', 1000, (e) => {
      throw e;
    }, () => now);
    await a.start(new Map(), undefined, { gate, reset: (p, cps) => void resets.push({ shards: [...p], checkpoints: Object.fromEntries(cps) }) });
    expect(source.calls.at(-1)?.restart).toEqual(['shard-0']);
    const before = source.calls.length;

    // A batch runs (it took records of shard-0 that are not committed yet)...
    let endBatch!: () => void;
    const batch = gate.batch(() => new Promise<void>((r) => (endBatch = r)));
    // ...while A is frozen past the failover time: B takes the lease and checkpoints further.
    const b = coordinator('wb');
    await b.round(shards);
    now += 1500;
    await b.round(shards);
    table.setCheckpoint('shard-0', '49000000000000000000000000000000000000000000000000000700');
    await b.release();
    // A's rounds inside the batch (as the sink fence runs them) lose and retake the lease but do
    // not wait for the batch, and change nothing the batch uses.
    await a.round();
    await a.round();
    expect(source.calls.length).toBe(before);
    expect(resets.length).toBe(1);
    expect(a.owned()).toEqual(['shard-0']); // the fence sees the lease at once
    endBatch();
    await batch;
    await gate.run(async () => undefined);
    // After the batch, once: read again from B's checkpoint, and what A took of shard-0 is forgotten.
    expect(source.calls.length).toBe(before + 1);
    expect(source.calls.at(-1)).toEqual({ owned: ['shard-0'], restart: ['shard-0'], checkpoints: { 'shard-0': '49000000000000000000000000000000000000000000000000000700' } });
    expect(resets.at(-1)).toEqual({ shards: ['shard-0'], checkpoints: { 'shard-0': '49000000000000000000000000000000000000000000000000000700' } });
  });

  it('a lease a checkpoint found lost is not held from that moment: the next batch takes nothing of its shard', async () => {
    const table = new MemoryLeaseTable('s');
    const source = recordingSource(['shard-0', 'shard-1']);
    const a = new LeaseDriver(new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: 'wa', failoverMs: 1000 }), source, new EngineEventBus(), 'wa', 1000, (e) => {
      throw e;
    });
    await a.round();
    expect(a.owned()).toEqual(['shard-0', 'shard-1']);
    // A checkpoint of shard-0 was refused for want of the lease: before the round that follows ends, the fence holds it no more.
    const round = a.lost(['shard-0']);
    expect(a.owned()).toEqual(['shard-1']);
    expect(a.validUntil('shard-0')).toBe(-Infinity);
    await round;
  });

  it('a round that starts while a batch waits its turn does not wait behind that batch (the batch may await the round)', async () => {
    const table = new MemoryLeaseTable('s');
    const source = recordingSource(['shard-0']);
    const gate = new BatchGate();
    const a = new LeaseDriver(new LeaseCoordinator({ store: new MemoryLeaseStore(table), streamName: 's', workerId: 'wa', failoverMs: 1000 }), source, new EngineEventBus(), 'wa', 1000, (e) => {
      throw e;
    });
    await a.start(new Map(), undefined, { gate });
    let unblock!: () => void;
    const before = gate.run(() => new Promise<void>((r) => (unblock = r)));
    await new Promise((r) => setImmediate(r)); // the task ahead runs
    // A batch waits its turn; once it runs it asks for a round, as the sink fence does.
    const batch = gate.batch(() => a.round());
    const round = a.round(); // starts while the batch waits
    unblock();
    await before;
    const outcome = await Promise.race([Promise.all([batch, round]).then(() => 'done'), new Promise((r) => setTimeout(() => r('deadlock'), 2000))]);
    expect(outcome).toBe('done');
    await a.stop();
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
    await b.round(); // b asks for one of a's two
    now += 1000;
    await a.round(); // a hands it over (between two batches: none here)
    await b.round(); // b takes it
    expect(a.owned()).toHaveLength(1);
    expect(b.owned()).toHaveLength(1);
    expect(handed).toEqual([{ workerId: 'wa', shard: b.owned()[0], to: 'wb', ms: 0, reason: 'balance' }]); // a move for balance is a handoff too
    handed.length = 0;
    const shard = a.owned()[0]!;
    table.setCheckpoint(shard, '49000000000000000000000000000000000000000000000000000100');
    await a.stop();
    await a.handOver(true);
    expect(handed).toEqual([{ workerId: 'wa', shard, to: 'wb', ms: 0, reason: 'stop' }]);
    await b.round(); // not a Scan round by schedule: the inbox makes it one
    expect(sb.calls.at(-1)).toEqual({
      owned: ['shard-0', 'shard-1'],
      restart: [shard],
      checkpoints: expect.objectContaining({ [shard]: '49000000000000000000000000000000000000000000000000000100' }),
    });
  });
});
