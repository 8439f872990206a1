import { describe, expect, it } from 'vitest';
import { ensureStream } from '../../src/aws/admin.js';
import { awsEvents, type AwsCallEvents } from '../../src/aws/aws-events.js';
import { createAwsClients } from '../../src/aws/clients.js';
import { faultCounts, resetFaultCounts } from '../../src/aws/faults.js';
import { StreamingQuery } from '../../src/engine/streaming-query.js';
import { KinesisProducer } from '../../src/kinesis/producer.js';
import { KinesisSource } from '../../src/kinesis/source.js';
import type { KinesisRecord } from '../../src/kinesis/record.js';
import { parsePipelineConfig } from '../../src/pipeline/validate.js';
import { countItems, scanAll, waitFor } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();
const N = 20_000;
const OPS = ['GetRecords', 'PutRecords', 'BatchWriteItem', 'UpdateItem'];

/** Reads every record of a stream (from its start) until `n` arrived, then 500 ms more to catch extras. */
async function readAll(stream: string, n: number): Promise<KinesisRecord[]> {
  const source = new KinesisSource({ kinesis: env.clients.kinesis, streamName: stream, startingPosition: { kind: 'trimHorizon' }, idleMs: 20 });
  await source.start(new Map());
  const got: KinesisRecord[] = [];
  try {
    await waitFor(() => {
      got.push(...source.poll());
      return got.length >= n;
    }, 120_000, `${n} records on ${stream}`);
    await new Promise((r) => setTimeout(r, 500));
    got.push(...source.poll());
  } finally {
    await source.close();
  }
  return got;
}

describe('30% throttling on GetRecords, PutRecords, BatchWriteItem and UpdateItem at once', () => {
  it('loses nothing and duplicates nothing over a 20k-record run, and reports throughput', async () => {
    const id = uniqueName('thr');
    const input = `in-${id}`;
    const output = `out-${id}`;
    const table = `tab-${id}`;
    await ensureStream(env.clients.kinesis, input, 4);
    await ensureStream(env.clients.kinesis, output, 2);
    // The faults come from the pipeline's `faults:` block, installed on these clients when the query starts.
    const faulty = createAwsClients({ ...env.stack.connection, faults: [] });
    const retries: AwsCallEvents['aws.retry'][] = [];
    const off = awsEvents.on('aws.retry', (e) => retries.push(e));
    resetFaultCounts();
    const config = parsePipelineConfig({
      app: `app-${id}`,
      source: { stream: input, startingPosition: 'trim_horizon', pollInterval: 50, recordsPerPoll: 1000, retry: { attempts: 30, initialDelay: 20, maxDelay: 500 } },
      format: { kind: 'csv', columns: [{ name: 'id', type: 'int' }, { name: 'k', type: 'string' }] },
      batchInterval: 200,
      faults: OPS.map((operation) => ({ operation, throttle: '30%' })),
      outputs: [
        { name: 'table', sql: 'SELECT id, k FROM events', sink: { kind: 'dynamodb', table, keyColumns: ['id'] } },
        { name: 'stream', sql: 'SELECT id, k FROM events', sink: { kind: 'kinesis', stream: output, partitionKeyColumn: 'k' } },
      ],
    });
    const query = new StreamingQuery({ config, clients: faulty });
    const t0 = performance.now();
    await query.start();
    let elapsedMs = 0;
    try {
      // The input is produced through the same throttled PutRecords; the producer resends only refused records.
      const producer = new KinesisProducer(faulty.kinesis, input, { maxAttempts: 30, initialDelayMs: 20, maxDelayMs: 500 });
      const sent = await producer.send(Array.from({ length: N }, (_, i) => ({ data: Buffer.from(`${i},k${i % 97}`), partitionKey: `k${i % 97}` })));
      expect(sent.failed).toBe(0);
      await waitFor(async () => (await countItems(env.clients.dynamodb, table)) >= N, 180_000, `${N} items in ${table}`);
      elapsedMs = performance.now() - t0;
    } finally {
      await query.stop();
      off();
      faulty.close();
    }

    const items = await scanAll(env.clients.dynamodb, table);
    const ids = items.map((i) => Number(i.id));
    expect(new Set(ids).size).toBe(N);
    expect(Math.min(...ids)).toBe(0);
    expect(Math.max(...ids)).toBe(N - 1);

    const out = await readAll(output, N);
    const outIds = out.map((r) => (JSON.parse(Buffer.from(r.data).toString()) as { id: number }).id);
    const counts = new Map<number, number>();
    for (const i of outIds) counts.set(i, (counts.get(i) ?? 0) + 1);
    expect(counts.size).toBe(N); // 0 lost
    expect([...counts.values()].filter((c) => c > 1)).toEqual([]); // 0 duplicated

    // The faults really happened, on every operation, and the retry layers reported them.
    const injected = faultCounts();
    for (const op of OPS) {
      const c = Object.entries(injected).find(([k]) => k.endsWith(`.${op}`))?.[1];
      expect(c?.throttled, `throttles injected into ${op}`).toBeGreaterThan(0);
      expect(c!.throttled / c!.calls).toBeGreaterThan(0.15);
      expect(c!.throttled / c!.calls).toBeLessThan(0.45);
    }
    const retriedOps = new Set(retries.filter((r) => r.throttled).map((r) => r.operation));
    for (const op of OPS) expect(retriedOps, `aws.retry events for ${op}`).toContain(op);
    expect(retries.some((r) => r.operation === 'GetRecords' && r.shardId?.startsWith('shardId-'))).toBe(true);

    const throughput = Math.round(N / (elapsedMs / 1000));
    console.log(
      `30% throttling: ${N} records in ${(elapsedMs / 1000).toFixed(1)} s = ${throughput} records/s end to end; injected: ${JSON.stringify(injected)}; aws.retry events: ${retries.length}`,
    );
  }, 300_000);
});
