import { describe, expect, it } from 'vitest';
import type { DeadLetter, OperatorContext, Row } from '../engine/operator.js';
import { SluiceError } from '../errors.js';
import { createAnomalyOperator, type AnomalyOperatorOptions } from './operator.js';

function ctx(letters: DeadLetter[] = []): OperatorContext {
  return { batchId: 1, batchTime: new Date(0), deadLetter: (l) => letters.push(l) };
}
const sensor = (id: string, t: number, temp: number): Row => ({ id, currentTemp: temp, _seq: String(t) });

describe('anomaly operator', () => {
  it('keeps one model per key and routes the anomaly by score', async () => {
    const op = createAnomalyOperator({ detector: 'ewma', value: 'currentTemp', key: 'id', params: { alpha: 0.05 } });
    const rows: Row[] = [];
    for (let t = 0; t < 300; t++) rows.push(sensor('a', t, 20 + Math.sin(t)), sensor('b', t, 80 + Math.cos(t)));
    op.processBatch({ rows }, ctx());
    expect(op.keys).toBe(2);
    // 80 is normal for b, an anomaly for a: the models are separate
    const out = (await op.processBatch({ rows: [sensor('a', 300, 80), sensor('b', 300, 80)] }, ctx())).rows;
    expect(out[0]!.anomaly_score).toBeGreaterThan(0.9);
    expect(out[0]!.anomaly_grade).toBe('high');
    expect(out[1]!.anomaly_score).toBeLessThan(0.5);
    expect(out[1]!.anomaly_grade).toBe('low');
    const e = JSON.parse(out[0]!.anomaly_explanation as string);
    expect(e.detector).toBe('ewma');
    expect(e.columns.currentTemp.attribution).toBeGreaterThan(10);
    // a's learned mean +- 3 sd: around 20, far below the 80 that fired
    const [lo, hi] = e.columns.currentTemp.expected;
    expect(lo).toBeGreaterThan(15);
    expect(hi).toBeLessThan(25);
    expect(out[0]!._seq).toBe('300');
  });

  it('evicts the least recently seen key beyond maxKeys', () => {
    const op = createAnomalyOperator({ detector: 'threshold', value: 'currentTemp', key: 'id', maxKeys: 2 });
    op.processBatch({ rows: [sensor('a', 0, 1), sensor('b', 0, 1), sensor('a', 1, 1), sensor('c', 1, 1)] }, ctx());
    expect(op.keys).toBe(2);
    const keys = [...op.snapshotPartition('')].map(([k]) => k);
    expect(keys).toEqual(['a', 'c']);
  });

  it('restores its models so scores continue identically', async () => {
    const opts: AnomalyOperatorOptions = { detector: 'ensemble', value: ['currentTemp'], key: 'id' };
    const a = createAnomalyOperator(opts);
    const rows = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => sensor(i % 2 ? 'x' : 'y', from + i, 20 + 3 * Math.sin((from + i) / 9)));
    a.processBatch({ rows: rows(0, 1200) }, ctx());
    const b = createAnomalyOperator(opts);
    b.restore(JSON.parse(JSON.stringify(a.onCheckpoint())));
    const next = rows(1200, 1600);
    const ra = (await a.processBatch({ rows: next }, ctx())).rows.map((r) => r.anomaly_score);
    const rb = (await b.processBatch({ rows: next }, ctx())).rows.map((r) => r.anomaly_score);
    expect(rb).toEqual(ra);
    expect(() => b.restore({ version: 9 })).toThrow(SluiceError);
  });

  it('sends a non-numeric value to the dead-letter sink and goes on', async () => {
    const letters: DeadLetter[] = [];
    const op = createAnomalyOperator({ detector: 'ewma', value: 'currentTemp' });
    const out = await op.processBatch({ rows: [{ currentTemp: 'hot' }, { currentTemp: '21.5' }] }, ctx(letters));
    expect(out.rows).toHaveLength(1);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.reason).toMatch(/Invalid currentTemp: "hot"\. Fix: .*finite number/);
  });

  it('names the option, the value and the fix', () => {
    expect(() => createAnomalyOperator({ detector: 'magic' as never, value: 'x' })).toThrow(/Invalid anomaly operator detector: "magic"/);
    expect(() => createAnomalyOperator({ value: 'x', maxKeys: 0 })).toThrow(/maxKeys: 0/);
  });
});

describe('anomaly operator in a pipeline file', () => {
  it('is created from `kind: anomaly` config', async () => {
    const { createOperators } = await import('../pipeline/operators.js');
    const [op] = await createOperators([{ kind: 'anomaly', detector: 'threshold', value: 'currentTemp', params: { above: 100, learn: false } }]);
    const out = await op!.processBatch({ rows: [{ currentTemp: 99 }, { currentTemp: 120 }] }, ctx());
    expect(out.rows.map((r) => r.anomaly_score)).toEqual([0, 1]);
    await expect(createOperators([{ kind: 'anomaly', value: 'x', maxKeys: -1 }])).rejects.toThrow(/maxKeys: -1/);
  });
});

