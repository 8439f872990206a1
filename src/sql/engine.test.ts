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

describe('SqlEngine limits and lifecycle', () => {
  it('close() while a query runs interrupts it and returns (closing under a running query used to deadlock the worker thread)', async () => {
    const e = await SqlEngine.create({ threads: 2 });
    const running = e.query('SELECT sum(a.range * b.range) FROM range(100000) a CROSS JOIN range(100000) b');
    const settled = running.then(
      () => 'finished',
      (error: Error) => error.message,
    );
    await new Promise((r) => setTimeout(r, 100));
    // A close() that waited for the query would see it finish (or deadlock into the test's timeout); the Interrupted error is the proof.
    await e.close();
    expect(await settled).toMatch(/Interrupted/);
    await expect(e.query('SELECT 1')).rejects.toMatchObject({ code: 'SqlEngineClosed' });
  });

  it('interrupts a query past the time limit, naming the output and the limit', async () => {
    const e = await SqlEngine.create({ queryTimeoutMs: 300 });
    try {
      const sql = 'SELECT sum(a.range * b.range) AS n FROM range(100000) a CROSS JOIN range(100000) b';
      await e.validate(sql, 'outputs.runaway.sql');
      await expect(e.query(sql)).rejects.toMatchObject({ code: 'SqlTimeLimit', message: expect.stringMatching(/outputs\.runaway .*time limit of 300 ms/) });
      expect(await e.query('SELECT 42 AS x')).toEqual([{ x: 42 }]);
    } finally {
      await e.close();
    }
  });

  it('fails a query that needs more than the memory limit, naming the output and the limit', async () => {
    const e = await SqlEngine.create({ memoryLimit: '64MB', threads: 1 });
    try {
      const sql = 'SELECT list(range) AS l FROM range(50000000)';
      await e.validate(sql, 'outputs.hog.sql');
      await expect(e.query(sql)).rejects.toMatchObject({ code: 'SqlMemoryLimit', message: expect.stringMatching(/outputs\.hog .*memory limit of 64MB/) });
    } finally {
      await e.close();
    }
  });

  it.each([
    ['DROP VIEW hot_sensors', /DROP/],
    ['DELETE FROM sensors', /DELETE/],
    ['CREATE MACRO twice(x) AS x * 2', /CREATE/],
    ['INSTALL httpfs', /EXTENSION|LOAD/],
    ['LOAD httpfs', /LOAD/],
    ["SET memory_limit = '10GB'", /SET/],
    ['PRAGMA enable_profiling', /PRAGMA/],
    ['SELECT 1; DROP TABLE sensors', /exactly one SELECT statement \(found 2\)/],
  ])('refuses %s at validation, before any record is read', async (sql, kind) => {
    await expect(engine.validate(sql, 'outputs.bad.sql')).rejects.toMatchObject({ code: 'InvalidOption', message: expect.stringMatching(/outputs\.bad\.sql/) });
    await expect(engine.validate(sql, 'outputs.bad.sql')).rejects.toThrow(kind);
  });

  it('accepts a SELECT (CTEs included) and returns its columns', async () => {
    await RowTable.create(engine, 'hot', [{ name: 'id', type: 'VARCHAR' }]);
    expect(await engine.validate('WITH h AS (SELECT id FROM hot) SELECT id, 1 AS one FROM h', 'outputs.ok.sql')).toEqual(['id', 'one']);
  });
});
