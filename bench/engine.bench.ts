/**
 * The engine alone: the real StreamingQuery (manual clock) on an in-memory source, with sinks that
 * receive the columns and count them (no network), next to a plain-JS loop written for speed that
 * does the same work, measured in the same process, alternating, so the ratio survives a noisy
 * machine. Records/s per core = records / CPU seconds of the process (user + system).
 *
 * Cases (one line each, `key=value`, for scripts):
 *  - seed: CSV decode, 20 s sliding window, data_dump (every record, by temperature),
 *    data_anomaly (above 100), hottest (top 2 of the window); at 1k, 10k, 100k records per batch.
 *  - seed-004: JSON decode, per-record minute buckets for the counter sink (one row per event).
 *  - window: seed at 10k records per batch with 5 s .. 320 s windows: per-batch time must stay flat.
 *  - soak: seed at 10k records/s for 5 minutes of stream time: RSS.
 *  - dynamodb-prepare: the DynamoDB sink's marshalling and batching (no network) vs a hand loop.
 *
 * BENCH_QUICK=1 runs smaller sizes.
 */
import { ColumnBatch } from '../src/core/batch.js';
import type { Sink, SinkWriteResult } from '../src/core/sink.js';
import { MemoryCheckpointStore } from '../src/checkpoint/memory-store.js';
import { StreamingQuery } from '../src/engine/streaming-query.js';
import type { PipelineConfigInput } from '../src/pipeline/config.js';
import { parsePipelineConfig } from '../src/pipeline/validate.js';
import { DynamoDbSink } from '../src/sinks/dynamodb/sink.js';
import { MemorySource } from '../src/sources/memory.js';
import { cpuMs, line, median } from './measure.js';

const QUICK = process.env.BENCH_QUICK === '1';


/** A sink that receives the columns and reads one value per row, as a sink that marshals would. */
class ColumnCountSink implements Sink {
  rows = 0;
  constructor(readonly name: string) {}
  async init(): Promise<void> {}
  async write(batch: ColumnBatch): Promise<SinkWriteResult> {
    const f = batch.fieldIndex('_seq') >= 0 ? batch.fieldIndex('_seq') : 0;
    const col = batch.columns[f]!.values as ArrayLike<unknown>;
    let touched = 0;
    for (let k = 0; k < batch.length; k++) if (col[batch.physical(k)] !== undefined) touched++;
    this.rows += touched;
    return { written: touched, skipped: 0, deadLetters: [] };
  }
  async close(): Promise<void> {}
}

const NAMES = ['Ada', 'Bartholomew', 'Cy', 'Dolores', 'Eun', 'Fatima', 'Gus', 'Hiroshi'];
const STATUS = ['OK', 'FAIL', 'WARN'];
function seedRecords(n: number, offset: number): Uint8Array[] {
  const out: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const j = i + offset;
    out[i] = Buffer.from(`${NAMES[j % 8]},${10 + ((j * 7919) % 541)},${STATUS[j % 3]}`);
  }
  return out;
}
function snowplowRecords(n: number, offset: number, t0: number): Uint8Array[] {
  const types = ['Green', 'Red', 'Yellow'];
  const out: Uint8Array[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const j = i + offset;
    out[i] = Buffer.from(`{"timestamp":"${new Date(t0 + j * 7).toISOString()}","type":"${types[j % 3]}","id":"e-${j}"}`);
  }
  return out;
}

