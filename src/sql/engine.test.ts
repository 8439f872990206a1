import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowTable, SqlEngine } from './engine.js';

let engine: SqlEngine;
beforeAll(async () => {
  engine = await SqlEngine.create();
});
afterAll(() => engine.close());

describe('SqlEngine', () => {
  it('runs SQL over appended rows and returns plain JS values (BIGINT as number)', async () => {
    const t = await RowTable.create(engine, 'sensors', [
      { name: 'id', type: 'VARCHAR' },
      { name: 'currentTemp', type: 'INTEGER' },
    ]);
    await t.append([
      { id: 'a', currentTemp: 120 },
      { id: 'b', currentTemp: 90 },
      { id: 'a', currentTemp: 200 },
    ]);
    const rows = await engine.query('SELECT id, count(*) AS n, max(currentTemp) AS hottest FROM sensors GROUP BY id ORDER BY id');
    expect(rows).toEqual([
      { id: 'a', n: 2, hottest: 200 },
      { id: 'b', n: 1, hottest: 90 },
    ]);
  });

  it('widens the table when rows bring new columns (an operator added a score)', async () => {
    const t = await RowTable.create(engine, 'scored', [{ name: 'id', type: 'VARCHAR' }]);
    await t.append([{ id: 'a', score: 0.5, flagged: true }]);
    expect(t.columnNames).toEqual(['id', 'score', 'flagged']);
    expect(await engine.query('SELECT * FROM scored')).toEqual([{ id: 'a', score: 0.5, flagged: true }]);
  });

  it('refuses to read or write files: external access is disabled', async () => {
    await expect(engine.query("SELECT * FROM read_csv('/etc/passwd')")).rejects.toThrow(/disabled|Permission Error/i);
    await expect(engine.run("COPY (SELECT 1) TO '/tmp/sluice-should-not-exist.csv'")).rejects.toThrow(/disabled|Permission Error/i);
  });

  it('refuses to change configuration: it is locked', async () => {
    await expect(engine.run('SET enable_external_access = true')).rejects.toThrow(/lock|configuration/i);
  });

  it('reports SQL errors as user errors quoting the statement', async () => {
    await expect(engine.query('SELEC 1')).rejects.toMatchObject({ domain: 'user', code: 'SqlError', message: expect.stringContaining('in: SELEC 1') });
  });
});
