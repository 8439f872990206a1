import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import { StreamingQuery } from '../../src/engine/streaming-query.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';
import { DynamoCheckpointStore } from '../../src/checkpoint/dynamodb-store.js';
import { putAll, scanAll, waitFor } from '../helpers/aws.js';
import { MALFORMED, encode, seedRecords } from '../helpers/seed-data.js';
import { seedPipeline } from '../helpers/pipeline.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();

describe('seed scenario pipeline on the embedded stack', () => {
  it('writes each valid record to data_dump exactly once, anomalies to data_anomaly, malformed ones to dead letters', async () => {
    const p = seedPipeline();
    await ensureStream(env.clients.kinesis, p.names.stream, 2);
    const config = parsePipelineConfig(p.config);
    const query = new StreamingQuery({ config, clients: env.clients });
    let validKeys: string[] = [];
    await query.start();
    try {
      const valid = seedRecords(600);
      const mixed = [...valid];
      MALFORMED.forEach((m, i) => mixed.splice(50 + i * 80, 0, m));
      const sent = await putAll(env.clients.kinesis, p.names.stream, mixed.map(encode));
      validKeys = sent.filter((_, i) => mixed[i]!.valid).map((s) => `${s.shardId}#${s.sequenceNumber}`);
      await waitFor(() => query.totals.records >= mixed.length, 30_000, 'all records read');
    } finally {
      await query.stop();
    }

    const dump = await scanAll(env.clients.dynamodb, p.names.dump);
    const anomalies = await scanAll(env.clients.dynamodb, p.names.anomaly);
    const dead = await scanAll(env.clients.dynamodb, p.names.dead);

    // data_dump: every valid record, once, under its shard#sequence key, even with repeated names.
    expect(dump).toHaveLength(600);
    expect(new Set(dump.map((d) => d.record_id)).size).toBe(600);
    const texts = dump.map((d) => `${d.id},${d.currentTemp},${d.status}`).sort();
    expect(texts).toEqual(seedRecords(600).map((r) => r.text as string).sort());
    for (const d of dump) expect(d.record_id).toBe(`${d._shard}#${d._seq}`);
    expect(dump.map((d) => d.record_id).sort()).toEqual(validKeys.sort());

    // data_anomaly: exactly the records above 100.
    const expectedAnomalies = seedRecords(600).filter((r) => r.temp! > 100).map((r) => r.text as string).sort();
    expect(anomalies.map((d) => `${d.id},${d.currentTemp},${d.status}`).sort()).toEqual(expectedAnomalies);

    // dead letters: exactly the malformed ones, with raw bytes, position and a reason.
    expect(dead).toHaveLength(MALFORMED.length);
    for (const m of MALFORMED) {
      const raw = Buffer.from(encode(m));
      const truncatedTo = 256 * 1024;
      const expectedB64 = (raw.byteLength > truncatedTo ? raw.subarray(0, truncatedTo) : raw).toString('base64');
      const letter = dead.find((d) => d.raw_base64 === expectedB64);
      expect(letter, `dead letter for ${raw.subarray(0, 20).toString()}`).toBeDefined();
      expect(String(letter!.reason)).toContain(m.reasonIncludes!);
      expect(letter!.shard_id).toMatch(/^shardId-/);
      expect(String(letter!.sequence_number)).toMatch(/^\d+$/);
      expect(Date.parse(String(letter!.arrival_time))).toBeGreaterThan(0);
      expect(Date.parse(String(letter!.failed_at))).toBeGreaterThanOrEqual(Date.parse(String(letter!.arrival_time))); // the time of the failure, not the batch start
      expect(letter!.raw_bytes).toBe(raw.byteLength);
    }
  });

  it('checkpoints the last sequence number of each shard after the sinks wrote', async () => {
    const p = seedPipeline();
    await ensureStream(env.clients.kinesis, p.names.stream, 2);
    const query = new StreamingQuery({ config: parsePipelineConfig(p.config), clients: env.clients });
    await query.start();
    let sent;
    try {
      sent = await putAll(env.clients.kinesis, p.names.stream, seedRecords(200).map(encode));
      await waitFor(() => query.totals.records >= 200, 30_000, 'all records read');
    } finally {
      await query.stop();
    }
    const store = new DynamoCheckpointStore({ dynamodb: env.clients.dynamodb, appName: p.names.app, streamName: p.names.stream, workerId: 'test' });
    const cps = await store.load();
    const lastPerShard = new Map<string, string>();
    for (const s of sent) lastPerShard.set(s.shardId, s.sequenceNumber);
    expect(new Map([...cps].map(([k, v]) => [k, v.checkpoint]))).toEqual(lastPerShard);
  });

  it('refuses an application name whose checkpoints belong to another stream', async () => {
    const p = seedPipeline();
    await ensureStream(env.clients.kinesis, p.names.stream, 1);
    const store = new DynamoCheckpointStore({ dynamodb: env.clients.dynamodb, appName: p.names.app, streamName: 'some-other-stream', workerId: 'w' });
    await store.init();
    await env.clients.dynamodb.send(
      new PutItemCommand({ TableName: p.names.app, Item: { leaseKey: { S: 'shardId-000000000000' }, checkpoint: { S: '1' }, streamName: { S: 'some-other-stream' } } }),
    );
    const query = new StreamingQuery({ config: parsePipelineConfig(p.config), clients: env.clients });
    await expect(query.start()).rejects.toThrow(/some-other-stream.*give each application its own name/);
    await query.stop().catch(() => undefined);
  });

  it('reports SQL that does not compile at start, naming the output', async () => {
    const p = seedPipeline({
      outputs: [{ name: 'broken', sql: 'SELECT nope FROM hot_sensors', sink: { kind: 'console', rows: 1 } }],
    });
    await ensureStream(env.clients.kinesis, p.names.stream, 1);
    const query = new StreamingQuery({ config: parsePipelineConfig(p.config), clients: env.clients });
    await expect(query.start()).rejects.toThrow(/outputs\.broken\.sql.*nope/s);
    await query.stop().catch(() => undefined);
  });
});
