import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Field } from '../../core/batch.js';
import { SqlEngine } from '../../sql/engine.js';
import { METADATA_FIELDS } from '../decode/decoder.js';
import { planWindow } from '../window.js';
import { OutputExecutor } from './executor.js';

const fields: Field[] = [{ name: 'id', type: 'string' }, { name: 'currentTemp', type: 'int' }, { name: 'ts', type: 'timestamp' }, ...METADATA_FIELDS];
let sql: SqlEngine;
beforeAll(async () => (sql = await SqlEngine.create()));
afterAll(() => sql.close());

async function plan(query: string, windowed = true) {
  const w = windowed ? planWindow({ kind: 'sliding', lengthMs: 20_000 }, 1000) : planWindow({ kind: 'none' }, 1000);
  const exec = await OutputExecutor.create(sql, fields, w, 'v', [{ name: 'q', sql: query }]);
  return exec.planOf('q')!;
}

describe('output planning (from DuckDB parse trees)', () => {
  it.each([
    ['SELECT * FROM v', 'incremental'],
    ['SELECT id, currentTemp * 2 AS t FROM v WHERE currentTemp > 100 ORDER BY currentTemp DESC', 'incremental'],
    ['SELECT v.id, upper(id) FROM v', 'incremental'],
    ["SELECT strftime(ts, '%H:%M') AS minute, id FROM v", 'incremental'],
    ['SELECT id FROM v ORDER BY currentTemp DESC LIMIT 3', 'topk'],
    ['SELECT id, count(*) AS n FROM v GROUP BY id', 'aggregate'],
    ['SELECT count(*), avg(currentTemp) FROM v', 'aggregate'],
    ['SELECT id, max(currentTemp) AS hi FROM v GROUP BY id HAVING max(currentTemp) > 3 ORDER BY hi DESC LIMIT 5', 'aggregate'],
    ['SELECT DISTINCT id FROM v', 'window'],
    ['SELECT id, count(DISTINCT currentTemp) FROM v GROUP BY id', 'window'],
    ['SELECT id, median(currentTemp) FROM v GROUP BY id', 'window'],
    ['SELECT id, rank() OVER (ORDER BY currentTemp) FROM v', 'window'],
    ['SELECT * FROM v WHERE currentTemp > (SELECT avg(currentTemp) FROM v)', 'window'],
    ['SELECT id FROM v ORDER BY currentTemp LIMIT 2 OFFSET 1', 'window'],
    ['WITH x AS (SELECT * FROM v) SELECT * FROM x', 'window'],
  ])('%s -> %s', async (query, kind) => {
    expect((await plan(query)).kind).toBe(kind);
  });

  it('without a window, projections stay incremental and everything else runs on the batch', async () => {
    expect(await plan('SELECT * FROM v WHERE currentTemp > 1', false)).toMatchObject({ kind: 'incremental', scope: 'batch' });
    expect(await plan('SELECT id, count(*) FROM v GROUP BY id', false)).toMatchObject({ kind: 'window', scope: 'batch' });
  });

  it('DuckDB needs only the columns WHERE, ORDER BY and expressions name; pass-through columns stay in JS', async () => {
    const p = await plan('SELECT *, currentTemp + 1 AS next FROM v WHERE currentTemp > 100');
    expect(p.kind).toBe('incremental');
    expect([...p.needs]).toEqual(['currentTemp']);
    expect((await plan('SELECT * FROM v')).kind === 'incremental' && ((await plan('SELECT * FROM v')) as { selectSql: string | null }).selectSql).toBe(null);
  });

  it('refuses SQL that does not compile, naming the output', async () => {
    await expect(plan('SELECT nope FROM v')).rejects.toThrow(/outputs\.q\.sql/);
  });
});
