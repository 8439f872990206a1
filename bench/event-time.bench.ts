/**
 * Event-time windows: what an aggregate over event time costs per batch as the window grows
 * longer and the keys more numerous, and what saving its state in every snapshot costs.
 *
 * The real StreamingQuery (manual clock) on an in-memory source of 4 shards, 10k JSON records per
 * batch, each batch 10 s of event time (with up to 5 s of disorder), watermark 10 s. Pipelines:
 *  - baseline: the same records through a projection (`SELECT key, v, _shard, _seq`), no window;
 *  - event-time: `SELECT window_start, key, count(*), sum(v), avg(v) ... GROUP BY window_start, key`
 *    over a tumbling window of 1, 10 or 30 minutes of event time, append mode.
 * Per batch: the median CPU ms over the batches after the first window closed, and its ratio to
 * the baseline measured in the same process. Snapshot: the same pipeline with a snapshot after
 * every batch (`stateInterval: 1ms`); the extra per batch is the cost of the state, whose size is
 * the JSON of every shard's event-time entries.
 *
 * Merge (`BENCH_CASES=merge`): what merging per-shard partials in DynamoDB costs (issue 18). The
 * same event-time GROUP BY (update mode, so every batch sends its changed groups) into the real
 * `dynamodb` sink on the embedded dynalite: DynamoDB calls per (group, shard) sent and ms per batch,
 * against the same rows written without the merge (one BatchWriteItem per 25 items, what each
 * worker wrote before, wrong across workers) and against a sink that only counts rows, in the same
 * run.
 *
 * BENCH_QUICK=1 runs smaller sizes; BENCH_CASES=event-time,merge picks cases (default both).
 */
import type { ColumnBatch } from '../src/core/batch.js';
import type { Sink, SinkWriteResult } from '../src/core/sink.js';
import { MemoryCheckpointStore } from '../src/checkpoint/memory-store.js';
import { StreamingQuery } from '../src/engine/streaming-query.js';
import type { PipelineConfigInput } from '../src/pipeline/config.js';
import { parsePipelineConfig } from '../src/pipeline/validate.js';
import { MemorySource } from '../src/sources/memory.js';
import { cpuMs, line, median } from './measure.js';
import { createAwsClients } from '../src/aws/clients.js';
import { startLocalStack } from '../src/local/stack.js';
import { DynamoDbSink } from '../src/sinks/dynamodb/sink.js';
import type { SinkWriteContext } from '../src/core/sink.js';

const QUICK = process.env.BENCH_QUICK === '1';
const SHARDS = 4;
const PER_BATCH = 10_000;
const EVENT_MS_PER_BATCH = 10_000;


class CountSink implements Sink {
  rows = 0;
  constructor(readonly name: string) {}
  async init(): Promise<void> {}
  async write(batch: ColumnBatch): Promise<SinkWriteResult> {
    this.rows += batch.length;
    return { written: batch.length, skipped: 0, deadLetters: [] };
  }
  async close(): Promise<void> {}
}

function config(kind: 'baseline' | 'event-time', windowMinutes: number, stateInterval: string): PipelineConfigInput {
  return {
    app: 'bench-event-time',
    source: { stream: 'bench' },
    format: { kind: 'json', columns: [{ name: 'ts', type: 'long' }, { name: 'key', type: 'string' }, { name: 'v', type: 'double' }] },
    batchInterval: '1s',
    maxRecordsPerBatch: 1_000_000,
    stateInterval,
    ...(kind === 'event-time' ? { window: { kind: 'tumbling', length: `${windowMinutes}m`, eventTime: { column: 'ts', watermark: '10s', idleTimeout: '1h' } } } : {}),
    outputs: [
      kind === 'baseline'
        ? { name: 'out', sql: 'SELECT key, v, _shard, _seq FROM events', sink: { kind: 'console' } }
        : { name: 'out', sql: 'SELECT window_start, key, count(*) AS n, sum(v) AS total, avg(v) AS mean FROM events GROUP BY window_start, key', sink: { kind: 'console' } },
    ],
  };
}

