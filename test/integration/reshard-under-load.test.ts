import { DescribeStreamCommand, MergeShardsCommand, PutRecordsCommand, SplitShardCommand, type Shard } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { ensureStream, waitForStream } from '../../src/aws/admin.js';
import { SHARD_END } from '../../src/checkpoint/store.js';
import { KinesisSource } from '../../src/kinesis/source.js';
import type { KinesisRecord } from '../../src/kinesis/record.js';
import { waitFor } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();
const N = 20_000;
const KEYS = 64;

async function openShards(stream: string): Promise<Shard[]> {
  const d = await env.clients.kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
  return d.StreamDescription!.Shards!.filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber).sort((a, b) => (BigInt(a.HashKeyRange!.StartingHashKey!) < BigInt(b.HashKeyRange!.StartingHashKey!) ? -1 : 1));
}

describe('resharding under load', () => {
  it('splits 4 shards to 8 and merges them back while 20k records flow: none lost or repeated, order per key kept', async () => {
    const stream = uniqueName('reshard');
    await ensureStream(env.clients.kinesis, stream, 4);
    const source = new KinesisSource({ kinesis: env.clients.kinesis, streamName: stream, startingPosition: { kind: 'trimHorizon' }, idleMs: 20, discoveryIntervalMs: 300 });
    await source.start(new Map());
    const got: KinesisRecord[] = [];
    let reading = true;
    // Plays the engine's part: takes records, and checkpoints SHARD_END for shards read to their end.
    const consumer = (async () => {
      while (reading) {
        got.push(...source.poll());
        const finished = source.finishedShards();
        if (finished.length > 0) await source.onCheckpointed(new Map(finished.map((s) => [s, SHARD_END])));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const next = new Array<number>(KEYS).fill(0);
    let produced = 0;
    const produce = async (count: number) => {
      for (let left = count; left > 0; left -= 250) {
        const records = Array.from({ length: Math.min(250, left) }, (_, j) => {
          const key = (produced + j) % KEYS;
          return { PartitionKey: `key-${key}`, Data: Buffer.from(`${key},${next[key]!++}`) };
        });
        const r = await env.clients.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: records }));
        expect(r.FailedRecordCount ?? 0).toBe(0);
        produced += records.length;
      }
    };
    try {
      await produce(N / 4);
      // Split every shard at the middle of its hash range: 4 -> 8.
      for (const shard of await openShards(stream)) {
        const lo = BigInt(shard.HashKeyRange!.StartingHashKey!);
        const hi = BigInt(shard.HashKeyRange!.EndingHashKey!);
        await env.clients.kinesis.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: shard.ShardId!, NewStartingHashKey: ((lo + hi) / 2n).toString() }));
        await waitForStream(env.clients.kinesis, stream);
        await produce(N / 16);
      }
      expect(await openShards(stream)).toHaveLength(8);
      await produce(N / 4);
      // Merge adjacent pairs back: 8 -> 4.
      const open = await openShards(stream);
      for (let i = 0; i < open.length; i += 2) {
        await env.clients.kinesis.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: open[i]!.ShardId!, AdjacentShardToMerge: open[i + 1]!.ShardId! }));
        await waitForStream(env.clients.kinesis, stream);
        await produce(N / 16);
      }
      expect(await openShards(stream)).toHaveLength(4);
      await produce(N - produced);
      await waitFor(() => got.length >= N, 120_000, `${N} records (got ${got.length})`);
      await new Promise((r) => setTimeout(r, 1000)); // a repeat would arrive now
    } finally {
      reading = false;
      await consumer;
      await source.close();
    }
    expect(produced).toBe(N);
    expect(got).toHaveLength(N);
    expect(new Set(got.map((r) => `${r.shardId}/${r.sequenceNumber}`)).size).toBe(N);
    // Per key, values arrive as 0, 1, 2, ... across the parent -> children -> merged shard chain.
    const seen = new Array<number>(KEYS).fill(0);
    const outOfOrder: string[] = [];
    for (const r of got) {
      const [key, value] = Buffer.from(r.data).toString().split(',').map(Number) as [number, number];
      if (value !== seen[key]) outOfOrder.push(`key-${key}: got ${value}, expected ${seen[key]}`);
      seen[key] = value + 1;
    }
    expect(outOfOrder.slice(0, 5)).toEqual([]);
    expect(seen).toEqual(next);
  }, 240_000);
});
