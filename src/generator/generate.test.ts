import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KinesisProducer, type ProducerRecord, type SendResult } from '../kinesis/producer.js';
import { generate, parsePartitionKey, type GenerateProgress } from './generate.js';
import type { Clock } from './rate.js';

const SEED_TEMPLATE = '{{name.firstName}},{{random.number({"min":10, "max":550})}},{{random.arrayElement(["OK","FAIL","WARN"])}}';
const dec = new TextDecoder();

/** A clock that moves only when slept on. */
function fakeClock(): Clock {
  let t = 0;
  return { now: () => t, sleep: async (ms) => void (t += ms) };
}

/** Keeps what it is given; refuses every record whose text contains `refuse` (a stand-in sink for unit tests of the loop). */
function recordingSink(refuse?: string) {
  const got: ProducerRecord[] = [];
  return {
    got,
    async send(records: readonly ProducerRecord[]): Promise<SendResult> {
      got.push(...records);
      const outcomes = records.map((r, i) =>
        refuse !== undefined && dec.decode(r.data).includes(refuse)
          ? ({ status: 'failed', errorCode: 'ProvisionedThroughputExceededException', errorMessage: 'x', attempts: 5 } as const)
          : ({ status: 'ok', shardId: 's', sequenceNumber: String(i), attempts: 1 } as const),
      );
      const sent = outcomes.filter((o) => o.status === 'ok').length;
      return { outcomes, sent, failed: records.length - sent, retried: 0 };
    },
  };
}

describe('generate (loop)', () => {
  it('produces count records at the rate, keyed by a template field, and counts failures by code', async () => {
    const sink = recordingSink(',FAIL');
    const progress: GenerateProgress[] = [];
    const summary = await generate({ template: SEED_TEMPLATE, rate: 100, count: 250, seed: 9, partitionKey: 'template-field:2', producer: sink, clock: fakeClock(), onProgress: (p) => progress.push(p) });
    expect(sink.got).toHaveLength(250);
    for (const r of sink.got) expect(dec.decode(r.data).endsWith(`,${r.partitionKey}\n`)).toBe(true);
    const fails = sink.got.filter((r) => r.partitionKey === 'FAIL').length;
    expect(fails).toBeGreaterThan(0);
    expect(summary).toMatchObject({ generated: 250, sent: 250 - fails, failed: fails, failuresByCode: { ProvisionedThroughputExceededException: fails }, elapsedMs: 2500 });
    expect(summary.ratePerSecond).toBeCloseTo(((250 - fails) * 1000) / 2500);
    expect(progress).toHaveLength(25);
    expect(progress.at(-1)?.generated).toBe(250);
  });

  it('is reproducible with a seed, including random partition keys', async () => {
    const run = async () => {
      const sink = recordingSink();
      await generate({ template: SEED_TEMPLATE, rate: 1000, count: 50, seed: 5, producer: sink, clock: fakeClock() });
      return sink.got.map((r) => `${r.partitionKey}|${dec.decode(r.data)}`);
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(new Set(a.map((s) => s.split('|')[0])).size).toBe(50);
  });

  it('uses a fixed key and stops on duration', async () => {
    const sink = recordingSink();
    const summary = await generate({ template: '{{random.uuid}}', rate: 20, durationMs: 1500, partitionKey: 'device-1', producer: sink, clock: fakeClock() });
    expect(summary.generated).toBe(30);
    expect(new Set(sink.got.map((r) => r.partitionKey))).toEqual(new Set(['device-1']));
  });

  it('rejects a template field that does not exist', () => {
    expect(() => parsePartitionKey('template-field:3', 3)).toThrowError(/template-field:0 to template-field:2/);
    expect(parsePartitionKey('template-field:0', 1)).toEqual({ kind: 'templateField', index: 0 });
    expect(parsePartitionKey('random', 0)).toEqual({ kind: 'random' });
    expect(parsePartitionKey('k', 0)).toEqual({ kind: 'fixed', key: 'k' });
  });
});

describe('generate into kinesalite', () => {
  let server: { listen(p: number, cb: (e?: Error) => void): void; close(cb: () => void): void; address(): AddressInfo };
  let client: KinesisClient;
  beforeAll(async () => {
    server = ((await import('kinesalite')).default as (o: object) => typeof server)({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
    await new Promise<void>((resolve, reject) => server.listen(0, (e) => (e ? reject(e) : resolve())));
    client = new KinesisClient({
      endpoint: `http://127.0.0.1:${server.address().port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'dummy', secretAccessKey: 'dummy' },
      requestHandler: new NodeHttpHandler(),
    });
  });
  afterAll(async () => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(resolve));
  });

  it('writes the seed template paced on the real clock, never above the rate', async () => {
    const stream = `generate-test-${randomUUID()}`;
    await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    while ((await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') {
      await new Promise((r) => setTimeout(r, 20));
    }
    const summary = await generate({ template: SEED_TEMPLATE, rate: 400, count: 300, producer: new KinesisProducer(client, stream) });
    expect(summary).toMatchObject({ generated: 300, sent: 300, failed: 0 });
    // Paced, never faster than asked (how close it gets to 400/s depends on the machine: see the bench).
    expect(summary.elapsedMs).toBeGreaterThan(600);
    expect(summary.ratePerSecond).toBeLessThan(450);

    const lines: string[] = [];
    for (const shard of (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []) {
      const it = await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
      const r = await client.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
      lines.push(...(r.Records ?? []).map((x) => dec.decode(x.Data)));
    }
    expect(lines).toHaveLength(300);
    for (const line of lines) expect(line).toMatch(/^[A-Za-z' -]+,(\d+),(OK|FAIL|WARN)\n$/);
  });
});
