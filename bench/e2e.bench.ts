/**
 * End to end on the embedded stack: records/s and latency from PutRecords to the DynamoDB write,
 * next to baselines measured in the same run on the same emulators:
 *  - a bare AWS-SDK GetRecords loop reading the same stream (the read ceiling);
 *  - a bare BatchWriteItem loop writing the items Sluice writes for those records, the same
 *    attributes and values into the same two tables (the write ceiling).
 * Medians of REPS repetitions; ratios are Sluice / baseline.
 */
import { BatchWriteItemCommand, ListTablesCommand, type WriteRequest } from '@aws-sdk/client-dynamodb';
import { GetRecordsCommand, GetShardIteratorCommand, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { createAwsClients } from '../src/aws/clients.js';
import { deleteStream, deleteTable, ensureStream, ensureTable, listShards } from '../src/aws/admin.js';
import { startLocalStack } from '../src/local/stack.js';
import { StreamingQuery } from '../src/engine/streaming-query.js';
import { KinesisProducer } from '../src/kinesis/producer.js';
import { parsePipelineConfig } from '../src/pipeline/validate.js';
import type { PipelineConfigInput } from '../src/pipeline/config.js';
import { countItems } from '../src/demo/count.js';
import type { Sink } from '../src/core/sink.js';
import { createSink } from '../src/sinks/registry.js';

import { readFileSync } from 'node:fs';

const N = Number(process.env.BENCH_RECORDS ?? 20_000);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const SHARDS = 2;
/** Records with currentTemp > 100 among the N loaded (loadStream: 10 + i % 541): data_anomaly's items. */
const ANOMALIES = Array.from({ length: N }, (_, i) => 10 + (i % 541)).filter((t) => t > 100).length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

const stack = await startLocalStack();
const clients = createAwsClients(stack.connection);
let run = 0;

/** CPU time of a process so far, in ms (Linux /proc; undefined elsewhere). */
function cpuOf(pid: number | undefined): number | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks of 10 ms
  } catch {
    return undefined;
  }
}

/**
 * How busy each process was over a phase, as a share of one core: dynalite (`ddb`), kinesalite
 * (`kin`) and this process (`self`, Sluice or the bare loop). A write-bound phase that leaves
 * dynalite below 1 is waiting on something else (two shared cores: often the CPU).
 */
function busyMeter(): () => { ddb: number; kin: number; self: number } {
  const pids = stack.emulatorPids();
  const d0 = cpuOf(pids.dynamodb) ?? NaN;
  const k0 = cpuOf(pids.kinesis) ?? NaN;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { ddb: ((cpuOf(pids.dynamodb) ?? NaN) - d0) / wall, kin: ((cpuOf(pids.kinesis) ?? NaN) - k0) / wall, self: (c.user + c.system) / 1000 / wall };
  };
}
const busy: Record<string, { ddb: number; kin: number; self: number }[]> = {};

function pipeline(stream: string, table: string, windowed: boolean): PipelineConfigInput {
  return {
    app: `bench-app-${stream}`,
    source: { stream, startingPosition: 'trim_horizon', pollInterval: 50 },
    format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }, { name: 'currentTemp', type: 'int' }, { name: 'status', type: 'string' }] },
    batchInterval: windowed ? '1s' : '200ms',
    window: windowed ? { kind: 'sliding', length: '20s' } : { kind: 'none' },
    view: 'hot_sensors',
    outputs: [
      { name: 'data_dump', sql: 'SELECT * FROM hot_sensors', sink: { kind: 'dynamodb', table } },
      { name: 'data_anomaly', sql: 'SELECT * FROM hot_sensors WHERE currentTemp > 100', sink: { kind: 'dynamodb', table: `${table}-anomaly` } },
    ],
    deadLetter: { table: `${table}-dead` },
  };
}

async function loadStream(n: number): Promise<string> {
  const stream = `bench-${process.pid}-${run++}`;
  await ensureStream(clients.kinesis, stream, SHARDS);
  const producer = new KinesisProducer(clients.kinesis, stream, { concurrency: 4 });
  const records = Array.from({ length: n }, (_, i) => ({ data: Buffer.from(`s${i},${10 + (i % 541)},OK`), partitionKey: `k${i}` }));
  const r = await producer.send(records);
  if (r.failed) throw new Error(`${r.failed} records failed to load`);
  return stream;
}

