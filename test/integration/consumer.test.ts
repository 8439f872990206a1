import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStreamCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/aws/clients.js';
import { ensureStream, listShards, waitForStream } from '../../src/aws/admin.js';
import { startLocalStack } from '../../src/local/stack.js';
import { ShardReader } from '../../src/kinesis/shard-reader.js';
import { KinesisSource } from '../../src/kinesis/source.js';
import { StreamingQuery } from '../../src/engine/streaming-query.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';
import { DynamoCheckpointStore } from '../../src/checkpoint/dynamodb-store.js';
import type { KinesisRecord } from '../../src/kinesis/record.js';
import { countItems, putAll, scanAll, waitFor } from '../helpers/aws.js';
import { encode, seedRecords } from '../helpers/seed-data.js';
import { seedPipeline } from '../helpers/pipeline.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';
import { injectFault } from '../helpers/faults.js';
import { aggregate } from '../helpers/kpl.js';

const env = useLocalStack();

async function drainUntil(reader: { drain(): KinesisRecord[] } | KinesisSource, n: number): Promise<KinesisRecord[]> {
  const got: KinesisRecord[] = [];
  await waitFor(() => {
    got.push(...('poll' in reader ? reader.poll() : reader.drain()));
    return got.length >= n;
  }, 20_000, `${n} records`);
  await new Promise((r) => setTimeout(r, 300));
  got.push(...('poll' in reader ? reader.poll() : reader.drain()));
  return got;
}

describe('shard reader', () => {
  it('renews an expired iterator just after the last record read: nothing skipped, nothing repeated', async () => {
    const stream = uniqueName('exp');
    await ensureStream(env.clients.kinesis, stream, 1);
    const sent = await putAll(env.clients.kinesis, stream, seedRecords(300).map(encode));
    // Fault injection: the 2nd and 4th GetRecords calls fail with ExpiredIteratorException.
    const faulty = createAwsClients(env.stack.connection);
    let getRecords = 0;
    let iterators = 0;
    injectFault(
      faulty.kinesis,
      (command) => {
        if (command === 'GetShardIteratorCommand') iterators++;
        return command === 'GetRecordsCommand' && [2, 4].includes(++getRecords);
      },
      { name: 'ExpiredIteratorException', message: 'Iterator expired' },
    );
    const reader = new ShardReader({ kinesis: faulty.kinesis, streamName: stream, shardId: sent[0]!.shardId, start: { kind: 'trimHorizon' }, limit: 100, idleMs: 20, maxBuffered: 10_000 });
    reader.start();
    try {
      const got = await drainUntil(reader, 300);
      expect(got.map((r) => r.sequenceNumber)).toEqual(sent.map((s) => s.sequenceNumber));
      expect(iterators).toBe(3);
    } finally {
      await reader.close();
      faulty.close();
    }
  });

  it('starts AT_TIMESTAMP: only records that arrived after the time', async () => {
    const stream = uniqueName('ts');
    await ensureStream(env.clients.kinesis, stream, 1);
    await putAll(env.clients.kinesis, stream, seedRecords(50).map(encode));
    await new Promise((r) => setTimeout(r, 1100));
    const at = new Date();
    await new Promise((r) => setTimeout(r, 50));
    const later = await putAll(env.clients.kinesis, stream, seedRecords(40, 50).map(encode));
    const source = new KinesisSource({ kinesis: env.clients.kinesis, streamName: stream, startingPosition: { kind: 'atTimestamp', at }, idleMs: 20 });
    await source.start(new Map());
    try {
      const got = await drainUntil(source, 40);
      expect(got.map((r) => r.sequenceNumber)).toEqual(later.map((s) => s.sequenceNumber));
    } finally {
      await source.close();
    }
  });
});

