import { afterEach, describe, expect, it } from 'vitest';
import type { Row } from '../../core/batch.js';
import { CaptureSink } from '../../../test/helpers/capture-sink.js';
import type { DeadLetter } from '../../core/dead-letter.js';
import { MemoryCheckpointStore } from '../../checkpoint/memory-store.js';
import type { ShardState } from '../../checkpoint/store.js';
import type { PipelineConfigInput } from '../../pipeline/config.js';
import { parsePipelineConfig } from '../../pipeline/validate.js';
import { MemorySource } from '../../sources/memory.js';
import { StreamingQuery } from '../streaming-query.js';
import { seededRandom } from '../../random.js';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const at = (mmss: string) => {
  const [m, s] = mmss.split(':').map(Number);
  return T0 + (m! * 60 + s!) * 1000;
};
const ev = (mmss: string, type: string, v: number) => Buffer.from(JSON.stringify({ ts: new Date(at(mmss)).toISOString(), type, v }));

const config = (over: Partial<PipelineConfigInput> = {}, mode: 'append' | 'update' = 'append'): PipelineConfigInput => ({
  app: 'unit-event-time',
  source: { stream: 'unit' },
  format: { kind: 'json', columns: [{ name: 'ts', type: 'timestamp' }, { name: 'type', type: 'string' }, { name: 'v', type: 'int' }] },
  batchInterval: '1s',
  window: { kind: 'tumbling', length: '1m', eventTime: { column: 'ts', watermark: '10s', idleTimeout: '1h', outputMode: mode } },
  outputs: [
    { name: 'counts', sql: 'SELECT window_start, type, count(*) AS n, sum(v) AS total FROM events GROUP BY window_start, type ORDER BY window_start, type', sink: { kind: 'console' } },
    { name: 'raw', sql: 'SELECT type, v, window_start FROM events', sink: { kind: 'console' } },
  ],
  ...over,
});

const queries: StreamingQuery[] = [];
afterEach(async () => {
  for (const q of queries.splice(0)) await q.stop().catch(() => undefined);
});

function start(c: PipelineConfigInput, source: MemorySource, store = new MemoryCheckpointStore()) {
  const parsed = parsePipelineConfig(c);
  const sinks = Object.fromEntries(parsed.outputs.map((o) => [o.name, new CaptureSink(o.name)]));
  const letters: DeadLetter[] = [];
  const query = new StreamingQuery({ config: parsed, source, sinks, checkpointStore: store, deadLetters: { write: async (l) => (letters.push(...l), l.length) }, clock: 'manual' });
  queries.push(query);
  return { query, sinks, letters, store };
}

const plain = (rows: Row[]) => rows.map((r) => ({ ...r, window_start: (r.window_start as Date).toISOString().slice(11, 19), total: Number(r.total) }));

/**
 * The input of the golden tests, with the expected outcome worked out by hand (watermark delay
 * 10 s, tumbling 1-minute windows, two shards):
 *
 * batch 1  p0: 00:05 A1, 00:12 B2, 00:08 A3 (p0 max 00:12)   p1: 00:30 A4 (p1 max 00:30)
 *          pipeline watermark min(00:02, 00:20) = 00:02
 * batch 2  p0: 01:05 A5 (max 01:05), 00:50 B6 LATE (< 01:05 - 10 s)   p1: 00:58 B7 (max 00:58)
 *          watermark min(00:55, 00:48) = 00:48
 * batch 3  p1: 01:20 A8 (max 01:20)                             watermark min(00:55, 01:10) = 00:55
 * batch 4  p0: 01:15 B9 (max 01:15), 00:57 A10 LATE (< 01:05)   watermark min(01:05, 01:10) = 01:05
 *          window 10:00 closes: A = {1, 3, 4} -> n 3, total 8; B = {2, 7} -> n 2, total 9
 * batch 5  p0: 02:30 C11   p1: 02:40 C12                        watermark min(02:20, 02:30) = 02:20
 *          window 10:01 closes: A = {5, 8} -> n 2, total 13; B = {9} -> n 1, total 9
 */
