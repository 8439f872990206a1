import { invalidOption } from '../../errors.js';

import { ColumnTypes, type ColumnSpec } from '../../core/schema.js';

export { ColumnTypes, type ColumnType, type ColumnSpec } from '../../core/schema.js';

/** How records are decoded: CSV with named, typed columns, or JSON objects checked against a schema. */
export type RecordFormat =
  | { kind: 'csv'; columns: readonly ColumnSpec[]; delimiter?: string; maxRecordBytes?: number }
  | { kind: 'json'; columns: readonly ColumnSpec[]; maxRecordBytes?: number };

/** Default refusal size for one record: far above any sane CSV/JSON event, well below Kinesis' 1 MiB. */
export const DEFAULT_MAX_RECORD_BYTES = 256 * 1024;

export function validateColumns(columns: readonly ColumnSpec[], where = 'format.columns'): void {
  if (columns.length === 0) throw invalidOption(where, columns, 'declare at least one column, e.g. [{ name: "id", type: "string" }]');
  const seen = new Set<string>();
  columns.forEach((c, i) => {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(c.name)) {
      throw invalidOption(
        `${where}[${i}].name`,
        c.name,
        'use a letter followed by letters, digits or _ (it becomes a SQL column; names starting with _ are kept for the metadata columns _shard, _seq, _arrival)',
      );
    }
    if (seen.has(c.name.toLowerCase())) throw invalidOption(`${where}[${i}].name`, c.name, 'column names must be unique (case-insensitively, as in SQL)');
    seen.add(c.name.toLowerCase());
    if (!(ColumnTypes as readonly string[]).includes(c.type)) {
      throw invalidOption(`${where}[${i}].type`, c.type, `use one of ${ColumnTypes.join(', ')}`);
    }
  });
}
