import { allocate, type Column, type ColumnValues } from '../../core/batch.js';
import type { ColumnSpec } from './schema.js';

/**
 * The declared columns of one batch being decoded, written by row index: typed arrays for
 * numbers, booleans and timestamps (with a validity mask made on the first null), plain arrays
 * for strings. A row that fails half way is simply written over by the next one, so a decoder
 * may write fields as it reads them and give up on the record at any point.
 */
export class ColumnArrays {
  readonly values: ColumnValues[];
  readonly valid: (Uint8Array | undefined)[];

  constructor(
    columns: readonly ColumnSpec[],
    private readonly capacity: number,
  ) {
    this.values = columns.map((c) => allocate(c.type, capacity));
    this.valid = columns.map(() => undefined);
  }

  /** A string (or null) in string column `c`. */
  str(c: number, row: number, v: string | null): void {
    (this.values[c] as (string | null)[])[row] = v;
  }

  /** A number in typed column `c` (booleans as 0/1, timestamps as epoch ms). */
  num(c: number, row: number, v: number): void {
    (this.values[c] as Float64Array)[row] = v;
    const valid = this.valid[c];
    if (valid !== undefined) valid[row] = 1;
  }

  /** A null in typed column `c`. */
  nul(c: number, row: number): void {
    (this.valid[c] ??= new Uint8Array(this.capacity).fill(1))[row] = 0;
  }

  /** The first `rows` rows of every column. */
  finish(rows: number): Column[] {
    return this.values.map((a, c) => {
      let values: ColumnValues;
      if (Array.isArray(a)) {
        if (a.length > rows) a.length = rows;
        values = a;
      } else values = a.subarray(0, rows);
      const v = this.valid[c];
      return v ? { values, valid: v.subarray(0, rows) } : { values };
    });
  }
}
