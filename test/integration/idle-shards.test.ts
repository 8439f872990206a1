import { describe, expect, it } from 'vitest';
import { ensureStream, listShards } from '../../src/aws/admin.js';
import { ShardReader } from '../../src/kinesis/shard-reader.js';
import { KinesisSource } from '../../src/kinesis/source.js';
import { sleep } from '../../src/retry.js';
import { putAll, waitFor } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();

/** One wait of the reader: how long it asked for, and its GetRecords count and buffer when it asked. */
interface Wait {
  ms: number;
  polls: number;
  buffered: number;
}

/**
 * A reader of the stream's one shard from its start, 100 records per read and a poll interval of 20
 * ms unless given, that records each wait it asks for. The waits are real; each is recorded with the state it
 * was asked in (the reader's own counters, no clock).
 */
async function recordingReader(stream: string, options: { idleMs?: number; maxIdleMs?: number; caughtUpMs?: number }): Promise<{ reader: ShardReader; waits: Wait[] }> {
  const [shard] = await listShards(env.clients.kinesis, stream);
  const waits: Wait[] = [];
  const reader: ShardReader = new ShardReader({
    kinesis: env.clients.kinesis,
    streamName: stream,
    shardId: shard!.ShardId!,
    start: { kind: 'trimHorizon' },
    limit: 100,
    idleMs: 20,
    ...options,
    maxBuffered: 10_000,
    wait: (ms, signal) => {
      waits.push({ ms, polls: reader.polls, buffered: reader.buffered });
      return sleep(ms, signal);
    },
  });
  return { reader, waits };
}

