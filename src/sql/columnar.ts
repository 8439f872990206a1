import { BOOLEAN, DOUBLE, DuckDBDataChunk, DuckDBTypeId, INTEGER, VARCHAR, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import type { SqlEngine } from './engine.js';
import duckdb from '@duckdb/node-bindings';
import { ColumnBatch, ColumnBuilder, type Column, type Field } from '../core/batch.js';
import type { ColumnType } from '../core/schema.js';
import { SluiceError } from '../errors.js';
import { quoteIdent } from './types.js';

/**
 * Moves columnar batches in and out of DuckDB a whole vector at a time.
 *
 * In: numbers, booleans and timestamps are copied from their typed arrays straight into DuckDB
 * vectors (one native copy per 2,048 rows and column, no per-value JS call). Strings cross one
 * call per value (DuckDB owns its string heap). `long` and `timestamp` are stored as DOUBLE
 * (epoch ms for timestamps) and typed by the views over the table (see {@link logicalSelect}),
 * because a JS number cannot be copied into a BIGINT vector without a BigInt per value.
 *
 * Out: {@link readRowIndexes} reads an INTEGER column as Int32Arrays (a selection vector over the
 * batch the query ran on); {@link readColumns} converts a (small) result to a ColumnBatch.
 */

const VECTOR = 2048;

/** Physical DuckDB type of a column type, as stored in Sluice's tables. */
export function physicalType(t: ColumnType): DuckDBType {
  switch (t) {
    case 'string':
      return VARCHAR;
    case 'int':
      return INTEGER;
    case 'boolean':
      return BOOLEAN;
    case 'long':
    case 'double':
    case 'timestamp':
      return DOUBLE;
  }
}

export function physicalSqlType(t: ColumnType): string {
  return physicalType(t).toString();
}

/** The SQL expression giving a stored column its logical type (for views). */
export function logicalSelect(name: string, t: ColumnType): string {
  const q = quoteIdent(name);
  if (t === 'long') return `CAST(${q} AS BIGINT) AS ${q}`;
  if (t === 'timestamp') return `epoch_ms(CAST(${q} AS BIGINT)) AS ${q}`;
  return q;
}

/** `CREATE TABLE` column list for fields, in their physical types. */
export function physicalColumns(fields: readonly Field[]): string {
  return fields.map((f) => `${quoteIdent(f.name)} ${physicalSqlType(f.type)}`).join(', ');
}

/**
 * Appends the named fields of `batch` (in the table's column order) to `table`, with an optional
 * leading INTEGER row-index column (`rowIndex`) holding each presented row's index in the batch.
 */
export async function appendBatch(
  engine: SqlEngine,
  table: string,
  batch: ColumnBatch,
  fieldNames: readonly string[],
  opts: { rowIndex?: boolean; constants?: readonly { type: ColumnType; value: number }[] } = {},
): Promise<void> {
  const n = batch.length;
  if (n === 0) return;
  const idx = fieldNames.map((name) => {
    const i = batch.fieldIndex(name);
    if (i < 0) throw new SluiceError(`internal: batch has no field ${name}`, { domain: 'internal', code: 'MissingField' });
    return i;
  });
  const consts = opts.constants ?? [];
  const types: DuckDBType[] = [
    ...(opts.rowIndex ? [INTEGER] : []),
    ...idx.map((i) => physicalType(batch.fields[i]!.type)),
    ...consts.map((c) => physicalType(c.type)),
  ];
  await engine.exclusive((connection) => appendChunks(connection, table, batch, idx, types, opts, consts, n));
}

async function appendChunks(
  connection: DuckDBConnection,
  table: string,
  batch: ColumnBatch,
  idx: readonly number[],
  types: readonly DuckDBType[],
  opts: { rowIndex?: boolean },
  consts: readonly { type: ColumnType; value: number }[],
  n: number,
): Promise<void> {
  const appender = await connection.createAppender(table);
  try {
    const scratch = new Float64Array(VECTOR);
    const scratchInt = new Int32Array(VECTOR);
    const scratchBool = new Uint8Array(VECTOR);
    for (let start = 0; start < n; start += VECTOR) {
      const count = Math.min(VECTOR, n - start);
      const chunk = DuckDBDataChunk.create(types, count);
      let v = 0;
      if (opts.rowIndex) {
        for (let k = 0; k < count; k++) scratchInt[k] = start + k;
        copyNumbers(vectorOf(chunk, v++), scratchInt, 0, count);
      }
      for (const i of idx) {
        const vec = vectorOf(chunk, v++);
        writeColumn(vec, batch.fields[i]!.type, batch.columns[i]!, batch.selection, start, count, { scratch, scratchInt, scratchBool });
      }
      for (const c of consts) {
        const vec = vectorOf(chunk, v++);
        if (c.type === 'int') copyNumbers(vec, scratchInt.fill(c.value, 0, count), 0, count);
        else copyNumbers(vec, scratch.fill(c.value, 0, count), 0, count);
      }
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

function vectorOf(chunk: DuckDBDataChunk, i: number): duckdb.Vector {
  return duckdb.data_chunk_get_vector(chunk.chunk, i);
}

function copyNumbers(vec: duckdb.Vector, arr: Float64Array | Int32Array | Uint8Array, from: number, count: number): void {
  const bytes = arr.BYTES_PER_ELEMENT;
  duckdb.copy_data_to_vector(vec, 0, arr.buffer as ArrayBuffer, arr.byteOffset + from * bytes, count * bytes);
}

interface Scratch {
  scratch: Float64Array;
  scratchInt: Int32Array;
  scratchBool: Uint8Array;
}

function writeColumn(vec: duckdb.Vector, type: ColumnType, col: Column, sel: Int32Array | undefined, start: number, count: number, s: Scratch): void {
  if (type === 'string') {
    const values = col.values as (string | null)[];
    let nulls: number[] | undefined;
    for (let k = 0; k < count; k++) {
      const val = values[sel ? sel[start + k]! : start + k];
      if (val === null || val === undefined) (nulls ??= []).push(k);
      else duckdb.vector_assign_string_element(vec, k, val);
    }
    if (nulls) writeNulls(vec, nulls, count);
    return;
  }
  const values = col.values as Float64Array | Int32Array | Uint8Array;
  if (!sel) {
    copyNumbers(vec, values, start, count);
  } else {
    const out = type === 'int' ? s.scratchInt : type === 'boolean' ? s.scratchBool : s.scratch;
    for (let k = 0; k < count; k++) out[k] = values[sel[start + k]!]!;
    copyNumbers(vec, out, 0, count);
  }
  if (col.valid) {
    let nulls: number[] | undefined;
    for (let k = 0; k < count; k++) if (col.valid[sel ? sel[start + k]! : start + k] === 0) (nulls ??= []).push(k);
    if (nulls) writeNulls(vec, nulls, count);
  }
}

function writeNulls(vec: duckdb.Vector, nulls: readonly number[], count: number): void {
  const words = Math.ceil(count / 64);
  const mask = new Uint8Array(words * 8).fill(0xff);
  for (const k of nulls) mask[k >> 3]! &= ~(1 << (k & 7));
  duckdb.vector_ensure_validity_writable(vec);
  duckdb.copy_data_to_vector_validity(vec, 0, mask.buffer, 0, mask.byteLength);
}

/** Runs a query whose first column is an INTEGER row index and returns those indexes in result order. */
export function readRowIndexes(engine: SqlEngine, sql: string): Promise<Int32Array> {
  return engine.statement(sql, (connection) => rowIndexes(connection, sql));
}

async function rowIndexes(connection: DuckDBConnection, sql: string): Promise<Int32Array> {
  const result = await connection.run(sql);
  const parts: Int32Array[] = [];
  let total = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    const bytes = duckdb.vector_get_data(vectorOf(chunk, 0), n * 4);
    const part = new Int32Array(n);
    part.set(new Int32Array(bytes.buffer, bytes.byteOffset, n));
    parts.push(part);
    total += n;
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Int32Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Runs a query and returns its result as a ColumnBatch. Meant for small results (window
 * aggregates, top-k) and computed columns: values cross one at a time. BIGINT and HUGEINT become
 * numbers (`long`) when exact, else decimal strings; timestamps become epoch ms; other types strings.
 */
export function readColumns(engine: SqlEngine, sql: string): Promise<ColumnBatch> {
  return engine.statement(sql, (connection) => columns(connection, sql));
}

async function columns(connection: DuckDBConnection, sql: string): Promise<ColumnBatch> {
  const result = await connection.run(sql);
  const names = result.columnNames();
  const typeIds = names.map((_, i) => result.columnTypeId(i));
  const fields: Field[] = names.map((name, i) => ({ name, type: columnTypeOf(typeIds[i]!) }));
  const builders = fields.map((f) => new ColumnBuilder(f.type, 64));
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    // rowCount is a native call: read it once per chunk, not once per value.
    const count = chunk?.rowCount ?? 0;
    if (count === 0) break;
    for (let c = 0; c < fields.length; c++) {
      const vector = chunk!.getColumnVector(c);
      const b = builders[c]!;
      const type = fields[c]!.type;
      for (let k = 0; k < count; k++) b.push(toJs(vector.getItem(k), type));
    }
    rows += count;
  }
  return new ColumnBatch(fields, builders.map((b) => b.finish()), rows);
}


function columnTypeOf(id: DuckDBTypeId): ColumnType {
  switch (id) {
    case DuckDBTypeId.BOOLEAN:
      return 'boolean';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
      return 'int';
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return 'long';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
    case DuckDBTypeId.DECIMAL:
      return 'double';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamp';
    default:
      return 'string';
  }
}

function toJs(v: unknown, type: ColumnType): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'long':
      return typeof v === 'bigint' ? (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString()) : Number(v);
    case 'double':
      return typeof v === 'number' ? v : Number(String(v));
    case 'timestamp': {
      const micros = (v as { micros?: bigint; millis?: bigint; seconds?: bigint; nanos?: bigint });
      if (micros.micros !== undefined) return Number(micros.micros / 1000n);
      if (micros.millis !== undefined) return Number(micros.millis);
      if (micros.seconds !== undefined) return Number(micros.seconds) * 1000;
      if (micros.nanos !== undefined) return Number(micros.nanos / 1_000_000n);
      return Date.parse(String(v));
    }
    case 'string':
      return typeof v === 'string' ? v : String(v);
    default:
      return v;
  }
}