const batches: [string, [string, string, number][]][][] = [
  [['p0', [['00:05', 'A', 1], ['00:12', 'B', 2], ['00:08', 'A', 3]]], ['p1', [['00:30', 'A', 4]]]],
  [['p0', [['01:05', 'A', 5], ['00:50', 'B', 6]]], ['p1', [['00:58', 'B', 7]]]],
  [['p1', [['01:20', 'A', 8]]]],
  [['p0', [['01:15', 'B', 9], ['00:57', 'A', 10]]]],
  [['p0', [['02:30', 'C', 11]]], ['p1', [['02:40', 'C', 12]]]],
];

function push(source: MemorySource, i: number): void {
  for (const [p, events] of batches[i]!) source.push(p, events.map(([t, type, v]) => ev(t, type, v)), T0 + i * 1000);
}

describe('event-time windows with a watermark (golden input, expected outputs worked out by hand)', () => {
  it('append: each window once, when the watermark passes its end; late records to the dead letters', async () => {
    const source = new MemorySource(['p0', 'p1']);
    const { query, sinks, letters } = start(config(), source);
    await query.start();
    expect(query.outputPlans()).toEqual({ counts: 'aggregate', raw: 'incremental' });
    const emitted: number[] = [];
    for (let i = 0; i < batches.length; i++) {
      push(source, i);
      await query.step(new Date(T0 + i * 1000));
      emitted.push(sinks.counts!.rows.length);
    }
    expect(emitted).toEqual([0, 0, 0, 2, 4]);
    expect(plain(sinks.counts!.rows)).toEqual([
      { window_start: '10:00:00', type: 'A', n: 3, total: 8 },
      { window_start: '10:00:00', type: 'B', n: 2, total: 9 },
      { window_start: '10:01:00', type: 'A', n: 2, total: 13 },
      { window_start: '10:01:00', type: 'B', n: 1, total: 9 },
    ]);
    // Projections see every on-time record once, with its window.
    expect(sinks.raw!.rows.map((r) => r.v).sort((a, b) => Number(a) - Number(b))).toEqual([1, 2, 3, 4, 5, 7, 8, 9, 11, 12]);
    expect(letters.map((l) => [JSON.parse(Buffer.from(l.raw).toString()).v, l.stage, l.reason.split(':')[0]])).toEqual([
      [6, 'watermark', 'late'],
      [10, 'watermark', 'late'],
    ]);
    expect(letters[0]!.position?.shardId).toBe('p0');
    expect(letters[0]!.reason).toContain('fix: raise window.eventTime.watermark');
    expect(query.totals.late).toBe(2);
  });

  it('late records go to the sink the user names instead, with the reason, before the checkpoint', async () => {
    const source = new MemorySource(['p0', 'p1']);
    const parsed = parsePipelineConfig(config({ window: { kind: 'tumbling', length: '1m', eventTime: { column: 'ts', watermark: '10s', idleTimeout: '1h', lateSink: { kind: 'console' } } } }));
    const late = new CaptureSink('__late');
    const letters: DeadLetter[] = [];
    const sinks = { counts: new CaptureSink('counts'), raw: new CaptureSink('raw'), __late: late };
    const query = new StreamingQuery({ config: parsed, source, sinks, checkpointStore: new MemoryCheckpointStore(), deadLetters: { write: async (l) => (letters.push(...l), l.length) }, clock: 'manual' });
    queries.push(query);
    await query.start();
    for (let i = 0; i < batches.length; i++) {
      push(source, i);
      await query.step(new Date(T0 + i * 1000));
    }
    expect(letters).toHaveLength(0);
    expect(late.rows.map((r) => [r.v, r.type, r._shard, String(r.late_reason).split(':')[0]])).toEqual([
      [6, 'B', 'p0', 'late'],
      [10, 'A', 'p0', 'late'],
    ]);
    expect(query.totals.late).toBe(2);
  });

  it('update: each batch emits the groups it changed, with their values so far', async () => {
    const source = new MemorySource(['p0', 'p1']);
    const { query, sinks } = start(config({}, 'update'), source);
    await query.start();
    for (let i = 0; i < 4; i++) {
      push(source, i);
      await query.step(new Date(T0 + i * 1000));
    }
    expect(sinks.counts!.writes.map((w) => plain(w.rows))).toEqual([
      [
        { window_start: '10:00:00', type: 'A', n: 3, total: 8 },
        { window_start: '10:00:00', type: 'B', n: 1, total: 2 },
      ],
      [
        { window_start: '10:00:00', type: 'B', n: 2, total: 9 },
        { window_start: '10:01:00', type: 'A', n: 1, total: 5 },
      ],
      [{ window_start: '10:01:00', type: 'A', n: 2, total: 13 }],
      [{ window_start: '10:01:00', type: 'B', n: 1, total: 9 }],
    ]);
  });

  it('open windows and watermarks survive a restart through the snapshot, bit for bit', async () => {
    // avg of tenths: doubles whose sums are not exact, to prove the snapshot restores them exactly.
    const withMean = config({
      outputs: [{ name: 'counts', sql: 'SELECT window_start, type, count(*) AS n, sum(v) AS total, avg(v * 0.1) AS mean FROM events GROUP BY window_start, type ORDER BY window_start, type', sink: { kind: 'console' } }],
    });
    const wholeSource = new MemorySource(['p0', 'p1']);
    const whole = start(withMean, wholeSource);
    await whole.query.start();
    for (let i = 0; i < batches.length; i++) {
      push(wholeSource, i);
      await whole.query.step(new Date(T0 + i * 1000));
    }
    const reference = whole.sinks.counts!.rows.slice(2);
    expect(reference.map((r) => r.mean)).toEqual([(0.5 + 0.8) / 2, 0.9]);

    const store = new MemoryCheckpointStore();
    const first = new MemorySource(['p0', 'p1']);
    const a = start(withMean, first, store);
    await a.query.start();
    for (let i = 0; i < 4; i++) {
      push(first, i);
      await a.query.step(new Date(T0 + i * 1000));
    }
    await a.query.step(new Date(T0 + 4000), true); // a clean stop's last batch: commits the snapshot, closes nothing
    await a.query.stop();
    expect(a.sinks.counts!.rows).toHaveLength(2);

    // The restarted query gets the same records again (the source skips what the checkpoint covers).
    const second = new MemorySource(['p0', 'p1']);
    const b = start(withMean, second, store);
    await b.query.start();
    for (let i = 0; i < 4; i++) push(second, i);
    push(second, 4);
    await b.query.step(new Date(T0 + 5000));
    expect(plain(b.sinks.counts!.rows.map(({ mean: _mean, ...r }) => r))).toEqual([
      { window_start: '10:01:00', type: 'A', n: 2, total: 13 },
      { window_start: '10:01:00', type: 'B', n: 1, total: 9 },
    ]);
    expect(b.sinks.counts!.rows).toEqual(reference);
    expect(b.letters).toHaveLength(0);
  });

  it('across a split: the first child takes over the parent\'s partials, so a window spanning the reshard survives a restart whole, and nothing counts twice', async () => {
    const store = new MemoryCheckpointStore();
    const c = config({ stateInterval: '1ms', outputs: [{ name: 'counts', sql: 'SELECT window_start, type, count(*) AS n FROM events GROUP BY window_start, type', sink: { kind: 'console' } }] });
    const first = new MemorySource(['p0']);
    first.setParents('c1', ['p0']);
    first.setParents('c2', ['p0']);
    const a = start(c, first, store);
    await a.query.start();
    first.push('p0', [ev('00:05', 'A', 1), ev('00:20', 'A', 2)], T0);
    first.end('p0');
    await a.query.step(new Date(T0));
    await a.query.step(new Date(T0 + 1000)); // p0 read to its end: committed with SHARD_END and its partials
    first.push('c1', [ev('00:30', 'A', 3)], T0 + 2000);
    first.push('c2', [ev('00:40', 'A', 4)], T0 + 2000);
    await a.query.step(new Date(T0 + 2000));
    await a.query.step(new Date(T0 + 3000));
    await a.query.stop();
    expect(a.sinks.counts!.rows).toHaveLength(0); // the window is still open

    // A restart: the children restore their own state, which now holds the parent's partials.
    const second = new MemorySource(['p0']);
    second.setParents('c1', ['p0']);
    second.setParents('c2', ['p0']);
    const b = start(c, second, store);
    await b.query.start();
    second.end('p0');
    second.push('c1', [ev('00:30', 'A', 3), ev('02:00', 'A', 5)], T0 + 4000);
    second.push('c2', [ev('00:40', 'A', 4), ev('02:00', 'A', 6)], T0 + 4000);
    await b.query.step(new Date(T0 + 4000));
    expect(plain(b.sinks.counts!.rows).map((r) => ({ window_start: r.window_start, type: (r as Row).type, n: (r as Row).n }))).toEqual([{ window_start: '10:00:00', type: 'A', n: 4 }]);
  });

  it('a crash between two shards\' commits does not re-emit a closed window with one shard\'s part', async () => {
    // The second snapshot commits shard p0 and dies before p1 (the store keeps p1 as of the first).
    class CrashAfterFirstShard extends MemoryCheckpointStore {
      calls = 0;
      override async saveSnapshot(positions: ReadonlyMap<string, string>, state: ReadonlyMap<string, unknown>, shards?: ReadonlyMap<string, ShardState>) {
        if (++this.calls !== 2 || !shards) return super.saveSnapshot(positions, state, shards);
        const first = [...shards.keys()].sort()[0]!;
        return super.saveSnapshot(new Map([...positions].filter(([p]) => p === first)), state, new Map([...shards].filter(([p]) => p === first)));
      }
    }
    const store = new CrashAfterFirstShard();
    const c = config({ stateInterval: '1ms', outputs: [{ name: 'counts', sql: 'SELECT window_start, type, count(*) AS n FROM events GROUP BY window_start, type', sink: { kind: 'console' } }] });
    const first = new MemorySource(['p0', 'p1']);
    const a = start(c, first, store);
    await a.query.start();
    first.push('p0', [ev('00:05', 'A', 1)], T0);
    first.push('p1', [ev('00:10', 'A', 2)], T0);
    await a.query.step(new Date(T0));
    await a.query.step(new Date(T0 + 10)); // snapshot 1: both shards, window 10:00 open
    first.push('p0', [ev('01:20', 'A', 3)], T0 + 1000);
    first.push('p1', [ev('01:15', 'A', 4)], T0 + 1000);
    await a.query.step(new Date(T0 + 1000)); // watermark 01:05: window 10:00 emitted whole; snapshot 2 commits p0 only
    expect(plain(a.sinks.counts!.rows).map((r) => ({ window_start: r.window_start, n: (r as Row).n }))).toEqual([{ window_start: '10:00:00', n: 2 }]);

    // Restart: p0 as of snapshot 2 (its saved watermark passed 10:01), p1 as of snapshot 1 (still holding its part of 10:00).
    const second = new MemorySource(['p0', 'p1']);
    const b = start(c, second, store);
    await b.query.start();
    second.push('p0', [ev('00:05', 'A', 1), ev('01:20', 'A', 3), ev('01:21', 'A', 5)], T0 + 2000);
    second.push('p1', [ev('00:10', 'A', 2), ev('01:15', 'A', 4)], T0 + 2000);
    await b.query.step(new Date(T0 + 2000));
    expect(b.sinks.counts!.rows).toEqual([]);
  });

  it('an idle shard stops holding the watermark back after the idle timeout', async () => {
    const source = new MemorySource(['p0', 'p1']);
    const { query, sinks } = start(config({ window: { kind: 'tumbling', length: '1m', eventTime: { column: 'ts', watermark: '0s', idleTimeout: '5s' } } }), source);
    await query.start();
    source.push('p0', [ev('00:10', 'A', 1)], T0);
    source.push('p1', [ev('00:20', 'A', 2)], T0);
    await query.step(new Date(T0));
    source.push('p0', [ev('01:10', 'A', 3)], T0 + 1000);
    await query.step(new Date(T0 + 1000));
    expect(sinks.counts!.rows).toHaveLength(0); // p1 (at 00:20) holds the watermark back
    source.push('p0', [ev('01:11', 'A', 4)], T0 + 6000);
    await query.step(new Date(T0 + 6000)); // p1 silent for 6 s > 5 s: idle
    expect(plain(sinks.counts!.rows)).toEqual([{ window_start: '10:00:00', type: 'A', n: 2, total: 3 }]);
  });

  it('refuses outputs event-time windows cannot keep incrementally, and a GROUP BY without the window', async () => {
    const bad = async (sql: string) => {
      const { query } = start(config({ outputs: [{ name: 'o', sql, sink: { kind: 'console' } }] }), new MemorySource(['p0']));
      return query.start().then(
        () => 'started',
        (e: Error) => e.message,
      );
    };
    expect(await bad('SELECT type, count(*) FROM events GROUP BY type')).toMatch(/GROUP BY must include window_start/);
    expect(await bad('SELECT * FROM events ORDER BY v DESC LIMIT 3')).toMatch(/planned as topk/);
    expect(await bad('SELECT window_start, count(DISTINCT type) FROM events GROUP BY window_start')).toMatch(/planned as window/);
  });
});