/** A record as the bare reader got it: what the bare write loop writes (the items Sluice writes). */
interface ReadRecord {
  shardId: string;
  sequenceNumber: string;
  arrivalMs: number;
  data: Uint8Array;
}

async function bareGetRecords(stream: string, into: ReadRecord[]): Promise<number> {
  const t0 = performance.now();
  let total = 0;
  await Promise.all(
    (await listShards(clients.kinesis, stream)).map(async (shard) => {
      let it = (await clients.kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      for (;;) {
        const r = await clients.kinesis.send(new GetRecordsCommand({ ShardIterator: it!, Limit: 10_000 }));
        total += r.Records?.length ?? 0;
        for (const rec of r.Records ?? []) into.push({ shardId: shard.ShardId!, sequenceNumber: rec.SequenceNumber!, arrivalMs: rec.ApproximateArrivalTimestamp!.getTime(), data: rec.Data! });
        it = r.NextShardIterator;
        if ((r.Records?.length ?? 0) === 0) break;
      }
    }),
  );
  if (total !== N) throw new Error(`bare reader read ${total} of ${N}`);
  return N / ((performance.now() - t0) / 1000);
}

/**
 * The items the seed pipeline writes for these records, as Sluice's DynamoDB sink builds them:
 * every record's columns and metadata (`SELECT *`), keyed `record_id = <shard>#<sequence>`, into
 * data_dump, and the same items for currentTemp > 100 into data_anomaly.
 */
function seedItems(records: readonly ReadRecord[]): { dump: WriteRequest[]; anomaly: WriteRequest[] } {
  const dump: WriteRequest[] = [];
  const anomaly: WriteRequest[] = [];
  for (const r of records) {
    const [id, temp, status] = Buffer.from(r.data).toString('utf8').split(',');
    const item = {
      id: { S: id! },
      currentTemp: { N: temp! },
      status: { S: status! },
      _shard: { S: r.shardId },
      _seq: { S: r.sequenceNumber },
      _arrival: { N: String(r.arrivalMs) },
      record_id: { S: `${r.shardId}#${r.sequenceNumber}` },
    };
    dump.push({ PutRequest: { Item: item } });
    if (Number(temp) > 100) anomaly.push({ PutRequest: { Item: item } });
  }
  return { dump, anomaly };
}

/**
 * The write ceiling: the items Sluice writes for `records` (seedItems), 25 per BatchWriteItem, 8
 * calls in flight (the sink's default concurrency), resending UnprocessedItems. Items per second.
 */
async function bareBatchWrite(records: readonly ReadRecord[]): Promise<number> {
  const table = `bench-bare-${run++}`;
  await ensureTable(clients.dynamodb, table, { partitionKey: { name: 'record_id', type: 'S' } });
  await ensureTable(clients.dynamodb, `${table}-anomaly`, { partitionKey: { name: 'record_id', type: 'S' } });
  const { dump, anomaly } = seedItems(records);
  const chunks: [string, WriteRequest[]][] = [];
  for (const [t, items] of [[table, dump], [`${table}-anomaly`, anomaly]] as const) {
    for (let i = 0; i < items.length; i += 25) chunks.push([t, items.slice(i, i + 25)]);
  }
  const meter = busyMeter();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < chunks.length) {
        const [t, chunk] = chunks[next++]!;
        let pending = chunk;
        while (pending.length) {
          const r = await clients.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [t]: pending } }));
          pending = r.UnprocessedItems?.[t] ?? [];
        }
      }
    }),
  );
  (busy.bareWrite ??= []).push(meter());
  return (dump.length + anomaly.length) / ((performance.now() - t0) / 1000);
}

async function sluiceThroughput(stream: string, windowed: boolean): Promise<number> {
  const table = `bench-dump-${run++}`;
  const q = new StreamingQuery({ config: parsePipelineConfig(pipeline(stream, table, windowed)), clients });
  await q.start();
  const meter = busyMeter();
  const t0 = performance.now();
  while (q.totals.records < N) await new Promise((r) => setTimeout(r, 20));
  await q.stop();
  const elapsed = (performance.now() - t0) / 1000;
  (busy[windowed ? 'sluiceWindow' : 'sluiceNoWindow'] ??= []).push(meter());
  const written = await countItems(clients.dynamodb, table);
  if (written !== N) throw new Error(`sluice wrote ${written} of ${N}`);
  const anomalies = await countItems(clients.dynamodb, `${table}-anomaly`);
  if (anomalies !== ANOMALIES) throw new Error(`sluice wrote ${anomalies} of ${ANOMALIES} anomalies`);
  return N / elapsed;
}

