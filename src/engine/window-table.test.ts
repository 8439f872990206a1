import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqlEngine } from '../sql/engine.js';
import type { Row } from './operator.js';
import { planWindow, type WindowSpec } from './window.js';
import { WindowTable } from './window-table.js';

/**
 * Golden tests (as arroyo-sql-testing): each file in test/golden/windows holds input batches, a
 * window, a query and the expected output after each batch (null where the window must not fire).
 */
interface Golden {
  description: string;
  batchIntervalMs: number;
  window: WindowSpec;
  view?: string;
  query: string;
  batches: Row[][];
  expected: (Row[] | null)[];
  /** Output of a forced final firing (a clean stop), if the file checks one. */
  final?: Row[];
}

const dir = join(import.meta.dirname, '..', '..', 'test', 'golden', 'windows');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
let engine: SqlEngine | undefined;
afterEach(() => engine?.close());

describe('window golden files', () => {
  it('has golden files to run', () => expect(files.length).toBeGreaterThanOrEqual(3));

  it.each(files)('%s', async (file) => {
    const g = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Golden;
    engine = await SqlEngine.create();
    const table = await WindowTable.create(engine, [{ name: 'id', type: 'string' }, { name: 'currentTemp', type: 'int' }], planWindow(g.window, g.batchIntervalMs), g.view ?? 'hot_sensors');
    const got: (Row[] | null)[] = [];
    let batchId = 0;
    for (const batch of g.batches) {
      const rows = batch.map((r, i) => ({ ...r, _shard: 's', _seq: `${batchId}-${i}`, _arrival: 0 }));
      const fired = await table.append(rows, batchId++);
      got.push(fired ? await engine.query(g.query) : null);
    }
    expect(got, g.description).toEqual(g.expected);
    if (g.final) {
      expect(await table.append([], batchId++, true)).toBe(true);
      expect(await engine.query(g.query)).toEqual(g.final);
    }
  });
});