describe('sliding event-time windows against an independent reference', () => {
  it('counts and sums per window and key equal a brute-force count over the on-time events', async () => {
    const rnd = seededRandom(7);
    const delay = 20_000;
    const shards = ['p0', 'p1', 'p2'];
    const c = config({
      window: { kind: 'sliding', length: '1m', slide: '20s', eventTime: { column: 'ts', watermark: delay, idleTimeout: '1h' } },
      outputs: [{ name: 'counts', sql: 'SELECT window_start, window_end, type, count(*) AS n, sum(v) AS total, min(v) AS lo, max(v) AS hi FROM events GROUP BY window_start, window_end, type', sink: { kind: 'console' } }],
    });
    const source = new MemorySource(shards);
    const { query, sinks, letters } = start(c, source);
    await query.start();
    // Each shard's events drift forward with jitter of up to 30 s: some are later than the 20 s delay allows.
    const clock = new Map(shards.map((s) => [s, T0]));
    const produced: { shard: string; t: number; type: string; v: number }[] = [];
    let v = 0;
    for (let b = 0; b < 60; b++) {
      for (const s of shards) {
        const n = Math.floor(rnd() * 6);
        const data: Buffer[] = [];
        for (let i = 0; i < n; i++) {
          clock.set(s, clock.get(s)! + Math.floor(rnd() * 4000));
          const t = clock.get(s)! - Math.floor(rnd() * 30_000);
          const type = ['x', 'y', 'z'][Math.floor(rnd() * 3)]!;
          produced.push({ shard: s, t, type, v: ++v });
          data.push(Buffer.from(JSON.stringify({ ts: new Date(t).toISOString(), type, v })));
        }
        source.push(s, data, T0 + b * 1000);
      }
      await query.step(new Date(T0 + b * 1000));
    }
    // A last event per shard far ahead moves the watermark past every window before it.
    const end = Math.max(...clock.values()) + 10 * 60_000;
    for (const s of shards) source.push(s, [Buffer.from(JSON.stringify({ ts: new Date(end).toISOString(), type: 'x', v: 0 }))], T0 + 61_000);
    await query.step(new Date(T0 + 61_000));

    // Reference: a record is late when it is older than its shard's newest earlier record minus the delay.
    const newest = new Map<string, number>();
    const onTime = produced.filter((e) => {
      const max = newest.get(e.shard) ?? -Infinity;
      if (e.t < max - delay) return false;
      newest.set(e.shard, Math.max(max, e.t));
      return true;
    });
    const expected = new Map<string, { n: number; total: number; lo: number; hi: number }>();
    for (const e of onTime) {
      const newestStart = Math.floor(e.t / 20_000) * 20_000;
      for (let s = newestStart; s > e.t - 60_000; s -= 20_000) {
        const key = `${new Date(s).toISOString()}|${e.type}`;
        const g = expected.get(key) ?? { n: 0, total: 0, lo: Infinity, hi: -Infinity };
        expected.set(key, { n: g.n + 1, total: g.total + e.v, lo: Math.min(g.lo, e.v), hi: Math.max(g.hi, e.v) });
      }
    }
    const got = new Map(
      sinks.counts!.rows.map((r) => {
        expect((r.window_end as Date).getTime() - (r.window_start as Date).getTime()).toBe(60_000);
        return [`${(r.window_start as Date).toISOString()}|${String(r.type)}`, { n: Number(r.n), total: Number(r.total), lo: Number(r.lo), hi: Number(r.hi) }];
      }),
    );
    expect(produced.length - onTime.length).toBeGreaterThan(10); // the input does have late records
    expect(letters).toHaveLength(produced.length - onTime.length);
    expect(sinks.counts!.rows.length).toBe(got.size); // each window and key emitted once
    expect(got).toEqual(expected);
  });
});