function records(batch: number, keys: number, shard: number): Uint8Array[] {
  const per = PER_BATCH / SHARDS;
  const t0 = Date.parse('2026-12-01T00:00:00Z') + batch * EVENT_MS_PER_BATCH;
  const out: Uint8Array[] = new Array(per);
  for (let i = 0; i < per; i++) {
    const j = batch * PER_BATCH + shard * per + i;
    const ts = t0 + Math.floor((i / per) * EVENT_MS_PER_BATCH) - ((j * 7919) % 5000);
    out[i] = Buffer.from(`{"ts":${ts},"key":"k${(j * 2654435761) % keys}","v":${(j % 997) / 10}}`);
  }
  return out;
}

async function run(kind: 'baseline' | 'event-time', windowMinutes: number, keys: number, batches: number, stateInterval: string) {
  const parsed = parsePipelineConfig(config(kind, windowMinutes, stateInterval));
  const source = new MemorySource(Array.from({ length: SHARDS }, (_, i) => `shard-${i}`));
  const sink = new CountSink('out');
  const store = new MemoryCheckpointStore();
  const query = new StreamingQuery({ config: parsed, source, sinks: { out: sink }, checkpointStore: store, clock: 'manual' });
  await query.start();
  const walls: number[] = [];
  const firstClose = Math.ceil((windowMinutes * 60_000 + 20_000) / EVENT_MS_PER_BATCH);
  const t = Date.parse('2026-12-01T00:00:00Z');
  for (let b = 0; b < batches; b++) {
    for (let s = 0; s < SHARDS; s++) source.push(`shard-${s}`, records(b, keys, s), t + b * 1000);
    const c0 = cpuMs();
    await query.step(new Date(t + b * 1000));
    if (kind === 'baseline' || b >= firstClose) walls.push(cpuMs() - c0);
  }
  await query.stop();
  // The event-time state is kept per shard, with each shard's checkpoint.
  let stateBytes = 0;
  for (let s = 0; s < SHARDS; s++) {
    const entries = (await store.loadShardState(`shard-${s}`))?.state.get('__event_time') ?? [];
    for (const [, value] of entries) stateBytes += JSON.stringify(value).length;
  }
  return { ms: median(walls), rows: sink.rows, stateBytes };
}


const CASES = new Set((process.env.BENCH_CASES ?? 'event-time,merge').split(','));

