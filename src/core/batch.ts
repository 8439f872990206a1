import type { ColumnType } from './schema.js';

/**
 * Columnar micro-batches: what travels from decode to the sinks.
 *
 * A batch is a list of fields and one array per field, all of the same length, plus an optional
 * selection vector (row indices into the arrays, in output order) so that a filter or an ORDER BY
 * over the batch costs one Int32Array, not a copy of every column. Numbers, booleans and
 * timestamps live in typed arrays with a validity mask; strings in plain JS arrays (V8 strings are
 * already shared, copying them would gain nothing). No JS object is made per row on the hot path;
 * `rows` and `row(i)` build row objects for operators and tests that want them, where speed does
 * not matter. See docs/architecture.md for why not Arrow JS.
 */

export type Row = Record<string, unknown>;

/** Values of one column. `valid[i] === 0` marks a null in typed arrays; string arrays hold `null`. */
export type ColumnValues = Float64Array | Int32Array | Uint8Array | (string | null)[];

export interface Field {
  readonly name: string;
  readonly type: ColumnType;
}

export interface Column {
  readonly values: ColumnValues;
  /** Validity for typed-array columns (1 = value, 0 = null); absent when every value is present. */
  readonly valid?: Uint8Array;
}

/** The batch operators receive: columnar, with a row view for convenience. */
export interface Batch {
  readonly rows: readonly Row[];
}

export class ColumnBatch implements Batch {
  private rowCache: Row[] | undefined;
  private readonly index: Map<string, number>;

  constructor(
    readonly fields: readonly Field[],
    readonly columns: readonly Column[],
    /** Rows in the arrays (before selection). */
    readonly size: number,
    /** Row indices to present, in order; absent = all rows 0..size-1. */
    readonly selection?: Int32Array,
  ) {
    this.index = new Map(fields.map((f, i) => [f.name, i]));
  }

  static empty(fields: readonly Field[]): ColumnBatch {
    return new ColumnBatch(fields, fields.map((f) => ({ values: allocate(f.type, 0) })), 0);
  }

  /** Rows presented (after selection). */
  get length(): number {
    return this.selection ? this.selection.length : this.size;
  }

  fieldIndex(name: string): number {
    return this.index.get(name) ?? -1;
  }

  hasField(name: string): boolean {
    return this.index.has(name);
  }

  /** The physical row index of presented row `k`. */
  physical(k: number): number {
    return this.selection ? this.selection[k]! : k;
  }

  /** Value of field `f` (index) at presented row `k`, as JS: numbers, strings, booleans, Dates for timestamps, or null. */
  value(f: number, k: number): unknown {
    return readValue(this.fields[f]!.type, this.columns[f]!, this.physical(k));
  }

  /** The same rows, presented through another selection (indices into this batch's presented rows). */
  select(rows: Int32Array): ColumnBatch {
    if (!this.selection) return new ColumnBatch(this.fields, this.columns, this.size, rows);
    const mapped = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) mapped[i] = this.selection[rows[i]!]!;
    return new ColumnBatch(this.fields, this.columns, this.size, mapped);
  }

  /** Keeps only the named fields (in that order); shares the arrays. */
  project(names: readonly string[]): ColumnBatch {
    const idx = names.map((n) => {
      const i = this.fieldIndex(n);
      if (i < 0) throw new Error(`no field ${n} in batch (fields: ${this.fields.map((f) => f.name).join(', ')})`);
      return i;
    });
    return new ColumnBatch(
      idx.map((i) => this.fields[i]!),
      idx.map((i) => this.columns[i]!),
      this.size,
      this.selection,
    );
  }

  /** Adds or replaces fields (same physical size). */
  withColumns(added: readonly { field: Field; column: Column }[]): ColumnBatch {
    const fields = [...this.fields];
    const columns = [...this.columns];
    for (const a of added) {
      const i = fields.findIndex((f) => f.name === a.field.name);
      if (i >= 0) {
        fields[i] = a.field;
        columns[i] = a.column;
      } else {
        fields.push(a.field);
        columns.push(a.column);
      }
    }
    return new ColumnBatch(fields, columns, this.size, this.selection);
  }

  /** Row `k` as an object (slow path). */
  row(k: number): Row {
    const out: Row = {};
    const p = this.physical(k);
    for (let f = 0; f < this.fields.length; f++) out[this.fields[f]!.name] = readValue(this.fields[f]!.type, this.columns[f]!, p);
    return out;
  }

  /** Every presented row as an object (slow path, cached): the row view operators may use. */
  get rows(): readonly Row[] {
    if (!this.rowCache) {
      const out = new Array<Row>(this.length);
      for (let k = 0; k < out.length; k++) out[k] = this.row(k);
      this.rowCache = out;
    }
    return this.rowCache;
  }

  /**
   * Builds a batch from row objects with the given fields (the slow path, for operators that
   * return rows). Timestamps may be Dates or epoch milliseconds.
   */
  static fromRows(fields: readonly Field[], rows: readonly Row[]): ColumnBatch {
    const builders = fields.map((f) => new ColumnBuilder(f.type, rows.length));
    for (const row of rows) for (let f = 0; f < fields.length; f++) builders[f]!.push(row[fields[f]!.name]);
    return new ColumnBatch(fields, builders.map((b) => b.finish()), rows.length);
  }

  /** Concatenates batches of identical fields (physically; selections applied). */
  static concat(fields: readonly Field[], batches: readonly ColumnBatch[]): ColumnBatch {
    const total = batches.reduce((n, b) => n + b.length, 0);
    const builders = fields.map((f) => new ColumnBuilder(f.type, total));
    for (const b of batches) {
      const idx = fields.map((f) => b.fieldIndex(f.name));
      for (let k = 0; k < b.length; k++) {
        const p = b.physical(k);
        for (let f = 0; f < fields.length; f++) builders[f]!.pushRaw(b.columns[idx[f]!]!, p);
      }
    }
    return new ColumnBatch(fields, builders.map((x) => x.finish()), total);
  }
}

