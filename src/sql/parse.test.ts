import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { deparseSql, parseSql } from './parse.js';

describe('parseSql / deparseSql', () => {
  it('round-trips a boolean constant (a cast DuckDB adds with query_location 2^64 - 1) to SQL that runs', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      await c.run(`CREATE TABLE t AS SELECT * FROM (VALUES (1, true, 'it''s'), (2, false, 'x')) v(id, ok, s)`);
      for (const [sql, ids] of [
        ['SELECT id FROM t WHERE ok = false', [2]],
        ['SELECT id FROM t WHERE ok <> true AND id > 0', [2]],
        [`SELECT id FROM t WHERE s = 'it''s' ORDER BY id`, [1]],
      ] as const) {
        const back = await deparseSql(c, await parseSql(c, sql));
        const rows = (await c.runAndReadAll(back)).getRowObjectsJS().map((r) => r.id);
        expect(rows, back).toEqual([...ids]);
      }
    } finally {
      c.closeSync();
    }
  });
});
