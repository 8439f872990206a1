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
import { seededRandom } from '../../src/random.js';
import { countItems, scanAll, waitFor } from '../helpers/aws.js';
import { uniqueName } from '../helpers/names.js';
import { useLocalStack } from '../helpers/stack.js';

const env = useLocalStack();
const N = 20_000;
const OPS = ['GetRecords', 'PutRecords', 'BatchWriteItem', 'UpdateItem'];
const RATE = 0.3;
/** One seed per operation, each chosen so that its first draw is below 30%: every operation's first call is throttled. */
const SEEDS: Record<string, number> = { GetRecords: 7, PutRecords: 8, BatchWriteItem: 9, UpdateItem: 12 };

/** How many of the first `calls` draws of a seed's generator throttle, i.e. how many calls the middleware must have refused. */
function throttledBySeed(seed: number, calls: number): number {
  const random = seededRandom(seed);
  let n = 0;
  for (let i = 0; i < calls; i++) if (random() < RATE) n++;
  return n;
}

/**
 * Half-width of an interval around the rate that the share of throttled calls leaves with
 * probability below `delta` for unseeded (independent) draws, whatever the number of calls n,
 * even one that depends on the draws (retries make it so): Hoeffding's bound 2·exp(-2·n·t²) per n,
 * with delta spread over all n as delta·6/(π²·n²).
 */
function hoeffdingHalfWidth(n: number, delta: number): number {
  return Math.sqrt(Math.log((2 * Math.PI ** 2 * n ** 2) / (6 * delta)) / (2 * n));
}

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
      // Seeded: the same calls are throttled in every run, so no assertion below depends on chance.
      faults: OPS.map((operation) => ({ operation, throttle: '30%', seed: SEEDS[operation]! })),
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
      expect(c?.calls, `calls to ${op}`).toBeGreaterThan(0);
      // Exactly the calls the seeded generator picks were refused (the first one among them, by the choice of seeds).
      expect(c!.throttled, `throttles injected into ${op}`).toBe(throttledBySeed(SEEDS[op]!, c!.calls));
      expect(c!.throttled, `throttles injected into ${op}`).toBeGreaterThan(0);
      // And the share is 30% within a bound that unseeded draws would break with probability < 1e-6 (all four operations together).
      expect(Math.abs(c!.throttled / c!.calls - RATE), `share of ${op} calls throttled (${c!.throttled}/${c!.calls})`).toBeLessThan(hoeffdingHalfWidth(c!.calls, 0.25e-6));
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
