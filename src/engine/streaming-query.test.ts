import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Row } from '../core/batch.js';
import { CaptureSink } from '../../test/helpers/capture-sink.js';
import type { DeadLetter } from '../core/dead-letter.js';
import { MemoryCheckpointStore } from '../checkpoint/memory-store.js';
import type { PipelineConfigInput } from '../pipeline/config.js';
import { parsePipelineConfig } from '../pipeline/validate.js';
import { FileSource } from '../sources/file.js';
import { MemorySource } from '../sources/memory.js';
import { StreamingQuery } from './streaming-query.js';

const seed = (over: Partial<PipelineConfigInput> = {}): PipelineConfigInput => ({
  app: 'unit-engine',
  source: { stream: 'unit' },
  format: { kind: 'csv', columns: [{ name: 'id', type: 'string' }, { name: 'currentTemp', type: 'int' }, { name: 'status', type: 'string' }] },
  batchInterval: '1s',
  window: { kind: 'sliding', length: '3s' },
  view: 'hot_sensors',
  outputs: [
    { name: 'data_dump', sql: 'SELECT * FROM hot_sensors ORDER BY currentTemp DESC', sink: { kind: 'console' } },
    { name: 'data_anomaly', sql: 'SELECT * FROM hot_sensors WHERE currentTemp > 100', sink: { kind: 'console' } },
    { name: 'hottest', sql: 'SELECT id, currentTemp FROM hot_sensors ORDER BY currentTemp DESC, id LIMIT 2', sink: { kind: 'console' } },
  ],
  ...over,
});

const queries: StreamingQuery[] = [];
afterEach(async () => {
  for (const q of queries.splice(0)) await q.stop().catch(() => undefined);
});

function start(config: PipelineConfigInput, source: MemorySource | FileSource, store = new MemoryCheckpointStore()) {
  const parsed = parsePipelineConfig(config);
  const sinks = Object.fromEntries(parsed.outputs.map((o) => [o.name, new CaptureSink(o.name)]));
  const letters: DeadLetter[] = [];
  const query = new StreamingQuery({ config: parsed, source, sinks, checkpointStore: store, deadLetters: { write: async (l) => (letters.push(...l), l.length) }, clock: 'manual' });
  queries.push(query);
  return { query, sinks, letters, store };
}

const enc = (lines: string[]) => lines.map((l) => Buffer.from(l));
const T0 = Date.parse('2026-12-01T00:00:00Z');