describe('anomaly operator explanation', () => {
  it('names the column that moved and its direction, like RANDOM_CUT_FOREST_WITH_EXPLANATION', async () => {
    const op = createAnomalyOperator({ detector: 'rcf', value: ['cpu', 'memory'], params: { numberOfTrees: 40, sampleSize: 128 } });
    const rows = Array.from({ length: 800 }, (_, t) => ({ cpu: 50 + 5 * Math.sin(t / 7), memory: 70 + 3 * Math.cos(t / 5) }));
    op.processBatch({ rows }, ctx());
    const [row] = (await op.processBatch({ rows: [{ cpu: 52, memory: 20 }] }, ctx())).rows;
    const e = JSON.parse(row!.anomaly_explanation as string);
    expect(e.detector).toBe('rcf');
    expect(e.driver).toBe('memory');
    expect(e.columns.memory.direction).toBe('LOW');
    expect(e.columns.memory.attribution).toBeGreaterThan(4 * e.columns.cpu.attribution);
    expect(row!.anomaly_grade).toBe('high');
  });

  it('the default names the member that fired, the driving column and the range it expected', async () => {
    const op = createAnomalyOperator({ value: ['cpu', 'memory'] });
    const rows = Array.from({ length: 1500 }, (_, t) => ({ cpu: 50 + 5 * Math.sin(t / 7), memory: 70 + 3 * Math.cos(t / 5) }));
    op.processBatch({ rows }, ctx());
    const [row] = (await op.processBatch({ rows: [{ cpu: 52, memory: 20 }] }, ctx())).rows;
    const e = JSON.parse(row!.anomaly_explanation as string);
    expect(row!.anomaly_grade).toBe('high');
    expect(typeof e.detector).toBe('string');
    expect(e.detector).not.toBe('ensemble');
    expect(e.driver).toBe('memory');
    const [lo, hi] = e.columns.memory.expected;
    expect(lo).toBeGreaterThan(50);
    expect(hi).toBeLessThan(90);
    expect(20).toBeLessThan(lo);
  });
});

describe('anomaly operator state per shard and key', () => {
  const row = (shard: string, id: string, t: number, temp: number): Row => ({ id, currentTemp: temp, _shard: shard, _seq: String(t) });
  const series = (shard: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => row(shard, i % 2 ? 'x' : 'y', from + i, 20 + 3 * Math.sin((from + i) / 7) + (shard === 'b' ? 50 : 0)));

  it('keeps a model per (shard, key): the same key on two shards learns two series', async () => {
    const op = createAnomalyOperator({ detector: 'ewma', value: 'currentTemp', key: 'id', params: { alpha: 0.05 } });
    await op.processBatch({ rows: [...series('a', 0, 300), ...series('b', 0, 300)] }, ctx());
    expect(op.keys).toBe(4);
    expect([...op.snapshotPartition('a')].map(([k]) => k).sort()).toEqual(['x', 'y']);
    // 70 is normal on shard b, an anomaly on shard a
    const out = (await op.processBatch({ rows: [row('a', 'x', 300, 70), row('b', 'x', 300, 70)] }, ctx())).rows;
    expect(out[0]!.anomaly_score).toBeGreaterThan(0.8);
    expect(out[1]!.anomaly_score).toBeLessThan(0.5);
  });

  it('a partition snapshotted key by key and restored elsewhere continues exactly; dropping it forgets only it', async () => {
    const opts: AnomalyOperatorOptions = { detector: 'rcf', value: 'currentTemp', key: 'id', params: { numberOfTrees: 10, sampleSize: 64 } };
    const a = createAnomalyOperator(opts);
    await a.processBatch({ rows: [...series('a', 0, 400), ...series('b', 0, 400)] }, ctx());
    const b = createAnomalyOperator(opts);
    b.restorePartition('b', JSON.parse(JSON.stringify([...a.snapshotPartition('b')])) as [string, unknown][]);
    expect(b.keys).toBe(2);
    const next = series('b', 400, 600);
    const ra = (await a.processBatch({ rows: next }, ctx())).rows.map((r) => r.anomaly_score);
    const rb = (await b.processBatch({ rows: next }, ctx())).rows.map((r) => r.anomaly_score);
    expect(rb).toEqual(ra);
    a.dropPartition('b');
    expect(a.keys).toBe(2);
    expect([...a.snapshotPartition('b')]).toEqual([]);
    expect([...a.snapshotPartition('a')]).toHaveLength(2);
  });

  it('maxKeys bounds each shard; a restored partition larger than it keeps the most recent keys', () => {
    const op = createAnomalyOperator({ detector: 'threshold', value: 'currentTemp', key: 'id', maxKeys: 2 });
    op.processBatch({ rows: [row('a', 'p', 0, 1), row('a', 'q', 0, 1), row('a', 'r', 0, 1), row('b', 'p', 0, 1), row('b', 'q', 0, 1)] }, ctx());
    expect(op.keys).toBe(4);
    const entries = [...op.snapshotPartition('a'), ...op.snapshotPartition('b')].map(([k, s], i) => [`${k}${i}`, s] as [string, unknown]);
    op.restorePartition('c', entries);
    expect([...op.snapshotPartition('c')].map(([k]) => k)).toEqual(['p2', 'q3']);
  });
});
