import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/aws/clients.js';
import { ensureStream, listShards } from '../../src/aws/admin.js';
import { StreamingQuery } from '../../src/engine/streaming-query.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';
import { DynamoCheckpointStore } from '../../src/checkpoint/dynamodb-store.js';
import { countItems, putAll, waitFor } from '../helpers/aws.js';
import { encode, seedRecords } from '../helpers/seed-data.js';
import { seedPipeline } from '../helpers/pipeline.js';
import { useLocalStack } from '../helpers/stack.js';
import { injectFault } from '../helpers/faults.js';

const env = useLocalStack();

describe('checkpoint only after the sinks wrote', () => {
  it('does not checkpoint a batch whose DynamoDB write failed for good, and a restart re-reads it', async () => {
    const { names, config } = seedPipeline({ window: { kind: 'none' }, lease: { failover: '2s' } });
    await ensureStream(env.clients.kinesis, names.stream, 1);
    // Fault injection: a second client whose BatchWriteItem to data_dump fails (not retriable) once armed.
    const faulty = createAwsClients(env.stack.connection);
    let armed = false;
    injectFault(
      faulty.dynamodb,
      (_command, input) => armed && typeof input.RequestItems === 'object' && input.RequestItems !== null && names.dump in input.RequestItems,
      { name: 'AccessDeniedException', message: 'injected: access denied' },
    );
    const first = new StreamingQuery({ config: parsePipelineConfig(config), clients: faulty });
    await first.start();
    const sentA = await putAll(env.clients.kinesis, names.stream, seedRecords(100).map(encode));
    await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) === 100, 20_000, 'first 100 rows');
    const store = new DynamoCheckpointStore({ dynamodb: env.clients.dynamodb, appName: names.app, streamName: names.stream, workerId: 't' });
    await waitFor(async () => (await store.get(sentA[0]!.shardId)) === sentA.at(-1)!.sequenceNumber, 10_000, 'checkpoint of the first 100');

    armed = true;
    await putAll(env.clients.kinesis, names.stream, seedRecords(50, 100).map(encode));
    await expect(first.awaitTermination()).rejects.toThrow(/injected: access denied/);
    await first.stop().catch(() => undefined);
    faulty.close();
    // The failed batch was not checkpointed.
    expect(await store.get(sentA[0]!.shardId)).toBe(sentA.at(-1)!.sequenceNumber);
    expect(await countItems(env.clients.dynamodb, names.dump)).toBe(100);

    // A restart with a healthy client resumes after the checkpoint and writes the 50 it missed.
    const second = new StreamingQuery({ config: parsePipelineConfig(config), clients: env.clients });
    await second.start();
    try {
      await waitFor(async () => (await countItems(env.clients.dynamodb, names.dump)) === 150, 20_000, 'all 150 rows');
    } finally {
      await second.stop();
    }
    expect(second.totals.records).toBe(50); // resumed after the checkpoint: nothing re-read, nothing skipped
  });

  it('retries UnprocessedItems until the sink has written everything', async () => {
    const { names, config } = seedPipeline({ window: { kind: 'none' } });
    await ensureStream(env.clients.kinesis, names.stream, 1);
    const flaky = createAwsClients(env.stack.connection);
    let calls = 0;
    flaky.dynamodb.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const input = (args as { input?: { RequestItems?: Record<string, { PutRequest?: unknown }[]> } }).input;
        const requests = input?.RequestItems?.[names.dump];
        // Fault injection: every other call to data_dump reports its last 5 items as unprocessed
        // (they were written, which is harmless: keys are idempotent).
        if (requests && requests.length > 5 && calls++ % 2 === 0) {
          (result.output as { UnprocessedItems?: unknown }).UnprocessedItems = { [names.dump]: requests.slice(-5) };
        }
        return result;
      },
      { step: 'initialize', name: 'unprocessedInjection' },
    );
    const q = new StreamingQuery({ config: parsePipelineConfig(config), clients: flaky });
    await q.start();
    try {
      await putAll(env.clients.kinesis, names.stream, seedRecords(300).map(encode));
      await waitFor(() => q.totals.records >= 300, 20_000, 'all read');
    } finally {
      await q.stop();
      flaky.close();
    }
    expect(calls).toBeGreaterThan(2);
    expect(await countItems(env.clients.dynamodb, names.dump)).toBe(300);
  });
});

describe('Kinesis sink', () => {
  it('writes each output row as a JSON record to another stream', async () => {
    const { names, config } = seedPipeline({ window: { kind: 'none' } });
    const outStream = `${names.stream}-out`;
    config.outputs = [{ name: 'hot', sql: 'SELECT id, currentTemp, _shard, _seq FROM hot_sensors WHERE currentTemp > 100', sink: { kind: 'kinesis', stream: outStream, createShards: 1 } }];
    await ensureStream(env.clients.kinesis, names.stream, 1);
    const q = new StreamingQuery({ config: parsePipelineConfig(config), clients: env.clients });
    await q.start();
    try {
      await putAll(env.clients.kinesis, names.stream, seedRecords(200).map(encode));
      await waitFor(() => q.totals.records >= 200, 20_000, 'all read');
    } finally {
      await q.stop();
    }
    const [shard] = await listShards(env.clients.kinesis, outStream);
    const it = await env.clients.kinesis.send(new GetShardIteratorCommand({ StreamName: outStream, ShardId: shard!.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
    const got = await env.clients.kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }));
    const rows = (got.Records ?? []).map((r) => JSON.parse(Buffer.from(r.Data!).toString()) as { id: string; currentTemp: number });
    const expected = seedRecords(200).filter((r) => r.temp! > 100);
    expect(rows).toHaveLength(expected.length);
    expect(rows.every((r) => r.currentTemp > 100)).toBe(true);
  });
});