describe('StreamingQuery on a memory source (manual clock)', () => {
  it('plans the seed outputs: every record once, the anomalies once, the top 2 of the window each slide', async () => {
    const source = new MemorySource(['p0', 'p1']);
    const { query, sinks, letters, store } = start(seed(), source);
    await query.start();
    expect(query.outputPlans()).toEqual({ data_dump: 'incremental', data_anomaly: 'incremental', hottest: 'topk' });
    source.push('p0', enc(['a,120,OK', 'b,90,OK', 'bad,x,OK']), T0);
    source.push('p1', enc(['c,300,WARN']), T0);
    await query.step(new Date(T0));
    source.push('p0', enc(['d,101,OK']), T0 + 1000);
    await query.step(new Date(T0 + 1000));
    await query.step(new Date(T0 + 2000));
    await query.step(new Date(T0 + 3000)); // a and c leave the 3 s window; d leaves it a slide later
    source.push('p1', enc(['e,99,OK']), T0 + 4000);
    await query.step(new Date(T0 + 4000));

    const ids = (rows: Row[]) => rows.map((r) => r.id);
    expect(ids(sinks.data_dump!.rows)).toEqual(['c', 'a', 'b', 'd', 'e']);
    expect(sinks.data_dump!.writes.every((w) => w.ctx.emitsOnce)).toBe(true);
    expect(ids(sinks.data_anomaly!.rows).sort()).toEqual(['a', 'c', 'd']);
    expect(sinks.hottest!.writes.map((w) => ids(w.rows))).toEqual([['c', 'a'], ['c', 'a'], ['c', 'a'], ['d'], ['e']]);
    expect(sinks.hottest!.writes.every((w) => !w.ctx.emitsOnce)).toBe(true);
    expect(letters.map((l) => [l.position?.shardId, l.position?.sequenceNumber])).toEqual([['p0', '3']]);
    const cps = await store.load();
    expect(cps.get('p0')?.checkpoint).toBe('4');
    expect(cps.get('p1')?.checkpoint).toBe('2');
  });

  it('a slow batch does not stretch the window: what it holds is decided by time', async () => {
    const source = new MemorySource(['p0']);
    const { query, sinks } = start(seed(), source);
    await query.start();
    source.push('p0', enc(['a,500,OK']), T0);
    await query.step(new Date(T0));
    // The next batch comes 10 s later (a stall): record a is long out of the 3 s window.
    source.push('p0', enc(['b,200,OK']), T0 + 10_000);
    await query.step(new Date(T0 + 10_000));
    expect(sinks.hottest!.writes.map((w) => w.rows.map((r) => r.id))).toEqual([['a'], ['b']]);
  });

  it('catches up in bounded batches and says so', async () => {
    const source = new MemorySource(['p0']);
    const { query, sinks } = start(seed({ maxRecordsPerBatch: 400 }), source);
    const ends: { records: number; backlog: number; catchingUp: boolean }[] = [];
    query.events.on('batch.end', (b) => ends.push({ records: b.records, backlog: b.backlog, catchingUp: b.catchingUp }));
    await query.start();
    source.push('p0', enc(Array.from({ length: 1000 }, (_, i) => `s${i},${i % 300},OK`)), T0);
    for (let i = 0; i < 3; i++) await query.step(new Date(T0 + i * 1000));
    expect(ends).toEqual([
      { records: 400, backlog: 600, catchingUp: true },
      { records: 400, backlog: 200, catchingUp: true },
      { records: 200, backlog: 0, catchingUp: false },
    ]);
    expect(sinks.data_dump!.rows).toHaveLength(1000);
  });

  it('restarts after its checkpoint: nothing emitted twice, nothing lost', async () => {
    const store = new MemoryCheckpointStore();
    const first = new MemorySource(['p0']);
    const a = start(seed(), first, store);
    await a.query.start();
    first.push('p0', enc(['a,1,OK', 'b,2,OK']), T0);
    await a.query.step(new Date(T0));
    await a.query.stop();
    // The source replays everything (as a stream would from TRIM_HORIZON); the checkpoint skips what was done.
    const second = new MemorySource(['p0']);
    const b = start(seed(), second, store);
    await b.query.start();
    second.push('p0', enc(['a,1,OK', 'b,2,OK', 'c,3,OK']), T0 + 5000);
    await b.query.step(new Date(T0 + 5000));
    expect([...a.sinks.data_dump!.rows, ...b.sinks.data_dump!.rows].map((r) => r.id)).toEqual(['b', 'a', 'c']);
  });

  it('computed columns come from DuckDB, the rest from the batch (seed 004 buckets)', async () => {
    const source = new MemorySource(['p0']);
    const { query, sinks } = start(
      {
        app: 'unit-engine-004',
        source: { stream: 'unit' },
        format: { kind: 'json', columns: [{ name: 'timestamp', type: 'timestamp' }, { name: 'type', type: 'string' }] },
        outputs: [{ name: 'counts', sql: "SELECT strftime(timestamp, '%Y-%m-%dT%H:%M') AS bucket, type, _shard, _seq FROM events WHERE type <> 'Blue'", sink: { kind: 'console' } }],
      },
      source,
    );
    await query.start();
    source.push('p0', enc(['{"timestamp":"2026-12-01T10:00:59Z","type":"Red"}', '{"timestamp":"2026-12-01T10:01:00Z","type":"Blue"}', '{"timestamp":"2026-12-01T10:01:01Z","type":"Green"}']), T0);
    await query.step(new Date(T0));
    expect(query.outputPlans()).toEqual({ counts: 'incremental' });
    expect(sinks.counts!.rows).toEqual([
      { bucket: '2026-12-01T10:00', type: 'Red', _shard: 'p0', _seq: '1' },
      { bucket: '2026-12-01T10:01', type: 'Green', _shard: 'p0', _seq: '3' },
    ]);
  });

  it('reads a file of records to its end, stops by itself, and a rerun reads nothing again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-file-'));
    const path = join(dir, 'events.csv');
    writeFileSync(path, 'a,120,OK\nb,90,OK\n\nc,300,WARN\n');
    const store = new MemoryCheckpointStore();
    const run = async () => {
      const parsed = parsePipelineConfig(seed());
      const sinks = Object.fromEntries(parsed.outputs.map((o) => [o.name, new CaptureSink(o.name)]));
      const q = new StreamingQuery({ config: { ...parsed, batchInterval: 50 }, source: new FileSource({ path }), sinks, checkpointStore: store, deadLetters: { write: async (l) => l.length } });
      queries.push(q);
      await q.start();
      await q.awaitTermination();
      await q.stop();
      return sinks;
    };
    const first = await run();
    expect(first.data_dump!.rows.map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
    expect(first.data_dump!.rows.map((r) => r._seq).sort()).toEqual(['1', '2', '4']);
    const second = await run();
    expect(second.data_dump!.rows).toEqual([]);
  });

  it('refuses a counter output that would not emit every record once (GROUP BY, LIMIT) or the same rows on a replay (now(), random()), naming the output and why', async () => {
    for (const [sql, why] of [
      ['SELECT type, count(*) AS n FROM events GROUP BY type', /dynamodb-counter sink counts each record once/],
      ['SELECT type, _shard, _seq FROM events LIMIT 5', /dynamodb-counter sink counts each record once/],
      ['SELECT type, _shard, _seq FROM events WHERE _arrival > epoch_ms(now()) - 60000', /now changes from one run to the next/],
      ['SELECT type, _shard, _seq FROM events WHERE random() < 0.5', /random changes from one run to the next/],
      ['SELECT type, _shard, _seq FROM events WHERE _arrival > epoch_ms(current_timestamp)', /changes from one run to the next/],
    ] as const) {
      const parsed = parsePipelineConfig({
        app: 'unit-engine-counter',
        source: { stream: 'unit' },
        format: { kind: 'json', columns: [{ name: 'type', type: 'string' }] },
        outputs: [{ name: 'counts', sql, sink: { kind: 'dynamodb-counter', table: 'unit-counts', keyColumns: ['type'] } }],
      });
      const q = new StreamingQuery({ config: parsed, source: new MemorySource(['p0']), sinks: { counts: new CaptureSink('counts') }, checkpointStore: new MemoryCheckpointStore(), clock: 'manual' });
      queries.push(q);
      await expect(q.start()).rejects.toThrow(new RegExp(`outputs\\.counts\\.sql: .*${why.source}`));
    }
  });
});

