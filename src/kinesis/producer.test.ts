import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ResourceNotFoundException,
  ProvisionedThroughputExceededException,
  type PutRecordsCommandInput,
  type PutRecordsCommandOutput,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SluiceError } from '../errors.js';
import { KinesisProducer, planBatches, PUT_RECORDS_MAX_BYTES, RECORD_MAX_BYTES, type ProducerRecord } from './producer.js';

const enc = new TextEncoder();
const record = (i: number, bytes?: number, partitionKey = `k${i}`): ProducerRecord => ({
  data: bytes === undefined ? enc.encode(`record-${i}`) : new Uint8Array(bytes),
  partitionKey,
});

describe('planBatches', () => {
  it('splits at 500 records', () => {
    const sizes = planBatches(Array.from({ length: 1001 }, (_, i) => record(i))).map((b) => b.length);
    expect(sizes).toEqual([500, 500, 1]);
  });

  it('splits at 5 MiB counting partition-key bytes, and fills a batch to exactly 5 MiB', () => {
    // 1 MiB per record including the 2-byte key: five fit exactly, the sixth starts a new batch.
    const mib = Array.from({ length: 6 }, (_, i) => record(i, RECORD_MAX_BYTES - 2, `k${i}`));
    expect(planBatches(mib)).toEqual([[0, 1, 2, 3, 4], [5]]);
    // 4 x 1 MiB + 2 x 512 KiB is exactly 5 MiB: one batch. One more key byte on the last record splits it.
    const half = (i: number, key: string) => record(i, RECORD_MAX_BYTES / 2 - key.length, key);
    const exact = [...mib.slice(0, 4), half(4, 'k4'), half(5, 'k5')];
    expect(exact.reduce((n, r) => n + r.data.byteLength + r.partitionKey.length, 0)).toBe(PUT_RECORDS_MAX_BYTES);
    expect(planBatches(exact)).toEqual([[0, 1, 2, 3, 4, 5]]);
    const over = [...exact.slice(0, 5), { ...exact[5]!, partitionKey: 'k55' }];
    expect(planBatches(over)).toEqual([[0, 1, 2, 3, 4], [5]]);
    // multi-byte keys count in UTF-8 bytes, not characters
    const utf8 = [...exact.slice(0, 5), { ...exact[5]!, partitionKey: 'k\u00e9' }];
    expect(planBatches(utf8)).toEqual([[0, 1, 2, 3, 4], [5]]);
  });

  it('rejects a record over 1 MiB naming its index and size', () => {
    const records = [record(0), record(1, RECORD_MAX_BYTES, 'ab')];
    expect(() => planBatches(records)).toThrowError(/records\[1\]: 1048578 bytes \(data 1048576 \+ partition key 2\)/);
    try {
      planBatches(records);
    } catch (e) {
      expect((e as SluiceError).domain).toBe('user');
    }
    expect(() => planBatches([record(0, 1, '')])).toThrowError(/records\[0\]\.partitionKey: 0 characters/);
  });
});

// --- Real embedded Kinesis (kinesalite), with fault injection as SDK middleware where a test needs it ---

interface Kinesalite {
  listen(port: number, cb: (err?: Error) => void): void;
  close(cb: () => void): void;
  address(): AddressInfo;
}
let server: Kinesalite;
let endpoint: string;