function seedConfig(windowLength = '20s'): PipelineConfigInput {
  return {
    app: 'bench-engine',
    source: { stream: 'bench' },
    format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }, { name: 'currentTemp', type: 'int' }, { name: 'status', type: 'string' }] },
    batchInterval: '1s',
    maxRecordsPerBatch: 1_000_000,
    window: { kind: 'sliding', length: windowLength },
    view: 'hot_sensors',
    outputs: [
      { name: 'data_dump', sql: 'SELECT * FROM hot_sensors ORDER BY currentTemp DESC', sink: { kind: 'console' } },
      { name: 'data_anomaly', sql: 'SELECT * FROM hot_sensors WHERE currentTemp > 100 ORDER BY currentTemp DESC', sink: { kind: 'console' } },
      { name: 'hottest', sql: 'SELECT id, currentTemp, status FROM hot_sensors ORDER BY currentTemp DESC, _arrival DESC LIMIT 2', sink: { kind: 'console' } },
    ],
  };
}
function snowplowConfig(): PipelineConfigInput {
  return {
    app: 'bench-engine-004',
    source: { stream: 'bench' },
    format: { kind: 'json', columns: [{ name: 'timestamp', type: 'timestamp' }, { name: 'type', type: 'string' }, { name: 'id', type: 'string' }] },
    batchInterval: '1s',
    maxRecordsPerBatch: 1_000_000,
    outputs: [{ name: 'counts', sql: "SELECT strftime(timestamp, '%Y-%m-%dT%H:%M') AS bucket, type, _shard, _seq FROM events", sink: { kind: 'console' } }],
  };
}

interface EngineRun {
  query: StreamingQuery;
  source: MemorySource;
  sinks: Record<string, ColumnCountSink>;
  t: number;
}
async function startEngine(input: PipelineConfigInput, shards: number): Promise<EngineRun> {
  const config = parsePipelineConfig(input);
  const source = new MemorySource(Array.from({ length: shards }, (_, i) => `shard-${i}`));
  const sinks = Object.fromEntries(config.outputs.map((o) => [o.name, new ColumnCountSink(o.name)]));
  const query = new StreamingQuery({ config, source, sinks, checkpointStore: new MemoryCheckpointStore(), deadLetters: { write: async (l) => l.length }, clock: 'manual' });
  await query.start();
  return { query, source, sinks, t: Date.parse('2026-12-01T00:00:00Z') };
}

/** Feeds one batch of `records` (spread over the shards) and runs it; returns CPU ms and wall ms. */
async function engineBatch(e: EngineRun, records: Uint8Array[], shards: number): Promise<{ cpu: number; wall: number }> {
  const per = Math.ceil(records.length / shards);
  for (let s = 0; s < shards; s++) e.source.push(`shard-${s}`, records.slice(s * per, (s + 1) * per), e.t);
  const c0 = cpuMs();
  const w0 = performance.now();
  await e.query.step(new Date(e.t));
  e.t += 1000;
  return { cpu: cpuMs() - c0, wall: performance.now() - w0 };
}

/** The seed pipeline by hand: decode, each record once by temperature, above-100 by temperature, top 2 of 20 s. */
function handSeed(records: Uint8Array[], state: { panes: { temp: number; id: string; status: string; arrival: number }[][] }, arrival: number, out: { rows: number }): void {
  const dec = new TextDecoder('utf-8', { fatal: true });
  const n = records.length;
  const ids: string[] = [];
  const temps = new Int32Array(n);
  const status: string[] = [];
  let m = 0;
  for (let i = 0; i < n; i++) {
    const text = dec.decode(records[i]);
    const a = text.indexOf(',');
    const b = text.indexOf(',', a + 1);
    const t = Number(text.slice(a + 1, b));
    if (a < 0 || b < 0 || !Number.isInteger(t)) continue;
    ids.push(text.slice(0, a));
    status.push(text.slice(b + 1));
    temps[m++] = t;
  }
  // Hottest first: (-temperature, position) packed into one double, sorted natively (no comparator call).
  const packed = new Float64Array(m);
  for (let i = 0; i < m; i++) packed[i] = -temps[i]! * 2 ** 21 + i;
  packed.sort();
  const order = new Int32Array(m);
  for (let i = 0; i < m; i++) order[i] = packed[i]! - Math.floor(packed[i]! / 2 ** 21) * 2 ** 21;
  out.rows += order.length;
  let anomalies = 0;
  for (const i of order) if (temps[i]! > 100) anomalies++;
  out.rows += anomalies;
  const top = [...order.slice(0, 2)].map((i) => ({ temp: temps[i]!, id: ids[i]!, status: status[i]!, arrival }));
  state.panes.push(top);
  if (state.panes.length > 20) state.panes.shift();
  const best = state.panes.flat().sort((x, y) => y.temp - x.temp || y.arrival - x.arrival).slice(0, 2);
  out.rows += best.length;
}