describe('idle shards', () => {
  it('an idle shard is read less and less often, never less than once per maxIdleMs, and data arriving is read by the next call after the put', async () => {
    const stream = uniqueName('idle');
    await ensureStream(env.clients.kinesis, stream, 1);
    const { reader, waits } = await recordingReader(stream, { maxIdleMs: 160 });
    reader.start();
    try {
      // Idle: each empty read doubles the wait up to maxIdleMs, one wait per GetRecords call.
      await waitFor(() => waits.length >= 7, 20_000, '7 idle waits');
      expect(waits.slice(0, 7).map((w) => w.ms)).toEqual([20, 40, 80, 160, 160, 160, 160]);
      expect(waits.slice(0, 7).map((w) => w.polls)).toEqual([1, 2, 3, 4, 5, 6, 7]);

      // Data arrives. At most one call can be in flight when the put returns (sent before it);
      // the call after that starts after the put, so it returns the records.
      const sent = await putAll(env.clients.kinesis, stream, [Buffer.from('a'), Buffer.from('b')]);
      const pollsAfterPut = reader.polls;
      await waitFor(() => waits.some((w) => w.buffered > 0), 20_000, 'the records read');
      const read = waits.find((w) => w.buffered > 0)!;
      expect(read.polls - pollsAfterPut).toBeLessThanOrEqual(2);
      expect(read.buffered).toBe(2);
      // Records reset the pace: the wait after the read is pollInterval again, not maxIdleMs.
      expect(read.ms).toBe(20);
      // Never longer than maxIdleMs between two calls, idle or not.
      expect(Math.max(...waits.map((w) => w.ms))).toBe(160);
      expect(reader.drain().map((r) => r.sequenceNumber)).toEqual(sent.map((s) => s.sequenceNumber));

      // Idle again: the backoff starts over from pollInterval.
      const from = waits.indexOf(read) + 1;
      await waitFor(() => waits.length >= from + 5, 20_000, '5 more waits');
      expect(waits.slice(from, from + 5).map((w) => w.ms)).toEqual([20, 40, 80, 160, 160]);
    } finally {
      await reader.close();
    }
  });

  it('fixed polling when maxIdleMs equals the poll interval (the old behaviour, and the bench baseline)', async () => {
    const stream = uniqueName('idlefix');
    await ensureStream(env.clients.kinesis, stream, 1);
    const { reader, waits } = await recordingReader(stream, { maxIdleMs: 20 });
    reader.start();
    try {
      await waitFor(() => waits.length >= 5, 20_000, '5 idle waits');
      expect(waits.slice(0, 5).map((w) => w.ms)).toEqual([20, 20, 20, 20, 20]);
    } finally {
      await reader.close();
    }
  });

  it('the source hands out the records of a shard that was idle, read at its idle pace', async () => {
    const stream = uniqueName('idlesrc');
    await ensureStream(env.clients.kinesis, stream, 4);
    const source = new KinesisSource({ kinesis: env.clients.kinesis, streamName: stream, startingPosition: { kind: 'trimHorizon' }, idleMs: 20, maxIdleMs: 200 });
    await source.start(new Map());
    try {
      await waitFor(() => source.readingShards().length === 4, 20_000, '4 shards read');
      await sleep(1_000); // every shard at its idle pace
      expect(source.poll()).toEqual([]);
      expect(source.buffered()).toBe(0);
      const sent = await putAll(env.clients.kinesis, stream, [Buffer.from('x')]);
      const got: string[] = [];
      await waitFor(() => {
        got.push(...source.poll().map((r) => r.sequenceNumber));
        return got.length === 1;
      }, 20_000, 'the record');
      expect(got).toEqual([sent[0]!.sequenceNumber]);
    } finally {
      await source.close();
    }
  });
  it('readNow cuts an idle wait short: a record put during a 10 s wait is read at once, and the source refresh resolves after that read', async () => {
    const stream = uniqueName('readnow');
    await ensureStream(env.clients.kinesis, stream, 1);
    const { reader } = await recordingReader(stream, { idleMs: 10_000 });
    reader.start();
    try {
      await waitFor(() => reader.polls >= 1, 20_000, 'the first read');
      await sleep(50);
      const polls = reader.polls;
      await putAll(env.clients.kinesis, stream, [Buffer.from('now')]);
      // Without readNow the next read is 10 s away.
      await sleep(200);
      expect(reader.buffered).toBe(0);
      const t0 = performance.now();
      await reader.readNow();
      expect(performance.now() - t0).toBeLessThan(5_000);
      expect(reader.polls).toBe(polls + 1);
      expect(reader.drain().map((r) => Buffer.from(r.data).toString())).toEqual(['now']);
    } finally {
      await reader.close();
    }
    // A closed reader answers at once.
    await reader.readNow();
  });

  it('caughtUpMs: a caught-up read that returned records waits caughtUpMs, an empty one idleMs, and readNow cuts the long wait short', async () => {
    const stream = uniqueName('caught');
    await ensureStream(env.clients.kinesis, stream, 1);
    const sent = await putAll(env.clients.kinesis, stream, [Buffer.from('a'), Buffer.from('b')]);
    const { reader, waits } = await recordingReader(stream, { maxIdleMs: 20, caughtUpMs: 10_000 });
    reader.start();
    try {
      // The first read returns both records and is caught up (fewer than the limit, 0 ms behind).
      await waitFor(() => waits.length >= 1, 20_000, 'the first wait');
      expect(waits[0]).toEqual({ ms: 10_000, polls: 1, buffered: 2 });
      expect(reader.drain().map((r) => r.sequenceNumber)).toEqual(sent.map((s) => s.sequenceNumber));
      // A batch starting reads now: the 10 s wait ends, the read finds nothing, and empty reads wait idleMs.
      const t0 = performance.now();
      await reader.readNow();
      expect(performance.now() - t0).toBeLessThan(5_000);
      await waitFor(() => waits.length >= 3, 20_000, 'two more waits');
      expect(waits.slice(1, 3).map((w) => [w.ms, w.buffered])).toEqual([
        [20, 0],
        [20, 0],
      ]);
    } finally {
      await reader.close();
    }
  });

  it('readNow leaves a long-idle shard to its backoff: no extra GetRecords call', async () => {
    const stream = uniqueName('readidle');
    await ensureStream(env.clients.kinesis, stream, 1);
    const { reader } = await recordingReader(stream, { maxIdleMs: 20_000 });
    reader.start();
    try {
      // 20, 40, 80, ... ms: after 7 empty reads the wait is 1.28 s.
      await waitFor(() => reader.polls >= 7, 20_000, '7 empty reads');
      const polls = reader.polls;
      await reader.readNow();
      await sleep(200);
      expect(reader.polls).toBe(polls);
    } finally {
      await reader.close();
    }
  });

  it('a source refresh reads every shard now, and returns after its budget when a read is slow', async () => {
    const stream = uniqueName('refresh');
    await ensureStream(env.clients.kinesis, stream, 2);
    const source = new KinesisSource({ kinesis: env.clients.kinesis, streamName: stream, startingPosition: { kind: 'trimHorizon' }, idleMs: 10_000, maxIdleMs: 10_000 });
    await source.start(new Map());
    try {
      await waitFor(() => source.readingShards().length === 2, 20_000, 'both shards read');
      // The first reads returned: both readers now wait 10 s.
      await source.refresh(10_000);
      await putAll(env.clients.kinesis, stream, [Buffer.from('a'), Buffer.from('b'), Buffer.from('c'), Buffer.from('d')]);
      expect(source.buffered()).toBe(0);
      await source.refresh(10_000);
      expect(source.poll().length).toBe(4);
      // A budget of 0: refresh returns before the reads, which still happen.
      await putAll(env.clients.kinesis, stream, [Buffer.from('e')]);
      await source.refresh(0);
      await waitFor(() => source.buffered() === 1, 5_000, 'the read the refresh started');
    } finally {
      await source.close();
    }
  });
});
