import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryWindowReadOnly } from '../../src/engine/window-query.js';
import { SqlEngine } from '../../src/sql/engine.js';

describe('queryWindowReadOnly', () => {
  let engine: SqlEngine;
  const limits = { maxRows: 3, timeoutMs: 2_000 };

  beforeAll(async () => {
    engine = await SqlEngine.create();
    await engine.run(`CREATE TABLE __window_rows AS SELECT 'k' || (range % 4) AS id, range::INTEGER AS v, TIMESTAMP '2026-01-01' + INTERVAL (range) SECOND AS ts, range AS _batch_id FROM range(1000)`);
    await engine.run('CREATE VIEW w AS SELECT id, v, ts FROM __window_rows');
    await engine.run('CREATE VIEW current_batch AS SELECT id, v, ts FROM __window_rows WHERE _batch_id = 999');
  });
  afterAll(() => engine.close());

  it('answers one SELECT over the window views with a row limit', async () => {
    const r = await queryWindowReadOnly(engine.connection, ['w', 'current_batch'], 'SELECT id, sum(v) AS total FROM w GROUP BY id ORDER BY id;', limits);
    expect(r.columns).toEqual(['id', 'total']);
    expect(r.rows).toEqual([
      { id: 'k0', total: 124500 },
      { id: 'k1', total: 124750 },
      { id: 'k2', total: 125000 },
    ]);
    expect(r.truncated).toBe(true);
    expect(r.windowRows).toBe(1000);
    const last = await queryWindowReadOnly(engine.connection, ['w', 'current_batch'], 'SELECT v, ts FROM current_batch', limits);
    expect(last.rows).toEqual([{ v: 999, ts: new Date('2026-01-01T00:16:39Z') }]);
    expect(last.truncated).toBe(false);
  });

  it.each([
    ['COPY ... TO', "COPY w TO '/tmp/sluice-window-leak.csv'", /^Refused: Permission Error: .*file system operations are disabled/],
    ['a file read', "SELECT * FROM read_csv('/etc/passwd')", /^Refused: Permission Error/],
    ['DELETE', 'DELETE FROM w', /^Refused: DELETE statements are refused/],
    ['CREATE', 'CREATE TABLE x (a INT)', /^Refused: CREATE statements are refused/],
    ['two statements', 'SELECT 1; SELECT 2', /^Refused: found 2 statements/],
    ['blank SQL', '   ', /^Refused: the query is empty/],
    ['12,008 characters', `SELECT ${'1+'.repeat(6_000)}1`, /^Refused: the query is 12008 characters, more than the 10000 allowed/],
    ['a syntax error', 'SELEC 1', /^SQL failed: .*syntax error/],
  ])('refuses %s', async (_label, sql, message) => {
    await expect(queryWindowReadOnly(engine.connection, ['w'], sql, limits)).rejects.toThrow(message);
  });

  it('interrupts a query at its time limit, and the pipeline connection is untouched', async () => {
    // 10^12 rows cannot finish within the test's timeout: the refusal naming the limit is the proof (no wall-clock bound).
    await expect(queryWindowReadOnly(engine.connection, ['w'], 'SELECT count(*) FROM range(1000000000000) a', { maxRows: 1, timeoutMs: 300 })).rejects.toThrow(/^Refused: the query ran longer than 300 ms and was interrupted/);
    expect(await engine.query('SELECT count(*) AS n FROM __window_rows')).toEqual([{ n: 1000 }]);
  });
});