/**
 * Seed 004 by hand: JSON parse, minute bucket, one row per event for the counter. Written for
 * speed as the engine is: the bucket string is made once per minute, not once per event (events
 * arrive in time order), and the row keeps its parts instead of joining them into a new string.
 */
function handSnowplow(records: Uint8Array[], out: { rows: number }): void {
  const dec = new TextDecoder('utf-8', { fatal: true });
  const buckets: string[] = [];
  const types: string[] = [];
  let lastMinute = Number.NaN;
  let bucket = '';
  for (const r of records) {
    const o = JSON.parse(dec.decode(r)) as { timestamp: string; type: string; id: string };
    const ms = Date.parse(o.timestamp);
    if (Number.isNaN(ms) || typeof o.type !== 'string') continue;
    const minute = Math.floor(ms / 60_000);
    if (minute !== lastMinute) {
      lastMinute = minute;
      bucket = new Date(ms).toISOString().slice(0, 16);
    }
    buckets.push(bucket);
    types.push(o.type);
  }
  out.rows += buckets.length;
}


async function throughput(name: string, input: PipelineConfigInput, make: (n: number, off: number, t0: number) => Uint8Array[], hand: (recs: Uint8Array[], arrival: number, out: { rows: number }) => void, sizes: number[]): Promise<void> {
  for (const size of sizes) {
    const reps = size >= 100_000 ? (QUICK ? 3 : 7) : size >= 10_000 ? 15 : 40;
    // Steady state, as a worker runs for hours: both the engine and the hand loop first see 200k
    // records (200 batches of 1k), so neither is measured while V8 is still compiling it.
    const warm = Math.max(2, Math.ceil(200_000 / size));
    const e = await startEngine(input, 4);
    const handOut = { rows: 0 };
    const engineCpu: number[] = [];
    const engineWall: number[] = [];
    const handCpu: number[] = [];
    let off = 0;
    for (let r = 0; r < reps + warm; r++) {
      const recs = make(size, off, e.t);
      off += size;
      const { cpu, wall } = await engineBatch(e, recs, 4);
      const c0 = cpuMs();
      hand(recs, e.t, handOut);
      const hc = cpuMs() - c0;
      if (r >= warm) {
        engineCpu.push(cpu);
        engineWall.push(wall);
        handCpu.push(hc);
      }
    }
    await e.query.stop();
    const perCore = size / (median(engineCpu) / 1000);
    const handPerCore = size / (median(handCpu) / 1000);
    line({
      case: name,
      pipeline: name,
      batch: size >= 1000 ? `${size / 1000}k` : size,
      engine_ms_per_batch: median(engineWall).toFixed(1),
      records_per_s_per_core: Math.round(perCore),
      hand_loop_per_core: Math.round(handPerCore),
      ratio_to_hand_loop: (perCore / handPerCore).toFixed(2),
      warmup_batches: warm,
    });
  }
}

async function windowSweep(): Promise<void> {
  const size = 10_000;
  for (const len of QUICK ? ['5s', '80s'] : ['5s', '20s', '80s', '320s']) {
    const e = await startEngine(seedConfig(len), 4);
    const lenS = Number(len.slice(0, -1));
    const walls: number[] = [];
    // Fill the window first, then measure batches of a full window.
    for (let r = 0; r < lenS + 10; r++) {
      const { wall } = await engineBatch(e, seedRecords(size, r * size), 4);
      if (r >= lenS) walls.push(wall);
    }
    await e.query.stop();
    line({ case: 'window', pipeline: 'seed', batch: '10k', window: len, window_rows: lenS * size, engine_ms_per_batch: median(walls).toFixed(1) });
  }
}