describe('resharding', () => {
  it('reads a split parent to its end, checkpoints SHARD_END, then reads both children from their start', async () => {
    const { names, config } = seedPipeline({ batchInterval: 100, window: { kind: 'none' } });
    await ensureStream(env.clients.kinesis, names.stream, 1);
    await putAll(env.clients.kinesis, names.stream, seedRecords(200).map(encode));
    const [parent] = await listShards(env.clients.kinesis, names.stream);
    const d = await env.clients.kinesis.send(new DescribeStreamCommand({ StreamName: names.stream }));
    const range = d.StreamDescription!.Shards![0]!.HashKeyRange!;
    const middle = ((BigInt(range.StartingHashKey!) + BigInt(range.EndingHashKey!)) / 2n).toString();
    await env.clients.kinesis.send(new SplitShardCommand({ StreamName: names.stream, ShardToSplit: parent!.ShardId!, NewStartingHashKey: middle }));
    await waitForStream(env.clients.kinesis, names.stream);
    await putAll(env.clients.kinesis, names.stream, seedRecords(200, 200).map(encode));

    const q = new StreamingQuery({ config: parsePipelineConfig(config), clients: env.clients });
    await q.start();
    try {
      await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) === 400, 30_000, 'all 400 rows');
    } finally {
      await q.stop();
    }
    const cps = await new DynamoCheckpointStore({ dynamodb: env.clients.dynamodb, appName: names.app, streamName: names.stream, workerId: 't' }).load();
    expect(cps.get(parent!.ShardId!)?.checkpoint).toBe('SHARD_END');
    expect(cps.size).toBe(3);
    expect(q.totals.records).toBe(400);
  });
});

describe('engine at 100 ms batches', () => {
  it('processes every record with a 100 ms batch interval and a 1 s window', async () => {
    const { names, config } = seedPipeline({ batchInterval: '100ms', window: { kind: 'sliding', length: '1s' } });
    await ensureStream(env.clients.kinesis, names.stream, 2);
    const q = new StreamingQuery({ config: parsePipelineConfig(config), clients: env.clients });
    let batches = 0;
    q.events.on('batch.end', () => batches++);
    await q.start();
    try {
      for (let i = 0; i < 5; i++) {
        await putAll(env.clients.kinesis, names.stream, seedRecords(100, i * 100).map(encode));
        await new Promise((r) => setTimeout(r, 150));
      }
      await waitFor(() => q.totals.records >= 500, 20_000, 'all read');
    } finally {
      await q.stop();
    }
    expect(batches).toBeGreaterThanOrEqual(5);
    expect((await scanAll(env.clients.dynamodb, names.dump)).length).toBe(500);
  });
});

describe('catching up', () => {
  // Behind is seen in the records buffered (their age), or with a small buffer in the records not
  // read yet (after a full page, the next record arrived after the newest read; kinesalite reports
  // MillisBehindLatest 0, so this is the only signal there).
  it.each([
    ['buffered', {}],
    ['not read yet', { recordsPerPoll: 100, maxBufferedPerShard: 100 }],
  ])('runs batches back to back while the records %s have waited more than a batch interval, and one per interval once caught up', async (_, reading) => {
    // 2,000 records, 200 per batch, 1 s batches: one batch per tick would take 10 s.
    const { names, config } = seedPipeline({ batchInterval: '1s', maxRecordsPerBatch: 200, window: { kind: 'none' } });
    config.source = { ...config.source, ...reading };
    await ensureStream(env.clients.kinesis, names.stream, 1);
    await putAll(env.clients.kinesis, names.stream, seedRecords(2000).map(encode));
    // Every record is more than a batch interval old when the query starts: behind from the first batch.
    await new Promise((r) => setTimeout(r, 1_200));
    const q = new StreamingQuery({ config: parsePipelineConfig(config), clients: env.clients });
    const ends: number[] = [];
    q.events.on('batch.end', () => ends.push(performance.now()));
    const t0 = performance.now();
    await q.start();
    try {
      await waitFor(() => q.totals.records >= 2000, 30_000, 'all 2,000 records');
      const caughtUpAfter = performance.now() - t0;
      // One batch per tick allows at most one batch per second after the first (at start); back to
      // back, the ten batches take less (about 2.5 s on a quiet machine, 5.6 s under other tests).
      expect(ends.length, `${ends.length} batches in ${caughtUpAfter.toFixed(0)} ms`).toBeGreaterThan(caughtUpAfter / 1000 + 2);
      // Caught up, nothing arriving: back to one batch per interval (no spinning).
      const before = ends.length;
      await new Promise((r) => setTimeout(r, 3_000));
      expect(ends.length - before).toBeLessThanOrEqual(4);
    } finally {
      await q.stop();
    }
    expect(await countItems(env.clients.dynamodb, names.dump)).toBe(2000);
  });
});

