/**
 * Kinesis at production depth (issue 9), two measurements, each against a baseline of the same run:
 *  1. throughput of a pipeline (no window, one DynamoDB sink) under 30% injected throttling of
 *     GetRecords, BatchWriteItem and UpdateItem, as a ratio of the same pipeline without faults,
 *     runs alternated, median of REPS;
 *  2. latency from the PutRecords call to the record being handed out by the source, enhanced
 *     fan-out against polling (200 ms between reads of a caught-up shard, as AWS' 5 reads/s/shard
 *     allow), both reading the same stream at once on kinesis-mock (the only emulator with EFO).
 */
import { createAwsClients } from '../src/aws/clients.js';
import { ensureStream } from '../src/aws/admin.js';
import { faultCounts, resetFaultCounts } from '../src/aws/faults.js';
import { countItems } from '../src/demo/count.js';
import { StreamingQuery } from '../src/engine/streaming-query.js';
import { KinesisProducer } from '../src/kinesis/producer.js';
import { KinesisSource, type ConsumerType } from '../src/kinesis/source.js';
import { startLocalStack } from '../src/local/stack.js';
import { parsePipelineConfig } from '../src/pipeline/validate.js';

const N = Number(process.env.BENCH_RECORDS ?? 10_000);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 20);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
let run = 0;

// 1. Throughput under throttling, on kinesalite + dynalite.
{
  const stack = await startLocalStack();
  const clean = createAwsClients({ ...stack.connection, faults: [] });
  const faulty = createAwsClients({ ...stack.connection, faults: ['GetRecords', 'BatchWriteItem', 'UpdateItem'].map((operation) => ({ operation, throttle: 0.3 })) });
  const throughput = async (clients: typeof clean): Promise<number> => {
    const stream = `bench-thr-${process.pid}-${run++}`;
    await ensureStream(clean.kinesis, stream, 4);
    const r = await new KinesisProducer(clean.kinesis, stream, { concurrency: 4 }).send(Array.from({ length: N }, (_, i) => ({ data: Buffer.from(`${i},${i % 541}`), partitionKey: `k${i}` })));
    if (r.failed) throw new Error(`${r.failed} records failed to load`);
    const table = `${stream}-out`;
    const config = parsePipelineConfig({
      app: `${stream}-app`,
      source: { stream, startingPosition: 'trim_horizon', pollInterval: 50, retry: { attempts: 30, initialDelay: 20, maxDelay: 1000 } },
      format: { kind: 'csv', columns: [{ name: 'id', type: 'int' }, { name: 'v', type: 'int' }] },
      batchInterval: '200ms',
      outputs: [{ name: 'out', sql: 'SELECT id, v FROM events', sink: { kind: 'dynamodb', table, keyColumns: ['id'] } }],
    });
    const q = new StreamingQuery({ config, clients });
    await q.start(); // tables created, checkpoints loaded: from here on it is reading and writing
    const t0 = performance.now();
    while ((q.totals.written.out ?? 0) < N) await new Promise((res) => setTimeout(res, 20));
    const elapsed = (performance.now() - t0) / 1000;
    await q.stop();
    const written = await countItems(clean.dynamodb, table);
    if (written !== N) throw new Error(`wrote ${written} of ${N}`);
    return N / elapsed;
  };
  const none: number[] = [];
  const throttled: number[] = [];
  await throughput(clean); // warm-up (JIT, DuckDB), not counted
  resetFaultCounts();
  for (let rep = 0; rep < REPS; rep++) {
    none.push(await throughput(clean));
    throttled.push(await throughput(faulty));
  }
  const injected = faultCounts();
  console.log(`throughput, ${N} records, 4 shards, no window, one DynamoDB sink, median of ${REPS} (runs alternated):`);
  console.log(`  no faults (baseline)                              ${median(none).toFixed(0).padStart(7)} records/s   runs: ${none.map((x) => x.toFixed(0)).join(', ')}`);
  console.log(`  30% throttling of GetRecords, BatchWriteItem, UpdateItem ${median(throttled).toFixed(0).padStart(7)} records/s   runs: ${throttled.map((x) => x.toFixed(0)).join(', ')}   ratio ${(median(throttled) / median(none)).toFixed(2)}`);
  console.log(`  injected: ${Object.entries(injected).map(([k, c]) => `${k} ${c.throttled}/${c.calls}`).join(', ')}`);
  clean.close();
  faulty.close();
  await stack.close();
}

// 2. EFO vs polling latency, on kinesis-mock.
{
  const stack = await startLocalStack({ kinesisBackend: 'kinesis-mock' });
  const clients = createAwsClients({ ...stack.connection, faults: [] });
  const stream = `bench-lat-${process.pid}`;
  await ensureStream(clients.kinesis, stream, 2);
  const readers: { type: ConsumerType; source: KinesisSource; lat: number[] }[] = (['SubscribeToShard', 'GetRecords'] as const).map((type) => ({
    type,
    source: new KinesisSource({ kinesis: clients.kinesis, streamName: stream, startingPosition: { kind: 'trimHorizon' }, idleMs: 200, consumerType: type, consumerName: 'bench-efo' }),
    lat: [],
  }));
  for (const r of readers) await r.source.start(new Map());
  let reading = true;
  const loops = readers.map(async (r) => {
    while (reading) {
      const now = Date.now();
      for (const rec of r.source.poll()) r.lat.push(now - Number(Buffer.from(rec.data).toString()));
      await new Promise((res) => setTimeout(res, 5));
    }
  });
  const producer = new KinesisProducer(clients.kinesis, stream, { concurrency: 1 });
  let sent = 0;
  const end = Date.now() + LATENCY_SECONDS * 1000;
  while (Date.now() < end) {
    // 10 records every 100 ms (kinesis-mock takes a few hundred records/s at most).
    await producer.send(Array.from({ length: 10 }, (_, i) => ({ data: Buffer.from(String(Date.now())), partitionKey: `k${sent + i}` })));
    sent += 10;
    await new Promise((res) => setTimeout(res, 100));
  }
  const deadline = Date.now() + 30_000;
  while (readers.some((r) => r.lat.length < sent) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));
  reading = false;
  await Promise.all(loops);
  for (const r of readers) await r.source.close();
  console.log(`latency PutRecords -> handed out by the source, kinesis-mock, 2 shards, 100 records/s for ${LATENCY_SECONDS} s, both readers on the same stream at once:`);
  const poll = readers.find((r) => r.type === 'GetRecords')!;
  for (const r of readers) {
    console.log(
      `  ${r.type === 'GetRecords' ? 'polling, 200 ms idle (baseline)' : 'enhanced fan-out             '}  p50 ${pct(r.lat, 50).toFixed(0).padStart(5)} ms  p99 ${pct(r.lat, 99).toFixed(0).padStart(5)} ms  (${r.lat.length} of ${sent} records)   p50 ratio ${(pct(r.lat, 50) / pct(poll.lat, 50)).toFixed(2)}`,
    );
  }
  clients.close();
  await stack.close();
}
