import { describe, expect, it } from 'vitest';
import { MemoryCheckpointStore } from '../checkpoint/memory-store.js';
import type { SourceRecord } from '../core/source.js';
import { MemorySource } from '../sources/memory.js';
import { Checkpointer } from './checkpointer.js';

const record = (shardId: string, seq: number): SourceRecord => ({ shardId, sequenceNumber: String(seq).padStart(20, '0'), partitionKey: 'k', arrivalMs: 0, data: new Uint8Array() });

describe('Checkpointer', () => {
  it('commits nothing of a withheld shard (a sink left its rows out) until its reader restarts from the stored checkpoint', async () => {
    const store = new MemoryCheckpointStore();
    const c = new Checkpointer(store, new MemorySource(['p0', 'p1']), [], 0);
    c.taken([record('p0', 5), record('p1', 7)], []);
    c.withhold(['p1']);
    c.taken([record('p1', 9)], []); // the old reader's next records, before the restart
    expect([...(await c.commit(0))!.saved]).toEqual([['p0', record('p0', 5).sequenceNumber]]);
    expect((await store.load()).has('p1')).toBe(false);
    // Restarted from its stored checkpoint: its records count again.
    c.reset(['p1'], new Map());
    c.taken([record('p1', 7)], []);
    expect([...(await c.commit(1))!.saved]).toEqual([['p1', record('p1', 7).sequenceNumber]]);
  });

  it('forgets what was taken from a shard whose state was dropped or loaded again', async () => {
    const c = new Checkpointer(new MemoryCheckpointStore(), new MemorySource(['p0']), [], 0);
    c.taken([record('p0', 50)], []);
    c.reset(['p0'], new Map([['p0', record('p0', 20).sequenceNumber]]));
    expect(c.hasPending()).toBe(false);
    c.taken([record('p0', 21)], []);
    expect([...(await c.commit(0))!.saved]).toEqual([['p0', record('p0', 21).sequenceNumber]]);
  });

  it('without state, commits at most every checkpointInterval; a final commit and a shard read to its end at once', async () => {
    const store = new MemoryCheckpointStore();
    const c = new Checkpointer(store, new MemorySource(['p0', 'p1']), [], 0, new Map(), undefined, 5000);
    c.taken([record('p0', 1)], []);
    expect((await c.commit(1000))?.saved.get('p0')).toBe(record('p0', 1).sequenceNumber); // the first batch at once
    c.taken([record('p0', 2)], []);
    expect(await c.commit(2000)).toBeUndefined();
    c.taken([record('p0', 3)], []);
    expect(await c.commit(5999)).toBeUndefined();
    expect((await store.load()).get('p0')?.checkpoint).toBe(record('p0', 1).sequenceNumber);
    c.taken([record('p0', 4)], []);
    expect((await c.commit(6000))?.saved.get('p0')).toBe(record('p0', 4).sequenceNumber);
    c.taken([record('p0', 5)], []);
    expect((await c.commit(6500, true))?.saved.get('p0')).toBe(record('p0', 5).sequenceNumber); // a clean stop
    c.taken([record('p1', 9)], ['p1']);
    expect((await c.commit(7000))?.saved.get('p1')).toBe('SHARD_END'); // its children wait for it
  });
});