describe('local stack persistence', () => {
  it('keeps streams and tables across restarts with a data dir', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sluice-data-'));
    const first = await startLocalStack({ dataDir });
    const c1 = createAwsClients(first.connection);
    await ensureStream(c1.kinesis, 'persisted', 1);
    const sent = await putAll(c1.kinesis, 'persisted', seedRecords(10).map(encode));
    c1.close();
    await first.close();

    const second = await startLocalStack({ dataDir });
    const c2 = createAwsClients(second.connection);
    try {
      const source = new KinesisSource({ kinesis: c2.kinesis, streamName: 'persisted', startingPosition: { kind: 'trimHorizon' }, idleMs: 20 });
      await source.start(new Map());
      const got = await drainUntil(source, 10);
      await source.close();
      expect(got.map((r) => r.sequenceNumber)).toEqual(sent.map((s) => s.sequenceNumber));
    } finally {
      c2.close();
      await second.close();
    }
  });
});

describe('KPL aggregated records', () => {
  it('never splits an aggregate across batches', async () => {
    const stream = uniqueName('agg');
    await ensureStream(env.clients.kinesis, stream, 1);
    const inner = seedRecords(5).map((r, i) => ({ partitionKey: `k${i}`, data: encode(r) }));
    const sent = await putAll(env.clients.kinesis, stream, [aggregate(inner), encode(seedRecords(1, 5)[0]!)]);
    const reader = new ShardReader({ kinesis: env.clients.kinesis, streamName: stream, shardId: sent[0]!.shardId, start: { kind: 'trimHorizon' }, limit: 100, idleMs: 20, maxBuffered: 100 });
    reader.start();
    try {
      await waitFor(() => reader.buffered === 6, 10_000, 'six records buffered');
      const first = reader.drain(2);
      expect(first.map((r) => r.subSequenceNumber)).toEqual([0, 1, 2, 3, 4]);
      expect(reader.drain(2).map((r) => r.sequenceNumber)).toEqual([sent[1]!.sequenceNumber]);
    } finally {
      await reader.close();
    }
  });

  it('de-aggregates them into one row each, keyed by sequence:sub-sequence, and checkpoints the outer record', async () => {
    const { names, config } = seedPipeline({ window: { kind: 'none' } });
    await ensureStream(env.clients.kinesis, names.stream, 1);
    const inner = seedRecords(5).map((r, i) => ({ partitionKey: `k${i}`, data: encode(r) }));
    const [sent] = await putAll(env.clients.kinesis, names.stream, [aggregate(inner)]);
    const q = new StreamingQuery({ config: parsePipelineConfig(config), clients: env.clients });
    await q.start();
    try {
      await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) === 5, 20_000, '5 rows');
    } finally {
      await q.stop();
    }
    const dump = await scanAll(env.clients.dynamodb, names.dump);
    expect(dump.map((d) => d._seq).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `${sent!.sequenceNumber}:${i}`));
    const cps = await new DynamoCheckpointStore({ dynamodb: env.clients.dynamodb, appName: names.app, streamName: names.stream, workerId: 't' }).load();
    expect(cps.get(sent!.shardId)?.checkpoint).toBe(sent!.sequenceNumber);
  });
});
