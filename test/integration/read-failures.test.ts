import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import { awsEvents, type AwsCallEvents } from '../../src/aws/aws-events.js';
import { createAwsClients } from '../../src/aws/clients.js';
import { StreamingQuery } from '../../src/engine/streaming-query.js';
import { KinesisSource } from '../../src/kinesis/source.js';
import { ShardReader } from '../../src/kinesis/shard-reader.js';
import type { KinesisRecord } from '../../src/kinesis/record.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';
import { putAll, waitFor } from '../helpers/aws.js';
import { encode, seedRecords } from '../helpers/seed-data.js';
import { seedPipeline } from '../helpers/pipeline.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();

type Handler = (args: { input?: Record<string, unknown> }) => Promise<{ output?: Record<string, unknown> }>;
interface Stack {
  add(mw: (next: Handler, context: { commandName?: string }) => Handler, options: { step: string; name: string }): void;
}

/** Fault injection for one shard: learns which shard each iterator belongs to and throttles that shard's GetRecords while `hot()` says so. */
function throttleShard(client: { middlewareStack: unknown }, shardId: string, hot: () => boolean): void {
  const shardOf = new Map<string, string>();
  (client.middlewareStack as Stack).add(
    (next, context) => async (args) => {
      const input = args.input ?? {};
      const shard = context.commandName === 'GetShardIteratorCommand' ? String(input.ShardId) : shardOf.get(String(input.ShardIterator));
      if (context.commandName === 'GetRecordsCommand' && shard === shardId && hot()) {
        throw Object.assign(new Error('Rate exceeded for shard'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } });
      }
      const r = await next(args);
      const iterator = (r.output?.ShardIterator ?? r.output?.NextShardIterator) as string | undefined;
      if (iterator && shard) shardOf.set(iterator, shard);
      return r;
    },
    { step: 'initialize', name: `hot-${shardId}` },
  );
}

describe('read failures', () => {
  it('a hot shard backs off on its own: the other shard keeps flowing, and the hot one catches up without loss', async () => {
    const { names } = seedPipeline();
    await ensureStream(env.clients.kinesis, names.stream, 2);
    const sent = await putAll(env.clients.kinesis, names.stream, seedRecords(400).map(encode));
    const shards = [...new Set(sent.map((s) => s.shardId))].sort();
    expect(shards).toHaveLength(2);
    const [hotShard, coolShard] = shards as [string, string];
    const clients = createAwsClients({ ...env.stack.connection, faults: [] });
    let hot = true;
    throttleShard(clients.kinesis, hotShard, () => hot);
    const retries: AwsCallEvents['aws.retry'][] = [];
    const off = awsEvents.on('aws.retry', (e) => retries.push(e));
    const source = new KinesisSource({ kinesis: clients.kinesis, streamName: names.stream, startingPosition: { kind: 'trimHorizon' }, idleMs: 20, retry: { attempts: 50, initialDelayMs: 50, maxDelayMs: 400 } });
    await source.start(new Map());
    const got: KinesisRecord[] = [];
    try {
      const cool = sent.filter((s) => s.shardId === coolShard).length;
      await waitFor(() => {
        got.push(...source.poll());
        return got.filter((r) => r.shardId === coolShard).length >= cool;
      }, 10_000, 'the cool shard read while the hot one is throttled');
      expect(got.filter((r) => r.shardId === hotShard)).toEqual([]);
      expect(retries.filter((r) => r.operation === 'GetRecords').every((r) => r.shardId === hotShard && r.throttled)).toBe(true);
      expect(retries.length).toBeGreaterThan(0);
      hot = false;
      await waitFor(() => {
        got.push(...source.poll());
        return got.length >= sent.length;
      }, 15_000, 'the hot shard caught up');
      expect(got.map((r) => r.sequenceNumber).sort()).toEqual(sent.map((s) => s.sequenceNumber).sort());
    } finally {
      off();
      await source.close();
      clients.close();
    }
  });

  it('a non-retriable error stops the pipeline with a message naming the shard, the stream, the error and the fix', async () => {
    const { names, config } = seedPipeline();
    await ensureStream(env.clients.kinesis, names.stream, 1);
    const clients = createAwsClients({ ...env.stack.connection, faults: [{ operation: 'GetRecords', fail: 1_000, error: 'AccessDeniedException' }] });
    const query = new StreamingQuery({ config: parsePipelineConfig(config), clients });
    await query.start();
    try {
      await expect(query.awaitTermination()).rejects.toThrow(
        new RegExp(`Cannot read shard shardId-\\d+ of stream ${names.stream}: GetRecords .*AccessDeniedException.*Fix: grant the IAM permission`),
      );
    } finally {
      await query.stop().catch(() => undefined);
      clients.close();
    }
  });

  it('throttling beyond source.retry.attempts stops the pipeline and says how to give it more room', async () => {
    const { names, config } = seedPipeline({ source: { stream: '', startingPosition: 'trim_horizon', retry: { attempts: 3, initialDelay: 10, maxDelay: 20 } } });
    config.source.stream = names.stream;
    await ensureStream(env.clients.kinesis, names.stream, 1);
    const clients = createAwsClients({ ...env.stack.connection, faults: [{ operation: 'GetRecords', throttle: 1 }] });
    const query = new StreamingQuery({ config: parsePipelineConfig(config), clients });
    await query.start();
    try {
      await expect(query.awaitTermination()).rejects.toThrow(/Reading shard shardId-\d+ of stream .* failed 3 times in a row; last error: .*ProvisionedThroughputExceededException.*source\.retry\.attempts \(now 3\)/);
    } finally {
      await query.stop().catch(() => undefined);
      clients.close();
    }
  });

  it('keeps to AWS\'s 5 GetRecords per second per shard when told to, even with a backlog and no idle wait', async () => {
    const { names } = seedPipeline();
    await ensureStream(env.clients.kinesis, names.stream, 1);
    const sent = await putAll(env.clients.kinesis, names.stream, seedRecords(500).map(encode));
    const reader = new ShardReader({ kinesis: env.clients.kinesis, streamName: names.stream, shardId: sent[0]!.shardId, start: { kind: 'trimHorizon' }, limit: 10, idleMs: 0, maxBuffered: 10_000, minCallIntervalMs: 200 });
    const t0 = performance.now();
    reader.start();
    try {
      await waitFor(() => reader.polls >= 3, 30_000, 'a few GetRecords calls');
      await new Promise((r) => setTimeout(r, 1_000));
      const polls = reader.polls;
      const elapsed = performance.now() - t0;
      // 10 records a call and 500 waiting: without the limit it would take them all at once.
      // With it, calls start at least 200 ms apart: at most elapsed/200 + 1, however loaded the machine (load only slows it).
      expect(polls).toBeLessThanOrEqual(Math.floor(elapsed / 200) + 1);
    } finally {
      await reader.close();
    }
  });
});