/** The same rows written without a merge: what a worker wrote before (BatchWriteItem, last write wins). */
class UnmergedSink implements Sink {
  constructor(private readonly inner: DynamoDbSink) {}
  get name(): string {
    return this.inner.name;
  }
  init(): Promise<void> {
    return this.inner.init();
  }
  write(batch: ColumnBatch, ctx: SinkWriteContext): Promise<SinkWriteResult> {
    const { merge: _merge, ...plain } = ctx;
    return this.inner.write(batch, plain);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

async function mergeCase(): Promise<void> {
  const stack = await startLocalStack();
  const clients = createAwsClients(stack.connection);
  try {
    const perBatch = 2_000;
    for (const keys of QUICK ? [10] : [10, 100]) {
      const results: Record<string, { ms: number; rows: number; calls: number }> = {};
      for (const mode of ['count', 'unmerged', 'merged'] as const) {
        const table = `bench-merge-${keys}-${mode}-${Date.now()}`;
        const cfg = config('event-time', 1, '1h');
        const parsed = parsePipelineConfig({
          ...cfg,
          window: { kind: 'tumbling', length: '1m', eventTime: { column: 'ts', watermark: '10s', idleTimeout: '1h', outputMode: 'update' } },
          outputs: [{ name: 'out', sql: 'SELECT window_start, key, count(*) AS n, sum(v) AS total, avg(v) AS mean FROM events GROUP BY window_start, key', sink: { kind: 'dynamodb', table, keyColumns: ['window_start', 'key'] } }],
        });
        const dynamo = new DynamoDbSink(clients.dynamodb, { kind: 'dynamodb', table, keyAttribute: 'id', keyColumns: ['window_start', 'key'], dedupe: false, dedupeRetentionMs: 60_000, concurrency: 8, createTable: true });
        const counter = new CountSink('out');
        const sink = mode === 'count' ? counter : mode === 'unmerged' ? new UnmergedSink(dynamo) : dynamo;
        const source = new MemorySource(Array.from({ length: SHARDS }, (_, i) => `shard-${i}`));
        const query = new StreamingQuery({ config: parsed, source, sinks: { out: sink }, checkpointStore: new MemoryCheckpointStore(), clock: 'manual' });
        await query.start();
        const t = Date.parse('2026-12-01T00:00:00Z');
        const times: number[] = [];
        let rows = 0;
        query.events.on('sink.flush', (e) => void (rows += e.written + e.skipped));
        const batches = QUICK ? 8 : 15;
        for (let b = 0; b < batches; b++) {
          for (let s = 0; s < SHARDS; s++) source.push(`shard-${s}`, records(b, keys, s).slice(0, perBatch / SHARDS), t + b * 1000);
          const w0 = performance.now();
          await query.step(new Date(t + b * 1000));
          if (b > 0) times.push(performance.now() - w0);
        }
        const outRows = query.totals.written.out ?? 0;
        await query.stop();
        results[mode] = { ms: median(times), rows: mode === 'count' ? counter.rows : outRows, calls: dynamo.mergeCalls };
        void rows;
      }
      const sent = results.count!.rows; // (group, shard) partials sent in all
      line({
        case: 'merge',
        keys,
        shards: SHARDS,
        records_per_batch: perBatch,
        partials_sent: sent,
        count_only_ms_per_batch: results.count!.ms.toFixed(1),
        unmerged_batchwrite_ms_per_batch: results.unmerged!.ms.toFixed(1),
        merged_ms_per_batch: results.merged!.ms.toFixed(1),
        merged_ratio_to_unmerged: (results.merged!.ms / results.unmerged!.ms).toFixed(2),
        merged_calls_per_partial: (results.merged!.calls / Math.max(1, sent)).toFixed(2),
      });
    }
  } finally {
    clients.close();
    await stack.close();
  }
}

if (CASES.has('merge')) await mergeCase();

// Warm-up: the first pipeline in a process pays for JIT and DuckDB's first queries.
if (CASES.has('event-time')) await run('baseline', 1, 10, 20, '1h');
const windows = QUICK ? [1, 10] : [1, 10, 30];
const keySizes = QUICK ? [10, 1_000] : [10, 1_000, 10_000];
for (const keys of CASES.has('event-time') ? keySizes : []) {
  for (const minutes of windows) {
    const batches = Math.ceil((minutes * 60_000 + 20_000) / EVENT_MS_PER_BATCH) + (QUICK ? 10 : 20);
    const base = await run('baseline', minutes, keys, Math.min(batches, 60), '1h');
    const et = await run('event-time', minutes, keys, batches, '1h');
    const snap = await run('event-time', minutes, keys, batches, '1ms');
    line({
      case: 'event-time',
      keys,
      window: `${minutes}m`,
      window_rows: (minutes * 60_000 / EVENT_MS_PER_BATCH) * PER_BATCH,
      baseline_cpu_ms_per_batch: base.ms.toFixed(1),
      event_time_cpu_ms_per_batch: et.ms.toFixed(1),
      ratio_to_baseline: (et.ms / base.ms).toFixed(2),
      with_snapshot_every_batch_cpu_ms: snap.ms.toFixed(1),
      snapshot_cpu_ms: (snap.ms - et.ms).toFixed(1),
      state_json_kb: (snap.stateBytes / 1024).toFixed(0),
    });
  }
}