describe('a sink that does not answer', () => {
  it('is reported as stalled (sink.stalled, the status line) while its write lasts, and no longer once it completes', async () => {
    const { StatusLine } = await import('../dashboard/status.js');
    let release: () => void = () => undefined;
    const released = new Promise<void>((r) => (release = r));
    const stuck = new CaptureSink('dump');
    const write = stuck.write.bind(stuck);
    stuck.write = async (batch, ctx) => {
      await released;
      return write(batch, ctx);
    };
    const parsed = parsePipelineConfig(seed({ window: { kind: 'none' }, outputs: [{ name: 'dump', sql: 'SELECT * FROM hot_sensors', sink: { kind: 'console' } }] }));
    const source = new MemorySource(['p0']);
    const query = new StreamingQuery({ config: parsed, source, sinks: { dump: stuck }, checkpointStore: new MemoryCheckpointStore(), clock: 'manual', sinkStallReportMs: 30 });
    queries.push(query);
    const status = new StatusLine(query);
    const stalls: { sink: string; seconds: number }[] = [];
    query.events.on('sink.stalled', (s) => stalls.push(s));
    await query.start();
    source.push('p0', enc(['a,120,OK']), T0);
    const step = query.step(new Date(T0));
    while (stalls.length < 2) await new Promise((r) => setTimeout(r, 10));
    expect(stalls[0]!.sink).toBe('dump');
    expect(status.render()).toMatch(/STALLED: sink dump has not completed a write for \d+ s/);
    release();
    await step;
    expect(stuck.rows).toHaveLength(1);
    expect(status.render()).not.toMatch(/STALLED/);
    status.close();
  });
});