/**
 * Steady traffic at `rate` for `seconds`; latency from the PutRecords call to the end of the
 * data_dump write that carried the record, for every record (the data_dump sink is wrapped to note
 * when each write returned). The first `warmupSeconds` of traffic (JIT, first connections, first
 * writes to new tables) are sent but not counted.
 */
async function latency(rate: number, seconds: number, batchInterval: string, warmupSeconds: number): Promise<{ p50: number; p99: number; n: number }> {
  const stream = `bench-lat-${run++}`;
  await ensureStream(clients.kinesis, stream, SHARDS);
  const table = `bench-lat-dump-${run++}`;
  // The default poll interval (200 ms): a batch reads the shards as it starts (Source.refresh).
  const config = parsePipelineConfig({ ...pipeline(stream, table, true), source: { stream, startingPosition: 'trim_horizon' }, batchInterval, window: { kind: 'sliding', length: '20s' } });
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  const inner = await createSink(config.outputs.find((o) => o.name === 'data_dump')!.sink, { clients, name: 'data_dump' });
  const timed: Sink = {
    name: inner.name,
    init: () => inner.init(),
    close: () => inner.close(),
    async write(batch, ctx) {
      const w = await inner.write(batch, ctx);
      const now = performance.now();
      const id = batch.fieldIndex('id');
      for (let k = 0; k < batch.length; k++) {
        const key = String(batch.value(id, k));
        const t = sentAt.get(key);
        if (t === undefined) continue;
        lat.push(now - t);
        sentAt.delete(key);
      }
      return w;
    },
  };
  const q = new StreamingQuery({ config, clients, sinks: { data_dump: timed } });
  await q.start();
  const producer = new KinesisProducer(clients.kinesis, stream, { concurrency: 4 });
  const perTick = Math.max(1, Math.round(rate / 10));
  let n = 0;
  const t0 = performance.now();
  const end = t0 + (warmupSeconds + seconds) * 1000;
  while (performance.now() < end) {
    const tick = performance.now();
    const counted = tick - t0 >= warmupSeconds * 1000;
    const recs = Array.from({ length: perTick }, () => {
      const id = `L${n++}`;
      if (counted) sentAt.set(id, performance.now());
      return { data: Buffer.from(`${id},${10 + (n % 541)},OK`), partitionKey: id };
    });
    await producer.send(recs);
    const wait = 100 - (performance.now() - tick);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  while (q.totals.records < n) await new Promise((r) => setTimeout(r, 20));
  await q.stop();
  if (sentAt.size > 0) throw new Error(`${sentAt.size} records were not seen written`);
  return { p50: pct(lat, 50), p99: pct(lat, 99), n: lat.length };
}

/**
 * Deletes every table and stream: each phase starts on emulators holding nothing. (Kept, the
 * tables of earlier phases made every later phase slower - dynalite's one in-memory tree and heap
 * grow - so whichever ran later in a repetition lost: Sluice against the bare loop 1.06, 0.91, 0.78
 * in three repetitions of one run.)
 */
async function clearEmulators(): Promise<void> {
  for (const t of (await clients.dynamodb.send(new ListTablesCommand({}))).TableNames ?? []) await deleteTable(clients.dynamodb, t);
  for (const st of (await clients.kinesis.send(new ListStreamsCommand({}))).StreamNames ?? []) await deleteStream(clients.kinesis, st);
  // The emulators delete in the background: wait until both are gone and idle (under 5% of a core
  // over 200 ms), so no phase is measured while the last one's items are being deleted.
  const pids = stack.emulatorPids();
  for (let i = 0; i < 150; i++) {
    const d0 = cpuOf(pids.dynamodb) ?? 0;
    const k0 = cpuOf(pids.kinesis) ?? 0;
    await new Promise((r) => setTimeout(r, 200));
    const tables = (await clients.dynamodb.send(new ListTablesCommand({}))).TableNames ?? [];
    const streams = (await clients.kinesis.send(new ListStreamsCommand({}))).StreamNames ?? [];
    if (tables.length === 0 && streams.length === 0 && (cpuOf(pids.dynamodb) ?? 0) - d0 <= 10 && (cpuOf(pids.kinesis) ?? 0) - k0 <= 10) return;
  }
  throw new Error('the emulators did not settle within 30 s of deleting every table and stream');
}

const rows: Record<string, number[]> = { bareRead: [], bareWrite: [], sluiceNoWindow: [], sluiceWindow: [] };
for (let rep = 0; rep < REPS; rep++) {
  // The bare write loop and Sluice take turns going first, on a stream loaded again for each.
  const read: ReadRecord[] = [];
  const bare = async () => {
    rows.bareRead!.push(await bareGetRecords(await loadStream(N), read));
    rows.bareWrite!.push(await bareBatchWrite(read));
    await clearEmulators();
  };
  const sluice = async () => {
    rows.sluiceNoWindow!.push(await sluiceThroughput(await loadStream(N), false));
    await clearEmulators();
    rows.sluiceWindow!.push(await sluiceThroughput(await loadStream(N), true));
    await clearEmulators();
  };
  if (rep % 2 === 0) {
    await bare();
    await sluice();
  } else {
    await sluice();
    await bare();
  }
}
const LATENCY_RATE = 1000;
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const LATENCY_WARMUP_SECONDS = 2;
const lat = await latency(LATENCY_RATE, LATENCY_SECONDS, '100ms', LATENCY_WARMUP_SECONDS);
const lat1s = await latency(LATENCY_RATE, LATENCY_SECONDS, '1s', LATENCY_WARMUP_SECONDS);

const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
// Items written per record: one in data_dump, one in data_anomaly for currentTemp > 100 (450 of 541 values).
const itemsPerRecord = 1 + ANOMALIES / N;
const line = (o: Record<string, string | number>) => console.log(Object.entries(o).map(([k, v]) => `${k}=${v}`).join(' '));
// Median share of a core each process used during the case (see busyMeter).
const busyOf = (key: string) => {
  const b = busy[key] ?? [];
  const med = (f: (x: { ddb: number; kin: number; self: number }) => number) => (b.length ? median(b.map(f)).toFixed(2) : 'n/a');
  return { busy_dynalite: med((x) => x.ddb), busy_kinesalite: med((x) => x.kin), busy_self: med((x) => x.self) };
};
line({ case: 'bare-read', records: N, shards: SHARDS, records_per_s: m.bareRead!.toFixed(0) });
line({ case: 'bare-write', items: Math.round(N * itemsPerRecord), items_per_s: m.bareWrite!.toFixed(0), ...busyOf('bareWrite') });
for (const [name, key, interval] of [['no-window', 'sluiceNoWindow', '200ms'], ['seed', 'sluiceWindow', '1s']] as const) {
  line({
    case: 'throughput',
    pipeline: name,
    batch_interval: interval,
    records_per_s: m[key]!.toFixed(0),
    items_per_s: (m[key]! * itemsPerRecord).toFixed(0),
    ratio_to_bare_read: (m[key]! / m.bareRead!).toFixed(2),
    ratio_to_bare_write_items: ((m[key]! * itemsPerRecord) / m.bareWrite!).toFixed(2),
    // Each repetition against the bare loop of the same repetition (moments of load hit both).
    ratio_per_rep: rows[key]!.map((r, i) => ((r * itemsPerRecord) / rows.bareWrite![i]!).toFixed(2)).join(','),
    ...busyOf(key),
  });
}
for (const [interval, l] of [['100ms', lat], ['1s', lat1s]] as const) {
  line({ case: 'latency', batch_interval: interval, rate: `${LATENCY_RATE}/s`, seconds: LATENCY_SECONDS, warmup_s: LATENCY_WARMUP_SECONDS, p50_ms: l.p50.toFixed(0), p99_ms: l.p99.toFixed(0), records: l.n });
}
console.log(`(median of ${REPS}; latency is PutRecords -> data_dump written to DynamoDB; each record is written to data_dump, and to data_anomaly for ~80% of them)`);

clients.close();
await stack.close();
