import type { ColumnSpec } from './decode/schema.js';
import type { Row } from './operator.js';
import type { WindowPlan } from './window.js';
import { RowTable, type SqlEngine } from '../sql/engine.js';
import { quoteIdent, sqlTypeOf } from '../sql/types.js';

/**
 * The window's rows in DuckDB, tagged with the batch they arrived in. Each batch appends; when the
 * window fires, rows older than the window's span are evicted and the views show the rest.
 * Views: `<view>` (the window) and `current_batch` (the last batch appended).
 */
export class WindowTable {
  private batchesSinceFire = 0;

  private constructor(
    private readonly sql: SqlEngine,
    private readonly table: RowTable,
    private readonly plan: WindowPlan,
    readonly view: string,
  ) {}

  static async create(sql: SqlEngine, columns: readonly ColumnSpec[], plan: WindowPlan, view: string): Promise<WindowTable> {
    const table = await RowTable.create(sql, '__window_rows', [
      ...columns.map((c) => ({ name: c.name, type: sqlTypeOf(c.type) })),
      { name: '_shard', type: 'VARCHAR' },
      { name: '_seq', type: 'VARCHAR' },
      { name: '_arrival', type: 'BIGINT' },
      { name: '_batch_id', type: 'BIGINT' },
    ]);
    const w = new WindowTable(sql, table, plan, view);
    await w.defineViews();
    return w;
  }

  private async defineViews(): Promise<void> {
    const cols = this.table.columnNames.filter((c) => c !== '_batch_id').map(quoteIdent).join(', ');
    await this.sql.run(`CREATE OR REPLACE VIEW ${quoteIdent(this.view)} AS SELECT ${cols} FROM __window_rows`);
    if (this.view !== 'current_batch') {
      await this.sql.run(`CREATE OR REPLACE VIEW current_batch AS SELECT ${cols} FROM __window_rows WHERE _batch_id = (SELECT max(_batch_id) FROM __window_rows)`);
    }
  }

  /** Appends one batch's rows. Returns true when the window fires with this batch (or `force`). */
  async append(rows: readonly Row[], batchId: number, force = false): Promise<boolean> {
    const width = this.table.columnNames.length;
    await this.table.append(rows, { _batch_id: batchId });
    if (this.table.columnNames.length !== width) await this.defineViews();
    this.batchesSinceFire++;
    const fire = this.batchesSinceFire >= this.plan.every || (force && this.batchesSinceFire > 0);
    if (!fire) return false;
    this.batchesSinceFire = 0;
    // The window spans the last `spanBatches` batches, this one included.
    await this.sql.run(`DELETE FROM __window_rows WHERE _batch_id <= ${batchId - this.plan.spanBatches}`);
    return true;
  }
}
