import { describe, expect, it } from 'vitest';
import { ColumnBatch } from '../../core/batch.js';
import { Watermarks } from './watermark.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');

/** One batch of (shard, event time) rows. */
function batch(rows: readonly [string, number][]): { b: ColumnBatch; times: Float64Array } {
  const b = new ColumnBatch([{ name: '_shard', type: 'string' }], [{ values: rows.map((r) => r[0]) }], rows.length);
  return { b, times: Float64Array.from(rows, (r) => r[1]) };
}

/**
 * Feeds records one per second of processing time (as the repro), advancing after each,
 * and returns the late ones as `shard@seconds`.
 */
function run(w: Watermarks, records: readonly [string, number][], reading: readonly string[], nowOf: (i: number) => number): string[] {
  const late: string[] = [];
  records.forEach((r, i) => {
    const { b, times } = batch([r]);
    for (const l of w.admit(b, times, nowOf(i)).late) late.push(`${l.shard}@${(l.eventTime - T0) / 1000}`);
    w.advance(nowOf(i), reading);
  });
  return late;
}

describe('lateness decided by data alone (issue 19, parts 4 and 5)', () => {
  it('a shard that comes back behind the others after a silence is judged by its own past, not late forever', () => {
    // Two shards, 30 s delay, 60 s idle timeout; b silent 62 s, then one record a second 40 s behind a.
    const w = new Watermarks(30_000, 60_000);
    const records: [string, number][] = [];
    for (let s = 0; s < 62; s++) records.push(['a', T0 + s * 1000]);
    const comeback: [string, number][] = [];
    for (let s = 62; s < 160; s++) comeback.push(['a', T0 + s * 1000], ['b', T0 + (s - 40) * 1000]);
    const late = run(w, [['b', T0], ...records, ...comeback], ['a', 'b'], (i) => T0 + i * 1000);
    expect(late).toEqual([]);
    // It does hold the pipeline's watermark back again once it speaks (it is not idle).
    expect(w.current).toBe(T0 + (159 - 40) * 1000 - 30_000);
  });

  it('a shard sending only late records is heard from: not idle, it keeps holding the watermark', () => {
    const w = new Watermarks(0, 5_000);
    run(w, [['a', T0 + 100_000], ['b', T0 + 50_000]], ['a', 'b'], () => T0);
    expect(w.current).toBe(T0 + 50_000);
    // b now sends only records behind its own watermark, for longer than the idle timeout.
    const late = run(w, Array.from({ length: 10 }, (_, i): [string, number] => ['b', T0 + 40_000 + i]), ['a', 'b'], (i) => T0 + (i + 1) * 1000);
    expect(late).toHaveLength(10);
    expect(w.current).toBe(T0 + 50_000);
  });

  it('the late set is the same however batches are cut, whenever the pipeline watermark moved, and across a restore', () => {
    // Three shards with jitter and one silent for long: the rule only looks at each shard's own order.
    const rows: [string, number][] = [];
    let x = 7;
    const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    // Each shard's event clock moves only when it sends: c, silent from row 100 to 400, comes back far behind.
    const clock = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      const shard = i > 100 && i < 400 && i % 3 === 2 ? 'a' : ['a', 'b', 'c'][i % 3]!;
      const c = (clock.get(shard) ?? T0) + 1_000;
      clock.set(shard, c);
      rows.push([shard, c - Math.floor(rnd() * 40_000)]);
    }
    const reference = new Set<string>();
    const newest = new Map<string, number>();
    rows.forEach(([s, t], i) => {
      if (t < (newest.get(s) ?? -Infinity) - 20_000) reference.add(`${i}`);
      else newest.set(s, Math.max(newest.get(s) ?? -Infinity, t));
    });
    expect(reference.size).toBeGreaterThan(20);
    const lateWith = (cut: number, idle: number, restoreAt: number): Set<string> => {
      let w = new Watermarks(20_000, idle);
      const late = new Set<string>();
      for (let i = 0; i < rows.length; i += cut) {
        if (i >= restoreAt && restoreAt >= 0) {
          // A crash: a new worker restores each shard's saved state, with a fresh pipeline watermark.
          const saved = ['a', 'b', 'c'].map((s) => [s, w.shardState(s)] as const);
          w = new Watermarks(20_000, idle);
          for (const [s, st] of saved) w.restoreShard(s, st, false);
          restoreAt = -1;
        }
        const part = rows.slice(i, i + cut);
        const { b, times } = batch(part);
        for (const l of w.admit(b, times, T0 + i * 10).late) late.add(`${i + l.row}`);
        w.advance(T0 + i * 10, ['a', 'b', 'c']);
      }
      return late;
    };
    expect(lateWith(1, 1_000, -1)).toEqual(reference);
    expect(lateWith(37, 60_000, 250)).toEqual(reference);
    expect(lateWith(200, 10, 400)).toEqual(reference);
  });
});

describe('arrival time (monotone): a processing-time window run on _arrival (issue 18)', () => {
  it('a step back in a shard counts as its newest time (no record is late), and once every shard is silent for the idle time the watermark follows the clock', () => {
    const w = new Watermarks(0, 1_000, true);
    const { b, times } = batch([['a', T0 + 500], ['a', T0 + 400], ['b', T0 + 100], ['a', T0 + 900], ['b', T0 + 50]]);
    const r = w.admit(b, times, T0);
    expect(r.late).toEqual([]);
    expect([...r.kept]).toEqual([0, 1, 2, 3, 4]);
    expect([...times].map((t) => t - T0)).toEqual([500, 500, 100, 900, 100]);
    expect(w.advance(T0 + 100, ['a', 'b'])).toBe(T0 + 100);
    // Both silent for the idle time: the watermark moves to now - idle, past their newest times.
    expect(w.advance(T0 + 5_000, ['a', 'b'])).toBe(T0 + 4_000);
    // Without monotone, the same silence keeps the largest shard watermark.
    const plain = new Watermarks(0, 1_000);
    const again = batch([['a', T0 + 500], ['a', T0 + 400]]);
    expect(plain.admit(again.b, again.times, T0).late).toHaveLength(1);
    plain.advance(T0, ['a']);
    expect(plain.advance(T0 + 5_000, ['a'])).toBe(T0 + 500);
  });
});