async function soak(): Promise<void> {
  const perSecond = 10_000;
  const seconds = QUICK ? 60 : 300;
  const e = await startEngine(seedConfig('20s'), 4);
  const rss: number[] = [];
  for (let s = 0; s < seconds; s++) {
    await engineBatch(e, seedRecords(perSecond, s * perSecond), 4);
    if (s % 10 === 0) rss.push(process.memoryUsage().rss / 1e6);
  }
  const written = e.sinks.data_dump!.rows;
  await e.query.stop();
  line({ case: 'soak', pipeline: 'seed', rate: '10k/s', stream_minutes: seconds / 60, rss_mb_first: rss[1]!.toFixed(0), rss_mb_last: rss[rss.length - 1]!.toFixed(0), rss_mb_max: Math.max(...rss).toFixed(0), data_dump_rows: written });
}

async function dynamoPrepare(): Promise<void> {
  const size = 100_000;
  const sink = new DynamoDbSink(undefined as never, { kind: 'dynamodb', table: 'bench', keyAttribute: 'record_id', keyColumns: ['_shard', '_seq'], dedupe: true, dedupeRetentionMs: 60_000, concurrency: 8, createTable: false });
  const fields = [
    { name: 'id', type: 'string' as const },
    { name: 'currentTemp', type: 'int' as const },
    { name: 'status', type: 'string' as const },
    { name: '_shard', type: 'string' as const },
    { name: '_seq', type: 'string' as const },
    { name: '_arrival', type: 'long' as const },
  ];
  const rows = Array.from({ length: size }, (_, i) => ({ id: NAMES[i % 8], currentTemp: i % 550, status: STATUS[i % 3], _shard: 'shard-0', _seq: String(49_000_000_000 + i), _arrival: 1.7e12 + i }));
  const batch = ColumnBatch.fromRows(fields, rows);
  const engine: number[] = [];
  const hand: number[] = [];
  for (let r = 0; r < 9; r++) {
    let c0 = cpuMs();
    sink.prepare(batch);
    engine.push(cpuMs() - c0);
    c0 = cpuMs();
    // Hand loop: an item per row object, as the SDK needs it, plus the 25-item chunks.
    const chunks: unknown[][] = [];
    let chunk: unknown[] = [];
    for (const row of rows) {
      chunk.push({ PutRequest: { Item: { id: { S: row.id }, currentTemp: { N: String(row.currentTemp) }, status: { S: row.status }, _shard: { S: row._shard }, _seq: { S: row._seq }, _arrival: { N: String(row._arrival) }, record_id: { S: `${row._shard}#${row._seq}` } } } });
      if (chunk.length === 25) {
        chunks.push(chunk);
        chunk = [];
      }
    }
    hand.push(cpuMs() - c0);
  }
  const perCore = size / (median(engine) / 1000);
  const handPerCore = size / (median(hand) / 1000);
  line({ case: 'dynamodb-prepare', items_per_s_per_core: Math.round(perCore), hand_loop_per_core: Math.round(handPerCore), ratio_to_hand_loop: (perCore / handPerCore).toFixed(2) });
}

const only = process.env.BENCH_CASES?.split(',');
const want = (c: string) => !only || only.includes(c);
const sizes = process.env.BENCH_SIZES ? process.env.BENCH_SIZES.split(',').map(Number) : [1_000, 10_000, 100_000];
if (want('seed')) {
  const state = { panes: [] as { temp: number; id: string; status: string; arrival: number }[][] };
  await throughput('seed', seedConfig(), seedRecords, (recs, arrival, out) => handSeed(recs, state, arrival, out), sizes);
}
if (want('seed-004')) await throughput('seed-004', snowplowConfig(), snowplowRecords, (recs, _a, out) => handSnowplow(recs, out), sizes);
if (want('window')) await windowSweep();
if (want('soak')) await soak();
if (want('dynamodb-prepare')) await dynamoPrepare();