/** Epoch milliseconds in a Float64Array for timestamps; JS numbers for int/long/double. */
export function allocate(type: ColumnType, n: number): ColumnValues {
  switch (type) {
    case 'int':
      return new Int32Array(n);
    case 'long':
    case 'double':
    case 'timestamp':
      return new Float64Array(n);
    case 'boolean':
      return new Uint8Array(n);
    case 'string':
      // Grown by push: a large pre-sized array would start holey (slower elements in V8).
      return [];
  }
}

export function isNull(col: Column, p: number): boolean {
  if (col.valid) return col.valid[p] === 0;
  const v = (col.values as ArrayLike<unknown>)[p];
  return v === null || v === undefined;
}

function readValue(type: ColumnType, col: Column, p: number): unknown {
  if (col.valid && col.valid[p] === 0) return null;
  const v = (col.values as ArrayLike<unknown>)[p];
  switch (type) {
    case 'boolean':
      return v === 1;
    case 'timestamp':
      return new Date(v as number);
    default:
      return v ?? null;
  }
}

/** Appends values of one type into a column; grows when the size hint was short. */
export class ColumnBuilder {
  private values: ColumnValues;
  private valid: Uint8Array | undefined;
  private n = 0;

  constructor(
    readonly type: ColumnType,
    capacity: number,
  ) {
    this.values = allocate(type, Math.max(capacity, 1));
  }

  get length(): number {
    return this.n;
  }

  private capacity(): number {
    return Array.isArray(this.values) ? Number.POSITIVE_INFINITY : this.values.length;
  }

  private grow(): void {
    const cap = this.values.length * 2;
    const next = allocate(this.type, cap) as Float64Array | Int32Array | Uint8Array;
    next.set(this.values as Float64Array | Int32Array | Uint8Array);
    this.values = next;
    if (this.valid) {
      const v = new Uint8Array(cap).fill(1);
      v.set(this.valid);
      this.valid = v;
    }
  }

  pushNull(): void {
    if (Array.isArray(this.values)) {
      this.values.push(null);
      this.n++;
      return;
    }
    if (this.n >= this.values.length) this.grow();
    if (!this.valid) this.valid = new Uint8Array(this.values.length).fill(1);
    this.valid[this.n++] = 0;
  }

  /** Pushes a JS value already of the column's type (number, string, boolean, Date/epoch ms), or null. */
  push(v: unknown): void {
    if (v === null || v === undefined) return this.pushNull();
    if (this.n >= this.capacity()) this.grow();
    const values = this.values;
    switch (this.type) {
      case 'string':
        (values as unknown[]).push(typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v));
        this.n++;
        return;
      case 'boolean':
        (values as Uint8Array)[this.n++] = v ? 1 : 0;
        return;
      case 'timestamp':
        (values as Float64Array)[this.n++] = v instanceof Date ? v.getTime() : Number(v);
        return;
      default:
        (values as Float64Array | Int32Array)[this.n++] = typeof v === 'number' ? v : Number(v);
    }
  }

  /** Copies physical row `p` of a column of the same type. */
  pushRaw(col: Column, p: number): void {
    if (isNull(col, p)) return this.pushNull();
    if (Array.isArray(this.values)) {
      this.values.push((col.values as (string | null)[])[p]!);
      this.n++;
      return;
    }
    if (this.n >= this.values.length) this.grow();
    (this.values as Float64Array)[this.n++] = (col.values as Float64Array)[p]!;
  }

  /** Pushes a number to a numeric column, or a string to a string column, without conversion (the decoder's fast path). */
  pushUnchecked(v: number | string): void {
    if (Array.isArray(this.values)) {
      this.values.push(v as string);
      this.n++;
      return;
    }
    if (this.n >= this.values.length) this.grow();
    this.values[this.n++] = v as number;
  }

  finish(): Column {
    const values = Array.isArray(this.values) ? (this.values.length === this.n ? this.values : this.values.slice(0, this.n)) : (this.values as Float64Array).subarray(0, this.n);
    return this.valid ? { values, valid: this.valid.subarray(0, this.n) } : { values };
  }
}
