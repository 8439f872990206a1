import { DescribeStreamSummaryCommand, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent, KinesisStreamRecord, KinesisStreamStateResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../src/aws/clients.js';
import { ensureStream, listShards } from '../../src/aws/admin.js';
import { StreamingQuery } from '../../src/engine/streaming-query.js';
import { DynamoCheckpointStore } from '../../src/checkpoint/dynamodb-store.js';
import type { Operator } from '../../src/core/operator.js';
import { createHandler } from '../../src/lambda/handler.js';
import { toEventRecord } from '../../src/lambda/event.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';
import type { PipelineConfigInput } from '../../src/pipeline/config.js';
import { putAll, scanAll, waitFor } from '../helpers/aws.js';
import { injectFault } from '../helpers/faults.js';
import { aggregate } from '../helpers/kpl.js';
import { seedPipeline } from '../helpers/pipeline.js';
import { encode, MALFORMED, seedRecords } from '../helpers/seed-data.js';
import { useLocalStack } from '../helpers/stack.js';
import { uniqueName } from '../helpers/names.js';

const env = useLocalStack();

/** Every record of a one-shard stream, read back from the embedded Kinesis, as the ESM would put them in events. */
async function readBack(stream: string): Promise<KinesisStreamRecord[]> {
  const [shard] = await listShards(env.clients.kinesis, stream);
  const arn = (await env.clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary!.StreamARN!;
  let iterator = (await env.clients.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard!.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const out: _Record[] = [];
  for (let empty = 0; iterator && empty < 2; ) {
    const r = await env.clients.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
    out.push(...(r.Records ?? []));
    empty = r.Records?.length ? 0 : empty + 1;
    iterator = r.NextShardIterator;
  }
  return out.map((r) => toEventRecord(r, shard!.ShardId!, arn, 'us-east-1'));
}

const byKey = (items: Record<string, unknown>[]) => [...items].sort((a, b) => String(a.record_id).localeCompare(String(b.record_id)));

describe('Lambda handler', () => {
  it('gives the same outputs and dead letters as sluice run on records read back from Kinesis (base64, a KPL aggregate, malformed records)', async () => {
    const lambda = seedPipeline({ window: { kind: 'none' } });
    const run = seedPipeline({ window: { kind: 'none' } });
    run.config.source = { ...run.config.source, stream: lambda.names.stream };
    await ensureStream(env.clients.kinesis, lambda.names.stream, 1);
    const plain = [...seedRecords(120), ...MALFORMED.slice(0, 5)].map(encode);
    const kpl = aggregate(seedRecords(5, 500).map((r, i) => ({ partitionKey: `kpl-${i % 2}`, data: encode(r) })));
    await putAll(env.clients.kinesis, lambda.names.stream, [...plain.slice(0, 60), kpl, ...plain.slice(60)]);
    const records = await readBack(lambda.names.stream);
    expect(records).toHaveLength(plain.length + 1);

    const handler = createHandler(lambda.config, { clients: env.clients });
    try {
      for (let i = 0; i < records.length; i += 40) {
        const res = await handler({ Records: records.slice(i, i + 40) });
        expect(res.batchItemFailures).toEqual([]);
      }
      expect(handler.totals.coldStarts).toBe(1); // warm across invocations
    } finally {
      await handler.close();
    }

    const q = new StreamingQuery({ config: parsePipelineConfig(run.config), clients: env.clients });
    await q.start();
    try {
      await waitFor(() => q.totals.records >= plain.length + 5, 20_000, 'sluice run to read every record');
    } finally {
      await q.stop();
    }
    const [lambdaDump, runDump] = await Promise.all([scanAll(env.clients.dynamodb, lambda.names.dump), scanAll(env.clients.dynamodb, run.names.dump)]);
    expect(lambdaDump).toHaveLength(125); // 120 plain + 5 from the aggregate
    expect(byKey(lambdaDump)).toEqual(byKey(runDump));
    const [lambdaHot, runHot] = await Promise.all([scanAll(env.clients.dynamodb, lambda.names.anomaly), scanAll(env.clients.dynamodb, run.names.anomaly)]);
    expect(lambdaHot.length).toBeGreaterThan(0);
    expect(byKey(lambdaHot)).toEqual(byKey(runHot));
    const reasons = async (t: string) => (await scanAll(env.clients.dynamodb, t)).map((d) => `${String(d.sequence_number)} ${String(d.raw_sha256)} ${String(d.reason)}`).sort();
    const deadLambda = await reasons(lambda.names.dead);
    expect(deadLambda).toHaveLength(5);
    expect(deadLambda).toEqual(await reasons(run.names.dead));
  });

  it('reports the first record not known durable when a sink write fails mid-batch, and the retry completes with no duplicates', async () => {
    const { names, config } = seedPipeline({ window: { kind: 'none' } });
    const counts = `counts-${names.app}`;
    config.outputs = [
      ...config.outputs!,
      { name: 'status_counts', sql: 'SELECT status, _shard, _seq FROM hot_sensors', sink: { kind: 'dynamodb-counter', table: counts, keyColumns: ['status'] } },
    ];
    await ensureStream(env.clients.kinesis, names.stream, 1);
    const sent = seedRecords(150);
    await putAll(env.clients.kinesis, names.stream, sent.map(encode));
    const records = await readBack(names.stream);

    const faulty = createAwsClients(env.stack.connection);
    let armed = false;
    let dumpCalls = 0;
    // Fault injection: the second BatchWriteItem to data_dump of the armed batch fails for good (the first goes through).
    injectFault(
      faulty.dynamodb,
      (command, input) =>
        armed && command === 'BatchWriteItemCommand' && typeof input.RequestItems === 'object' && input.RequestItems !== null && names.dump in input.RequestItems && ++dumpCalls === 2,
      { name: 'AccessDeniedException', message: 'injected: access denied' },
    );
    const handler = createHandler(config, { clients: faulty, out: () => undefined });
    try {
      expect(await handler({ Records: records.slice(0, 50) })).toEqual({ batchItemFailures: [] });
      armed = true;
      const failedEvent: KinesisStreamEvent = { Records: records.slice(50) };
      expect(await handler(failedEvent)).toEqual({ batchItemFailures: [{ itemIdentifier: records[50]!.kinesis.sequenceNumber }] });
      expect(dumpCalls).toBeGreaterThanOrEqual(2);
      armed = false;
      // The ESM retries from the reported record.
      const from = records.findIndex((r) => r.kinesis.sequenceNumber === records[50]!.kinesis.sequenceNumber);
      expect(await handler({ Records: records.slice(from) })).toEqual({ batchItemFailures: [] });
    } finally {
      await handler.close();
      faulty.close();
    }
    const dump = await scanAll(env.clients.dynamodb, names.dump);
    expect(dump).toHaveLength(150);
    expect(new Set(dump.map((d) => d.record_id)).size).toBe(150);
    const expected: Record<string, number> = {};
    for (const r of sent) {
      const status = String(r.text).split(',')[2]!;
      expected[status] = (expected[status] ?? 0) + 1;
    }
    const got = Object.fromEntries((await scanAll(env.clients.dynamodb, counts)).map((i) => [String(i.status), Number(i.count)]));
    expect(got).toEqual(expected);
  });

  it("combines seed 004's per-minute counts across a tumbling window's invocations and writes them on the final invoke", async () => {
    const id = uniqueName('t');
    const stream = `ks-${id}`;
    const table = `minutes-${id}`;
    const config: PipelineConfigInput = {
      app: `app-${id}`,
      source: { stream },
      format: {
        kind: 'json',
        columns: [
          { name: 'timestamp', type: 'timestamp' },
          { name: 'type', type: 'string' },
          { name: 'id', type: 'string' },
        ],
      },
      outputs: [
        {
          name: 'minute_counts',
          sql: "SELECT strftime(timestamp, '%Y-%m-%dT%H:%M') AS bucket, type, count(*) AS events, max(timestamp) AS latest FROM events GROUP BY bucket, type",
          sink: { kind: 'dynamodb', table, keyColumns: ['bucket', 'type'] },
        },
      ],
      deadLetter: { table: `dead-${id}` },
    };
    await ensureStream(env.clients.kinesis, stream, 1);
    const types = ['Green', 'Red', 'Yellow'];
    const events = Array.from({ length: 700 }, (_, i) => ({
      timestamp: new Date(Date.UTC(2026, 11, 2, 10, 0, 0) + i * 311).toISOString(),
      type: types[(i * 7 + (i >> 3)) % 3]!,
      id: `e-${i}`,
    }));
    await putAll(env.clients.kinesis, stream, events.map((e) => Buffer.from(JSON.stringify(e))));
    const records = await readBack(stream);
    const window = { start: '2026-12-02T10:00:00Z', end: '2026-12-02T10:05:00Z' };

    const handler = createHandler(config, { clients: env.clients });
    let state: Record<string, unknown> = {};
    try {
      for (let i = 0; i < records.length; i += 37) {
        const res = (await handler({ Records: records.slice(i, i + 37), window, state, isFinalInvokeForWindow: false, isWindowTerminatedEarly: false })) as KinesisStreamStateResponse;
        expect(res.batchItemFailures).toEqual([]);
        state = res.state;
      }
      expect(await scanAll(env.clients.dynamodb, table)).toEqual([]); // nothing before the window ends
      const last = (await handler({ Records: [], window, state, isFinalInvokeForWindow: true, isWindowTerminatedEarly: false })) as KinesisStreamStateResponse;
      expect(last.batchItemFailures).toEqual([]);
    } finally {
      await handler.close();
    }
    const expected = new Map<string, { events: number; latest: number }>();
    for (const e of events) {
      const k = `${e.timestamp.slice(0, 16)}#${e.type}`;
      const c = expected.get(k) ?? { events: 0, latest: 0 };
      c.events++;
      c.latest = Math.max(c.latest, Date.parse(e.timestamp));
      expected.set(k, c);
    }
    const items = await scanAll(env.clients.dynamodb, table);
    const got = new Map(items.map((i) => [`${String(i.bucket)}#${String(i.type)}`, { events: Number(i.events), latest: Date.parse(String(i.latest)) || Number(i.latest) }]));
    expect(got).toEqual(expected);
  });
});

describe('sluice lambda invoke (local event source mapping)', () => {
  it('retries from the reported failure and ends with every row once and exact counts', async () => {
    const { names, config } = seedPipeline({ window: { kind: 'none' } });
    const counts = `counts-${names.app}`;
    config.outputs = [
      ...config.outputs!,
      { name: 'status_counts', sql: 'SELECT status, _shard, _seq FROM hot_sensors', sink: { kind: 'dynamodb-counter', table: counts, keyColumns: ['status'] } },
    ];
    await ensureStream(env.clients.kinesis, names.stream, 2);
    const sent = seedRecords(300);
    await putAll(env.clients.kinesis, names.stream, sent.map(encode));
    const faulty = createAwsClients(env.stack.connection);
    let dumpCalls = 0;
    // Fault injection: the fourth BatchWriteItem to data_dump fails for good, once.
    injectFault(
      faulty.dynamodb,
      (command, input) => command === 'BatchWriteItemCommand' && typeof input.RequestItems === 'object' && input.RequestItems !== null && names.dump in input.RequestItems && ++dumpCalls === 4,
      { name: 'AccessDeniedException', message: 'injected: access denied' },
    );
    const handler = createHandler(config, { clients: faulty, out: () => undefined });
    const { LocalEventSourceMapping } = await import('../../src/lambda/local-esm.js');
    const log: string[] = [];
    try {
      const esm = new LocalEventSourceMapping({ kinesis: env.clients.kinesis, stream: names.stream, region: 'us-east-1', handler, batchSize: 64, idleStopMs: 1000, log: (l) => log.push(l) });
      const totals = await esm.run();
      expect(totals.retries).toBe(1);
      expect(log.some((l) => /retrying from \d+/.test(l))).toBe(true);
      expect(totals.records).toBe(300);
      expect(totals.discarded).toBe(0);
    } finally {
      await handler.close();
      faulty.close();
    }
    expect(handler.totals.coldStarts).toBe(2); // rebuilt once after the failed invocation
    const dump = await scanAll(env.clients.dynamodb, names.dump);
    expect(new Set(dump.map((d) => d.record_id)).size).toBe(300);
    expect(dump).toHaveLength(300);
    const expected: Record<string, number> = {};
    for (const r of sent) {
      const status = String(r.text).split(',')[2]!;
      expected[status] = (expected[status] ?? 0) + 1;
    }
    const got = Object.fromEntries((await scanAll(env.clients.dynamodb, counts)).map((i) => [String(i.status), Number(i.count)]));
    expect(got).toEqual(expected);
  });
});

describe('local event source mapping: bisect', () => {
  it('bisects a batch whose invocation throws down to the poison record, gives it up after the retries, and delivers the rest', async () => {
    const { names, config } = seedPipeline({ window: { kind: 'none' } });
    await ensureStream(env.clients.kinesis, names.stream, 1);
    await putAll(env.clients.kinesis, names.stream, seedRecords(100).map(encode));
    const poison = (await readBack(names.stream))[37]!.kinesis.sequenceNumber;
    const inner = createHandler(config, { clients: env.clients });
    let thrown = 0;
    const handler = async (event: Parameters<typeof inner>[0]) => {
      if (event.Records.some((r) => r.kinesis.sequenceNumber === poison)) {
        thrown++;
        throw new Error('poison record');
      }
      return inner(event);
    };
    const { LocalEventSourceMapping } = await import('../../src/lambda/local-esm.js');
    try {
      const totals = await new LocalEventSourceMapping({ kinesis: env.clients.kinesis, stream: names.stream, region: 'us-east-1', handler, batchSize: 100, maxRetries: 10, idleStopMs: 1000 }).run();
      expect(totals.discarded).toBe(1);
      expect(totals.records).toBe(99);
      expect(thrown).toBe(11); // 1 + 10 retries: 7 bisections (100 -> 1) and 3 retries of the single record
    } finally {
      await inner.close();
    }
    const dump = await scanAll(env.clients.dynamodb, names.dump);
    expect(dump).toHaveLength(99);
    expect(dump.some((d) => d._seq === poison)).toBe(false);
  });
});

describe('operator state on Lambda', () => {
  it('is saved to the same DynamoDB snapshot as sluice run at the end of each invocation and restored by a cold start', async () => {
    const { names, config } = seedPipeline({ window: { kind: 'none' } });
    config.outputs = [{ name: 'data_dump', sql: 'SELECT id, seen, _shard, _seq FROM hot_sensors', sink: { kind: 'dynamodb', table: names.dump } }];
    await ensureStream(env.clients.kinesis, names.stream, 1);
    await putAll(env.clients.kinesis, names.stream, seedRecords(90).map(encode));
    const records = await readBack(names.stream);
    /** A stateful operator: numbers the records it has seen, across restarts. */
    const counter = (): Operator => {
      let seen = 0;
      return {
        name: 'running_count',
        outputColumns: [{ name: 'seen', type: 'long' }],
        processBatch: (batch) => ({ rows: batch.rows.map((r) => ({ ...r, seen: ++seen })) }),
        onCheckpoint: () => ({ seen }),
        restore: (s) => {
          seen = (s as { seen: number }).seen;
        },
      };
    };
    const store = new DynamoCheckpointStore({ dynamodb: env.clients.dynamodb, appName: names.app, streamName: names.stream, workerId: 'test', leased: false });
    const first = createHandler(config, { clients: env.clients, operators: () => [counter()] });
    try {
      await first({ Records: records.slice(0, 30) });
      expect((await store.loadSnapshot())?.state.get('running_count')).toEqual({ seen: 30 });
      await first({ Records: records.slice(30, 60) });
      expect((await store.loadSnapshot())?.state.get('running_count')).toEqual({ seen: 60 });
    } finally {
      await first.close();
    }
    // Another container: a cold start restores the state the first one saved.
    const second = createHandler(config, { clients: env.clients, operators: () => [counter()] });
    try {
      await second({ Records: records.slice(60) });
    } finally {
      await second.close();
    }
    expect((await store.loadSnapshot())?.state.get('running_count')).toEqual({ seen: 90 });
    const seen = (await scanAll(env.clients.dynamodb, names.dump)).map((i) => Number(i.seen)).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));
  });
});
