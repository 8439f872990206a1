import { describe, expect, it } from 'vitest';
import { SqlEngine } from '../sql/engine.js';
import { checkStateSize, combinePlan, mergeInto, STATE_LIMIT_BYTES, type OutputState } from './tumbling.js';

describe('tumbling-window state', () => {
  it('says how each select item combines, and refuses what partials cannot give', async () => {
    const sql = await SqlEngine.create();
    try {
      expect(await combinePlan(sql, 'o', 'SELECT type, count(*) AS n, sum(x) AS s, min(x) AS lo, max(x) AS hi FROM events GROUP BY type')).toEqual(['key', 'sum', 'sum', 'min', 'max']);
      expect(await combinePlan(sql, 'o', 'SELECT type, _shard, _seq FROM events WHERE x > 1')).toBeUndefined();
      await expect(combinePlan(sql, 'avg_out', 'SELECT type, avg(x) FROM events GROUP BY type')).rejects.toThrow(/outputs\.avg_out\.sql: avg\(\) cannot be combined.*sum\(x\) and count\(x\)/);
      await expect(combinePlan(sql, 'o', 'SELECT type, count(*) FROM events GROUP BY type HAVING count(*) > 2')).rejects.toThrow(/HAVING/);
      await expect(combinePlan(sql, 'o', 'SELECT type, count(*) + 1 FROM events GROUP BY type')).rejects.toThrow(/expression over an aggregate/);
    } finally {
      sql.close();
    }
  });

  it('merges partial rows per group', () => {
    const s: OutputState = { fields: [{ name: 'k', type: 'string' }, { name: 'n', type: 'long' }, { name: 'hi', type: 'double' }], groups: {} };
    mergeInto(s, [{ k: 'a', n: 2, hi: 1 }, { k: 'b', n: 1, hi: null }], ['key', 'sum', 'max']);
    mergeInto(s, [{ k: 'a', n: 3, hi: 0.5 }, { k: 'b', n: 4, hi: 7 }], ['key', 'sum', 'max']);
    expect(Object.values(s.groups)).toEqual([['a', 5, 1], ['b', 5, 7]]);
  });

  it('refuses state above the ESM limit with the size and the fix', () => {
    const groups: Record<string, unknown[]> = {};
    for (let i = 0; i < 40_000; i++) groups[`["id-${i}"]`] = [`id-${i}`, 1];
    const state = { window: 'w', outputs: { per_id: { fields: [], groups } } };
    expect(() => checkStateSize(state)).toThrow(new RegExp(`per_id: 40000 groups.*above the ESM's limit of ${STATE_LIMIT_BYTES} bytes; fix: a shorter TumblingWindowInSeconds`));
    expect(() => checkStateSize({ window: 'w', outputs: {} })).not.toThrow();
  });
});
