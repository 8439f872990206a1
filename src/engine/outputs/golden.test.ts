import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ColumnBatch, type Field, type Row } from '../../core/batch.js';
import { SqlEngine } from '../../sql/engine.js';
import { METADATA_FIELDS } from '../decode/decoder.js';
import { planWindow, type WindowSpec } from '../window.js';
import { OutputExecutor } from './executor.js';

/**
 * Golden tests (as arroyo-sql-testing): each file in test/golden/windows holds input batches, a
 * window, a query, the plan it must get, and the expected output after each batch (null where it
 * must emit nothing). Expected outputs are written by hand from the window's definition. Each
 * file is also run with the query wrapped in a subquery, which forces the plain whole-window plan:
 * both plans must give the same rows.
 */
interface Golden {
  description: string;
  batchIntervalMs: number;
  /** Batch times; default: batch k at k * batchIntervalMs. */
  batchTimesMs?: number[];
  window: WindowSpec;
  view?: string;
  query: string;
  plan: 'incremental' | 'topk' | 'window';
  batches: Row[][];
  expected: (Row[] | null)[];
  /** Output of a forced final firing (a clean stop), if the file checks one. */
  final?: Row[];
}

const dir = join(import.meta.dirname, '..', '..', '..', 'test', 'golden', 'windows');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const fields: Field[] = [{ name: 'id', type: 'string' }, { name: 'currentTemp', type: 'int' }, ...METADATA_FIELDS];
let engine: SqlEngine | undefined;
afterEach(() => engine?.close());

async function run(g: Golden, query: string) {
  engine = await SqlEngine.create();
  const exec = await OutputExecutor.create(engine, fields, planWindow(g.window, g.batchIntervalMs), g.view ?? 'hot_sensors', [{ name: 'q', sql: query }]);
  const got: (Row[] | null)[] = [];
  let t = 0;
  for (const [k, rows] of g.batches.entries()) {
    t = g.batchTimesMs?.[k] ?? k * g.batchIntervalMs;
    const batch = ColumnBatch.fromRows(fields, rows.map((r, i) => ({ ...r, _shard: 's', _seq: `${k}-${i}`, _arrival: 0 })));
    const { results } = await exec.process(batch, t, false);
    const r = results.find((x) => x.name === 'q');
    got.push(r ? r.batch.rows.map(stripMeta) : null);
  }
  let final: Row[] | undefined;
  if (g.final) {
    const { results } = await exec.process(ColumnBatch.empty(fields), t + g.batchIntervalMs, true);
    final = results.find((x) => x.name === 'q')?.batch.rows.map(stripMeta);
  }
  const plan = exec.planOf('q')!.kind;
  engine.close();
  engine = undefined;
  return { got, final, plan };
}

function stripMeta(r: Row): Row {
  return Object.fromEntries(Object.entries(r).filter(([k]) => !k.startsWith('_')));
}

describe('window golden files', () => {
  it('has golden files to run', () => expect(files.length).toBeGreaterThanOrEqual(5));

  it.each(files)('%s', async (file) => {
    const g = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Golden;
    const planned = await run(g, g.query);
    expect(planned.plan, 'plan').toBe(g.plan);
    expect(planned.got, g.description).toEqual(g.expected);
    if (g.final) expect(planned.final).toEqual(g.final);
    if (g.plan !== 'incremental') {
      // The same query as a subquery runs over the whole window: the faster plan must agree with it.
      const whole = await run(g, `SELECT * FROM (${g.query}) AS whole_window`);
      expect(whole.plan).toBe('window');
      expect(whole.got).toEqual(g.expected);
    }
  });
});