beforeAll(async () => {
  const kinesalite = (await import('kinesalite')).default as (o: object) => Kinesalite;
  server = kinesalite({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0 });
  await new Promise<void>((resolve, reject) => server.listen(0, (err) => (err ? reject(err) : resolve())));
  endpoint = `http://127.0.0.1:${server.address().port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(resolve));
});

function client(): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'dummy', secretAccessKey: 'dummy' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

async function createStream(c: KinesisClient): Promise<string> {
  const name = `producer-test-${randomUUID()}`;
  await c.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  for (;;) {
    const s = await c.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (s.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return name;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function readAll(c: KinesisClient, stream: string): Promise<string[]> {
  const out: string[] = [];
  const shards = (await c.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  for (const shard of shards) {
    let it = (await c.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    for (;;) {
      const r = await c.send(new GetRecordsCommand({ ShardIterator: it, Limit: 10000 }));
      for (const rec of r.Records ?? []) out.push(new TextDecoder().decode(rec.Data));
      if ((r.Records ?? []).length === 0) break;
      it = r.NextShardIterator;
    }
  }
  return out;
}

/** Fault injection: per call, `decide(partitionKey, call)` may refuse a record with an ErrorCode; the rest go to kinesalite. */
function injectRecordFaults(c: KinesisClient, decide: (key: string, call: number) => string | undefined): { calls: string[][] } {
  const calls: string[][] = [];
  c.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      const input = args.input as PutRecordsCommandInput;
      const records = input.Records ?? [];
      const call = calls.length;
      calls.push(records.map((r) => r.PartitionKey ?? ''));
      const codes = records.map((r) => decide(r.PartitionKey ?? '', call));
      const kept = records.filter((_, i) => codes[i] === undefined);
      const real = kept.length > 0 ? ((await next({ ...args, input: { ...input, Records: kept } })) as { output: PutRecordsCommandOutput }) : undefined;
      const realResults = [...(real?.output.Records ?? [])];
      const results: PutRecordsResultEntry[] = codes.map((code) => (code === undefined ? realResults.shift()! : { ErrorCode: code, ErrorMessage: `injected ${code}` }));
      const output = { ...(real?.output ?? { $metadata: {} }), Records: results, FailedRecordCount: codes.filter(Boolean).length };
      return { output, response: {} } as never;
    },
    { step: 'initialize', name: 'faultInjection' },
  );
  return { calls };
}

/** Fault injection: throws `errors[call]` (when defined) instead of calling kinesalite. */
function injectThrows(c: KinesisClient, errors: (Error | undefined)[]): { calls: number } {
  const state = { calls: 0 };
  c.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'PutRecordsCommand') return next(args);
      const error = errors[state.calls++];
      if (error) throw error;
      return next(args);
    },
    { step: 'initialize', name: 'throwInjection' },
  );
  return state;
}

describe('KinesisProducer against kinesalite', () => {
  it('writes 1001 records in 500-record calls, each exactly once, with shard and sequence number', async () => {
    const c = client();
    const stream = await createStream(c);
    const { calls } = injectRecordFaults(c, () => undefined);
    const producer = new KinesisProducer(c, stream, { concurrency: 2 });
    const records = Array.from({ length: 1001 }, (_, i) => record(i));
    const result = await producer.send(records);
    expect(calls.map((k) => k.length).sort((a, b) => a - b)).toEqual([1, 500, 500]);
    expect(result.sent).toBe(1001);
    expect(result.failed).toBe(0);
    for (const o of result.outcomes) expect(o).toMatchObject({ status: 'ok', shardId: 'shardId-000000000000', attempts: 1, sequenceNumber: expect.stringMatching(/^\d+$/) });
    const read = await readAll(c, stream);
    expect(read.sort()).toEqual(records.map((_, i) => `record-${i}`).sort());
    expect(producer.counters()).toEqual({ recordsSent: 1001, recordsRetried: 0, recordsFailed: 0, bytesSent: records.reduce((n, r) => n + r.data.byteLength + r.partitionKey.length, 0), requests: 3 });
    c.destroy();
  });

  it('resends only the refused records, and reports final failures as data', async () => {
    const c = client();
    const stream = await createStream(c);
    const { calls } = injectRecordFaults(c, (key, call) => {
      if (call === 0 && (key === 'k3' || key === 'k7')) return 'ProvisionedThroughputExceededException';
      if (call <= 1 && key === 'k11') return 'InternalFailure';
      if (key === 'k15') return 'KMSAccessDeniedException'; // not retriable: final at once
      if (key === 'k18') return 'ProvisionedThroughputExceededException'; // never accepted: exhausts attempts
      return undefined;
    });
    const retries: number[] = [];
    const producer = new KinesisProducer(c, stream, { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5, onRetry: (r) => retries.push(r.records) });
    const records = Array.from({ length: 20 }, (_, i) => record(i));
    const result = await producer.send(records);

    expect(calls).toEqual([records.map((r) => r.partitionKey), ['k3', 'k7', 'k11', 'k18'], ['k11', 'k18']]);
    expect(retries).toEqual([4, 2]);
    expect(result.outcomes[3]).toMatchObject({ status: 'ok', attempts: 2 });
    expect(result.outcomes[11]).toMatchObject({ status: 'ok', attempts: 3 });
    expect(result.outcomes[15]).toEqual({ status: 'failed', errorCode: 'KMSAccessDeniedException', errorMessage: 'injected KMSAccessDeniedException', attempts: 1 });
    expect(result.outcomes[18]).toMatchObject({ status: 'failed', errorCode: 'ProvisionedThroughputExceededException', attempts: 3 });
    expect(result).toMatchObject({ sent: 18, failed: 2, retried: 6 });
    expect(producer.counters()).toMatchObject({ recordsSent: 18, recordsRetried: 6, recordsFailed: 2, requests: 3 });

    const read = await readAll(c, stream);
    const expected = records.map((_, i) => `record-${i}`).filter((_, i) => i !== 15 && i !== 18);
    expect(read.sort()).toEqual(expected.sort());
    c.destroy();
  });

  it('retries a thrown throttling error and succeeds', async () => {
    const c = client();
    const stream = await createStream(c);
    const state = injectThrows(c, [new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } }), Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })]);
    const producer = new KinesisProducer(c, stream, { initialDelayMs: 1, maxDelayMs: 5 });
    const result = await producer.send([record(1), record(2)]);
    expect(state.calls).toBe(3);
    expect(result).toMatchObject({ sent: 2, failed: 0, retried: 4 });
    expect(await readAll(c, stream)).toHaveLength(2);
    c.destroy();
  });

  it('fails records with the thrown code once retriable throws exhaust the attempts', async () => {
    const c = client();
    const stream = await createStream(c);
    const err = () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } });
    injectThrows(c, [err(), err()]);
    const result = await new KinesisProducer(c, stream, { maxAttempts: 2, initialDelayMs: 1 }).send([record(1)]);
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', errorCode: 'ProvisionedThroughputExceededException', attempts: 2 });
    c.destroy();
  });

  it('throws an external, non-retriable SluiceError for a stream that does not exist (real emulator error)', async () => {
    const c = client();
    const producer = new KinesisProducer(c, `missing-${randomUUID()}`);
    const error = await producer.send([record(1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceError);
    expect(error).toMatchObject({ domain: 'user', code: 'ResourceNotFoundException', retriable: false });
    expect((error as Error).message).toContain('Fix: create the stream');
    expect((error as Error).cause).toBeInstanceOf(ResourceNotFoundException);
    c.destroy();
  });

  it('keeps at most `concurrency` PutRecords calls in flight', async () => {
    const c = client();
    const stream = await createStream(c);
    let inFlight = 0;
    let peak = 0;
    c.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'PutRecordsCommand') return next(args);
        peak = Math.max(peak, ++inFlight);
        try {
          await new Promise((r) => setTimeout(r, 30));
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'inFlightProbe' },
    );
    const producer = new KinesisProducer(c, stream, { concurrency: 2 });
    const result = await producer.send(Array.from({ length: 2500 }, (_, i) => record(i)));
    expect(result.sent).toBe(2500);
    expect(peak).toBe(2);
    c.destroy();
  });

  it('rejects oversize records before sending anything, and refuses to send once closed', async () => {
    const c = client();
    const { calls } = injectRecordFaults(c, () => undefined);
    const producer = new KinesisProducer(c, 'never-created');
    await expect(producer.send([record(0), record(1, RECORD_MAX_BYTES)])).rejects.toThrowError(/records\[1\]: 1048578 bytes/);
    expect(calls).toHaveLength(0);
    producer.close();
    producer.close();
    await expect(producer.send([record(0)])).rejects.toMatchObject({ code: 'ProducerClosed' });
    c.destroy();
  });
});
