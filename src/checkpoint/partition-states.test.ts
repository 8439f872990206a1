import { describe, expect, it } from 'vitest';
import type { Row } from '../core/batch.js';
import { createAnomalyOperator, type AnomalyOperatorOptions } from '../detect/operator.js';
import { STATE_BUCKETS, bucketOf } from './keyed-chunks.js';
import { MemoryCheckpointStore } from './memory-store.js';
import { PartitionStates } from './partition-states.js';

const ctx = { batchId: 0, batchTime: new Date(0), deadLetter: () => undefined };
const opts: AnomalyOperatorOptions = { detector: 'rcf', value: 'v', key: 'id', params: { numberOfTrees: 6, sampleSize: 24 } };
const rows = (shard: string, keys: number, from: number, n: number): Row[] =>
  Array.from({ length: n }, (_, i) => ({ id: `k${(from + i) % keys}`, v: 10 * Math.sin((from + i) / 5) + ((from + i) % 7), _shard: shard, _seq: String(from + i), _arrival: 1e12 + (from + i) * 1000 }));

describe('partition states: incremental snapshots per bucket of keys', () => {
  it('writes every bucket of a new partition, then only the buckets of the keys that changed; a restore from those scores exactly as the original', async () => {
    const store = new MemoryCheckpointStore();
    const op = createAnomalyOperator(opts);
    const states = new PartitionStates(store, [op]);
    await states.ensure(['s']);
    await op.processBatch({ rows: rows('s', 100, 0, 500) }, ctx);
    const first = states.snapshot('s');
    expect(first.size).toBe(STATE_BUCKETS);
    await store.saveSnapshot(new Map([['s', '500']]), new Map(), new Map([['s', first]]));

    await op.processBatch({ rows: [{ ...rows('s', 100, 505, 1)[0]! }] }, ctx); // key k5 only
    const second = states.snapshot('s');
    expect([...second.keys()]).toEqual([bucketOf('k5')]);
    const written = [...second.get(bucketOf('k5'))!.get(op.name)!].map(([k]) => k).sort();
    const expected = Array.from({ length: 100 }, (_, i) => `k${i}`).filter((k) => bucketOf(k) === bucketOf('k5')).sort();
    expect(written).toEqual(expected);
    await store.saveSnapshot(new Map([['s', '501']]), new Map(), new Map([['s', second]]));
    expect(states.snapshot('s').size).toBe(0);

    // Another worker loads the shard: the unchanged buckets and the rewritten one together.
    const other = createAnomalyOperator(opts);
    const elsewhere = new PartitionStates(store, [other]);
    expect(await elsewhere.ensure(['s'])).toEqual(new Map([['s', '501']]));
    expect(other.keys).toBe(100);
    const next = rows('s', 100, 600, 300);
    const a = (await op.processBatch({ rows: next }, ctx)).rows.map((r) => r.anomaly_score);
    const b = (await other.processBatch({ rows: next }, ctx)).rows.map((r) => r.anomaly_score);
    expect(b).toEqual(a);
  });

  it('a dropped partition is forgotten and loaded again when gained back', async () => {
    const store = new MemoryCheckpointStore();
    const op = createAnomalyOperator(opts);
    const states = new PartitionStates(store, [op]);
    await states.ensure(['s', 't']);
    await op.processBatch({ rows: [...rows('s', 3, 0, 50), ...rows('t', 3, 0, 50)] }, ctx);
    await store.saveSnapshot(new Map([['s', '50'], ['t', '50']]), new Map(), new Map([['s', states.snapshot('s')], ['t', states.snapshot('t')]]));
    states.drop(['t']);
    expect(op.keys).toBe(3);
    expect(states.loaded()).toEqual(['s']);
    await states.ensure(['t']);
    expect(op.keys).toBe(6);
  });

  it('a child partition inherits its parents’ keys once they have ended, the first parent winning a shared key', async () => {
    const store = new MemoryCheckpointStore();
    const op = createAnomalyOperator(opts);
    const parents: Record<string, string[]> = { c: ['a', 'b'] };
    const states = new PartitionStates(store, [op], (p) => parents[p] ?? []);
    await states.ensure(['a', 'b']);
    await op.processBatch({ rows: [...rows('a', 2, 0, 40), ...rows('b', 3, 0, 40)] }, ctx);
    await store.saveSnapshot(new Map([['a', '40'], ['b', '40']]), new Map(), new Map([['a', states.snapshot('a')], ['b', states.snapshot('b')]]));
    // Parents not ended: the child waits.
    expect(await states.ensure(['c'])).toEqual(new Map());
    await store.saveSnapshot(new Map([['a', 'SHARD_END'], ['b', 'SHARD_END']]), new Map(), new Map([['a', states.snapshot('a')], ['b', states.snapshot('b')]]));
    expect(await states.ensure(['c'])).toEqual(new Map([['c', '']]));
    const fromA = new Map([...op.snapshotPartition('a')].map(([k, e]) => [k, JSON.stringify(e.model)]));
    const inC = new Map([...op.snapshotPartition('c')].map(([k, e]) => [k, JSON.stringify(e.model)]));
    expect([...inC.keys()].sort()).toEqual(['k0', 'k1', 'k2']);
    expect(inC.get('k0')).toBe(fromA.get('k0'));
    expect(inC.get('k1')).toBe(fromA.get('k1'));
    // k2 only in b
    expect(inC.get('k2')).toBe(JSON.stringify([...op.snapshotPartition('b')].find(([k]) => k === 'k2')![1].model));
    // The child's first snapshot writes all of it.
    expect(states.snapshot('c').size).toBe(STATE_BUCKETS);
  });
});
